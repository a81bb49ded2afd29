"""Run handlers: create, retrieve, modify."""

from __future__ import annotations

from harness.api.models import CreateRunRequest, ModifyRunRequest
from harness.emulator.errors import EmulatorError, check_prefix
from harness.emulator.request import Request
from harness.emulator.store import JSON, json_copy


def create_run(request: Request) -> JSON:
    body: CreateRunRequest = request.parse(CreateRunRequest)
    check_prefix("assistant_id", body.assistant_id, "asst")
    if body.stream:
        raise EmulatorError(
            400, "The emulator does not stream runs; send stream: false.", param="stream"
        )
    return request.store.create_run(request.thread_id, body)


def retrieve_run(request: Request) -> JSON:
    return json_copy(request.store.run(request.thread_id, request.run_id))


def modify_run(request: Request) -> JSON:
    return request.store.modify_run(
        request.thread_id, request.run_id, request.parse(ModifyRunRequest)
    )
