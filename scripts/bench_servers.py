"""HTTP throughput of `harness replay` and `harness emulate` vs a bare ASGI app, side by side.

    python scripts/bench_servers.py [--seconds 5] [--connections 50 200] [--quick]

Every server runs in its own process on the same uvicorn stack as the harness's own
(``harness.server.serve``: same socket binding and config), once on uvicorn's pure-Python
defaults (h11 + asyncio) and once on httptools + uvloop (the ``assistants-harness[fast]`` extra)
when they are installed. A load generator in another process keeps C keep-alive loopback
connections busy for the given seconds: ``wrk`` when it is on PATH, else a small asyncio
client (``python scripts/bench_servers.py --load ...``; slower, so the ceiling it finds is
lower, but both sides of every ratio get the same one).

* bare: an ASGI app that reads the body and answers fixed bytes (the same body and headers the
  replay server answers), the ceiling of the stack;
* replay: ``ReplayApp`` over a cassette of distinct modify-run requests (metadata ``n`` = 0, 1,
  ...; each answered once: a replay server never answers an interaction twice), sent as
  compact sorted JSON like the SDK's (the fast path: looked up by its bytes);
* replay-parse: the same, sent with spaces in the JSON (the general path: each body parsed,
  cleaned of credentials and canonicalised before the lookup);
* emulate: the emulator answering a modify-run request (validated, stored, serialized).

Goal for replay and emulate: >= 0.8x the bare app's requests/s, p99 within 1.5x, no errors.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY = "Bearer sk-bench-not-a-key"
STACKS = {"h11": ("h11", "asyncio"), "httptools": ("httptools", "uvloop")}
APPS = ("bare", "replay", "replay-parse", "emulate")
MAX_RPS = {"h11": 12_000, "httptools": 60_000}
"""More than each stack answers per second here: the replay cassette holds that many distinct
requests per second of measurement (a replay server answers each recorded one once)."""
WARM_REQUESTS = 20


@dataclass
class LoadResult:
    app: str
    stack: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float
    """Server CPU time per request (user + system): what the server costs, whatever else runs."""
    generator: str


def fast_stack_available() -> bool:
    """Whether the ``[fast]`` extra (httptools, uvloop) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("httptools", "uvloop"))


# --------------------------------------------------------------------------- the servers

BODY = '{"metadata":{"n":"%d"}}'
"""Request body number i: every request of a run is distinct, as in a test suite. Compact JSON
with sorted keys, as the SDK sends a one-field body: replay's fast path."""
SPACED_BODY = '{"metadata": {"n": "%d"}}'
"""The same bodies in another form: replay parses and cleans each one (its general path)."""


def _body(app: str) -> str:
    return SPACED_BODY if app == "replay-parse" else BODY


def _modify_run_request() -> tuple[str, dict[str, str], dict[str, Any]]:
    """A modify-run request on the emulator's first seeded run, and the emulator's answer."""
    from harness.emulator import create_app

    app = create_app()
    run = app.store.snapshot()["runs"][0]
    path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"
    headers = {
        "authorization": KEY,
        "content-type": "application/json",
        "openai-beta": "assistants=v2",
    }
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
    }
    status, payload, _ = app.handle(scope, (BODY % 0).encode())
    assert status == 200, payload
    return path, headers, payload


def _answer(run: dict[str, Any], n: int) -> bytes:
    return json.dumps({**run, "metadata": {"n": str(n)}}, separators=(",", ":")).encode()


def _replay_cassette(path: Path, count: int) -> None:
    """Requests 0..count-1 and the answers the emulator would give."""
    from harness.cassette.format import Cassette, Interaction, Request, Response

    target, headers, run = _modify_run_request()
    stored = {**headers, "authorization": "<REDACTED:authorization>"}
    interactions = []
    for n in range(count):
        request = Request(method="POST", path=target, headers=stored)
        request.set_body((BODY % n).encode())
        response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
        response.set_body(_answer(run, n))
        interactions.append(Interaction(request, response))
    Cassette(path=path, interactions=interactions).save()


