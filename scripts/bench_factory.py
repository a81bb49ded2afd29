"""Benchmark: validated Run objects per second, this project's RunFactory vs polyfactory.

Both sides produce pydantic-validated ``harness.api.models.Run`` objects in one process, pinned
to one core where the OS allows it. polyfactory's ``ModelFactory[Run]`` validates inside
``build()``; ours builds a dict and runs ``Run.model_validate`` on it. The script also counts
how many objects from each side break the consistency rules (``harness.api.rules.check_run``),
outside the timed loops.

    python scripts/bench_factory.py [--ours 50000] [--theirs 300]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable

from polyfactory.factories.pydantic_factory import ModelFactory

from harness.api.models import Run
from harness.api.rules import check_run
from harness.factory import RunFactory


class PolyRunFactory(ModelFactory[Run]):
    """polyfactory's take on the same model, with its defaults."""

    __model__ = Run


def _rate(label: str, count: int, make: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(count):
        make()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"{label:<44} {count:>7} runs in {elapsed:6.2f} s = {rate:>10,.0f} runs/s")
    return rate


def _broken(runs: list[Run]) -> tuple[int, int, Counter[str]]:
    """(runs breaking any rule, runs breaking a rule other than id prefixes, by field)."""
    fields: Counter[str] = Counter()
    broken = beyond_ids = 0
    for run in runs:
        problems = check_run(run)
        if problems:
            broken += 1
            names = {p.split(":", 1)[0].split(".", 1)[0] for p in problems}
            fields.update(names)
            if names - {"id", "thread_id", "assistant_id"}:
                beyond_ids += 1
    return broken, beyond_ids, fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=int, default=50_000, help="runs built by RunFactory")
    parser.add_argument("--theirs", type=int, default=300, help="runs built by polyfactory")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    ours = RunFactory(seed=1)
    ours.batch(200)  # warm up (Faker pools, pydantic validators)
    PolyRunFactory.seed_random(1)
    PolyRunFactory.build()

    print(f"{'':<44} {'count':>7}")
    stream = _rate("RunFactory.build() (validated), streaming", args.ours, ours.build)
    start = time.perf_counter()
    batch = ours.batch(args.ours)
    elapsed = time.perf_counter() - start
    print(
        f"{'RunFactory.batch(n) (validated), kept in RAM':<44} {args.ours:>7} runs in "
        f"{elapsed:6.2f} s = {args.ours / elapsed:>10,.0f} runs/s"
    )
    theirs = _rate("polyfactory ModelFactory[Run].build()", args.theirs, PolyRunFactory.build)
    print(f"ratio (streaming build / polyfactory): {stream / theirs:,.0f}x")
    print(f"ratio (batch / polyfactory):           {args.ours / elapsed / theirs:,.0f}x")

    poly_runs = [PolyRunFactory.build() for _ in range(args.theirs)]
    for label, runs in (("RunFactory", batch), ("polyfactory", poly_runs)):
        broken, beyond_ids, fields = _broken(runs)
        top = ", ".join(f"{name} {n}" for name, n in fields.most_common(6))
        print(
            f"{label}: {broken} of {len(runs)} runs break check_run "
            f"({beyond_ids} beyond id prefixes){'; most: ' + top if top else ''}"
        )


if __name__ == "__main__":
    main()
