"""Scale: a 100,000-interaction replay through the SDK and verify/scan of a 200 MB cassette,
with time and peak memory, each in its own process.

    python scripts/bench_scale.py [--replay 100000] [--verify-mb 200]

* replay: every interaction of one cassette of N distinct modify-thread requests, sent
  through the real SDK with the harness plugin's recording (``bench_replay.replay_harness``),
  vs the same requests answered by an in-process mock transport. Goal: at most 3x the mock,
  peak RSS added by loading and replaying at most 2x the file's size on disk.
* verify / scan: ``harness.tools.verify.verify_paths`` / ``scan_paths`` on one generated
  cassette of about ``--verify-mb`` MB. Goal: peak RSS added at most 3x the file's size.

"Added" RSS is the child's peak RSS (VmHWM) minus its RSS once the libraries are imported,
before the cassette is touched. The big files are generated in a temporary directory at run
time, written one interaction at a time, and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _rss_mb(field: str = "VmHWM") -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) RSS in MB, from /proc (a child's
    ``ru_maxrss`` starts at its parent's peak on Linux, so it cannot be used here); elsewhere
    ``ru_maxrss`` (KiB on Linux, bytes on macOS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def write_cassette(path: Path, interactions: Any) -> None:
    """Write a cassette one interaction at a time (as ``Cassette.dumps`` would lay it out),
    so that generating a big file needs no big memory."""
    from harness.cassette.format import CASSETTE_FORMAT, CASSETTE_VERSION

    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{\n  "format": "{CASSETTE_FORMAT}",\n  "interactions": [')
        for number, interaction in enumerate(interactions):
            text = json.dumps(interaction.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
            out.write(("," if number else "") + "\n    " + text.replace("\n", "\n    "))
        out.write(f'\n  ],\n  "version": {CASSETTE_VERSION}\n}}\n')


def _big_interactions(target_bytes: int) -> Any:
    """Modify-run interactions with full run bodies, until about ``target_bytes`` written."""
    from harness.cassette.format import Interaction, Request, Response
    from harness.factory import RunFactory

    runs = RunFactory(seed=3).batch(200)
    written = n = 0
    while written < target_bytes:
        run = runs[n % len(runs)].to_dict()
        request = Request(method="POST", path=f"/v1/threads/{run['thread_id']}/runs/{run['id']}")
        request.headers = {"authorization": "<REDACTED:authorization>",
                           "content-type": "application/json"}  # fmt: skip
        request.json, request.has_json = {"metadata": {"n": str(n)}}, True
        response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
        response.json, response.has_json = {**run, "metadata": {"n": str(n)}}, True
        interaction = Interaction(request, response)
        written += len(json.dumps(interaction.to_dict(), indent=2)) + 40
        n += 1
        yield interaction


# --------------------------------------------------------------------------- children


def child(kind: str, path: str, n: int) -> dict[str, float]:
    import warnings

    import bench_replay
    import openai  # noqa: F401  (imported before the baseline, as the replay needs it)

    from harness.tools import verify

    warnings.simplefilter("ignore", DeprecationWarning)
    # Warm up on one interaction, so that lazy imports (vcrpy, the SDK's modules) and first-use
    # caches are in the baseline, not counted against the cassette.
    tiny = Path(path).with_name("tiny.json")
    write_cassette(tiny, bench_replay._interactions(1))
    if kind == "replay-harness":
        bench_replay.replay_harness(tiny, 1)
    elif kind == "replay-mock":
        bench_replay.replay_mock(1)
    else:
        verify.verify_paths([tiny])
        verify.scan_paths([tiny])
    base = _rss_mb("VmRSS")
    start = time.perf_counter()
    if kind == "replay-harness":
        bench_replay.replay_harness(Path(path), n)
    elif kind == "replay-mock":
        bench_replay.replay_mock(n)
    elif kind == "verify":
        report = verify.verify_paths([path])
        assert report.files, report
    else:
        report = verify.scan_paths([path])
        assert report.files, report
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "base_mb": base, "peak_mb": _rss_mb(), "rss_mb": _rss_mb() - base}


def _run_child(kind: str, path: Path, n: int = 0) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, str(path), str(n)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_scale: {kind} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(replay_n: int, verify_mb: int, work: Path) -> dict[str, Any]:
    import bench_replay

    replay_path = work / f"replay-{replay_n}.json"
    write_cassette(replay_path, (i for i in bench_replay._interactions(replay_n)))
    file_mb = replay_path.stat().st_size / 1e6
    mock = _run_child("replay-mock", replay_path, replay_n)
    harness = _run_child("replay-harness", replay_path, replay_n)
    replay_path.unlink()
    big = work / f"big-{verify_mb}mb.json"
    write_cassette(big, _big_interactions(verify_mb * 1_000_000))
    big_mb = big.stat().st_size / 1e6
    verify = {**_run_child("verify", big), "file_mb": big_mb}
    scan = {**_run_child("scan", big), "file_mb": big_mb}
    big.unlink()
    ratio = harness["seconds"] / mock["seconds"]
    lines = [
        f"scale: SDK replay of {replay_n:,} interactions ({file_mb:.0f} MB cassette)",
        f"   mock transport {mock['seconds']:7.1f} s   harness {harness['seconds']:7.1f} s"
        f"   ratio {ratio:.2f}x (goal <= 3x)",
        f"   harness peak RSS {harness['peak_mb']:.0f} MB, {harness['rss_mb']:.0f} MB over its "
        f"start ({harness['rss_mb'] / file_mb:.2f}x the file; goal <= 2x)",
        f"scale: verify / scan of a {big_mb:.0f} MB cassette",
    ]
    for name, result in (("verify", verify), ("scan", scan)):
        lines.append(
            f"   {name:<7}{result['seconds']:7.1f} s   peak RSS {result['peak_mb']:.0f} MB, "
            f"{result['rss_mb']:.0f} MB over its start ({result['rss_mb'] / big_mb:.2f}x the "
            "file; goal <= 3x)"
        )
    return {
        "lines": lines,
        "replay": {"n": replay_n, "file_mb": file_mb, "mock": mock, "harness": harness},
        "verify": verify,
        "scan": scan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replay", type=int, default=100_000)
    parser.add_argument("--verify-mb", type=int, default=200)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, n = args.child
        print(json.dumps(child(kind, path, int(n))))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory(prefix="harness-bench-scale-") as scratch:
        print("\n".join(measure(args.replay, args.verify_mb, Path(scratch))["lines"]))
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    sys.exit(main())
