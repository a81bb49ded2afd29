"""Schema drift: how a recorded response departs from the models, by one rule and in one
message format, used alike by the pytest plugin (while recording or replaying) and by
``harness verify`` (over committed cassettes).

The rule: a successful (2xx) answer to a request that returns a run or a thread (retrieve,
modify, create) must parse as :class:`~harness.api.models.Run` / ``Thread`` with no unknown
field, no missing spec-required field and no value the spec does not allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from harness.api.constants import MIN_TOKEN_LIMIT
from harness.api.errors import param_path
from harness.api.models import ResponseModel, Run, Thread

__all__ = ["Drift", "find_drift", "preview", "response_drift", "response_model"]

PREVIEW_LENGTH = 80
# A path naming a thread or run object (any prefix: /v1, /openai, a gateway's).
_THREAD_PATH = re.compile(r"/threads/[^/]+$")
_RUN_PATH = re.compile(r"/threads/[^/]+/runs/[^/]+$")
_CREATE_THREAD_PATH = re.compile(r"/threads$")
_CREATE_RUN_PATH = re.compile(r"/threads/[^/]+/runs$")


def preview(value: object) -> str:
    """``repr(value)``, cut to :data:`PREVIEW_LENGTH` characters."""
    text = repr(value)
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 3] + "..."


@dataclass(frozen=True)
class Drift:
    """One way a recorded object departs from the models: where, what value, and why."""

    path: str
    value: Any
    reason: str

    def describe(self, show: Callable[[object], str] | None = None) -> str:
        """``reason (value: ...)``; ``show`` renders the value (verify scrubs it first)."""
        return f"{self.reason} (value: {(show or preview)(self.value)})"

    def __str__(self) -> str:
        return f"{self.path}: {self.describe()}"


_SPEC_REQUIRED: dict[type[ResponseModel], tuple[str, ...]] = {
    Run: (
        "required_action",
        "last_error",
        "expires_at",
        "started_at",
        "cancelled_at",
        "failed_at",
        "completed_at",
        "instructions",
        "tools",
        "metadata",
        "usage",
        "incomplete_details",
        "max_prompt_tokens",
        "max_completion_tokens",
        "truncation_strategy",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
    ),
    Thread: ("tool_resources", "metadata"),
}


def find_drift(model: type[ResponseModel], data: object) -> list[Drift]:
    """Every departure of ``data`` from ``model``: mistyped or invalid values, unknown fields,
    missing spec-required fields, and values the models tolerate but the spec does not."""
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        return [
            Drift(param_path(tuple(e["loc"])) or "<root>", e.get("input"), e["msg"])
            for e in exc.errors(include_url=False)
        ]
    drifts = [
        Drift(path, value, "unknown field") for path, value in parsed.unknown_fields().items()
    ]
    for name in _SPEC_REQUIRED.get(model, ()):
        if name not in parsed.model_fields_set:
            drifts.append(Drift(name, None, "required by the spec but missing"))
    if isinstance(parsed, Run):
        if parsed.response_format == "none":
            drifts.append(Drift("response_format", "none", "not a value the spec allows"))
        for name in ("max_prompt_tokens", "max_completion_tokens"):
            limit = getattr(parsed, name)
            if limit is not None and limit < MIN_TOKEN_LIMIT:
                drifts.append(Drift(name, limit, f"below the spec's minimum of {MIN_TOKEN_LIMIT}"))
    return drifts


def response_model(method: str, path: str, status: int) -> type[Run] | type[Thread] | None:
    """The model a response must match: a 2xx answer to retrieving (GET) or modifying (POST) a
    run or thread, or to creating one (POST), returns that object; anything else, None."""
    if not 200 <= status < 300 or method not in ("GET", "POST"):
        return None
    if _RUN_PATH.search(path) or (method == "POST" and _CREATE_RUN_PATH.search(path)):
        return Run
    if _THREAD_PATH.search(path) or (method == "POST" and _CREATE_THREAD_PATH.search(path)):
        return Thread
    return None


def response_drift(
    method: str,
    path: str,
    status: int,
    body: object,
    *,
    has_json: bool = True,
    events: list[dict[str, Any]] | None = None,
) -> list[Drift]:
    """Drift in one response, each :attr:`Drift.path` relative to the interaction
    (``response.json.created_at``); empty when the response returns no object or matches.
    A streamed 2xx answer on a thread path (``events``: create run, create thread and run,
    submit tool outputs) is checked event by event against the spec's stream events
    (:func:`harness.stream.drift.stream_drift`)."""
    if events is not None and 200 <= status < 300 and "/threads" in path:
        from harness.stream.drift import stream_drift

        return stream_drift(events)
    model = response_model(method, path, status)
    if model is None:
        return []
    if not has_json:
        return [Drift("response", None, f"expected a JSON {model.__name__} body, got none")]
    return [Drift(f"response.json.{d.path}", d.value, d.reason) for d in find_drift(model, body)]
