"""Thread handlers: create, retrieve, modify."""

from __future__ import annotations

from harness.api.models import CreateThreadRequest, ModifyThreadRequest
from harness.emulator.request import Request
from harness.emulator.store import JSON, json_copy


def create_thread(request: Request) -> JSON:
    return request.store.create_thread(request.parse(CreateThreadRequest))


def retrieve_thread(request: Request) -> JSON:
    return json_copy(request.store.thread(request.thread_id))


def modify_thread(request: Request) -> JSON:
    return request.store.modify_thread(request.thread_id, request.parse(ModifyThreadRequest))
