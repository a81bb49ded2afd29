"""Replay speed of harness cassettes, side by side with a mock transport, vcrpy and
pytest-recording, in one run (about 2-4 minutes on 2 cores):

    python scripts/bench_replay.py            # all three parts
    python scripts/bench_replay.py --quick    # smaller sizes, for a smoke run

1. Replay: every interaction of one cassette of N distinct modify-thread requests, sent
   through the real SDK (``openai.OpenAI``, httpx2), vs the same requests answered by an
   in-process ``httpx2.MockTransport``. Goal: within 3x of the mock at every size. vcrpy's own
   (linear-lookup) replay is measured at 500 and 1,000 only (it takes minutes beyond) and
   extrapolated quadratically from 1,000 to the larger sizes (labelled as such).
2. Per-test overhead: 300 (and 600) generated tests, each sending one request, run by pytest
   (in a subprocess, timing its run loop) as: no cassette (mock transport), a harness
   cassette, a pytest-recording cassette. Goal: harness adds at most 0.5 ms per test
   (marginal cost: one-time imports cancel out between the 300- and 600-test runs).
3. Load: a 10,000-interaction cassette, harness JSON (+ index) vs vcrpy's YAML loader
   (vcrpy's serializer, CLoader when PyYAML has it). Goal: at least 10x faster.
4. Import: ``harness import`` of the same interactions as a vcrpy YAML cassette, in
   interactions per second, beside vcrpy only loading that file (no goal: import does more).

Nothing leaves the machine: the SDK's base URL is a closed loopback port that replay never
reaches.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.plugin._vcr import Patches
from harness.plugin.config import CassetteConfig
from harness.plugin.recording import Recording

BASE_URL = "http://127.0.0.1:9/v1"
KEY = "sk-test-not-a-real-key"
SDK_HEADERS = {
    "accept": "application/json",
    "authorization": "<REDACTED:authorization>",
    "content-type": "application/json",
    "openai-beta": "assistants=v2",
}


def _thread_id(i: int) -> str:
    return f"thread_{i:024d}"


def _thread(i: int) -> dict[str, Any]:
    return {
        "id": _thread_id(i),
        "object": "thread",
        "created_at": 1717200000 + i,
        "metadata": {"i": str(i), "batch": "bench"},
        "tool_resources": {"code_interpreter": {"file_ids": []}},
    }


def _interactions(n: int) -> list[Interaction]:
    out = []
    for i in range(n):
        request = Request(
            method="POST", path=f"/v1/threads/{_thread_id(i)}", headers=dict(SDK_HEADERS)
        )
        request.json, request.has_json = {"metadata": {"i": str(i), "batch": "bench"}}, True
        response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
        response.json, response.has_json = _thread(i), True
        out.append(Interaction(request, response))
    return out


def _sdk_calls(client: Any, n: int) -> None:
    for i in range(n):
        thread = client.beta.threads.update(_thread_id(i), metadata={"i": str(i), "batch": "bench"})
        assert thread.metadata["i"] == str(i)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- 1. replay


def replay_harness(path: Path, n: int) -> float:
    import openai

    def run() -> None:
        recording = Recording.open(path, CassetteConfig(mode="none"), rerecord_command="")
        client = openai.OpenAI(api_key=KEY, base_url=BASE_URL, max_retries=0)
        with Patches().active(recording):
            _sdk_calls(client, n)
        assert recording.all_played

    return _timed(run)


def replay_mock(n: int) -> float:
    import httpx2
    import openai

    answers = {i.request.path: i.response.body_bytes for i in _interactions(n)}  # paths unique

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = answers[request.url.path]
        return httpx2.Response(200, content=body, headers={"content-type": "application/json"})

    def run() -> None:
        http = httpx2.Client(transport=httpx2.MockTransport(handler))
        client = openai.OpenAI(api_key=KEY, base_url=BASE_URL, max_retries=0, http_client=http)
        _sdk_calls(client, n)

    return _timed(run)


def _write_vcr_yaml(path: Path, interactions: list[Interaction]) -> None:
    from vcr.request import Request as VcrRequest
    from vcr.serialize import serialize
    from vcr.serializers import yamlserializer

    requests = [
        VcrRequest(
            i.request.method,
            f"http://127.0.0.1:9{i.request.path}",
            i.request.body_bytes,
            i.request.headers,
        )
        for i in interactions
    ]
    responses = [
        {
            "status": {"code": i.response.status, "message": i.response.reason},
            "headers": {k: [v] for k, v in i.response.headers.items()},
            "body": {"string": i.response.body_bytes},
        }
        for i in interactions
    ]
    data = serialize({"requests": requests, "responses": responses}, yamlserializer)
    path.write_text(data, encoding="utf-8")


def replay_vcrpy(path: Path, n: int) -> float:
    import openai
    import vcr

    recorder = vcr.VCR(record_mode="none", match_on=("method", "path", "query", "body"))

    def run() -> None:
        client = openai.OpenAI(api_key=KEY, base_url=BASE_URL, max_retries=0)
        with recorder.use_cassette(str(path)):
            _sdk_calls(client, n)

    return _timed(run)


def bench_replay(sizes: list[int], vcr_sizes: list[int], work: Path) -> dict[str, Any]:
    """Seconds to replay N interactions through the SDK: mock, harness, vcrpy (measured at
    ``vcr_sizes``, extrapolated quadratically beyond). ``lines`` is the printed report."""
    lines = [
        "1. Replay through the SDK (sync OpenAI client, httpx2): all N interactions",
        f"   {'N':>6}  {'mock':>8}  {'harness':>8}  {'ratio':>6}  {'vcrpy':>28}",
    ]
    vcr_seconds = {}
    for n in vcr_sizes:
        vcr_path = work / f"vcr-{n}.yaml"
        _write_vcr_yaml(vcr_path, _interactions(n))
        vcr_seconds[n] = replay_vcrpy(vcr_path, n)
    largest = max(vcr_sizes)
    rows = []
    for n in sorted({*sizes, *vcr_sizes}):
        path = work / f"replay-{n}.json"
        Cassette(path=path, interactions=_interactions(n)).save()
        mock = replay_mock(n)
        harness = replay_harness(path, n)
        measured = n in vcr_seconds
        vcr = vcr_seconds[n] if measured else vcr_seconds[largest] * (n / largest) ** 2
        vcr_text = f"{vcr:8.2f}s measured" if measured else f"~{vcr:7.0f}s extrapolated (N^2)"
        rows.append({"n": n, "mock": mock, "harness": harness, "vcrpy": vcr,
                     "vcrpy_measured": measured})  # fmt: skip
        lines.append(
            f"   {n:>6}  {mock:7.2f}s  {harness:7.2f}s  {harness / mock:5.2f}x  {vcr_text:>28}"
        )
    lines.append("   goal: harness within 3x of mock at every size")
    return {"lines": lines, "rows": rows}


# --------------------------------------------------------------------------- 2. per test

PER_TEST_TIMER = """
import json, time
import pytest

