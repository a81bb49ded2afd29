"""Run step handlers: list and retrieve (``include[]`` checked)."""

from __future__ import annotations

from harness.emulator.handlers.common import check_include, page_of
from harness.emulator.request import Request
from harness.emulator.store import JSON


def list_steps(request: Request) -> JSON:
    check_include(request)
    store = request.store
    with store.lock:
        store.run(request.thread_id, request.run_id)
        return page_of(request, store.run_steps.get(request.run_id), store.steps)


def retrieve_step(request: Request) -> JSON:
    check_include(request)
    return request.store.step(request.thread_id, request.run_id, request.ids["step_id"])