def _bare_app(answer: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    body = {"type": "http.response.body", "body": answer}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send(start)
        await send(body)

    return app


def serve_child(app_name: str, stack: str, cassette: str | None) -> None:
    """Child process: build the app, serve it on 127.0.0.1 with harness's own uvicorn config,
    forcing the given HTTP parser and event loop; print the base URL on stdout."""
    from harness.server import serve
    from harness.server.asgi import DEFAULT_MAX_BODY

    if app_name == "bare":
        app = _bare_app(_answer(_modify_run_request()[2], 0))
    elif app_name.startswith("replay"):
        from harness.server.replay import ReplayApp
        from harness.tools.verify import load_cassettes

        app = ReplayApp(load_cassettes([cassette or ""]))
    else:
        from harness.emulator import create_app

        app = create_app()
    sock = serve._bind("127.0.0.1", 0)
    http, loop = STACKS[stack]
    config = serve._config(app, DEFAULT_MAX_BODY, serve.HEADER_TIMEOUT, serve.HttpParser(http))
    config.loop = loop
    url = serve._base_url(sock)
    server = serve._Server(config, on_ready=lambda: print(url, flush=True))
    serve.freeze_heap()  # as serve.run_forever does for harness replay / emulate
    server.run(sockets=[sock])


class _Server:
    """A server child process, started and stopped around one measurement."""

    def __init__(self, app: str, stack: str, cassette: Path | None) -> None:
        command = [sys.executable, __file__, "--child", app, "--stack", stack]
        if cassette is not None:
            command += ["--cassette", str(cassette)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.process.kill()
            raise SystemExit(f"bench_servers: the {app} server did not start")
        self.url = line

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (0 where /proc is missing)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------- load generators

_WRK_SCRIPT = """
wrk.method = "POST"
{headers}
local n = {first} - 1
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format({body}, n))
end
"""


def _wrk(url: str, path: str, headers: dict[str, str], body: str, first: int, conns: int,
         secs: float, work: Path) -> tuple[int, float, float, float, int]:  # fmt: skip
    script = work / "wrk.lua"
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    script.write_text(_WRK_SCRIPT.format(headers=lines, first=first, body=json.dumps(body)))
    # One wrk thread (one Lua counter, and it keeps up easily) leaves the other core to the
    # server.
    command = ["wrk", "-t1", f"-c{conns}", f"-d{max(1, round(secs))}s", "--latency",
               "-s", str(script), url + path]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=secs + 60).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    elapsed = _wrk_ms(re.search(r"requests in ([\d.]+\w+),", out).group(1)) / 1000  # type: ignore[union-attr]
    p50 = _wrk_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _wrk_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    return requests, elapsed, p50, p99, errors


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


class _Counter:
    def __init__(self, first: int) -> None:
        self.next = first


async def _one_connection(host: str, port: int, head: bytes, template: str, counter: _Counter,
                          deadline: float, latencies: list[float],
                          errors: list[int]) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            body = (template % counter.next).encode()
            counter.next += 1
            start = time.perf_counter()
            writer.write(head + b"content-length: %d\r\n\r\n" % len(body) + body)
            answer = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", answer).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not answer.startswith(b"HTTP/1.1 2"):
                errors[0] += 1
    except (OSError, asyncio.IncompleteReadError, AttributeError):
        errors[0] += 1
    finally:
        writer.close()


async def _python_load(
    url: str, head: bytes, template: str, first: int, conns: int, secs: float
) -> Any:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    latencies: list[float] = []
    errors = [0]
    counter = _Counter(first)
    start = time.perf_counter()
    deadline = start + secs
    await asyncio.gather(
        *(
            _one_connection(host, int(port), head, template, counter, deadline, latencies, errors)
            for _ in range(conns)
        )
    )
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "seconds": elapsed, "p50": pick(0.5),
            "p99": pick(0.99), "errors": errors[0]}  # fmt: skip


def _python(url: str, path: str, headers: dict[str, str], body: str, first: int, conns: int,
            secs: float, work: Path) -> tuple[int, float, float, float, int]:  # fmt: skip
    host = url.removeprefix("http://")
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head_file = work / "head.bin"
    head_file.write_bytes(f"POST {path} HTTP/1.1\r\nhost: {host}\r\n{head}".encode())
    command = [sys.executable, __file__, "--load", url, str(head_file), body, str(first),
               str(conns), str(secs)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=secs + 60, check=True)
    out = json.loads(done.stdout)
    return out["requests"], out["seconds"], out["p50"], out["p99"], out["errors"]


def generator_name() -> str:
    return "wrk" if shutil.which("wrk") else "python-asyncio"


