"""The emulator's streams per scenario path, through the official SDK over loopback HTTP: a
reply of N words arrives as N ``thread.message.delta`` events that join to the final message's
text; every outcome's events (and a resumed run's, after ``submit_tool_outputs_stream``) fit
the spec's ``AssistantStreamEvent`` schemas; and the store after each stream is object for
object what polling the same run to rest on a twin emulator leaves."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from harness.emulator import running_emulator
from harness.stream.sse import decode
from tests.helpers import harness_server
from tests.spec import stream_event_errors

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

HEADERS = {"authorization": "Bearer sk-FAKE-stream-outcomes", "openai-beta": "assistants=v2"}
AT_REST = {"requires_action", "completed", "failed", "incomplete", "expired", "cancelled"}
CALL = {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
PATHS: dict[str, dict[str, Any]] = {
    "completed": {"path": ["in_progress", "completed"], "reply": "All done here."},
    "failed": {"path": ["in_progress", "failed"],
               "last_error": {"code": "server_error", "message": "It broke."}},
    "incomplete": {"path": ["in_progress", "incomplete"], "reply": "Cut off mid",
                   "incomplete_reason": "max_completion_tokens"},
    "expired": {"path": ["in_progress", "expired"]},
    "tool_outputs": {"path": ["in_progress", "requires_action", "in_progress", "completed"],
                     "tool_calls": [CALL], "reply": "It is sunny in Paris."},
}  # fmt: skip


def _stream(client: httpx2.Client, path: str, body: dict[str, Any]) -> list[Any]:
    """POST ``body`` with ``stream: true``; the events, each checked against the spec."""
    answer = client.post(path, json={**body, "stream": True}, headers=HEADERS)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "text/event-stream"
    )
    events = decode(answer.content)
    for event in events:
        assert stream_event_errors(event.event, event.data) == [], event
    assert events[-1].event == "done" and events[-1].data == "[DONE]"
    return events


def _poll(client: httpx2.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` (no stream), then retrieve the run until it is at rest."""
    run: dict[str, Any] = client.post(path, json=body, headers=HEADERS).json()
    for _ in range(20):
        if run["status"] in AT_REST:
            break
        run = client.get(f"{path.split('/runs')[0]}/runs/{run['id']}", headers=HEADERS).json()
    return run


def _setup(client: httpx2.Client) -> tuple[str, str]:
    assistant = client.post("/v1/assistants", json={"model": "gpt-4o"}, headers=HEADERS).json()
    thread = client.post("/v1/threads", json={}, headers=HEADERS).json()
    return assistant["id"], thread["id"]


@pytest.mark.parametrize("name", sorted(PATHS))
def test_each_outcome_streams_valid_events_and_leaves_what_polling_leaves(name: str) -> None:
    scenario = PATHS[name]
    with running_emulator(seed=11) as streamed, running_emulator(seed=11) as polled:
        with (
            streamed.app.scenario(**scenario),
            polled.app.scenario(**scenario),
            httpx2.Client(base_url=streamed.root_url) as live,
            httpx2.Client(base_url=polled.root_url) as poll,
        ):
            assistant, thread = _setup(live)
            assert _setup(poll) == (assistant, thread)
            runs = f"/v1/threads/{thread}/runs"
            events = _stream(live, runs, {"assistant_id": assistant})
            run = _poll(poll, runs, {"assistant_id": assistant})
            assert json.loads(events[-2].data) == run
            if name == "tool_outputs":
                assert run["status"] == "requires_action"
                assert "thread.run.step.delta" in [e.event for e in events]
                call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
                outputs = {"tool_outputs": [{"tool_call_id": call["id"], "output": "sunny"}]}
                submit = f"{runs}/{run['id']}/submit_tool_outputs"
                events = _stream(live, submit, outputs)
                run = _poll(poll, submit, outputs)
                assert json.loads(events[-2].data) == run
            else:
                assert run["status"] == name
        assert streamed.store.snapshot() == polled.store.snapshot()


@pytest.mark.parametrize("words", [1, 7, 60])
def test_a_reply_of_n_words_arrives_in_n_deltas_joining_to_the_message(words: int) -> None:
    reply = " ".join(f"word{n}," for n in range(words))
    with running_emulator(seed=12) as emulator, emulator.app.scenario(reply=reply):
        client = emulator.client(api_key=HEADERS["authorization"].removeprefix("Bearer "))
        assistant = client.beta.assistants.create(model="gpt-4o")
        thread = client.beta.threads.create()
        deltas: list[str] = []
        with client.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id
        ) as stream:
            for event in stream:
                if event.event == "thread.message.delta":
                    (part,) = event.data.delta.content
                    deltas.append(part.text.value)
            message = stream.get_final_messages()[0]
        stored = client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    assert len(deltas) == words
    assert "".join(deltas) == reply == message.content[0].text.value
    assert stored.content[0].text.value == reply


def test_a_client_leaving_mid_stream_leaves_the_run_done_and_the_log_quiet(tmp_path: Any) -> None:
    """Against ``harness emulate`` (a subprocess): a client with a tiny receive buffer reads
    the start of a long stream and hangs up, so the server is still writing when it goes; the
    run still completes, and the server stops cleanly with a quiet log (``harness_server``)."""
    scenario = tmp_path / "long.json"
    reply = " ".join(f"word{n}" for n in range(3000))
    scenario.write_text(json.dumps({"reply": reply}))
    with harness_server("emulate", "--scenario", str(scenario)) as base_url:
        with httpx2.Client(base_url=base_url.removesuffix("/v1")) as client:
            assistant, thread = _setup(client)
            body = json.dumps({"assistant_id": assistant, "stream": True}).encode()
            address = urlsplit(base_url)
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.connect((address.hostname, address.port))
                head = (
                    f"POST /v1/threads/{thread}/runs HTTP/1.1\r\nhost: {address.netloc}\r\n"
                    f"authorization: {HEADERS['authorization']}\r\nopenai-beta: assistants=v2\r\n"
                    f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
                )
                sock.sendall(head.encode() + body)
                first = b""
                for _ in range(10):  # the head, then the first events
                    first += sock.recv(4096)
                    if b"thread.run.created" in first:
                        break
            assert first.startswith(b"HTTP/1.1 200") and b"thread.run.created" in first
            assert b"event: done" not in first  # left mid-stream
            runs = client.get(f"/v1/threads/{thread}/runs", headers=HEADERS).json()["data"]
            messages = client.get(f"/v1/threads/{thread}/messages", headers=HEADERS).json()
        assert runs[0]["status"] == "completed"
        assert messages["data"][0]["content"][0]["text"]["value"] == reply
