"""Every benchmark of the project in one run: one table of ratios, bench.json, PNG figures.

    python scripts/bench.py            # the full report (about 10-15 minutes on 2 cores)
    python scripts/bench.py --quick    # small sizes, a smoke run (under 2 minutes)
    python scripts/bench.py --only servers scale   # some sections

Each section runs its side-by-side comparison in this one run (other jobs on the machine slow
both sides alike, so the ratios hold where absolute figures do not) and adds rows to the final
table: what was measured, its value, what it is compared with, the ratio and the goal.
Sections reuse the scripts beside this one (bench_factory, bench_replay, bench_servers,
bench_startup, bench_scale). ``bench.json`` holds every row and every raw figure; the figures
(replay time vs N, server throughput) go to ``scripts/figures/`` on a full run and to
``bench-figures/`` beside bench.json on a quick one. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import bench_emulator  # noqa: E402
import bench_factory  # noqa: E402
import bench_record  # noqa: E402
import bench_replay  # noqa: E402
import bench_scale  # noqa: E402
import bench_servers  # noqa: E402


@dataclass
class Row:
    """One line of the final table. ``met`` follows from ``goal`` when not given: ``"<= 3x"`` /
    ``">= 100x"`` compare the ratio, ``"<= 0.5 ms"`` the value, ``"0"`` wants a value of 0."""

    section: str
    what: str
    value: float
    unit: str
    versus: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None

    def __post_init__(self) -> None:
        if self.met is None:
            self.met = _met(self.goal, self.value, self.ratio)


_GOAL = re.compile(r"(<=|>=)\s*([\d.]+)\s*(x?)")


def _met(goal: str, value: float, ratio: float | None) -> bool | None:
    if goal.strip().isdigit():
        return value == float(goal)
    match = _GOAL.match(goal)
    if match is None:
        return None
    op, limit, times = match.groups()
    measured = ratio if times else value
    if measured is None:
        return None
    return measured <= float(limit) if op == "<=" else measured >= float(limit)


@dataclass
class Sizes:
    factory_ours: int
    factory_theirs: int
    replay: list[int]
    vcr: list[int]
    per_test: int
    per_test_rounds: int
    load: int
    startup_rounds: int
    server_seconds: float
    server_connections: list[int]
    server_apps: tuple[str, ...]
    server_rounds: int
    scale_replay: int
    scale_verify_mb: int
    factory_rounds: int = 3


FULL = Sizes(
    20_000,
    200,
    [1000, 5000, 10000],
    [500, 1000],
    300,
    2,
    10_000,
    20,
    5.0,
    [50, 200],
    bench_servers.APPS,
    2,
    100_000,
    200,
)
QUICK = Sizes(
    2_000,
    20,
    [200, 500],
    [100, 200],
    30,
    1,
    500,
    3,
    1.0,
    [50],
    ("bare", "replay", "emulate"),
    1,
    500,
    2,
    factory_rounds=1,
)


# --------------------------------------------------------------------------- sections


def factory(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_factory.measure(
        sizes.factory_ours, sizes.factory_theirs, rounds=sizes.factory_rounds
    )
    poly, kept, dropped, batch = (
        out[k] for k in ("polyfactory_sdk", "loop", "loop_dropped", "batch")
    )
    vs, kept_vs, dropped_vs = "polyfactory on openai Run", "loop, runs kept", "loop, each dropped"
    checked = f"of {out['ours_checked']}"
    table = [
        ("RunFactory.build() loop, runs kept", kept, "runs/s", vs, kept / poly, ">= 100x"),
        ("RunFactory.build() loop, each dropped", dropped, "runs/s", vs, dropped / poly, ">= 100x"),
        ("RunFactory.batch(n)", batch, "runs/s", vs, batch / poly, ">= 100x"),
        ("batch(n) vs build() loop", batch, "runs/s", kept_vs, batch / kept, ">= 1x"),
        ("batch(n) vs build() loop", batch, "runs/s", dropped_vs, batch / dropped, ">= 1x"),
        ("runs breaking check_run", out["ours_broken"], "runs", checked, None, "0"),
        ("memory per built run", out["bytes_per_run"] / 1024, "KiB", "", None, ""),
    ]
    return out, [Row("factory", *row) for row in table]


def replay(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_replay.bench_replay(sizes.replay, sizes.vcr, work)
    rows = []
    for r in out["rows"]:
        what, seconds = f"SDK replay of {r['n']}", r["harness"]
        vcr = "vcrpy (measured)" if r["vcrpy_measured"] else "vcrpy (extrapolated N^2)"
        rows.append(Row("replay", what, seconds, "s", "mock", seconds / r["mock"], "<= 3x"))
        rows.append(Row("replay", what, seconds, "s", vcr, r["vcrpy"] / seconds))
    return out, rows


def per_test(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_replay.bench_per_test(sizes.per_test, work, rounds=sizes.per_test_rounds)
    marginal, amortised = out["marginal_ms"], out["amortised_ms"]
    ours, theirs = marginal["harness"] - marginal["mock"], marginal["vcrpy"] - marginal["mock"]
    ratio = amortised["vcrpy"] / amortised["harness"]
    table = [
        ("harness overhead per test", ours, "ms", "no cassette", None, "<= 0.5 ms"),
        ("pytest-recording overhead", theirs, "ms", "no cassette", None, ""),
        ("amortised per test", amortised["harness"], "ms", "pytest-recording", ratio, ""),
    ]
    return out, [Row("per-test", *row) for row in table]


def load(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_replay.bench_load(sizes.load, work)
    what, versus = f"load {out['n']} interactions", f"vcrpy YAML ({out['loader']})"
    ratio = out["vcrpy"] / out["harness"]
    return out, [Row("load", what, out["harness"], "s", versus, ratio, ">= 10x faster")]


def import_(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_replay.bench_import(sizes.load, work)
    rate, what = out["import_per_s"], f"harness import of {out['n']} (vcrpy YAML)"
    ratio = rate / out["vcrpy_per_s"]
    return out, [Row("import", what, rate, "interactions/s", "vcrpy loading the file", ratio)]


def startup(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    script = HERE / "bench_startup.py"
    command = [sys.executable, str(script), "--rounds", str(sizes.startup_rounds)]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    added = float(re.search(r"added by the plugin: ([-\d.]+) ms", text).group(1))  # type: ignore[union-attr]
    ratio = float(re.search(r"ratio with/without \(median\)\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    out = {
        "lines": ["plugin start-up (scripts/bench_startup.py)", *text.splitlines()],
        "added_ms": added,
        "ratio": ratio,
    }
    what = "pytest start-up added by the plugin"
    return out, [Row("startup", what, added, "ms", "without the plugin", ratio, "<= 20 ms")]


def servers(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    results = bench_servers.measure(
        sizes.server_seconds,
        sizes.server_connections,
        apps=sizes.server_apps,
        rounds=sizes.server_rounds,
    )
    prism = _prism(sizes, work)
    lines = [
        f"servers: modify-run over loopback keep-alive, {sizes.server_seconds:g} s each, "
        f"{bench_servers.generator_name()}, best of {sizes.server_rounds}",
        *bench_servers.table(results),
        f"   Prism: {prism['note']}",
    ]
    bare = {(r.stack, r.connections): r for r in results if r.app == "bare"}
    rows = []
    for r in results:
        if r.app == "bare":
            continue
        base = bare[(r.stack, r.connections)]
        label = f"{r.app} {r.stack} {r.connections} conns"
        rps_vs, p99_vs = f"bare app ({base.rps:,.0f} req/s)", f"bare ({base.p99_ms:.1f} ms)"
        table = [
            (f"{label} req/s", r.rps, "req/s", rps_vs, r.rps / base.rps, ">= 0.8x"),
            (f"{label} p99", r.p99_ms, "ms", p99_vs, r.p99_ms / base.p99_ms, "<= 1.5x"),
            (f"{label} errors", r.errors, "", "", None, "0"),
        ]
        rows += [Row("servers", *row) for row in table]
    if "rps" in prism:
        ref = bare.get(("h11", sizes.server_connections[0]))
        ratio = prism["rps"] / ref.rps if ref else None
        rows.append(
            Row("servers", "Prism mock req/s", prism["rps"], "req/s", "bare app h11", ratio)
        )
    return {"lines": lines, "results": [asdict(r) for r in results], "prism": prism}, rows


def _prism(sizes: Sizes, work: Path) -> dict[str, Any]:
    """Prism mocking the spec, when a Prism is already installed (never downloaded here)."""
    prism = shutil.which("prism")
    if prism is None and shutil.which("npx"):
        probe = subprocess.run(
            ["npx", "--no-install", "prism", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        prism = "npx" if probe.returncode == 0 else None
    if prism is None:
        return {"note": "skipped: no Prism installed (npm i -g @stoplight/prism-cli to add it)"}
    spec = HERE.parent / "tests" / "data" / "openai-assistants.yaml"
    command = ["prism", "mock", "-h", "127.0.0.1", "-p", "4010", str(spec)]
    if prism == "npx":
        command = ["npx", "--no-install", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = "http://127.0.0.1:4010"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                bench_servers._warm(
                    url,
                    "/threads/thread_abc",
                    {"authorization": "Bearer x", "content-type": "application/json"},
                    bench_servers.BODY,
                )
                break
            except (OSError, AssertionError):
                time.sleep(0.5)
        load = bench_servers._wrk if shutil.which("wrk") else bench_servers._python
        requests, elapsed, _, p99, errors = load(
            url,
            "/threads/thread_abc",
            {"authorization": "Bearer x", "content-type": "application/json"},
            bench_servers.BODY,
            0,
            sizes.server_connections[0],
            sizes.server_seconds,
            work,
        )
        return {
            "note": f"{requests / elapsed:,.0f} req/s, p99 {p99:.1f} ms, {errors} errors",
            "rps": requests / elapsed,
            "p99_ms": p99,
            "errors": errors,
        }
    finally:
        process.terminate()
        process.wait(10)


def scale(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_scale.measure(sizes.scale_replay, sizes.scale_verify_mb, work)
    r, big = out["replay"], out["verify"]["file_mb"]
    harness, file_mb = r["harness"], r["file_mb"]
    replay, rss = f"SDK replay of {r['n']:,}", "peak RSS added"
    ratio = harness["seconds"] / r["mock"]["seconds"]
    table = [
        (replay, harness["seconds"], "s", "mock", ratio, "<= 3x"),
        (f"{replay} {rss}", harness["rss_mb"], "MB", f"file {file_mb:.0f} MB",
         harness["rss_mb"] / file_mb, "<= 2x file"),
    ]  # fmt: skip
    for name in ("verify", "scan"):
        added = out[name]["rss_mb"]
        what, versus = f"{name} of a {big:.0f} MB cassette {rss}", f"file {big:.0f} MB"
        table.append((what, added, "MB", versus, added / big, "<= 3x file"))
    return out, [Row("scale", *row) for row in table]


def record(sizes: Sizes, work: Path) -> tuple[dict[str, Any], list[Row]]:
    out = bench_record.measure(sizes.per_test, sizes.per_test_rounds)
    base, ms = out[bench_record.BASE], out[bench_record.RECORDING]
    row = Row(
        "record",
        "harness record proxy, recording",
        ms,
        "ms/req",
        "harness emulate directly",
        ms / base,
        "<= +1 ms",
        ms - base <= 1,
    )
    return out, [row]


SECTIONS: dict[str, Callable[[Sizes, Path], tuple[dict[str, Any], list[Row]]]] = {
    "factory": factory,
    "replay": replay,
    "per-test": per_test,
    "load": load,
    "startup": startup,
    "servers": servers,
    "emulator": lambda sizes, _: bench_emulator.bench_section(Row, 20 if sizes is QUICK else 100),
    "scale": scale,
    "record": record,
    "import": import_,
}
STACK_NAMES = {"h11": "h11 + asyncio", "httptools": "httptools + uvloop"}
NOT_YET: list[str] = []


# --------------------------------------------------------------------------- output


def _table(rows: list[Row]) -> list[str]:
    lines = [f"{'section':<9} {'what':<42} {'value':>12} {'vs':<30} {'ratio':>9}  goal"]
    for r in rows:
        value = f"{r.value:,.2f}" if abs(r.value) < 100 else f"{r.value:,.0f}"
        ratio = f"{r.ratio:,.2f}x" if r.ratio is not None else ""
        met = "" if r.met is None else ("  met" if r.met else "  NOT MET")
        lines.append(
            f"{r.section:<9} {r.what[:42]:<42} {value + ' ' + r.unit:>12} {r.versus[:30]:<30} "
            f"{ratio:>9}  {r.goal}{met}"
        )
    return lines


def _figures(report: dict[str, Any], folder: Path) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["figures: skipped (matplotlib is in the dev extra)"]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if "replay" in report:
        rows = report["replay"]["rows"]
        n = [r["n"] for r in rows]
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        ax.plot(n, [r["mock"] for r in rows], "o-", label="mock transport")
        ax.plot(n, [r["harness"] for r in rows], "s-", label="harness")
        measured = [r for r in rows if r["vcrpy_measured"]]
        ax.plot([r["n"] for r in measured], [r["vcrpy"] for r in measured], "^-", label="vcrpy")
        guessed = [r for r in rows if not r["vcrpy_measured"]]
        if guessed and measured:
            ax.plot(
                [measured[-1]["n"]] + [r["n"] for r in guessed],
                [measured[-1]["vcrpy"]] + [r["vcrpy"] for r in guessed],
                "^:",
                color="C2",
                label="vcrpy (extrapolated N^2)",
            )
        if "scale" in report:
            big = report["scale"]["replay"]
            for side, marker, color in (("harness", "s", "C1"), ("mock", "o", "C0")):
                seconds = big[side]["seconds"]
                label = f"{side} (scale run)"
                ax.plot([big["n"]], [seconds], marker, color=color, mfc="none", label=label)
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="interactions replayed through the SDK (N)",
            ylabel="seconds",
            title="Replay time vs N (same machine, same run)",
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "replay.png", dpi=110)
        plt.close(fig)
        written.append(str(folder / "replay.png"))
    if "servers" in report:
        results = report["servers"]["results"]
        groups = sorted(
            {(r["stack"], r["connections"]) for r in results}, key=lambda g: (g[0] != "h11", g[1])
        )
        apps = [a for a in bench_servers.APPS if any(r["app"] == a for r in results)]
        fig, ax = plt.subplots(figsize=(7.4, 4.2))
        width = 0.8 / len(apps)
        for i, app in enumerate(apps):
            values = [
                next(
                    (
                        r["rps"]
                        for r in results
                        if (r["stack"], r["connections"]) == g and r["app"] == app
                    ),
                    0,
                )
                for g in groups
            ]
            ax.bar([x + i * width for x in range(len(groups))], values, width, label=app)
        ax.set_xticks(
            [x + width * (len(apps) - 1) / 2 for x in range(len(groups))],
            [f"{STACK_NAMES[s]}\n{c} conns" for s, c in groups],
        )
        ax.set(ylabel="requests/s", title="Server throughput, modify-run, loopback keep-alive")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "servers.png", dpi=110)
        plt.close(fig)
        written.append(str(folder / "servers.png"))
    return [f"figures: {', '.join(written)}"] if written else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(SECTIONS), help="these sections")
    parser.add_argument("--json", type=Path, default=Path("bench.json"), help="bench.json path")
    parser.add_argument("--figures", type=Path, help="figure folder")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    sizes = QUICK if args.quick else FULL
    figures = args.figures or (
        args.json.resolve().parent / "bench-figures" if args.quick else HERE / "figures"
    )
    started = time.perf_counter()
    report: dict[str, Any] = {
        "quick": args.quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "sizes": asdict(sizes),
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as scratch:
        for name, section in SECTIONS.items():
            if args.only and name not in args.only:
                continue
            begun = time.perf_counter()
            work = Path(scratch) / name
            work.mkdir()
            out, section_rows = section(sizes, work)
            out["seconds"] = time.perf_counter() - begun
            report[name] = out
            rows += section_rows
            print("\n".join(out.get("lines", [])) + f"\n   ({out['seconds']:.0f} s)\n", flush=True)
    print("\n".join(NOT_YET))
    print("\n" + "\n".join(_table(rows)))
    report["rows"] = [asdict(r) for r in rows]
    report["seconds"] = time.perf_counter() - started
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print("\n".join(_figures(report, figures)))
    print(f"wrote {args.json}; total {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
