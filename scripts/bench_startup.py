"""What the installed plugin adds to every pytest start-up, side by side, in one run.

    python scripts/bench_startup.py [--rounds 30] [--baseline-src DIR]

Runs ``pytest --co -q`` on an empty project (one trivial test file, in a temporary directory)
alternately with the harness plugin (``-p harness.plugin``, the module the entry point loads)
and without it, with plugin autoloading off in both so that other installed plugins do not
drown the difference, and reports the CPU time (user + system) of each child process: median
and minimum per variant, the ratio, and the milliseconds the plugin adds. Goal: at most 20 ms
added. ``--baseline-src`` adds a third variant, the plugin imported from another source tree
(e.g. ``git archive main | tar -x -C DIR``), to compare two versions in the same run.
Nothing but local processes is involved.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GOAL_MS = 20.0


def _cpu_ms(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--baseline-src", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        # Byte-code cached (in the temporary directory), as an installed package has it.
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        env["PYTHONPYCACHEPREFIX"] = str(project / "pycache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PYTEST_ADDOPTS", None)
        (project / "test_empty.py").write_text("def test_nothing():\n    pass\n")
        base = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]
        plugin = [*base, "-p", "harness.plugin"]
        variants = {"without": base, "with": plugin}
        if args.baseline_src is not None:
            src = str(args.baseline_src.resolve())
            variants["baseline"] = ["env", f"PYTHONPATH={src}", *plugin]
        for command in variants.values():  # warm the file-system cache and .pyc files
            _cpu_ms(command, project, env)
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, command in variants.items():
                times[name].append(_cpu_ms(command, project, env))
    print(f"pytest --co -q on an empty project, CPU ms over {args.rounds} rounds:")
    width = max(len(str(args.baseline_src or "")) + 12, 20)
    print(f"  {'':{width}s}    median      min")
    for name in variants:
        median, low = statistics.median(times[name]), min(times[name])
        label = f"plugin from {args.baseline_src}" if name == "baseline" else f"{name} the plugin"
        print(f"  {label:{width}s} {median:9.1f} {low:8.1f}")
    without, with_ = statistics.median(times["without"]), statistics.median(times["with"])
    added = with_ - without
    added_min = min(times["with"]) - min(times["without"])
    print(f"  ratio with/without (median)     {with_ / without:6.3f}")
    verdict = "ok" if added <= GOAL_MS else "over the goal"
    print(
        f"  added by the plugin: {added:.1f} ms median, {added_min:.1f} ms min "
        f"(goal <= {GOAL_MS:.0f} ms: {verdict})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
