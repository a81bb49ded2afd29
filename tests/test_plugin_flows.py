"""Whole Assistants flows through the pytest plugin: a downstream test file drives the real
openai SDK against the emulator (function tool -> requires_action -> tool outputs -> completed
-> messages -> modify run -> modify thread, polled and streamed), records it, replays it with
the emulator stopped and ``--offline``, re-records it byte-identically, and ``harness
regenerate`` finds the recorded cassette unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cli import main

pytest.importorskip("openai")


pytestmark = [pytest.mark.usefixtures("not_on_ci"), pytest.mark.slow]


DOWNSTREAM = """
import json
from pathlib import Path

import openai
import pytest

from tests.helpers import FUNCTION, StreamCalls, final_run

KEY = "sk-test-not-a-real-key"


@pytest.fixture
def client(request):
    if request.config.getoption("cassette_mode") == "none":
        base_url = "http://127.0.0.1:9/v1"  # nothing listens here: replay must not connect
    else:
        base_url = request.getfixturevalue("harness_emulator").base_url
    return openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)


def _out(request, name, data):
    mode = request.config.getoption("cassette_mode")
    Path(str(request.config.rootpath), f"{name}-{mode}.out").write_text(json.dumps(data, indent=1))


@pytest.mark.cassette
def test_polled_flow(client, request):
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[FUNCTION])
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": "Weather in Paris?"}]
    )
    run = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1
    )
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_weather"]
    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id,
        thread_id=thread.id,
        tool_outputs=[{"tool_call_id": c.id, "output": "sunny"} for c in calls],
        poll_interval_ms=1,
    )
    assert done.status == "completed" and done.id == run.id
    messages = client.beta.threads.messages.list(thread_id=thread.id, order="asc")
    roles = [m.role for m in messages.data]
    assert roles[0] == "user" and roles[-1] == "assistant" and len(roles) >= 2
    run_after = client.beta.threads.runs.update(
        run.id, thread_id=thread.id, metadata={"reviewed": "yes"}
    )
    assert run_after.metadata == {"reviewed": "yes"} and run_after.status == "completed"
    thread_after = client.beta.threads.update(thread.id, metadata={"state": "done"})
    assert thread_after.metadata == {"state": "done"}
    _out(request, "polled", {
        "run": run.to_dict(), "done": done.to_dict(),
        "messages": [m.to_dict() for m in messages.data],
        "run_after": run_after.to_dict(), "thread_after": thread_after.to_dict(),
    })


@pytest.mark.cassette
def test_streamed_flow(client, request):
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[FUNCTION])
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": "Weather in Oslo?"}]
    )
    first = StreamCalls()
    waiting = final_run(client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=first
    ))
    assert waiting.status == "requires_action"
    call = waiting.required_action.submit_tool_outputs.tool_calls[0]
    assert [c.id for c in first.tool_calls] == [call.id]
    second = StreamCalls()
    final = final_run(client.beta.threads.runs.submit_tool_outputs_stream(
        run_id=waiting.id,
        thread_id=thread.id,
        tool_outputs=[{"tool_call_id": call.id, "output": "cold"}],
        event_handler=second,
    ))
    assert final.status == "completed" and second.text
    assert second.events[-1] == "thread.run.completed"
    _out(request, "streamed", {
        "first": list(zip(first.events, first.data, strict=True)),
        "tool_calls": [c.to_dict() for c in first.tool_calls],
        "second": list(zip(second.events, second.data, strict=True)), "text": second.text,
        "final": final.to_dict(),
    })
"""

NAMES = ("test_polled_flow", "test_streamed_flow")


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _outputs(root: Path, mode: str) -> dict[str, Any]:
    return {
        name: json.loads((root / f"{name}-{mode}.out").read_text())
        for name in ("polled", "streamed")
    }


def test_whole_flows_record_replay_offline_rerecord_and_regenerate_unchanged(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_flows=DOWNSTREAM)
    recorded = pytester.runpytest("-p", "no:randomly", "--cassette-mode=once")
    recorded.assert_outcomes(passed=len(NAMES))
    cassettes = pytester.path / "cassettes"
    first = _files(cassettes)
    assert sorted(first) == [f"test_flows/{name}.json" for name in NAMES]
    polled = json.loads(first["test_flows/test_polled_flow.json"])
    paths = [i["request"]["path"] for i in polled["interactions"]]
    assert any(p.endswith("/submit_tool_outputs") for p in paths)
    assert polled["interactions"][-1]["request"]["json"] == {"metadata": {"state": "done"}}
    live = _outputs(pytester.path, "once")

    # Offline replay: the emulator is never started and nothing may leave the machine.
    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replayed.assert_outcomes(passed=len(NAMES))
    assert _outputs(pytester.path, "none") == live
    assert _files(cassettes) == first

    # A fresh emulator with the same (default) seed answers byte for byte the same.
    rerecorded = pytester.runpytest("-p", "no:randomly", "--cassette-mode=rewrite")
    rerecorded.assert_outcomes(passed=len(NAMES))
    assert _files(cassettes) == first
    assert _outputs(pytester.path, "rewrite") == live

    result = CliRunner().invoke(main, ["regenerate", str(cassettes / "test_flows")])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("harness regenerate raised") from result.exception
    assert result.exit_code == 0, result.output + result.stderr
    assert "0 changed, 2 unchanged, 0 failed" in result.stderr
    assert _files(cassettes) == first
