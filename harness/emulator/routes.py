"""The route table: every API route as data (method, path template, handler).

A template is the path after the flavor's prefix (``/v1/`` or ``/openai/``); ``{name}`` is a
path parameter. Each parameter's id prefix is checked (after auth) in :data:`ID_PREFIXES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.emulator.handlers import runs, threads
from harness.emulator.request import Request
from harness.emulator.store import JSON

Handler = Callable[[Request], JSON]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.split("/"))


ROUTES: tuple[Route, ...] = (
    Route("POST", "threads", threads.create_thread),
    Route("GET", "threads/{thread_id}", threads.retrieve_thread),
    Route("POST", "threads/{thread_id}", threads.modify_thread),
    Route("POST", "threads/{thread_id}/runs", runs.create_run),
    Route("GET", "threads/{thread_id}/runs/{run_id}", runs.retrieve_run),
    Route("POST", "threads/{thread_id}/runs/{run_id}", runs.modify_run),
)

ID_PREFIXES: dict[str, str] = {"thread_id": "thread", "run_id": "run"}
"""The prefix each path parameter's id must have (``Invalid 'thread_id': ...`` otherwise)."""


@dataclass(frozen=True)
class Match:
    """The routes of one path template, and the path parameters it bound."""

    methods: dict[str, Handler]
    ids: dict[str, str]


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


def _by_template() -> dict[tuple[str, ...], dict[str, Handler]]:
    table: dict[tuple[str, ...], dict[str, Handler]] = {}
    for route in ROUTES:
        table.setdefault(route.segments, {})[route.method] = route.handler
    return table


_TABLE = _by_template()


def match(rest: str) -> Match | None:
    """The routes for a path after its prefix (``threads/thread_abc``), else None."""
    parts = rest.split("/")
    if "" in parts:
        return None
    for template, methods in _TABLE.items():
        ids = _bind(template, parts)
        if ids is not None:
            return Match(methods, ids)
    return None
