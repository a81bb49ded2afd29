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

Recording includes scrubbing and serializing (on the proxy's event loop, after the answer
is sent) and the atomic rewrite (temp file, rename) of the cassette on its writer thread (an
answer waits only for the interaction before it to be in the file; one fsync at exit). Each
case stops with SIGINT and the cassette is checked to hold every request. The cost of that
work per interaction, off the response path, is measured in this process and printed after.
Cases run in rounds, interleaved, and the best round counts, so load from other jobs hits them
alike. Prints wall ms per request, the overhead over (1) and the ratio, then the CPU ms the
server processes (every thread; for (3) the proxy and the emulator) used per request, which
load from other jobs inflates far less than wall time, and the load average.
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
from harness.cassette.scrub import Scrubber, clean_interaction
from harness.emulator import create_app
from harness.tools.cassette_writer import CassetteWriter, _interaction_text

HEADERS = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, every thread) the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def per_request(base: str, path: str, count: int, pids: list[int]) -> tuple[float, float]:
    """ms per request from one keep-alive client (after one warm-up request), and the CPU ms
    per request the server processes ``pids`` spent meanwhile."""
    with httpx2.Client(base_url=base, headers=HEADERS) as client:
        client.post(path, json={"metadata": {"n": "warm-up"}})
        cpu = cpu_seconds(pids)
        start = time.perf_counter()
        for index in range(count):
            response = client.post(path, json={"metadata": {"n": str(index)}})
            assert response.status_code == 200, response.text
        wall = (time.perf_counter() - start) / count * 1000
        return wall, (cpu_seconds(pids) - cpu) / count * 1000


@contextmanager
def harness(*args: str) -> Iterator[tuple[str, int]]:
    """``harness ARGS...`` as a subprocess; yields the base URL it prints and its pid, stops
    it with SIGINT (so a recording proxy writes what is queued and exits normally)."""
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
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err


def writer_ms(cassette: Path, count: int, scratch: Path) -> float:
    """ms spent per interaction recording ``cassette``'s interactions one by one into a new
    file: scrubbing and serializing (on the proxy's event loop, after the answer) and the
    rewrite (on the writer thread)."""
    interactions = Cassette.load(cassette).interactions[:count]
    writer = CassetteWriter(scratch, Cassette())
    scrubber = Scrubber()
    start = time.perf_counter()
    for interaction in interactions:
        cleaned = clean_interaction(interaction, scrubber, in_place=True)
        text = _interaction_text(cleaned).encode()
        writer._write([(cleaned, text, Future[Interaction | None]())])
    return (time.perf_counter() - start) / len(interactions) * 1000


BASE = "1. harness emulate directly"
RECORDING = "2. record -> in-process emulator"
REPLAYING = "4. record answering from the cassette"


def measure(count: int, rounds: int) -> dict[str, float]:
    """Wall ms per request of each case (best round), ``cpu <case>``: the server processes'
    CPU ms per request in that round, and ``writer``: ms of recording work per interaction."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    run = create_app(0).store.snapshot()["runs"][0]
    path = f"threads/{run['thread_id']}/runs/{run['id']}"
    results: dict[str, float] = {}

    def keep(name: str, measured: tuple[float, float]) -> None:
        if measured[0] <= results.get(name, measured[0]):
            results[name], results[f"cpu {name}"] = measured

    env_key = "HARNESS_BENCH_KEY"
    os.environ[env_key] = "sk-test-not-a-real-key"
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness("emulate", "--port", "0") as (emulator, emulator_pid),
    ):
        root = emulator.removesuffix("/v1")
        for round_number in range(rounds):
            keep(BASE, per_request(emulator + "/", path, count, [emulator_pid]))
            cases = [
                (RECORDING, [], []),
                (
                    "3. record -> emulator over HTTP",
                    ["--target", root, "--api-key-env", env_key],
                    [emulator_pid],
                ),
            ]
            for name, extra, also in cases:
                cassette = Path(tmp, f"{round_number}-{name[0]}.json")
                with harness("record", str(cassette), "--mode", "all", *extra) as (proxy, pid):
                    keep(name, per_request(proxy + "/", path, count, [pid, *also]))
                assert len(Cassette.load(cassette).interactions) == count + 1
            cassette = Path(tmp, f"{round_number}-2.json")
            before = cassette.read_bytes()
            with harness("record", str(cassette), "--mode", "new_episodes") as (proxy, pid):
                keep(REPLAYING, per_request(proxy + "/", path, count, [pid]))
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
    base, base_cpu = results[BASE], results[f"cpu {BASE}"]
    print(f"{count} modify-run requests each, one keep-alive httpx2 client, loopback,")
    print(f"servers in their own processes, best of {options.rounds} interleaved rounds")
    print(f"{'':<42}{'wall time per request':^30}{'server CPU per request':^24}")
    print(f"{'path':<42}{'ms':>10}{'overhead':>11}{'ratio':>9}{'ms':>10}{'overhead':>11}")
    for name, value in results.items():
        if name.startswith("cpu "):
            continue
        cpu = results[f"cpu {name}"]
        print(
            f"{name:<42}{value:>10.3f}{value - base:>+11.3f}{value / base:>8.2f}x"
            f"{cpu:>10.3f}{cpu - base_cpu:>+11.3f}"
        )
    print(
        f"recording work, off the response path: {writer:.3f} ms per interaction "
        f"(scrub, serialize, rewrite a cassette growing to {count + 1})"
    )
    print("goal: overhead <= 1 ms per request")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
