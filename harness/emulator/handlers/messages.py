"""Message handlers: create, list (optionally one run's), retrieve, modify, delete."""

from __future__ import annotations

from harness.api.messages import CreateMessageRequest, ModifyMessageRequest
from harness.emulator.errors import EmulatorError
from harness.emulator.handlers.common import deleted, new_message, page_of
from harness.emulator.request import Request
from harness.emulator.store import JSON


def create_message(request: Request) -> JSON:
    body = request.parse(CreateMessageRequest)
    store = request.store
    with store.lock:
        thread = store.thread(request.thread_id)
        active = store.active_run(thread["id"])
        if active is not None:
            raise EmulatorError(
                400,
                f"Can't add messages to {thread['id']} while a run {active['id']} is active.",
            )
        return new_message(store, thread, body)


def list_messages(request: Request) -> JSON:
    store = request.store
    run_id = (request.query.get("run_id") or [""])[-1]
    with store.lock:
        store.thread(request.thread_id)
        keep = None if not run_id else (lambda m: m.get("run_id") == run_id)
        return page_of(request, store.thread_messages.get(request.thread_id), store.messages, keep)


def retrieve_message(request: Request) -> JSON:
    return request.store.message(request.thread_id, request.ids["message_id"])


def modify_message(request: Request) -> JSON:
    body = request.parse(ModifyMessageRequest)
    store = request.store
    with store.lock:
        message = store.message(request.thread_id, request.ids["message_id"])
        if body.metadata is not None:
            message["metadata"] = dict(body.metadata)
        return message


def delete_message(request: Request) -> JSON:
    return deleted(request.store.delete_message(request.thread_id, request.ids["message_id"]))
