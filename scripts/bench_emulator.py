"""The emulator, measured side by side in one run.

    python scripts/bench_emulator.py [--requests 300] [--runs 100] [--threads 100000]

1. Modify-run throughput: the same request (1) in-process through httpx2's ASGI transport,
   (2) over loopback HTTP with httpx2, (3) over loopback HTTP through the official SDK.
2. Whole runs through the SDK on loopback: ``create_and_poll`` (queued -> in_progress ->
   completed), ``submit_tool_outputs_and_poll`` (requires_action -> queued -> completed) and
   ``create_and_run_poll``: ms per complete run, the SDK's requests per run and the ms its
   polling slept and (thread mode) the ms spent in the emulator's dispatch, beside one bare
   SDK retrieve of a run; once with the emulator in a thread
   of this process (as ``running_emulator`` serves it to tests, sharing the GIL with the
   client), once in its own process (``harness emulate``).
3. Store scale: ``--threads`` threads with a run and a message each, memory per
   thread+run+message beyond their JSON, and a ``limit=100`` list page on a small and on
   the big store (O(page): the ratio stays near 1).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import openai
from openai._resource import SyncAPIResource

from harness.emulator import create_app, json_copy, running_emulator
from harness.emulator.pages import PageQuery
from harness.emulator.store import Store

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}


def timed(count: int, call: Callable[[int], object]) -> float:
    call(-1)  # warm up
    start = time.perf_counter()
    for index in range(count):
        call(index)
    return (time.perf_counter() - start) / count * 1000


def in_process(count: int) -> float:
    app = create_app()
    run = app.store.snapshot()["runs"][0]
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"

    async def go() -> float:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://emu") as client:
            await client.post(path, json={"metadata": {"n": "-1"}}, headers=HEADERS)
            start = time.perf_counter()
            for index in range(count):
                response = await client.post(
                    path, json={"metadata": {"n": str(index)}}, headers=HEADERS
                )
                assert response.status_code == 200
            return (time.perf_counter() - start) / count * 1000

    return asyncio.run(go())


WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


class _Counting:
    """Counts the SDK's HTTP requests and the seconds its polling helpers sleep."""

    def __init__(self) -> None:
        self.requests = 0
        self.slept = 0.0
        self._sleep = SyncAPIResource._sleep

    def hook(self, _request: Any) -> None:
        self.requests += 1

    def __enter__(self) -> _Counting:
        def sleep(resource: Any, seconds: float) -> None:
            self.slept += seconds
            self._sleep(resource, seconds)

        SyncAPIResource._sleep = sleep  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        SyncAPIResource._sleep = self._sleep  # type: ignore[method-assign]


RETRIEVE = "SDK retrieve run (1 request, bare round trip)"
SERVED = {"thread": "a thread of this process", "process": "its own process (harness emulate)"}
GOAL_MS = 10.0


_APP_SECONDS = [0.0]
"""Seconds spent in the emulator's dispatch (routing, checks, handlers), thread mode only."""


