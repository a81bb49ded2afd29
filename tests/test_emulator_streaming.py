"""The emulator streams: `stream: true` on create run, create thread and run, and submit tool
outputs answers the API's event sequence for the run's path (the lifecycle's), every event
valid against the spec; the store afterwards is what polling leaves; one chunk per event;
an error mid-stream is the API's error event; a client leaving midway changes nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import openai
import pytest

from harness.emulator import create_app, running_emulator
from harness.stream.sse import decode
from tests.helpers import FUNCTION, StreamCalls, final_run
from tests.spec import stream_event_errors

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}


def _thread(client: Any) -> str:
    return str(client.beta.threads.create().id)


def _assistant(app: Any) -> str:
    """A new assistant with no tools (runs on it complete unless given tools)."""
    return str(asyncio.run(_raw(app, "POST", "/v1/assistants", {"model": "gpt-4o"})).json()["id"])


def test_sdk_streams_a_completed_run_and_the_store_matches(tmp_path: Any) -> None:
    with running_emulator(seed=3) as emulator:
        client = emulator.client()
        thread_id = _thread(client)
        handler = StreamCalls()
        with client.beta.threads.runs.stream(
            thread_id=thread_id, assistant_id=_assistant(emulator.app), event_handler=handler
        ) as stream:
            stream.until_done()
            final = stream.get_final_run()
            messages = stream.get_final_messages()
        assert handler.events[:3] == [
            "thread.run.created",
            "thread.run.queued",
            "thread.run.in_progress",
        ]
        assert handler.events[-1] == "thread.run.completed"
        assert handler.events.count("thread.message.delta") > 1  # the text in several deltas
        assert final.status == "completed" and handler.text == messages[0].content[0].text.value
        stored = client.beta.threads.runs.retrieve(final.id, thread_id=thread_id)
        assert stored.model_dump() == final.model_dump()
        listed = client.beta.threads.messages.list(thread_id=thread_id)
        assert listed.data[0].content[0].text.value == handler.text


def _objects(app: Any) -> Any:
    return app.store.snapshot()


async def _raw(app: Any, method: str, path: str, body: Any) -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        return await client.request(method, path, json=body, headers=HEADERS)


@pytest.mark.parametrize("tools", [[], [FUNCTION]], ids=["completed", "requires_action"])
def test_stream_leaves_the_store_as_polling_does_and_every_event_fits_the_spec(
    tools: list[Any],
) -> None:
    streamed, polled = create_app(seed=1), create_app(seed=1)
    thread = asyncio.run(_raw(streamed, "POST", "/v1/threads", {})).json()
    assert asyncio.run(_raw(polled, "POST", "/v1/threads", {})).json() == thread
    assistant = _assistant(streamed)
    assert _assistant(polled) == assistant
    body = {"assistant_id": assistant, "tools": tools}
    path = f"/v1/threads/{thread['id']}/runs"
    answer = asyncio.run(_raw(streamed, "POST", path, {**body, "stream": True}))
    assert answer.headers["content-type"].startswith("text/event-stream")
    events = decode(answer.content)
    for event in events:
        assert stream_event_errors(event.event, event.data) == [], event
    assert events[-1].event == "done"
    run = asyncio.run(_raw(polled, "POST", path, body)).json()
    for _ in range(20):
        run = asyncio.run(_raw(polled, "GET", f"{path}/{run['id']}", None)).json()
        if run["status"] in ("completed", "requires_action"):
            break
    assert json.loads(events[-2].data) == run
    assert _objects(streamed) == _objects(polled)


def test_tool_outputs_stream_and_create_and_run_stream() -> None:
    with running_emulator(seed=2) as emulator:
        client = emulator.client()
        handler = StreamCalls()
        waiting = final_run(
            client.beta.threads.create_and_run_stream(
                assistant_id=_assistant(emulator.app), tools=[FUNCTION], event_handler=handler
            )
        )
        assert handler.events[0] == "thread.created"
        assert "thread.run.step.delta" in handler.events
        assert waiting.status == "requires_action"
        call = waiting.required_action.submit_tool_outputs.tool_calls[0]
        assert [c.id for c in handler.tool_calls] == [call.id]
        assert handler.tool_calls[0].function.arguments == call.function.arguments
        after = StreamCalls()
        final = final_run(
            client.beta.threads.runs.submit_tool_outputs_stream(
                run_id=waiting.id,
                thread_id=waiting.thread_id,
                tool_outputs=[{"tool_call_id": call.id, "output": "sunny"}],
                event_handler=after,
            )
        )
        assert after.events[:2] == ["thread.run.step.completed", "thread.run.queued"]
        assert final.status == "completed" and after.text


def test_async_sdk_streams() -> None:
    async def main(base_url: str, assistant: str) -> tuple[str, str]:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-test", max_retries=0)
        thread = await client.beta.threads.create()
        async with client.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant
        ) as stream:
            text = "".join([delta async for delta in stream.text_deltas])
            final = await stream.get_final_run()
        return text, final.status

    with running_emulator(seed=4) as emulator:
        text, status = asyncio.run(main(emulator.base_url, _assistant(emulator.app)))
    assert text and status == "completed"


def test_one_chunk_per_event() -> None:
    app = create_app(seed=5)
    thread = asyncio.run(_raw(app, "POST", "/v1/threads", {})).json()
    sent: list[Any] = []
    body = json.dumps({"assistant_id": _assistant(app), "stream": True}).encode()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/v1/threads/{thread['id']}/runs",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in HEADERS.items()],
    }
    asyncio.run(app(scope, receive, send))
    chunks = [m["body"] for m in sent[1:] if m["body"]]
    assert len(chunks) > 10 and all(len(decode(chunk)) == 1 for chunk in chunks)
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def test_error_mid_stream_is_the_error_event_and_the_run_still_ends() -> None:
    app = create_app(seed=6)
    thread = asyncio.run(_raw(app, "POST", "/v1/threads", {})).json()
    with app.scenario(stream_error="The server had an error while processing your request."):
        answer = asyncio.run(
            _raw(
                app,
                "POST",
                f"/v1/threads/{thread['id']}/runs",
                {"assistant_id": _assistant(app), "stream": True},
            )
        )
    events = decode(answer.content)
    assert [e.event for e in events][-2:] == ["thread.run.in_progress", "error"]
    assert stream_event_errors(events[-1].event, events[-1].data) == []
    assert json.loads(events[-1].data)["code"] == "server_error"
    run_id = json.loads(events[0].data)["id"]
    run = asyncio.run(_raw(app, "GET", f"/v1/threads/{thread['id']}/runs/{run_id}", None)).json()
    assert run["status"] == "completed"


def test_client_leaving_midway_leaves_the_run_at_its_outcome() -> None:
    with running_emulator(seed=7) as emulator:
        client = emulator.client()
        thread_id = _thread(client)
        url = f"{emulator.base_url}/threads/{thread_id}/runs"
        with (
            httpx2.Client() as raw,
            raw.stream(
                "POST",
                url,
                json={"assistant_id": _assistant(emulator.app), "stream": True},
                headers=HEADERS,
            ) as response,
        ):
            first = next(response.iter_bytes())
        run_id = json.loads(decode(first)[0].data)["id"]
        run = client.beta.threads.runs.retrieve(run_id, thread_id=thread_id)
        assert run.status == "completed"
        assert client.beta.threads.messages.list(thread_id=thread_id).data[0].role == "assistant"
