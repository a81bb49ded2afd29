"""Modify-run throughput of the emulator, side by side, in one run.

    python scripts/bench_emulator.py [--requests 300]

Compares the same modify-run request sent (1) in-process through httpx2's ASGI transport,
(2) over loopback HTTP with a plain httpx2 client, and (3) over loopback HTTP through the
official SDK, and prints ms per request and ratios to the in-process figure.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import warnings
from collections.abc import Callable

import httpx2
import openai

from harness.emulator import create_app, running_emulator

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
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


if __name__ == "__main__":
    main()
