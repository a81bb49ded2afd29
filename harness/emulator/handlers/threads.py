"""Thread handlers: create (with messages), retrieve, modify, delete."""

from __future__ import annotations

from harness.api.models import CreateThreadRequest, ModifyThreadRequest
from harness.emulator.handlers.common import check_resources, deleted, new_message, parse_messages
from harness.emulator.request import Request
from harness.emulator.store import JSON, Store


def create_thread(request: Request) -> JSON:
    return new_thread(request.store, request.parse(CreateThreadRequest))


def new_thread(store: Store, body: CreateThreadRequest, *, where: str = "") -> JSON:
    """Store a thread (and its messages) from a create-thread body."""
    given = body.to_dict()
    check_resources(store, given.get("tool_resources"), f"{where}tool_resources")
    messages = parse_messages(given.get("messages"), f"{where}messages")
    with store.lock:
        thread: JSON = {
            "id": store.new_id("thread"),
            "object": "thread",
            "created_at": store.tick(),
            "metadata": given.get("metadata") or {},
            "tool_resources": given.get("tool_resources") or {},
        }
        store.add_thread(thread)
        for message in messages:
            new_message(store, thread, message)
        return thread


def retrieve_thread(request: Request) -> JSON:
    return request.store.thread(request.thread_id)


def modify_thread(request: Request) -> JSON:
    given = request.parse(ModifyThreadRequest).to_dict()
    store = request.store
    check_resources(store, given.get("tool_resources"))
    with store.lock:
        thread = store.thread(request.thread_id)
        if given.get("metadata") is not None:
            thread["metadata"] = given["metadata"]
        resources = given.get("tool_resources")
        if resources is not None:
            merged = dict(thread.get("tool_resources") or {})
            merged.update({k: v for k, v in resources.items() if v is not None})
            thread["tool_resources"] = merged
        return thread


def delete_thread(request: Request) -> JSON:
    return deleted(request.store.delete_thread(request.thread_id))
