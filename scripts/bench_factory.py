"""Benchmark: validated Run objects per second, this project's RunFactory vs polyfactory.

Both sides produce pydantic-validated runs in one process, pinned to one core where the OS
allows it: ours builds a dict and runs ``harness.api.models.Run.model_validate`` on it;
polyfactory's ``ModelFactory`` validates inside ``build()``, on the official SDK's
``openai.types.beta.threads.Run`` (its fastest case) and on the harness's ``Run``. The script
also counts how many objects from each side break the consistency rules
(``harness.api.rules.check_run``), outside the timed loops, and the memory a built run keeps.

    python scripts/bench_factory.py [--ours 50000] [--theirs 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

from polyfactory.factories.pydantic_factory import ModelFactory

from harness.api.models import Run
from harness.api.rules import check_run
from harness.factory import RunFactory


class PolyRunFactory(ModelFactory[Run]):
    """polyfactory's take on the harness's model, with its defaults."""

    __model__ = Run


def _poly_sdk_factory() -> type[ModelFactory[Any]]:
    """polyfactory on the official SDK's ``openai.types.beta.threads.Run`` (the baseline the
    issue names: a model without the harness's constraints, so polyfactory is at its fastest)."""
    from openai.types.beta.threads import Run as SdkRun

    return ModelFactory.create_factory(SdkRun)


def _rate(count: int, make: Callable[[], object]) -> float:
    """Objects per second of ``count`` calls of ``make``, each result dropped."""
    start = time.perf_counter()
    for _ in range(count):
        make()
    return count / (time.perf_counter() - start)


def _kept_rate(count: int, make: Callable[[], object]) -> float:
    """Objects per second of ``[make() for _ in range(count)]``: every result kept, as a test
    that builds ``count`` runs keeps them (the work ``batch(count)`` does)."""
    start = time.perf_counter()
    kept = [make() for _ in range(count)]
    seconds = time.perf_counter() - start
    del kept
    return count / seconds


def _batch_rate(factory: RunFactory, count: int) -> float:
    start = time.perf_counter()
    kept = factory.batch(count)
    seconds = time.perf_counter() - start
    del kept
    return count / seconds


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


def _sdk_broken(runs: list[Any]) -> int:
    """SDK runs that break the rules (or do not even parse as the harness's Run)."""
    broken = 0
    for sdk_run in runs:
        try:
            broken += bool(check_run(Run.model_validate(sdk_run.to_dict())))
        except ValueError:
            broken += 1
    return broken


def _bytes_per_run(factory: RunFactory, n: int) -> float:
    """Memory a built run keeps alive (tracemalloc over ``batch(n)``)."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = factory.batch(n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / n


def measure(
    ours: int, theirs: int, harness_model_theirs: int = 0, rounds: int = 3
) -> dict[str, Any]:
    """Validated runs per second (best of ``rounds`` interleaved rounds): RunFactory.build() in
    a loop, RunFactory.batch(), polyfactory on the SDK's Run (and, if asked, on the harness's
    Run); rule violations of each (outside the timed loops) and memory per built run.
    ``lines`` is the printed report."""
    factory = RunFactory(seed=1)
    factory.batch(200)  # warm up (Faker pools, pydantic validators)
    poly_sdk = _poly_sdk_factory()
    poly_sdk.seed_random(1)
    poly_sdk.build()
    # Interleaved rounds, best of each: a burst of load from other jobs hits one round, not one
    # side. The loop keeps its runs, as batch does; the rate with each run dropped is printed too.
    loops, batches, dropped, sdk_rates = [], [], [], []
    for _ in range(rounds):
        loops.append(_kept_rate(ours, factory.build))
        batches.append(_batch_rate(factory, ours))
        dropped.append(_rate(ours, factory.build))
        sdk_rates.append(_kept_rate(theirs, poly_sdk.build))
    loop, batch_rate, sdk_rate = max(loops), max(batches), max(sdk_rates)
    out: dict[str, Any] = {
        "loop": loop,
        "batch": batch_rate,
        "loop_dropped": max(dropped),
        "polyfactory_sdk": sdk_rate,
        "rounds": rounds,
    }
    if harness_model_theirs:
        PolyRunFactory.seed_random(1)
        PolyRunFactory.build()
        out["polyfactory_harness"] = _rate(harness_model_theirs, PolyRunFactory.build)
    batch = factory.batch(ours)
    out["ours_broken"] = _broken(batch)[0]
    out["ours_checked"] = len(batch)
    del batch
    out["polyfactory_sdk_broken"] = _sdk_broken([poly_sdk.build() for _ in range(theirs)])
    out["polyfactory_checked"] = theirs
    out["bytes_per_run"] = _bytes_per_run(factory, min(ours, 5000))
    rows = [
        ("RunFactory.build() in a loop, runs kept", loop),
        ("RunFactory.batch(n)", batch_rate),
        ("RunFactory.build() in a loop, each dropped", out["loop_dropped"]),
        ("polyfactory ModelFactory[openai Run], kept", sdk_rate),
    ]
    lines = [
        f"factory: validated Run objects per second (same process, best of {rounds} interleaved "
        "rounds)",
        *(f"   {name:<46}{rate:>10,.0f}/s  x{rate / sdk_rate:,.0f}" for name, rate in rows),
    ]
    if "polyfactory_harness" in out:
        rate = out["polyfactory_harness"]
        lines.append(f"   {'polyfactory ModelFactory[harness Run]':<44}{rate:>10,.0f}/s")
    lines += [
        f"   breaking check_run: RunFactory {out['ours_broken']} of {out['ours_checked']}, "
        f"polyfactory {out['polyfactory_sdk_broken']} of {theirs}",
        f"   memory per built run (batch, tracemalloc): {out['bytes_per_run'] / 1024:.1f} KiB",
        "   goal: loop and batch >= 100x polyfactory; batch no slower than the loop "
        f"(batch / loop: {batch_rate / loop:.2f}x)",
    ]
    out["lines"] = lines
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=int, default=50_000, help="runs built by RunFactory")
    parser.add_argument("--theirs", type=int, default=300, help="runs built by polyfactory")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best kept)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    result = measure(args.ours, args.theirs, harness_model_theirs=args.theirs, rounds=args.rounds)
    print("\n".join(result["lines"]))


if __name__ == "__main__":
    main()