_t = {}

@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        with open("loop-seconds.json", "w") as f:
            json.dump(time.perf_counter() - start, f)
"""


PER_TEST_MODULE = """
import httpx2
import pytest

KIND = {kind!r}
BODY = b'{body}'
URL = "http://127.0.0.1:9/v1/threads/thread_abc"


def _answer(request):
    return httpx2.Response(200, content=BODY, headers={{"content-type": "application/json"}})


if KIND == "mock":
    CLIENT = httpx2.Client(transport=httpx2.MockTransport(_answer))
else:
    CLIENT = httpx2.Client()
MARKS = {{"mock": lambda f: f, "harness": pytest.mark.cassette, "vcrpy": pytest.mark.vcr}}
MARK = MARKS[KIND]
"""

PER_TEST_FUNCTION = """
@MARK
def test_{i}():
    assert CLIENT.post(URL, json={{"metadata": {{"n": "{i}"}}}}).status_code == 200
"""

THREAD_BODY = (
    '{"id":"thread_abc","object":"thread","created_at":1,"metadata":{},"tool_resources":{}}'
)


def _per_test_file(kind: str, count: int) -> str:
    header = PER_TEST_MODULE.format(kind=kind, body=THREAD_BODY)
    return header + "".join(PER_TEST_FUNCTION.format(i=i) for i in range(count))


def _one_interaction(i: int) -> Interaction:
    request = Request(method="POST", path="/v1/threads/thread_abc")
    request.json, request.has_json = {"metadata": {"n": str(i)}}, True
    response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
    response.set_body(THREAD_BODY.encode())
    return Interaction(request, response)


def _run_per_test(kind: str, count: int, work: Path) -> float:
    project = work / f"per-test-{kind}"
    (project / "cassettes" / "test_many").mkdir(parents=True, exist_ok=True)
    (project / "conftest.py").write_text(PER_TEST_TIMER)
    (project / "test_many.py").write_text(_per_test_file(kind, count))
    for i in range(count):
        if kind == "harness":
            path = project / "cassettes" / "test_many" / f"test_{i}.json"
            Cassette(path=path, interactions=[_one_interaction(i)]).save()
        elif kind == "vcrpy":
            _write_vcr_yaml(
                project / "cassettes" / "test_many" / f"test_{i}.yaml", [_one_interaction(i)]
            )
    options = {
        "mock": ["-p", "no:recording"],
        "harness": ["--cassette-mode=none", "-p", "no:recording"],
        "vcrpy": ["--record-mode=none"],
    }[kind]
    # pytest-vcr (in the dev extra) refuses to load beside pytest-recording: keep it out.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:xdist",
               "-p", "no:cacheprovider", "-p", "no:vcr", "-W", "ignore", *options]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-3000:]
        raise SystemExit(f"per-test benchmark ({kind}) failed:\n{output}")
    return float(json.loads((project / "loop-seconds.json").read_text()))


def bench_per_test(count: int, work: Path, rounds: int) -> dict[str, Any]:
    """Amortised cost at ``count`` tests, and the marginal cost of one more test: the
    difference between runs of 2 x ``count`` and ``count`` tests (one-time costs such as
    importing vcrpy's patch module cancel out)."""
    best: dict[tuple[str, int], float] = {}
    for _ in range(rounds):
        for size in (count, 2 * count):
            for kind in ("mock", "harness", "vcrpy"):
                seconds = _run_per_test(kind, size, work / str(size))
                best[(kind, size)] = min(best.get((kind, size), seconds), seconds)
    amortised = {k: best[(k, count)] / count * 1000 for k in ("mock", "harness", "vcrpy")}
    marginal = {
        k: (best[(k, 2 * count)] - best[(k, count)]) / count * 1000
        for k in ("mock", "harness", "vcrpy")
    }
    lines = [
        f"2. Per-test cost, tests each sending one request (best of {rounds} runs)",
        f"   {'':32}{'at ' + str(count) + ' tests':>16}{'marginal':>12}{'overhead':>12}",
    ]
    for kind, label in (
        ("mock", "no cassette (mock transport)"),
        ("harness", "harness cassette"),
        ("vcrpy", "pytest-recording cassette"),
    ):
        lines.append(
            f"   {label:32}{amortised[kind]:11.3f} ms{marginal[kind]:9.3f} ms"
            f"{marginal[kind] - marginal['mock']:+9.3f} ms"
        )
    lines.append("   goal: harness overhead (marginal, vs no cassette) at most 0.5 ms/test")
    return {"lines": lines, "amortised_ms": amortised, "marginal_ms": marginal}


# --------------------------------------------------------------------------- 3. load


def bench_load(n: int, work: Path) -> dict[str, Any]:
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    interactions = _interactions(n)
    json_path, yaml_path = work / f"load-{n}.json", work / f"load-{n}.yaml"
    Cassette(path=json_path, interactions=interactions).save()
    _write_vcr_yaml(yaml_path, interactions)
    probe = interactions[-1].request

    def load_harness() -> None:
        assert Cassette.load(json_path).can_play(probe)  # parse, objects, index

    harness = min(_timed(load_harness) for _ in range(3))
    vcr = _timed(lambda: FilesystemPersister.load_cassette(yaml_path, yamlserializer))
    base_loader = getattr(yamlserializer, "_BaseLoader", None)
    loader = base_loader.__name__ if base_loader is not None else "its loader"
    lines = [
        f"3. Loading a {n}-interaction cassette",
        f"   harness JSON + index: {harness:6.3f} s",
        f"   vcrpy YAML ({loader}): {vcr:6.3f} s",
        f"   ratio: {vcr / harness:.1f}x faster (goal: at least 10x)",
    ]
    return {"lines": lines, "n": n, "harness": harness, "vcrpy": vcr, "loader": loader}


def bench_import(n: int, work: Path) -> dict[str, Any]:
    """``harness import`` of an N-interaction vcrpy YAML cassette (read, convert, scrub, check
    drift, write the harness cassette), interactions per second, vs vcrpy loading that file."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    from harness.tools.importers import import_paths

    yaml_path, out = work / f"import-{n}.yaml", work / "imported"
    _write_vcr_yaml(yaml_path, _interactions(n))

    def run_import() -> None:
        reports = import_paths([yaml_path], out)
        assert reports[0].kept == n, reports[0]

    harness = min(_timed(run_import) for _ in range(2))
    vcr = _timed(lambda: FilesystemPersister.load_cassette(yaml_path, yamlserializer))
    lines = [
        f"4. Importing a {n}-interaction vcrpy YAML cassette",
        f"   harness import: {harness:6.3f} s ({n / harness:,.0f} interactions/s)",
        f"   vcrpy loading it: {vcr:6.3f} s ({n / vcr:,.0f} interactions/s)",
    ]
    return {"lines": lines, "n": n, "import_per_s": n / harness, "vcrpy_per_s": n / vcr}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    sizes = [200, 500] if args.quick else [1000, 5000, 10000]
    vcr_sizes = [100, 200] if args.quick else [500, 1000]
    per_test = 50 if args.quick else 300
    load_size = 1000 if args.quick else 10000
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as scratch:
        work = Path(scratch)
        parts: list[Callable[[], dict[str, Any]]] = [
            lambda: bench_replay(sizes, vcr_sizes, work),
            lambda: bench_per_test(per_test, work, rounds=1 if args.quick else 2),
            lambda: bench_load(load_size, work),
            lambda: bench_import(load_size, work),
        ]
        for part in parts:
            print("\n".join(part()["lines"]), flush=True)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
