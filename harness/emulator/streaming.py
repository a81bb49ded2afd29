"""``stream: true``: a handler's answer that is the run's event stream.

The run's path comes from :mod:`harness.emulator.lifecycle` (the same ``created`` /
``settle`` / ``submit_tool_outputs`` changes a polling client walks through one retrieve at a
time), so the store after a stream is exactly what polling to rest leaves. The path is walked
to rest *before* the first byte is sent: a client that disconnects midway leaves every object
where polling would have found it. :func:`harness.stream.events.stream_events` renders the
changes as the API streams them; the app sends one chunk per event.

A scenario with ``stream_error`` (a message) cuts the stream after ``thread.run.in_progress``
with the API's ``error`` event (code ``server_error``) and no ``done``, as a server failing
mid-stream does; the run itself still reaches its outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from harness.emulator import lifecycle
from harness.emulator.store import JSON, Store
from harness.stream.events import EventName, StateChange, error_event, stream_events
from harness.stream.sse import ServerSentEvent, encode

__all__ = ["Streamed", "stream_created", "stream_resumed"]


@dataclass(frozen=True)
class Streamed:
    """An event-stream answer: the changes to render, and where (if anywhere) it breaks."""

    changes: list[StateChange]
    error: str | None = None

    def events(self) -> Iterator[ServerSentEvent]:
        """The stream's events: the rendered path, or its start and the error event."""
        if self.error is None:
            yield from stream_events(self.changes)
            return
        for event in stream_events(self.changes, done=False):
            yield event
            if event.event == EventName.RUN_IN_PROGRESS.value:
                break
        yield error_event(self.error)

    def chunks(self) -> Iterator[bytes]:
        """Each event's bytes, one chunk (one flush) per event."""
        return (encode(event) for event in self.events())


def _error_for(store: Store, run: JSON) -> str | None:
    scenario = lifecycle.scenario_for(store, run)
    return scenario.stream_error if scenario is not None else None


def stream_created(store: Store, run: JSON, thread: JSON | None = None) -> Streamed:
    """The stream of a run just created (on a new ``thread`` for create-and-run): its
    creation, then every change until it is at rest. ``run`` is the stored object."""
    with store.lock:
        changes: list[StateChange] = []
        if thread is not None:
            changes.append(lifecycle.Change(EventName.THREAD_CREATED.value, thread))
        error = _error_for(store, run)
        changes += lifecycle.created(store, run)
        changes += lifecycle.settle(store, run)
        return Streamed(changes, error)


def stream_resumed(store: Store, run: JSON, outputs: list[JSON]) -> Streamed:
    """The stream after tool outputs were submitted: the tool step completed, the run queued
    again, then every change until it is at rest."""
    with store.lock:
        changes: list[StateChange] = list(lifecycle.submit_tool_outputs(store, run, outputs))
        changes += lifecycle.settle(store, run)
        return Streamed(changes, _error_for(store, run))
