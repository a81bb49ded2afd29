"""The Assistants event stream: event names, and the events a run's path produces.

A run's path is an ordered list of state changes (:class:`StateChange`: the event name and
the object right after the change), the emulator's lifecycle states it once.
:func:`stream_events` only renders it as the API streams it: a message's text as
``thread.message.delta`` events one word each, a new tool-call step's calls as
``thread.run.step.delta`` events (the call with its name, then its arguments in pieces), and
``done`` / ``[DONE]`` at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from harness.stream.sse import ServerSentEvent, encode_json

__all__ = [
    "DONE",
    "Change",
    "EventName",
    "StateChange",
    "data_kind",
    "error_event",
    "stream_events",
]

JSON = dict[str, Any]
DONE = "[DONE]"


class EventName(str, Enum):
    """Every event of the spec's ``AssistantStreamEvent`` (``str()`` is the wire name)."""

    THREAD_CREATED = "thread.created"
    RUN_CREATED = "thread.run.created"
    RUN_QUEUED = "thread.run.queued"
    RUN_IN_PROGRESS = "thread.run.in_progress"
    RUN_REQUIRES_ACTION = "thread.run.requires_action"
    RUN_COMPLETED = "thread.run.completed"
    RUN_INCOMPLETE = "thread.run.incomplete"
    RUN_FAILED = "thread.run.failed"
    RUN_CANCELLING = "thread.run.cancelling"
    RUN_CANCELLED = "thread.run.cancelled"
    RUN_EXPIRED = "thread.run.expired"
    STEP_CREATED = "thread.run.step.created"
    STEP_IN_PROGRESS = "thread.run.step.in_progress"
    STEP_DELTA = "thread.run.step.delta"
    STEP_COMPLETED = "thread.run.step.completed"
    STEP_FAILED = "thread.run.step.failed"
    STEP_CANCELLED = "thread.run.step.cancelled"
    STEP_EXPIRED = "thread.run.step.expired"
    MESSAGE_CREATED = "thread.message.created"
    MESSAGE_IN_PROGRESS = "thread.message.in_progress"
    MESSAGE_DELTA = "thread.message.delta"
    MESSAGE_COMPLETED = "thread.message.completed"
    MESSAGE_INCOMPLETE = "thread.message.incomplete"
    ERROR = "error"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


def data_kind(name: EventName) -> str:
    """What an event's data is: the spec schema's object (``thread``, ``thread.run``,
    ``thread.run.step``, ``thread.message``, their ``.delta`` objects), ``error`` or ``done``."""
    wire = str(name)
    if name in (EventName.ERROR, EventName.DONE) or wire.endswith(".delta"):
        return wire
    if name is EventName.THREAD_CREATED:
        return "thread"
    return wire.rsplit(".", 1)[0]


class StateChange(Protocol):
    """One step of a run's path, as the emulator's lifecycle records it: the stream event name
    and the object right after the change (for ``*.delta`` events, the delta object)."""

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> JSON: ...


@dataclass(frozen=True)
class Change:
    """A plain :class:`StateChange`."""

    event: str
    data: JSON


def _event(name: EventName, data: object) -> ServerSentEvent:
    return ServerSentEvent(name.value, encode_json(data))


def error_event(message: str, *, code: str | None = "server_error") -> ServerSentEvent:
    """The ``error`` event the API sends when a stream fails midway (data: the spec's Error)."""
    return _event(
        EventName.ERROR, {"code": code, "message": message, "param": None, "type": "server_error"}
    )


_WORD = re.compile(r"\S+\s*|\s+")


def _text_chunks(text: str) -> list[str]:
    """The text as the deltas that stream it: each word with the space after it."""
    return _WORD.findall(text) or [text]


def _message_deltas(delta: JSON) -> Iterator[ServerSentEvent]:
    """A message delta as the API streams it: text parts split word by word."""
    for part in delta["delta"].get("content") or []:
        if part.get("type") != "text":
            yield _event(EventName.MESSAGE_DELTA, {**delta, "delta": {"content": [part]}})
            continue
        text = part["text"]
        for number, chunk in enumerate(_text_chunks(text.get("value", ""))):
            piece: JSON = {"value": chunk}
            if number == 0 and "annotations" in text:
                piece["annotations"] = text["annotations"]
            content = [{"index": part["index"], "type": "text", "text": piece}]
            yield _event(EventName.MESSAGE_DELTA, {**delta, "delta": {"content": content}})


def _tool_calls(step: JSON) -> list[JSON]:
    details = step.get("step_details") or {}
    if details.get("type") != "tool_calls":
        return []
    calls: list[JSON] = details.get("tool_calls") or []
    return calls


def _without_calls(step: JSON) -> JSON:
    return {**step, "step_details": {"type": "tool_calls", "tool_calls": []}}


def _step_deltas(step: JSON, calls: list[JSON]) -> Iterator[ServerSentEvent]:
    """Tool calls as the API streams them into a step: each call, then its arguments."""
    for index, call in enumerate(calls):
        delta: JSON = {"index": index, "id": call["id"], "type": call["type"]}
        if call["type"] != "function":
            yield _step_delta(step, {**delta, call["type"]: call[call["type"]]})
            continue
        function = call["function"]
        yield _step_delta(
            step, {**delta, "function": {"name": function["name"], "arguments": "", "output": None}}
        )
        for chunk in _argument_chunks(function.get("arguments") or ""):
            yield _step_delta(
                step, {"index": index, "type": "function", "function": {"arguments": chunk}}
            )


def _argument_chunks(arguments: str, size: int = 16) -> list[str]:
    return [arguments[start : start + size] for start in range(0, len(arguments), size)]


def _step_delta(step: JSON, call: JSON) -> ServerSentEvent:
    return _event(
        EventName.STEP_DELTA,
        {
            "id": step["id"],
            "object": "thread.run.step.delta",
            "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}},
        },
    )


def stream_events(
    changes: Iterable[StateChange], *, done: bool = True
) -> Iterator[ServerSentEvent]:
    """The event sequence of a path: each change as its event, message text split into
    word deltas, the calls of a new tool-call step streamed as step deltas after it is in
    progress (its ``created``/``in_progress`` data shows no calls yet, as the API's does), and
    ``done`` last unless told not."""
    unstreamed: dict[str, JSON] = {}  # tool-call steps whose calls are not streamed yet
    for change in changes:
        name, data = EventName(change.event), change.data
        if name is EventName.MESSAGE_DELTA:
            yield from _message_deltas(data)
            continue
        if name is EventName.STEP_CREATED and any(
            call.get("type") == "function" and call["function"].get("output") is None
            for call in _tool_calls(data)
        ):
            unstreamed[data["id"]] = data
            yield _event(name, _without_calls(data))
            continue
        if name is EventName.STEP_IN_PROGRESS and data["id"] in unstreamed:
            yield _event(name, _without_calls(data))
            yield from _step_deltas(data, _tool_calls(unstreamed.pop(data["id"])))
            continue
        for step in list(unstreamed.values()):
            yield from _step_deltas(step, _tool_calls(unstreamed.pop(step["id"])))
        yield _event(name, data)
    if done:
        yield ServerSentEvent(EventName.DONE.value, DONE)
