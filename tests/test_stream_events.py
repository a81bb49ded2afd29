"""The event sequence of a run's path: the API's order for every outcome, every event valid
against the spec's AssistantStreamEvent schemas, text and tool-call arguments in deltas."""

from __future__ import annotations

import json

import pytest

from harness.factory import RunFactory, ThreadFactory
from harness.stream.drift import stream_drift
from harness.stream.events import EventName, error_event, stream_events
from harness.stream.path import resumed_path, run_path
from harness.stream.sse import entry_from_event
from tests.spec import stream_event_errors

TEXT = "Hello there, how are you today?"
START = ["thread.run.created", "thread.run.queued", "thread.run.in_progress"]
MESSAGE = [
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.message.created",
    "thread.message.in_progress",
    *["thread.message.delta"] * 6,
]
EXPECTED = {
    "completed": [*START, *MESSAGE, "thread.message.completed", "thread.run.step.completed",
                  "thread.run.completed"],
    "incomplete": [*START, *MESSAGE, "thread.message.incomplete", "thread.run.step.completed",
                   "thread.run.incomplete"],
    "requires_action": [*START, "thread.run.step.created", "thread.run.step.in_progress",
                        # the call (name), then its arguments in 16-character pieces
                        *["thread.run.step.delta"] * 3, "thread.run.requires_action"],
    "failed": [*START, "thread.run.failed"],
    "cancelled": [*START, "thread.run.cancelling", "thread.run.cancelled"],
    "expired": [*START, "thread.run.expired"],
}  # fmt: skip


@pytest.mark.parametrize("status", sorted(EXPECTED))
def test_every_outcome_streams_the_api_sequence_and_validates(status: str) -> None:
    run = RunFactory(3).build_dict(status=status, tools=["function"], parallel_tool_calls=False)
    if status == "requires_action":
        run["required_action"]["submit_tool_outputs"]["tool_calls"][0]["function"]["arguments"] = (
            '{"city": "Paris", "unit": "c"}'
        )
    events = list(stream_events(run_path(run, text=TEXT)))
    assert [e.event for e in events] == [*EXPECTED[status], "done"]
    assert events[-1].data == "[DONE]"
    for event in events:
        assert stream_event_errors(event.event, event.data) == [], event
    assert json.loads(events[-2].data) == run  # the last run event is the run as it ended
    if status in ("completed", "incomplete"):
        deltas = [json.loads(e.data) for e in events if e.event == "thread.message.delta"]
        assert "".join(d["delta"]["content"][0]["text"]["value"] for d in deltas) == TEXT
    if status == "requires_action":
        deltas = [json.loads(e.data) for e in events if e.event == "thread.run.step.delta"]
        calls = [d["delta"]["step_details"]["tool_calls"][0] for d in deltas]
        assert "".join(c["function"]["arguments"] for c in calls) == (
            '{"city": "Paris", "unit": "c"}'
        )


def test_create_and_run_starts_with_thread_created() -> None:
    thread = ThreadFactory(1).build_dict()
    run = RunFactory(1).build_dict(status="completed")
    run["thread_id"] = thread["id"]
    events = list(stream_events(run_path(run, text="ok", thread=thread)))
    assert events[0].event == "thread.created" and json.loads(events[0].data) == thread
    assert stream_event_errors(events[0].event, events[0].data) == []


def test_resumed_path_after_tool_outputs() -> None:
    factory = RunFactory(5)
    waiting = factory.build_dict(status="requires_action", tools=["function"])
    final = dict(factory.build_dict(status="completed"), id=waiting["id"])
    final["thread_id"] = waiting["thread_id"]
    calls = waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    outputs = {call["id"]: "42" for call in calls}
    events = list(stream_events(resumed_path(waiting, outputs, final, text="Done.")))
    names = [e.event for e in events]
    assert names[:3] == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"]
    assert names[-2:] == ["thread.run.completed", "done"]
    step = json.loads(events[0].data)
    assert [c["function"]["output"] for c in step["step_details"]["tool_calls"]] == ["42"] * len(
        calls
    )
    for event in events:
        assert stream_event_errors(event.event, event.data) == [], event


def test_error_event_validates_and_the_validator_is_not_vacuous() -> None:
    event = error_event("The server had an error while processing your request.")
    assert event.event == EventName.ERROR.value
    assert stream_event_errors(event.event, event.data) == []
    assert stream_event_errors("thread.run.completed", '{"id": 1}') != []
    assert stream_event_errors("done", "DONE") != []


def _stored(status: str) -> list[dict[str, object]]:
    run = RunFactory(3).build_dict(status=status, tools=["function"])
    return [entry_from_event(e) for e in stream_events(run_path(run, text=TEXT))]


@pytest.mark.parametrize("status", ["completed", "requires_action", "failed"])
def test_rendered_streams_have_no_drift(status: str) -> None:
    assert stream_drift(_stored(status)) == []


def test_stream_drift_names_the_event_and_field() -> None:
    events = _stored("completed")
    events[0]["data"]["brand_new"] = 1  # type: ignore[index]
    events[1]["event"] = "thread.run.teleported"
    delta = next(e for e in events if e["event"] == "thread.message.delta")
    delta["data"]["delta"]["content"][0]["index"] = "0"  # type: ignore[index]
    events[-1] = {"event": "done", "text": "DONE"}
    found = {(d.path, d.reason.split(" (")[0]) for d in stream_drift(events)}
    number = events.index(delta)
    assert ("response.events[0].data.brand_new", "unknown field") in found
    assert ("response.events[1].event", "not an event of the spec's AssistantStreamEvent") in found
    assert any(p.startswith(f"response.events[{number}].data.delta.content") for p, _ in found)
    assert (f"response.events[{len(events) - 1}].text", "done's data is [DONE]") in found
