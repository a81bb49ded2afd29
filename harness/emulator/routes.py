"""The route table: every API route as data (method, path template, handler).

A template is the path after the flavor's prefix (``/v1/`` or ``/openai/``); ``{name}`` is a
path parameter whose id prefix is checked (after auth) against :data:`ID_PREFIXES`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from harness.emulator.handlers import assistants, messages, runs, steps, threads
from harness.emulator.request import Request
from harness.emulator.store import JSON
from harness.emulator.streaming import Streamed

Handler = Callable[[Request], "JSON | Streamed"]
"""A handler answers JSON, or (``stream: true``) the run's event stream."""


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler


_T = "threads/{thread_id}"
_R = f"{_T}/runs/{{run_id}}"
ROUTES: tuple[Route, ...] = (
    Route("POST", "assistants", assistants.create_assistant),
    Route("GET", "assistants", assistants.list_assistants),
    Route("GET", "assistants/{assistant_id}", assistants.retrieve_assistant),
    Route("POST", "assistants/{assistant_id}", assistants.modify_assistant),
    Route("DELETE", "assistants/{assistant_id}", assistants.delete_assistant),
    Route("POST", "threads", threads.create_thread),
    Route("POST", "threads/runs", runs.create_thread_and_run),
    Route("GET", _T, threads.retrieve_thread),
    Route("POST", _T, threads.modify_thread),
    Route("DELETE", _T, threads.delete_thread),
    Route("POST", f"{_T}/messages", messages.create_message),
    Route("GET", f"{_T}/messages", messages.list_messages),
    Route("GET", f"{_T}/messages/{{message_id}}", messages.retrieve_message),
    Route("POST", f"{_T}/messages/{{message_id}}", messages.modify_message),
    Route("DELETE", f"{_T}/messages/{{message_id}}", messages.delete_message),
    Route("POST", f"{_T}/runs", runs.create_run),
    Route("GET", f"{_T}/runs", runs.list_runs),
    Route("GET", _R, runs.retrieve_run),
    Route("POST", _R, runs.modify_run),
    Route("POST", f"{_R}/cancel", runs.cancel_run),
    Route("POST", f"{_R}/submit_tool_outputs", runs.submit_tool_outputs),
    Route("GET", f"{_R}/steps", steps.list_steps),
    Route("GET", f"{_R}/steps/{{step_id}}", steps.retrieve_step),
)

ID_PREFIXES: dict[str, str] = {
    "assistant_id": "asst",
    "thread_id": "thread",
    "run_id": "run",
    "message_id": "msg",
    "step_id": "step",
}
"""The prefix each path parameter's id must have (``Invalid 'thread_id': ...`` otherwise)."""


@dataclass(frozen=True)
class Match:
    """The handlers of one path template by method, and the path parameters it bound."""

    template: str
    methods: dict[str, Handler]
    ids: dict[str, str]


def _by_template() -> dict[tuple[str, ...], dict[str, Handler]]:
    table: dict[tuple[str, ...], dict[str, Handler]] = {}
    for route in ROUTES:
        table.setdefault(tuple(route.template.split("/")), {})[route.method] = route.handler
    return table


_TABLE = _by_template()


def _bind(template: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(template) != len(parts):
        return None
    ids: dict[str, str] = {}
    for expected, part in zip(template, parts, strict=True):
        if expected.startswith("{"):
            ids[expected[1:-1]] = part
        elif expected != part:
            return None
    return ids


@functools.lru_cache(maxsize=4096)
def match(rest: str) -> Match | None:
    """The routes for a path after its prefix (``threads/thread_abc``), else None. Literal
    segments win over parameters (``threads/runs`` is create-thread-and-run). Cached: a
    client polls the same paths again and again (callers never change a Match's ids)."""
    parts = rest.split("/")
    if "" in parts:
        return None
    found: list[tuple[int, Match]] = []
    for template, methods in _TABLE.items():
        ids = _bind(template, parts)
        if ids is not None:
            found.append((len(ids), Match("/".join(template), methods, ids)))
    return min(found, key=lambda item: item[0])[1] if found else None
