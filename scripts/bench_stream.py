"""Streaming benchmark: time to first event and total stream time for a 200-delta run through
the official SDK (``runs.stream``, sync), side by side over loopback HTTP:

* ``emulator``: ``harness emulate`` (a scenario replying 200 words), the run's path walked and
  rendered per request;
* ``replay``: ``harness replay`` serving the same stream recorded in a cassette;
* ``bare``: a bare ASGI app on the same server writing the same bytes, one chunk per event
  (the floor).

Each server runs in its own process, as the CLI does: with server and SDK in one process the
interpreter's thread switch interval (5 ms) would decide when the SDK's thread sees the first
event. Streams are taken in turns after one unmeasured stream each, so warm-up and machine
load fall on all three alike. Goal: emulator and replay within 2x of the bare app.
Usage: ``python scripts/bench_stream.py [--runs N]`` (default 20 per server; medians).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2
import openai

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.emulator import create_app
from harness.stream.sse import decode

REPLY = " ".join(f"word{n}" for n in range(200))  # 200 words: 200 message deltas
KEY = "sk-bench-not-a-key"
HEADERS = {"authorization": f"Bearer {KEY}", "openai-beta": "assistants=v2"}
BARE = """
import sys
from pathlib import Path
from harness.server.asgi import read_body
from harness.server.serve import serve
from harness.stream.respond import respond_stream
from harness.stream.sse import decode, encode

chunks = [encode(event) for event in decode(Path(sys.argv[1]).read_bytes())]

async def bare(scope, receive, send):
    if scope["type"] == "http":
        await read_body(receive)
        await respond_stream(send, 200, None, chunks)

with serve(bare) as url:
    print(url, flush=True)
    sys.stdin.read()
"""


def _measure(base_url: str, thread_id: str, assistant_id: str) -> tuple[float, float]:
    client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    start = time.perf_counter()
    first = 0.0
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as stream:
        for count, _ in enumerate(stream):
            if count == 0:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start


def _recorded_stream() -> tuple[bytes, str, str]:
    """One 200-delta stream from the seeded emulator: its bytes and the thread and assistant."""
    app = create_app(0)

    async def go() -> tuple[str, str, bytes]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://e") as client:
            assistant = (await client.post("/v1/assistants", json={"model": "gpt-4o"},
                                           headers=HEADERS)).json()  # fmt: skip
            thread = (await client.post("/v1/threads", json={}, headers=HEADERS)).json()
            body = {"assistant_id": assistant["id"], "stream": True}
            answer = await client.post(
                f"/v1/threads/{thread['id']}/runs", json=body, headers=HEADERS
            )
            return thread["id"], assistant["id"], answer.content

    with app.scenario(reply=REPLY):
        thread_id, assistant_id, content = asyncio.run(go())
    return content, thread_id, assistant_id


@contextmanager
def _server(*command: str) -> Iterator[str]:
    """A server process printing its URL first (``…/v1`` added if missing); stopped after."""
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit(f"{' '.join(command[:4])}: did not start")
        yield url if url.endswith("/v1") else f"{url}/v1"
    finally:
        process.terminate()
        process.communicate(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs

    content, thread_id, assistant_id = _recorded_stream()
    events = decode(content)
    deltas = sum(1 for e in events if e.event == "thread.message.delta")
    request = Request(method="POST", path=f"/v1/threads/{thread_id}/runs")
    request.set_body(json.dumps({"assistant_id": assistant_id, "stream": True}).encode())
    response = Response(status=200, headers={"content-type": "text/event-stream"})
    response.set_body(content)

    harness = [sys.executable, "-m", "harness"]
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "replay": [], "emulator": []}
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        stream_file, cassette, scenario = (Path(scratch) / n for n in ("s", "c.json", "r.json"))
        stream_file.write_bytes(content)
        Cassette(interactions=[Interaction(request, response)] * (runs + 1)).save(cassette)
        scenario.write_text(json.dumps({"reply": REPLY}))
        urls = {
            "bare": stack.enter_context(_server(sys.executable, "-c", BARE, str(stream_file))),
            "replay": stack.enter_context(_server(*harness, "replay", str(cassette))),
            "emulator": stack.enter_context(
                _server(*harness, "emulate", "--port", "0", "--scenario", str(scenario))
            ),
        }
        emulator = openai.OpenAI(base_url=urls["emulator"], api_key=KEY, max_retries=0)
        assistant = emulator.beta.assistants.create(model="gpt-4o").id
        for number in range(runs + 1):
            for name, url in urls.items():
                if name == "emulator":  # a fresh thread per stream (one active run per thread)
                    sample = _measure(url, emulator.beta.threads.create().id, assistant)
                else:
                    sample = _measure(url, thread_id, assistant_id)
                if number:
                    results[name].append(sample)

    print(f"{deltas} message deltas, {len(events)} events, {len(content)} bytes; median of {runs}")
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


if __name__ == "__main__":
    main()
