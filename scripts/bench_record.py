"""Overhead of the ``harness record`` proxy per request, side by side, in one run.

    python scripts/bench_record.py [--requests 300]

The same modify-run request (a different metadata value each time, so every request is new)
sent with one keep-alive httpx2 client over loopback to:

1. the emulator directly (the baseline);
2. the proxy recording (mode ``all``), forwarding to the in-process emulator (the default);
3. the proxy recording, forwarding over loopback HTTP to the emulator (``--target``);
4. the proxy answering every request from the cassette it just recorded (mode
   ``new_episodes``, all hits).

Recording includes scrubbing and the atomic rewrite (temp file, fsync, rename) of the whole
cassette after each interaction; the time spent in that rewrite is measured too and shown
on its own line, with the overhead left without it. Cases run in rounds, interleaved, and the
best round counts, so load from other jobs hits them alike. Prints ms per request, the
overhead over (1) and the ratio. Goal: overhead <= 1 ms per request on loopback.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import httpx2

from harness.cassette.format import Interaction
from harness.emulator import create_app
from harness.server.serve import serve
from harness.tools.record import EmulatorTarget, HttpTarget, RecordApp

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}


def per_request(root: str, path: str, count: int) -> float:
    """ms per request from one keep-alive client (after one warm-up request)."""
    with httpx2.Client(base_url=root, headers=HEADERS) as client:
        client.post(path, json={"metadata": {"n": "warm-up"}})
        start = time.perf_counter()
        for index in range(count):
            response = client.post(path, json={"metadata": {"n": str(index)}})
            assert response.status_code == 200, response.text
        return (time.perf_counter() - start) / count * 1000


class _TimedSaves(RecordApp):
    """A RecordApp that adds up the time its atomic rewrites take."""

    save_seconds = 0.0

    def _save(self, interaction: Interaction) -> None:
        start = time.perf_counter()
        super()._save(interaction)
        self.save_seconds += time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    run = create_app(0).store.snapshot()["runs"][0]
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"
    rounds = 2
    results: dict[str, float] = {}
    saves: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        results[name] = min(value, results.get(name, value))

    with tempfile.TemporaryDirectory() as tmp, serve(create_app(0)) as emulator:
        targets: list[tuple[str, Callable[[], EmulatorTarget | HttpTarget]]] = [
            ("2. proxy recording -> in-process emulator", lambda: EmulatorTarget(create_app(0))),
            ("3. proxy recording -> emulator over HTTP", lambda: HttpTarget(emulator, "sk-test")),
        ]
        for round_number in range(rounds):
            keep("1. emulator directly", per_request(emulator, path, count))
            for name, target in targets:
                cassette = Path(tmp, f"{round_number}-{name[0]}.json")
                app = _TimedSaves(cassette, target(), mode="all")
                with serve(app) as proxy:
                    value = per_request(proxy, path, count)
                keep(name, value)
                if results[name] == value:
                    saves[name] = app.save_seconds / (count + 1) * 1000
            replaying = RecordApp(
                Path(tmp, f"{round_number}-2.json"),
                EmulatorTarget(create_app(0)),
                mode="new_episodes",
            )
            with serve(replaying) as proxy:
                keep("4. proxy answering from the cassette", per_request(proxy, path, count))
            assert replaying.recorded == 0, "every request should be answered from the cassette"
    base = results["1. emulator directly"]
    print(f"{count} modify-run requests each, one keep-alive httpx2 client, loopback")
    print(f"{'path':<46}{'ms/request':>11}{'overhead':>11}{'ratio':>8}")
    for name, value in results.items():
        print(f"{name:<46}{value:>11.3f}{value - base:>+10.3f}{value / base:>8.2f}x")
        if name in saves:
            rest = value - saves[name] - base
            print(f"   of which the atomic rewrite {saves[name]:.3f} ms; the rest {rest:+.3f} ms")
    print("goal: overhead <= 1 ms per request")


if __name__ == "__main__":
    main()
