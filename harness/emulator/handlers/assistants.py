"""Assistant handlers: create, list, retrieve, modify, delete."""

from __future__ import annotations

from harness.api.assistants import CreateAssistantRequest, ModifyAssistantRequest
from harness.emulator.handlers.common import check_resources, deleted, page_of
from harness.emulator.request import Request
from harness.emulator.store import JSON

_DEFAULTS: JSON = {"temperature": 1.0, "top_p": 1.0, "response_format": "auto"}


def create_assistant(request: Request) -> JSON:
    body = request.parse(CreateAssistantRequest)
    given = body.to_dict()
    store = request.store
    check_resources(store, given.get("tool_resources"))
    with store.lock:
        assistant: JSON = {
            "id": store.new_id("assistant"),
            "object": "assistant",
            "created_at": store.tick(),
            "name": given.get("name"),
            "description": given.get("description"),
            "model": given["model"],
            "instructions": given.get("instructions"),
            "tools": given.get("tools") or [],
            "tool_resources": given.get("tool_resources") or {},
            "metadata": given.get("metadata") or {},
            **{k: given.get(k) if given.get(k) is not None else v for k, v in _DEFAULTS.items()},
        }
        if "reasoning_effort" in given:
            assistant["reasoning_effort"] = given["reasoning_effort"]
        return store.add_assistant(assistant)


def list_assistants(request: Request) -> JSON:
    store = request.store
    with store.lock:
        return page_of(request, store.assistant_list, store.assistants)


def retrieve_assistant(request: Request) -> JSON:
    return request.store.assistant(request.ids["assistant_id"])


def modify_assistant(request: Request) -> JSON:
    given = request.parse(ModifyAssistantRequest).to_dict()
    store = request.store
    check_resources(store, given.get("tool_resources"))
    with store.lock:
        assistant = store.assistant(request.ids["assistant_id"])
        for key, value in given.items():
            if value is not None:
                assistant[key] = value
        return assistant


def delete_assistant(request: Request) -> JSON:
    return deleted(request.store.delete_assistant(request.ids["assistant_id"]))
