"""Streaming benchmark: time to first event and total stream time for a 200-delta run through
the official SDK (``runs.stream``, sync), side by side over loopback HTTP:

* ``emulator``: ``harness emulate``'s app, the run's path walked and rendered per request;
* ``replay``: ``harness replay`` serving the same stream recorded in a cassette;
* ``bare``: a bare ASGI app writing the same bytes, one chunk per event (the floor).

Goal: emulator and replay within 2x of the bare app. Usage: ``python scripts/bench_stream.py
[--runs N]`` (default 20 streams per server, median reported).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import openai

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.emulator import create_app
from harness.server.asgi import Receive, Scope, Send, read_body
from harness.server.replay import ReplayApp
from harness.server.serve import serve
from harness.stream.respond import respond_stream
from harness.stream.sse import decode

REPLY = " ".join(f"word{n}" for n in range(200))  # 200 words: 200 message deltas
KEY = "sk-bench-not-a-key"


def _measure(base_url: str, thread_id: str, assistant_id: str) -> tuple[float, float]:
    client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    start = time.perf_counter()
    first = 0.0
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        for count, _ in enumerate(stream):
            if count == 0:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start


def _recorded_stream(seed: int) -> tuple[bytes, str, str, list[bytes]]:
    """One 200-delta stream from the emulator: request body, ids, and the event chunks."""
    import asyncio

    import httpx2

    app = create_app(seed)
    headers = {"authorization": f"Bearer {KEY}", "openai-beta": "assistants=v2"}

    async def go() -> tuple[str, str, bytes]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://e") as client:
            assistant = (await client.post("/v1/assistants", json={"model": "gpt-4o"},
                                           headers=headers)).json()  # fmt: skip
            thread = (await client.post("/v1/threads", json={}, headers=headers)).json()
            body = {"assistant_id": assistant["id"], "stream": True}
            answer = await client.post(
                f"/v1/threads/{thread['id']}/runs", json=body, headers=headers
            )
            return thread["id"], assistant["id"], answer.content

    with app.scenario(reply=REPLY):
        thread_id, assistant_id, content = asyncio.run(go())
    chunks = [(f"event: {e.event}\ndata: {e.data}\n\n").encode() for e in decode(content)]
    return content, thread_id, assistant_id, chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs

    content, thread_id, assistant_id, chunks = _recorded_stream(0)
    deltas = sum(1 for e in decode(content) if e.event == "thread.message.delta")
    request_body = json.dumps({"assistant_id": assistant_id, "stream": True}).encode()

    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await read_body(receive)
        await respond_stream(send, 200, None, chunks)

    emulator = create_app(0)

    request = Request(method="POST", path=f"/v1/threads/{thread_id}/runs")
    request.set_body(request_body)
    response = Response(status=200, headers={"content-type": "text/event-stream"})
    response.set_body(content)
    cassette = Cassette(interactions=[Interaction(request, response)] * runs)

    results: dict[str, list[tuple[float, float]]] = {}
    servers: list[tuple[str, Any]] = [
        ("bare", bare),
        ("replay", ReplayApp([cassette])),
        ("emulator", emulator),
    ]
    for name, app in servers:
        with serve(app) as url:
            samples = []
            for _ in range(runs):
                if name == "emulator":
                    # a fresh thread per stream (one active run per thread), same assistant
                    client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
                    thread = client.beta.threads.create().id
                    samples.append(_measure(f"{url}/v1", thread, _emulator_assistant(app)))
                else:
                    samples.append(_measure(f"{url}/v1", thread_id, assistant_id))
            results[name] = samples

    print(f"{deltas} message deltas, {len(chunks)} events, {len(content)} bytes; median of {runs}")
    floor_first = statistics.median(s[0] for s in results["bare"])
    floor_total = statistics.median(s[1] for s in results["bare"])
    print(f"{'server':>10} {'first event':>12} {'ratio':>7} {'total':>10} {'ratio':>7}")
    for name, samples in results.items():
        first = statistics.median(s[0] for s in samples)
        total = statistics.median(s[1] for s in samples)
        print(
            f"{name:>10} {first * 1000:>10.2f}ms {first / floor_first:>6.2f}x "
            f"{total * 1000:>8.2f}ms {total / floor_total:>6.2f}x"
        )
    print("goal: emulator and replay within 2x of bare")


_ASSISTANTS: dict[int, str] = {}


def _emulator_assistant(app: Any) -> str:
    """An assistant on the emulator whose runs reply with the 200-word text."""
    key = id(app)
    if key not in _ASSISTANTS:
        with app.store.lock:
            app.store.scenarios.insert(0, _reply_scenario())
        _ASSISTANTS[key] = _create_assistant(app)
    return _ASSISTANTS[key]


def _reply_scenario() -> Any:
    from harness.emulator.scenarios import Scenario

    return Scenario.model_validate({"reply": REPLY})


def _create_assistant(app: Any) -> str:
    import asyncio

    import httpx2

    headers = {"authorization": f"Bearer {KEY}", "openai-beta": "assistants=v2"}

    async def go() -> str:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://e") as client:
            answer = await client.post("/v1/assistants", json={"model": "gpt-4o"}, headers=headers)
            return str(answer.json()["id"])

    return asyncio.run(go())


if __name__ == "__main__":
    main()
