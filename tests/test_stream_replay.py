"""Streams recorded through the plugin and played back: the SDK's stream helpers and an
AssistantEventHandler (sync and async) see the same callbacks offline as when recorded; the
cassette holds one readable event per entry; re-recording gives identical bytes; `harness
replay` serves recorded streams as text/event-stream, one chunk per event, to the SDK and curl.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import AssistantEventHandler, AsyncAssistantEventHandler

from harness.cassette.format import Cassette
from harness.factory import RunFactory
from harness.plugin._vcr import Patches
from harness.plugin.config import CassetteConfig
from harness.plugin.recording import Recording
from harness.server.asgi import Receive, Scope, Send, read_body
from harness.server.replay import ReplayApp
from harness.server.serve import serve
from harness.stream.events import stream_events
from harness.stream.path import run_path
from harness.stream.respond import respond_stream
from harness.stream.sse import decode, encode

KEY = "sk-test-not-a-real-key"
DEAD = "http://127.0.0.1:9/v1"
TEXT = "The answer is forty-two, as computed."


def _final_run(status: str, thread_id: str) -> dict[str, Any]:
    run = RunFactory(7).build_dict(status=status, tools=["function"])
    run["thread_id"] = thread_id
    return run


class StreamingBackend:
    """A stand-in live backend: answers create-run with the stream of a seeded run."""

    def __init__(self, status: str = "completed") -> None:
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = json.loads(await read_body(receive) or b"{}")
        assert body.get("stream") is True
        thread_id = scope["path"].split("/")[3]
        final = _final_run(self.status, thread_id)
        events = stream_events(run_path(final, text=TEXT))
        await respond_stream(send, 200, None, (encode(e) for e in events))


class Recorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    def on_event(self, event: Any) -> None:
        self.calls.append(("event", event.event))

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.calls.append(("text_delta", delta.value))

    def on_message_done(self, message: Any) -> None:
        self.calls.append(("message_done", message.content[0].text.value))

    def on_tool_call_done(self, tool_call: Any) -> None:
        self.calls.append(("tool_call_done", tool_call.function.arguments))

    def on_end(self) -> None:
        self.calls.append(("end", None))


class AsyncRecorder(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    async def on_event(self, event: Any) -> None:
        self.calls.append(("event", event.event))

    async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.calls.append(("text_delta", delta.value))

    async def on_message_done(self, message: Any) -> None:
        self.calls.append(("message_done", message.content[0].text.value))

    async def on_tool_call_done(self, tool_call: Any) -> None:
        self.calls.append(("tool_call_done", tool_call.function.arguments))

    async def on_end(self) -> None:
        self.calls.append(("end", None))


def _stream(base_url: str) -> tuple[list[tuple[str, Any]], str]:
    client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    handler = Recorder()
    with client.beta.threads.runs.stream(
        thread_id="thread_stream1", assistant_id="asst_stream1", event_handler=handler
    ) as stream:
        stream.until_done()
        status = stream.get_final_run().status
    return handler.calls, status


async def _astream(base_url: str) -> tuple[list[tuple[str, Any]], str]:
    client = openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    handler = AsyncRecorder()
    async with client.beta.threads.runs.stream(
        thread_id="thread_stream1", assistant_id="asst_stream1", event_handler=handler
    ) as stream:
        await stream.until_done()
        status = (await stream.get_final_run()).status
    return handler.calls, status


def _record(path: Path, status: str, mode: str = "once") -> list[tuple[str, Any]]:
    patches = Patches()
    with serve(StreamingBackend(status)) as url:
        recording = Recording.open(path, CassetteConfig(mode=mode), rerecord_command="")  # type: ignore[arg-type]
        with patches.active(recording):
            calls, _ = _stream(f"{url}/v1")
        recording.save()
    return calls


@pytest.mark.parametrize("status", ["completed", "requires_action"])
def test_sdk_event_handler_sees_the_recorded_callbacks_offline(tmp_path: Path, status: str) -> None:
    path = tmp_path / "stream.json"
    live = _record(path, status)
    assert ("end", None) in live and ("event", f"thread.run.{status}") in live
    if status == "completed":
        assert ("message_done", TEXT) in live
        assert "".join(v for k, v in live if k == "text_delta") == TEXT
    else:
        assert any(k == "tool_call_done" for k, _ in live)

    stored = json.loads(path.read_text())
    assert stored["version"] == 2
    events = stored["interactions"][0]["response"]["events"]
    assert (
        events[0]["event"] == "thread.run.created" and events[0]["data"]["object"] == "thread.run"
    )
    assert events[-1] == {"event": "done", "text": "[DONE]"}

    patches = Patches()
    replay = Recording.open(path, CassetteConfig(mode="none"), rerecord_command="")
    with patches.active(replay):
        calls, final = _stream(DEAD)
    assert calls == live and final == status

    replay = Recording.open(path, CassetteConfig(mode="none"), rerecord_command="")
    with patches.active(replay):
        async_calls, final = asyncio.run(_astream(DEAD))
    assert async_calls == live and final == status


def test_re_recording_a_stream_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    _record(first, "completed")
    _record(second, "completed", mode="rewrite")
    assert first.read_bytes() == second.read_bytes()


def test_replay_app_sends_one_body_chunk_per_event(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    _record(path, "completed")
    recorded = Cassette.load(path).interactions[0]
    app = ReplayApp([Cassette.load(path)])
    sent: list[dict[str, Any]] = []
    body = recorded.request.body_bytes

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "POST", "path": recorded.request.path, "headers": []}
    asyncio.run(app(scope, receive, send))
    start, *chunks = sent
    headers = dict(start["headers"])
    assert start["status"] == 200 and headers[b"content-type"].startswith(b"text/event-stream")
    assert b"content-length" not in headers
    events = recorded.response.stream_events()
    assert len(chunks) == len(events) + 1 and chunks[-1] == {
        "type": "http.response.body",
        "body": b"",
        "more_body": False,
    }
    assert [decode(c["body"])[0] for c in chunks[:-1]] == events


def test_harness_replay_streams_to_the_sdk_and_curl(tmp_path: Path) -> None:
    path = tmp_path / "stream.json"
    live = _record(path, "completed")
    recorded = Cassette.load(path).interactions[0]
    # Loaded twice: identical requests are answered once per recording.
    with serve(ReplayApp([Cassette.load(path), Cassette.load(path)])) as url:
        calls, status = _stream(f"{url}/v1")
        assert calls == live and status == "completed"
        if shutil.which("curl") is None:
            return
        done = subprocess.run(
            ["curl", "-sN", "-X", "POST", url + recorded.request.path, "--data-binary", "@-"],
            input=recorded.request.body_bytes,
            capture_output=True,
            timeout=30,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout == recorded.response.body_bytes
    assert decode(done.stdout)[-1].data == "[DONE]"


def test_harness_verify_checks_recorded_stream_events(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from harness.cli import main

    path = tmp_path / "stream.json"
    _record(path, "completed")
    clean = CliRunner().invoke(main, ["verify", str(path)])
    assert clean.exit_code == 0, clean.output
    document = json.loads(path.read_text())
    events = document["interactions"][0]["response"]["events"]
    events[2]["data"]["status"] = "teleported"
    path.write_text(json.dumps(document))
    drifted = CliRunner().invoke(main, ["verify", str(path)])
    assert drifted.exit_code == 1
    assert f"{path}: interaction 0: response.events[2].data.status: drift:" in drifted.output
