"""Overhead of the ``harness record`` proxy per request, side by side, in one run.

    python scripts/bench_record.py [--requests 300] [--rounds 3]

The same modify-run request (a different metadata value each time, so every request is new)
sent with one keep-alive httpx2 client over loopback to servers started as the CLI starts
them, each in its own process (as a Node or Go client would see them):

1. ``harness emulate`` directly (the baseline);
2. ``harness record --mode all``: the proxy recording, forwarding to the in-process emulator
   (the default);
3. ``harness record --mode all --target URL``: recording, forwarding over loopback HTTP to (1);
4. ``harness record --mode new_episodes`` on the cassette (2) wrote: every request answered
   from the cassette.

Recording includes scrubbing and the atomic rewrite (temp file, rename) of the cassette, done
by the proxy's writer thread after the answer is sent (an answer waits only for the interaction
before it to be in the file; one fsync at exit). Each case stops with SIGINT and the cassette
is checked to hold every request. The writer's own cost per interaction (scrub, serialize,
rewrite), which runs off the response path, is measured in this process and printed after.
Cases run in rounds, interleaved, and the best round counts, so load from other jobs hits them
alike. Prints ms per request, the overhead over (1), the ratio, and the load average.
Goal: overhead <= 1 ms per request on loopback.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

import httpx2

from harness.cassette.format import Cassette, Interaction
from harness.emulator import create_app
from harness.tools.cassette_writer import CassetteWriter

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}


def per_request(base: str, path: str, count: int) -> float:
    """ms per request from one keep-alive client (after one warm-up request)."""
    with httpx2.Client(base_url=base, headers=HEADERS) as client:
        client.post(path, json={"metadata": {"n": "warm-up"}})
        start = time.perf_counter()
        for index in range(count):
            response = client.post(path, json={"metadata": {"n": str(index)}})
            assert response.status_code == 200, response.text
        return (time.perf_counter() - start) / count * 1000


@contextmanager
def harness(*args: str) -> Iterator[str]:
    """``harness ARGS...`` as a subprocess; yields the base URL it prints, stops it with
    SIGINT (so a recording proxy writes what is queued and exits normally)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://"), process.communicate(timeout=30)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err


def writer_ms(cassette: Path, count: int, scratch: Path) -> float:
    """ms the writer thread spends per interaction re-writing ``cassette``'s interactions one
    by one into a new file (what it does while a client records them)."""
    interactions = Cassette.load(cassette).interactions[:count]
    writer = CassetteWriter(scratch, Cassette())
    start = time.perf_counter()
    for interaction in interactions:
        writer._write([(interaction, lambda i: i, Future[Interaction | None]())])
    return (time.perf_counter() - start) / len(interactions) * 1000


BASE = "1. harness emulate directly"
RECORDING = "2. record -> in-process emulator"


def measure(count: int, rounds: int) -> dict[str, float]:
    """ms per request of each case (best round), and ``writer`` ms per interaction."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    run = create_app(0).store.snapshot()["runs"][0]
    path = f"threads/{run['thread_id']}/runs/{run['id']}"
    results: dict[str, float] = {}

    def keep(name: str, value: float) -> None:
        results[name] = min(value, results.get(name, value))

    env_key = "HARNESS_BENCH_KEY"
    os.environ[env_key] = "sk-test-not-a-real-key"
    with tempfile.TemporaryDirectory() as tmp, harness("emulate", "--port", "0") as emulator:
        root = emulator.removesuffix("/v1")
        for round_number in range(rounds):
            keep(BASE, per_request(emulator + "/", path, count))
            cases = [
                (RECORDING, []),
                ("3. record -> emulator over HTTP", ["--target", root, "--api-key-env", env_key]),
            ]
            for name, extra in cases:
                cassette = Path(tmp, f"{round_number}-{name[0]}.json")
                with harness("record", str(cassette), "--mode", "all", *extra) as proxy:
                    keep(name, per_request(proxy + "/", path, count))
                assert len(Cassette.load(cassette).interactions) == count + 1
            cassette = Path(tmp, f"{round_number}-2.json")
            before = cassette.read_bytes()
            with harness("record", str(cassette), "--mode", "new_episodes") as proxy:
                keep("4. record answering from the cassette", per_request(proxy + "/", path, count))
            assert cassette.read_bytes() == before, "every request should be answered from it"
        results["writer"] = writer_ms(Path(tmp, "0-2.json"), count, Path(tmp, "writer.json"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    count = options.requests
    results = measure(count, options.rounds)
    writer = results.pop("writer")
    base = results[BASE]
    print(f"{count} modify-run requests each, one keep-alive httpx2 client, loopback,")
    print(f"servers in their own processes, best of {options.rounds} interleaved rounds")
    print(f"{'path':<42}{'ms/request':>11}{'overhead':>11}{'ratio':>8}")
    for name, value in results.items():
        print(f"{name:<42}{value:>11.3f}{value - base:>+10.3f}{value / base:>8.2f}x")
    print(
        f"writer thread, off the response path: {writer:.3f} ms per interaction "
        f"(scrub, serialize, rewrite a cassette growing to {count + 1})"
    )
    print("goal: overhead <= 1 ms per request")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
