"""What several handlers share: list pages, deletion answers, nested message bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.api.messages import CreateMessageRequest
from harness.api.steps import FILE_SEARCH_CONTENT_INCLUDE
from harness.emulator.errors import EmulatorError
from harness.emulator.pages import Index, list_page
from harness.emulator.request import Request, validate
from harness.emulator.store import JSON, Store, check_resource_ids


def page_of(
    request: Request,
    index: Index | None,
    table: dict[str, JSON],
    keep: Callable[[JSON], bool] | None = None,
) -> JSON:
    """One page of ``index`` (copies), as the API's list object."""
    query = request.page_query()
    if index is None:
        return list_page([], False)
    ids, more = index.page(query, lenient=request.store.lenient)
    objects = [table[i] for i in ids]
    if keep is not None:
        objects = [o for o in objects if keep(o)]
    return list_page(objects, more)


def deleted(obj: JSON) -> JSON:
    return {"id": obj["id"], "object": f"{obj['object']}.deleted", "deleted": True}


def check_include(request: Request) -> None:
    """``include[]`` takes one value on the run and step routes."""
    for index, value in enumerate(request.query.get("include[]", [])):
        if value != FILE_SEARCH_CONTENT_INCLUDE:
            raise EmulatorError(
                400,
                f"Invalid value: '{value}'. Supported values are: '{FILE_SEARCH_CONTENT_INCLUDE}'.",
                param=f"include[{index}]",
                code="invalid_value",
            )


def check_resources(store: Store, resources: Any, where: str = "tool_resources") -> None:
    if not store.lenient:
        check_resource_ids(resources, where=where)


def parse_messages(raw: Any, where: str) -> list[CreateMessageRequest]:
    """Each of a body's ``messages`` / ``additional_messages``, validated as a message."""
    return [
        validate(CreateMessageRequest, item, prefix=f"{where}[{index}].")
        for index, item in enumerate(raw or [])
    ]


def new_message(store: Store, thread: JSON, body: CreateMessageRequest) -> JSON:
    """Store a message from a create-message body (the caller holds the lock)."""
    if not store.lenient:
        for index, attachment in enumerate(body.attachments or []):
            if not attachment.file_id.startswith("file-"):
                param = f"attachments[{index}].file_id"
                raise EmulatorError(
                    400,
                    f"Invalid '{param}': '{attachment.file_id}'. Expected an ID that begins "
                    "with 'file-'.",
                    param=param,
                    code="invalid_value",
                )
    now = store.tick(not_before=thread["created_at"])
    message: JSON = {
        "id": store.new_id("message"),
        "object": "thread.message",
        "created_at": now,
        "thread_id": thread["id"],
        "status": "completed",
        "incomplete_details": None,
        "completed_at": now,
        "incomplete_at": None,
        "role": body.role,
        "content": body.content_parts(),
        "assistant_id": None,
        "run_id": None,
        "attachments": [a.model_dump(mode="json") for a in body.attachments or []],
        "metadata": body.metadata or {},
    }
    return store.add_message(message)
