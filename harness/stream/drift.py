"""Drift in a recorded stream: each event checked against the spec's ``AssistantStreamEvent``
(a known event name, and data that is the object that event carries), with the same
:class:`~harness.api.drift.Drift` records and messages as any recorded object."""

from __future__ import annotations

from typing import Any

from harness.api.drift import Drift, find_drift
from harness.api.models import ResponseModel, Run, Thread
from harness.stream.events import DONE, EventName, data_kind
from harness.stream.models import MessageDelta, RunStepDelta

__all__ = ["stream_drift"]

_MODELS: dict[str, type[ResponseModel]] = {
    "thread": Thread,
    "thread.run": Run,
    "thread.message.delta": MessageDelta,
    "thread.run.step.delta": RunStepDelta,
}
_KNOWN = {name.value: name for name in EventName}
_ERROR_FIELDS = (("message", (str,)), ("type", (str,)), ("code", (str, type(None))),
                 ("param", (str, type(None))))  # fmt: skip


def _error_drift(data: Any, where: str) -> list[Drift]:
    if not isinstance(data, dict):
        return [Drift(where, data, "an error event's data must be the spec's Error object")]
    return [
        Drift(
            f"{where}.{name}", data.get(name), f"must be {' or '.join(t.__name__ for t in types)}"
        )
        for name, types in _ERROR_FIELDS
        if not isinstance(data.get(name), types)
    ]


def stream_drift(events: list[dict[str, Any]], where: str = "response.events") -> list[Drift]:
    """Every way a stored stream departs from the spec's event schemas, by entry:
    an unknown event name, ``done`` without ``[DONE]``, data that does not match the object the
    event carries (run, thread, deltas, error), a stream that does not end with ``done``."""
    drifts: list[Drift] = []
    for number, entry in enumerate(events):
        at = f"{where}[{number}]"
        name = _KNOWN.get(str(entry.get("event")))
        if name is None:
            reason = "not an event of the spec's AssistantStreamEvent"
            drifts.append(Drift(f"{at}.event", entry.get("event"), reason))
            continue
        kind = data_kind(name)
        if kind == "done":
            if entry.get("text") != DONE:
                drifts.append(Drift(f"{at}.text", entry.get("text"), f"done's data is {DONE}"))
        elif "data" not in entry:
            drifts.append(Drift(f"{at}.text", entry.get("text"), "expected JSON data"))
        elif kind == "error":
            drifts += _error_drift(entry["data"], f"{at}.data")
        elif kind in _MODELS:
            drifts += [
                Drift(f"{at}.data.{d.path}", d.value, d.reason)
                for d in find_drift(_MODELS[kind], entry["data"])
            ]
        elif not isinstance(entry["data"], dict) or entry["data"].get("object") != kind:
            drifts.append(Drift(f"{at}.data.object", entry["data"], f"expected a {kind} object"))
    last = events[-1].get("event") if events else None
    if last not in (EventName.DONE.value, EventName.ERROR.value):
        drifts.append(Drift(where, last, "a stream ends with the done event (or an error)"))
    return drifts
