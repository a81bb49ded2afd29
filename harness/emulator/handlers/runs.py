"""Run handlers: create (also with a new thread), list, retrieve (one tick), modify, cancel,
submit tool outputs. Status changes go through :mod:`harness.emulator.lifecycle`."""

from __future__ import annotations

from typing import Any

from harness.api.constants import RUN_LIFETIME
from harness.api.models import CreateRunRequest, ModifyRunRequest
from harness.api.steps import CreateThreadAndRunRequest, SubmitToolOutputsRequest
from harness.emulator import lifecycle
from harness.emulator.errors import EmulatorError, check_prefix
from harness.emulator.handlers.common import (
    check_include,
    new_message,
    page_of,
    parse_messages,
)
from harness.emulator.handlers.threads import new_thread
from harness.emulator.request import Request
from harness.emulator.store import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_MODEL,
    JSON,
    Store,
)
from harness.emulator.streaming import Streamed, stream_created, stream_resumed


def create_run(request: Request) -> JSON | Streamed:
    check_include(request)
    body = request.parse(CreateRunRequest)
    store = request.store
    _check_assistant_id(store, body.assistant_id)
    extra = parse_messages(body.to_dict().get("additional_messages"), "additional_messages")
    with store.lock:
        thread = store.thread(request.thread_id)
        active = store.active_run(thread["id"])
        if active is not None:
            raise EmulatorError(
                400, f"Thread {thread['id']} already has an active run {active['id']}."
            )
        for message in extra:
            new_message(store, thread, message)
        run = _start(store, thread, body.to_dict())
        if body.stream:
            return stream_created(store, store.runs[run["id"]])
        return run


def create_thread_and_run(request: Request) -> JSON | Streamed:
    body = request.parse(CreateThreadAndRunRequest)
    store = request.store
    _check_assistant_id(store, body.assistant_id)
    with store.lock:
        store.assistant(body.assistant_id)
        thread = new_thread(store, body.thread or _empty_thread(), where="thread.")
        given = body.to_dict()
        given.pop("thread", None)
        run = _start(store, thread, given)
        if body.stream:
            return stream_created(store, store.runs[run["id"]], thread)
        return run


def _empty_thread() -> Any:
    from harness.api.models import CreateThreadRequest

    return CreateThreadRequest()


def _check_assistant_id(store: Store, assistant_id: str) -> None:
    if not store.lenient:
        check_prefix("assistant_id", assistant_id, "asst")


def _start(store: Store, thread: JSON, given: JSON) -> JSON:
    """Store a queued run from a create body (the assistant fills what the body leaves out)."""
    assistant = store.assistant(given["assistant_id"])
    created_at = store.tick(not_before=thread["created_at"])
    instructions = _pick(given, assistant, "instructions") or DEFAULT_INSTRUCTIONS
    if given.get("additional_instructions"):
        instructions = f"{instructions}\n\n{given['additional_instructions']}"
    run: JSON = {
        "id": store.new_id("run"),
        "object": "thread.run",
        "created_at": created_at,
        "assistant_id": assistant["id"],
        "thread_id": thread["id"],
        "status": "queued",
        "started_at": None,
        "expires_at": created_at + RUN_LIFETIME,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": None,
        "last_error": None,
        "model": _pick(given, assistant, "model") or DEFAULT_MODEL,
        "instructions": instructions,
        "tools": _pick(given, assistant, "tools") or [],
        "metadata": given.get("metadata") or {},
        "incomplete_details": None,
        "usage": None,
        "temperature": _pick(given, assistant, "temperature", 1.0),
        "top_p": _pick(given, assistant, "top_p", 1.0),
        "max_prompt_tokens": given.get("max_prompt_tokens"),
        "max_completion_tokens": given.get("max_completion_tokens"),
        "truncation_strategy": given.get("truncation_strategy")
        or {"type": "auto", "last_messages": None},
        "response_format": _pick(given, assistant, "response_format", "auto"),
        "tool_choice": given.get("tool_choice") or "auto",
        "parallel_tool_calls": _or(given.get("parallel_tool_calls"), True),
    }
    if given.get("tool_resources"):
        run["tool_resources"] = given["tool_resources"]
    store.plans[run["id"]] = lifecycle.plan_run(store, run)
    store.add_run(run)
    lifecycle.created(store, run)
    return run


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _pick(given: JSON, assistant: JSON, name: str, default: Any = None) -> Any:
    """The body's value, else the assistant's, else ``default``."""
    value = given.get(name)
    if value is None:
        value = assistant.get(name)
    return _or(value, default)


def list_runs(request: Request) -> JSON:
    store = request.store
    with store.lock:
        store.thread(request.thread_id)
        return page_of(request, store.thread_runs.get(request.thread_id), store.runs)


def retrieve_run(request: Request) -> JSON:
    """One tick of the run's lifecycle, then the run."""
    store = request.store
    with store.lock:
        run = store.run(request.thread_id, request.run_id)
        lifecycle.advance(store, run)
        return run


def modify_run(request: Request) -> JSON:
    body = request.parse(ModifyRunRequest)
    store = request.store
    with store.lock:
        run = store.run(request.thread_id, request.run_id)
        if body.metadata is not None:
            run["metadata"] = dict(body.metadata)
        return run


def cancel_run(request: Request) -> JSON:
    store = request.store
    with store.lock:
        run = store.run(request.thread_id, request.run_id)
        lifecycle.cancel(store, run)
        return run


def submit_tool_outputs(request: Request) -> JSON | Streamed:
    body = request.parse(SubmitToolOutputsRequest)
    store = request.store
    with store.lock:
        run = store.run(request.thread_id, request.run_id)
        outputs = [o.model_dump(mode="json") for o in body.tool_outputs]
        if body.stream:
            return stream_resumed(store, run, outputs)
        lifecycle.submit_tool_outputs(store, run, outputs)
        return run
