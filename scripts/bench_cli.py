"""Side-by-side timings of the cassette CLI commands' work, in one run, with ratios.

    python scripts/bench_cli.py [--copies 10] [--requests 300]

* scan vs verify over the synthesized cassettes copied ``--copies`` times (ms per file);
* the replay server vs the emulator answering the same modify-run request over loopback HTTP
  (ms per request, one keep-alive ``http.client`` connection);
* regenerate against the built-in emulator (ms per cassette).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from harness.cassette.format import Cassette, Interaction, Request
from harness.emulator import create_app
from harness.server.replay import ReplayApp
from harness.server.serve import serve
from harness.tools.regenerate import regenerate
from harness.tools.synthesize import synthesize
from harness.tools.verify import load_cassettes, scan_paths, verify_paths


def _per_request(url: str, request: Request, count: int) -> float:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    headers["authorization"] = "Bearer sk-bench-not-a-key"
    body = request.body_bytes
    start = time.perf_counter()
    for _ in range(count):
        conn.request(request.method, request.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synthesize(root / "base")
        for n in range(args.copies):
            shutil.copytree(root / "base", root / "many" / str(n))
        files = len(list((root / "many").rglob("*.json")))

        start = time.perf_counter()
        scan_paths([root / "many"])
        scan_ms = (time.perf_counter() - start) * 1000 / files
        start = time.perf_counter()
        verify_paths([root / "many"])
        verify_ms = (time.perf_counter() - start) * 1000 / files
        print(f"{files} cassettes")
        print("| check | ms/file | ratio |\n| --- | --- | --- |")
        print(f"| scan | {scan_ms:.2f} | x1.00 |")
        print(f"| verify | {verify_ms:.2f} | x{verify_ms / scan_ms:.2f} |")

        source = root / "base" / "modify-run" / "completed-auto.json"
        (interaction,) = Cassette.load(source).interactions
        repeated = Cassette(
            interactions=[
                Interaction(interaction.request, interaction.response) for _ in range(args.requests)
            ]
        )
        repeated.save(root / "repeated.json")
        with serve(ReplayApp(load_cassettes([root / "repeated.json"]))) as url:
            replay_ms = _per_request(url, interaction.request, args.requests)
        with serve(create_app()) as url:
            emulator_ms = _per_request(url, interaction.request, args.requests)
        print(f"\n{args.requests} modify-run requests over loopback HTTP")
        print("| server | ms/request | ratio |\n| --- | --- | --- |")
        print(f"| harness replay | {replay_ms:.2f} | x1.00 |")
        print(f"| harness emulate | {emulator_ms:.2f} | x{emulator_ms / replay_ms:.2f} |")

        cassettes = load_cassettes([root / "base"])
        start = time.perf_counter()
        regenerate(cassettes, dry_run=True)
        regen_ms = (time.perf_counter() - start) * 1000 / len(cassettes)
        print(f"\nregenerate (built-in emulator, dry run): {regen_ms:.1f} ms/cassette")


if __name__ == "__main__":
    main()