@contextmanager
def served(where: str) -> Iterator[str]:
    """The base URL of an emulator served in a thread of this process (``thread``, as
    ``running_emulator`` serves tests) or by ``harness emulate`` in its own (``process``)."""
    if where == "thread":
        with running_emulator() as emulator:
            dispatch = emulator.app._dispatch

            def timed_dispatch(*args: Any) -> Any:
                start = time.perf_counter()
                try:
                    return dispatch(*args)
                finally:
                    _APP_SECONDS[0] += time.perf_counter() - start

            emulator.app._dispatch = timed_dispatch  # type: ignore[method-assign]
            yield emulator.base_url
        return
    command = [sys.executable, "-m", "harness", "emulate", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(10)


def whole_runs(runs: int, where: str = "thread") -> dict[str, tuple[float, float, float, float]]:
    """Per complete run through the SDK's polling helpers: (ms, requests, ms slept, ms in the
    emulator's dispatch, NaN when it runs in another process), beside
    one bare SDK retrieve of a run. What a helper needs first (a thread; a run waiting in
    requires_action) is made before each call, off the clock: only the helper is timed."""
    counting = _Counting()
    with served(where) as base_url, counting:
        http = openai.DefaultHttpxClient(event_hooks={"request": [counting.hook]})
        client = openai.OpenAI(
            base_url=base_url, api_key="sk-bench-FAKE", max_retries=0, http_client=http
        )
        plain = client.beta.assistants.create(model="gpt-4o")
        tools = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
        done = client.beta.threads.create_and_run_poll(assistant_id=plain.id)
        out: dict[str, tuple[float, float, float, float]] = {}

        def measure(name: str, call: Callable[[Any], object], prepare: Callable[[], Any]) -> None:
            seconds, requests, slept, app = 0.0, 0, 0.0, 0.0
            for index in range(runs + 1):  # the first one warms up
                given = prepare()
                counting.requests, counting.slept, _APP_SECONDS[0] = 0, 0.0, 0.0
                start = time.perf_counter()
                call(given)
                if index:
                    seconds += time.perf_counter() - start
                    requests += counting.requests
                    slept += counting.slept
                    app += _APP_SECONDS[0]
            app_ms = app / runs * 1000 if where == "thread" else float("nan")
            out[name] = (seconds / runs * 1000, requests / runs, slept / runs * 1000, app_ms)

        def complete(thread_id: str) -> None:
            run = client.beta.threads.runs.create_and_poll(
                thread_id=thread_id, assistant_id=plain.id
            )
            assert run.status == "completed", run.status

        def waiting() -> Any:
            run = client.beta.threads.create_and_run_poll(assistant_id=tools.id)
            assert run.status == "requires_action", run.status
            return run

        def submit(run: Any) -> None:
            calls = run.required_action.submit_tool_outputs.tool_calls
            run = client.beta.threads.runs.submit_tool_outputs_and_poll(
                run_id=run.id,
                thread_id=run.thread_id,
                tool_outputs=[{"tool_call_id": c.id, "output": "sunny"} for c in calls],
            )
            assert run.status == "completed", run.status

        def create_and_run(_: None) -> None:
            run = client.beta.threads.create_and_run_poll(assistant_id=plain.id)
            assert run.status == "completed", run.status

        measure(
            RETRIEVE,
            lambda _: client.beta.threads.runs.retrieve(done.id, thread_id=done.thread_id),
            lambda: None,
        )
        measure(
            "create_and_poll (queued -> in_progress -> completed)",
            complete,
            lambda: client.beta.threads.create().id,
        )
        measure("submit_tool_outputs_and_poll (-> queued -> completed)", submit, waiting)
        measure("create_and_run_poll (new thread, -> completed)", create_and_run, lambda: None)
    return out


def bench_section(row: Callable[..., Any], runs: int) -> tuple[dict[str, Any], list[Any]]:
    """``scripts/bench.py``'s emulator section (``row`` is its Row type): ms per complete run
    of each polling helper vs one bare SDK retrieve, goal <= 10 ms."""
    measured = whole_runs(runs)
    base = measured[RETRIEVE][0]
    lines = [f"emulator: polling helpers through the SDK on loopback, {runs} runs each"]
    rows = []
    out: dict[str, Any] = {}
    for name, (ms, requests, slept, app) in measured.items():
        out[name] = {"ms": ms, "requests": requests, "slept_ms": slept, "emulator_ms": app}
        lines.append(
            f"   {name:56s} {ms:8.3f} ms  {requests:.0f} requests  slept {slept:.3f} ms"
            f"  in the emulator {app:.3f} ms"
        )
        if name != RETRIEVE:
            what = name.split(" (")[0] + " per run"
            rows.append(row("emulator", what, ms, "ms", "1 SDK retrieve", ms / base,
                            f"<= {GOAL_MS:g} ms", ms <= GOAL_MS))  # fmt: skip
    return {"lines": lines, **out}, rows


def store_scale(threads: int) -> None:
    """Memory per thread+run+message beyond their JSON, and list pages small vs big store."""
    app = create_app()
    client_app = app
    head = {"authorization": "Bearer k", "openai-beta": "assistants=v2"}
    scope = {"type": "http", "headers": [(k.encode(), v.encode()) for k, v in head.items()]}

    def call(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        _, payload, _ = client_app.handle(
            {**scope, "method": method, "path": path, "query_string": b""},
            json.dumps(body).encode(),
        )
        return payload

    assistant = call("POST", "/v1/assistants", {"model": "gpt-4o"})
    sample = call("POST", "/v1/threads/runs", {
        "assistant_id": assistant["id"],
        "thread": {"messages": [{"role": "user", "content": "What is the weather in Oslo?"}]},
    })  # fmt: skip
    store = app.store
    templates = (
        store.threads[sample["thread_id"]],
        store.runs[sample["id"]],
        next(iter(store.messages.values())),
    )
    wire = sum(len(json.dumps(t)) for t in templates)

    def fill(target: Store, count: int) -> None:
        for _ in range(count):
            thread, run, message = (json_copy(t) for t in templates)
            thread["id"] = target.new_id("thread")
            run["id"], run["thread_id"] = target.new_id("run"), thread["id"]
            message["id"], message["thread_id"] = target.new_id("message"), thread["id"]
            target.add_thread(thread)
            target.add_run(run)
            target.add_message(message)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    big = Store(1)
    fill(big, threads)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per = used / threads
    print(f"store of {threads:,} threads, each with a run and a message:")
    print(f"  memory per thread+run+message  {per / 1024:7.2f} KB")
    print(f"  their JSON                     {wire / 1024:7.2f} KB")
    print(f"  beyond the JSON                {(per - wire) / 1024:7.2f} KB (goal <= 4 KB)")
    query = PageQuery(limit=100, order="desc")
    for size in (200, threads):
        listing = Store(1)
        for _ in range(size):
            listing.add_assistant({**assistant, "id": listing.new_id("assistant")})
        index = listing.assistant_list
        ms = timed(200, lambda _, index=index: index.page(query))
        print(f"  list limit=100 among {size:>7,} assistants {ms * 1000:8.1f} us/page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=100_000)
    args = parser.parse_args()
    count = args.requests
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    results = {"in-process ASGI (httpx2)": in_process(count)}
    with running_emulator() as emulator:
        run = emulator.store.snapshot()["runs"][0]
        url = f"{emulator.base_url}/threads/{run['thread_id']}/runs/{run['id']}"
        with httpx2.Client() as http:
            results["loopback HTTP (httpx2)"] = timed(
                count,
                lambda i: http.post(url, json={"metadata": {"n": str(i)}}, headers=HEADERS),
            )
        client: openai.OpenAI = emulator.client()
        results["loopback HTTP (openai SDK)"] = timed(
            count,
            lambda i: client.beta.threads.runs.update(
                run["id"], thread_id=run["thread_id"], metadata={"n": str(i)}
            ),
        )
    base = results["in-process ASGI (httpx2)"]
    print(f"modify run, {count} requests each")
    for name, ms in results.items():
        print(f"  {name:28s} {ms:7.3f} ms/request  x{ms / base:5.2f}")
    for where in ("thread", "process"):
        runs = whole_runs(args.runs, where)
        one = runs[RETRIEVE][0]
        print(
            f"whole runs through the SDK on loopback, emulator served in {SERVED[where]}, "
            f"{args.runs} each (goal <= {GOAL_MS:g} ms per run)"
        )
        print(
            f"  {'':56s} {'ms/run':>8} {'x retrieve':>11} {'requests':>9} {'slept ms':>9}"
            f" {'emulator ms':>12}"
        )
        for name, (ms, requests, slept, app) in runs.items():
            print(
                f"  {name:56s} {ms:8.3f} {ms / one:10.2f}x {requests:9.1f} {slept:9.3f} {app:12.3f}"
            )
    store_scale(args.threads)


if __name__ == "__main__":
    main()