# --------------------------------------------------------------------------- measuring


def _warm(url: str, path: str, headers: dict[str, str], body: str) -> None:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    for n in range(WARM_REQUESTS):
        conn.request("POST", path, body=(body % n).encode(), headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
    conn.close()


def measure(
    seconds: float,
    connections: Sequence[int],
    stacks: Sequence[str] | None = None,
    apps: Sequence[str] = APPS,
    rounds: int = 1,
) -> list[LoadResult]:
    """Every app x stack x connection count, ``rounds`` times interleaved (so a burst of load
    from elsewhere hits every side alike), one fresh server process per measurement; the best
    round of each is kept."""
    stacks = list(stacks or (["h11", "httptools"] if fast_stack_available() else ["h11"]))
    path, headers, _ = _modify_run_request()
    load = _wrk if shutil.which("wrk") else _python
    best: dict[tuple[str, str, int], LoadResult] = {}
    with tempfile.TemporaryDirectory(prefix="harness-bench-servers-") as scratch:
        work = Path(scratch)
        cassettes = {}
        for stack in stacks:
            # Enough distinct recorded requests for this stack's best rate.
            cassettes[stack] = work / f"replay-{stack}.json"
            _replay_cassette(cassettes[stack], int(MAX_RPS[stack] * seconds) + WARM_REQUESTS)
        for _ in range(rounds):
            for stack in stacks:
                for conns in connections:
                    for app in apps:
                        replay = app.startswith("replay")
                        server = _Server(app, stack, cassettes[stack] if replay else None)
                        try:
                            _warm(server.url, path, headers, _body(app))
                            cpu = server.cpu_seconds()
                            requests, elapsed, p50, p99, errors = load(
                                server.url,
                                path,
                                headers,
                                _body(app),
                                WARM_REQUESTS,
                                conns,
                                seconds,
                                work,
                            )
                            cpu = server.cpu_seconds() - cpu
                        finally:
                            server.stop()
                        result = LoadResult(app, stack, conns, requests, elapsed,
                                            requests / elapsed, p50, p99, errors,
                                            cpu * 1e6 / max(1, requests),
                                            generator_name())  # fmt: skip
                        key = (app, stack, conns)
                        if key not in best or result.rps > best[key].rps:
                            best[key] = result
    return list(best.values())


def table(results: list[LoadResult]) -> list[str]:
    """One line per measurement, with ratios to the bare app of the same stack and load."""
    bare = {(r.stack, r.connections): r for r in results if r.app == "bare"}
    lines = [
        f"   {'stack':<10}{'conns':>6}  {'app':<14}{'req/s':>9}{'ratio':>8}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'p99 ratio':>10}{'errors':>8}{'CPU us/req':>12}{'ratio':>8}"
    ]
    for r in results:
        base = bare[(r.stack, r.connections)]
        lines.append(
            f"   {r.stack:<10}{r.connections:>6}  {r.app:<14}"
            f"{r.rps:>9,.0f}{r.rps / base.rps:>7.2f}x"
            f"{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}{r.p99_ms / base.p99_ms:>9.2f}x{r.errors:>8}"
            f"{r.cpu_us:>12.0f}{base.cpu_us / r.cpu_us if r.cpu_us else 0:>7.2f}x"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--stack", choices=sorted(STACKS), action="append")
    parser.add_argument("--app", choices=APPS, action="append")
    parser.add_argument("--rounds", type=int, default=2, help="best of this many runs each")
    parser.add_argument("--quick", action="store_true", help="1 s per measurement, one round")
    parser.add_argument("--child", choices=APPS, help=argparse.SUPPRESS)
    parser.add_argument("--cassette", help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve_child(args.child, args.stack[0] if args.stack else "h11", args.cassette)
        return 0
    if args.load:
        url, head_file, template, first, conns, secs = args.load
        head = Path(head_file).read_bytes()
        out = asyncio.run(_python_load(url, head, template, int(first), int(conns), float(secs)))
        print(json.dumps(out))
        return 0
    seconds = 1.0 if args.quick else args.seconds
    rounds = 1 if args.quick else args.rounds
    results = measure(seconds, args.connections, args.stack, args.app or APPS, rounds)
    print(f"servers: modify-run over loopback keep-alive, {seconds:g} s each, {generator_name()}")
    print("\n".join(table(results)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
