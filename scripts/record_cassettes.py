"""Re-record the cassettes this project ships, from the seeded emulator on loopback.

    python scripts/record_cassettes.py

Runs ``tests/test_replay_cassettes.py`` with ``--cassette-mode=rewrite`` into a scratch
directory (the tests start the emulator in-process through the ``harness_emulator`` fixture),
and only if every test passes replaces ``cassettes/tests/test_replay_cassettes/`` with the result:
a failed recording never leaves a half-updated set. The seeded ids the tests use are written
to ``tests/data/replay_ids.json`` with them. The emulator is seeded, so re-running the
script gives byte-identical files. Exit status: 0 recorded, 1 a test failed (nothing changed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.cassette.format import atomic_write_text
from harness.emulator import create_app

ROOT = Path(__file__).resolve().parent.parent
TESTS = "tests/test_replay_cassettes.py"
TARGET = ROOT / "cassettes" / "tests" / "test_replay_cassettes"
IDS = ROOT / "tests" / "data" / "replay_ids.json"


def seeded_ids(seed: int = 0) -> str:
    """The run (one per status) and thread ids the replay tests use, from the seeded emulator."""
    snapshot = create_app(seed).store.snapshot()
    runs: dict[str, dict[str, str]] = {}
    for run in snapshot["runs"]:
        runs.setdefault(run["status"], {"id": run["id"], "thread_id": run["thread_id"]})
    ids = {"runs": dict(sorted(runs.items())), "thread_id": runs["queued"]["thread_id"]}
    return json.dumps(ids, indent=2, sort_keys=True) + "\n"


def main() -> int:
    ids = seeded_ids()
    with tempfile.TemporaryDirectory(prefix="harness-record-") as scratch:
        ids_file = Path(scratch, "replay_ids.json")
        ids_file.write_text(ids, encoding="utf-8")
        command = [
            sys.executable, "-m", "pytest", TESTS, "-q", "-p", "no:randomly", "-p", "no:xdist",
            "-p", "no:cacheprovider", "--cassette-mode=rewrite", f"--cassette-dir={scratch}",
            "--harness-seed=0", "-k", "not shipped_cassettes",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        env["HARNESS_REPLAY_IDS"] = str(ids_file)
        if subprocess.run(command, cwd=ROOT, env=env, check=False).returncode != 0:
            print("record_cassettes: a test failed; cassettes/ left unchanged", file=sys.stderr)
            return 1
        recorded = {
            p.name: p.read_text(encoding="utf-8")
            for p in Path(scratch).rglob("*.json")
            if p != ids_file
        }
    TARGET.mkdir(parents=True, exist_ok=True)
    atomic_write_text(IDS, ids)
    changed = 0
    for name, text in sorted(recorded.items()):
        path = TARGET / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write_text(path, text)
            changed += 1
    stale = [p for p in TARGET.glob("*.json") if p.name not in recorded]
    for path in stale:
        path.unlink()
    print(
        f"record_cassettes: {len(recorded)} cassettes in {TARGET.relative_to(ROOT)} "
        f"({changed} changed, {len(stale)} removed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
