"""``harness record``: the recording reverse proxy, driven by curl and the official Node SDK
through the real console entry point, and in-process for streaming and the modes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from harness.cassette.format import Cassette
from harness.cli import main
from harness.server.serve import serve
from harness.tools.record import EmulatorTarget, HttpTarget, RecordApp
from tests.node_sdk import node_openai, run_node

__all__ = ["node_openai"]  # the fixture is used by being imported here

CLIENT_KEY = "sk-proj-FAKErecordFAKEclientFAKE0001"
TARGET_KEY = "sk-proj-FAKErecordFAKEtargetFAKE001"


class Proxy:
    """``harness record ...`` as a subprocess: ``url`` is the first line it prints."""

    def __init__(
        self, *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "harness", "record", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.process.stderr.read()  # type: ignore[union-attr]

    def stop(self, sig: int = signal.SIGINT) -> str:
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=30)
        return err


@pytest.fixture
def proxies() -> Iterator[list[Proxy]]:
    started: list[Proxy] = []
    yield started
    for proxy in started:
        if proxy.process.poll() is None:
            proxy.process.kill()
            proxy.process.communicate()


def _curl(url: str, method: str = "POST", body: str | None = None) -> tuple[int, str]:
    args = ["curl", "-s", "-X", method, url, "-H", f"Authorization: Bearer {CLIENT_KEY}"]
    args += ["-H", "OpenAI-Beta: assistants=v2", "-w", "\n%{http_code}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", body]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    text, _, code = out.rpartition("\n")
    return int(code), text


def _interactions_in(cassette: Path) -> int:
    return len(Cassette.load(cassette).interactions) if cassette.exists() else 0


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def seeded() -> tuple[str, str]:
    from harness.emulator import create_app

    run = create_app(0).store.snapshot()["runs"][0]
    return run["thread_id"], run["id"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_records_each_interaction_atomically_then_replays_with_no_target(
    tmp_path: Path, proxies: list[Proxy], seeded: tuple[str, str]
) -> None:
    cassette = tmp_path / "curl" / "modify.json"
    proxy = Proxy(cassette)
    proxies.append(proxy)
    thread_id, run_id = seeded
    calls = [
        ("POST", f"/threads/{thread_id}", '{"metadata": {"via": "curl"}}'),
        ("GET", f"/threads/{thread_id}/runs/{run_id}", None),
        ("POST", f"/threads/{thread_id}/runs/{run_id}", '{"metadata": {"k": "v"}}'),
    ]
    answers = []
    for number, (method, path, body) in enumerate(calls, start=1):
        answers.append(_curl(proxy.url + path, method, body))
        assert answers[-1][0] == 200, answers[-1]
        # written off the response path: the one before is in the file, this one follows
        assert _interactions_in(cassette) >= number - 1
        _wait_for(lambda n=number: _interactions_in(cassette) == n)  # type: ignore[misc]
    assert json.loads(answers[0][1])["metadata"] == {"via": "curl"}
    proxy.stop(signal.SIGKILL)  # a kill loses nothing already written
    text = cassette.read_text()
    assert "FAKErecord" not in text and "<REDACTED:authorization>" in text
    assert [i.request.method for i in Cassette.load(cassette).interactions] == [
        "POST",
        "GET",
        "POST",
    ]
    verified = CliRunner().invoke(main, ["verify", str(cassette)])
    assert verified.exit_code == 0, verified.output

    replay = Proxy(cassette)  # mode once, file exists: replay only, no target involved
    proxies.append(replay)
    replayed = [_curl(replay.url + p, m, b) for m, p, b in calls]
    assert [(s, json.loads(t)) for s, t in replayed] == [(s, json.loads(t)) for s, t in answers]
    status, miss = _curl(replay.url + f"/threads/{thread_id}", "POST", '{"metadata": {}}')
    assert status == 418 and "harness_replay_miss" in miss
    assert "replaying" in replay.stop() and cassette.read_text() == text


def test_a_kill_mid_recording_leaves_a_whole_cassette_missing_at_most_the_answer_in_flight(
    tmp_path: Path, proxies: list[Proxy], seeded: tuple[str, str]
) -> None:
    cassette = tmp_path / "killed.json"
    proxy = Proxy(cassette, "--mode", "all")
    proxies.append(proxy)
    thread_id, run_id = seeded
    answered = 0
    stop = threading.Event()

    def client() -> None:
        nonlocal answered
        headers = {"Authorization": f"Bearer {CLIENT_KEY}", "OpenAI-Beta": "assistants=v2"}
        with httpx.Client(base_url=proxy.url, headers=headers, timeout=10) as http:
            for number in range(2000):
                if stop.is_set():
                    return
                try:
                    http.post(
                        f"/threads/{thread_id}/runs/{run_id}", json={"metadata": {"n": str(number)}}
                    )
                except httpx.HTTPError:
                    return
                answered += 1

    sender = threading.Thread(target=client)
    sender.start()
    _wait_for(lambda: answered >= 30)
    before_kill = answered
    proxy.process.kill()  # SIGKILL while requests keep coming
    proxy.process.communicate(timeout=30)
    stop.set()
    sender.join(30)
    interactions = Cassette.load(cassette).interactions  # whole and parseable
    assert len(interactions) >= before_kill - 1
    sent = [json.loads(i.request.body_bytes)["metadata"]["n"] for i in interactions]
    assert sent == [str(n) for n in range(len(interactions))]  # in order, none torn or doubled

    again = Proxy(cassette, "--mode", "new_episodes")  # sweeps what the killed one left
    proxies.append(again)
    status, _ = _curl(again.url + f"/threads/{thread_id}", "POST", '{"metadata": {"k": "v"}}')
    assert status == 200 and "1 new interaction" in again.stop()
    assert [p.name for p in tmp_path.iterdir()] == [cassette.name]
    assert len(Cassette.load(cassette).interactions) == len(interactions) + 1


def test_record_scrubs_with_the_projects_ini_rules(
    tmp_path: Path, proxies: list[Proxy], seeded: tuple[str, str]
) -> None:
    (tmp_path / "tox.ini").write_text(
        "[pytest]\ncassette_scrub_headers =\n    x-customer-ref\ncassette_scrub_body_fields = ssn\n"
    )
    cassette = tmp_path / "cassettes" / "private.json"
    proxy = Proxy(cassette, cwd=tmp_path)  # tox.ini found from the working directory
    proxies.append(proxy)
    answer = httpx.post(
        f"{proxy.url}/threads/{seeded[0]}",
        json={"metadata": {"ssn": "078-05-1120"}},
        headers={
            "Authorization": f"Bearer {CLIENT_KEY}",
            "OpenAI-Beta": "assistants=v2",
            "x-customer-ref": "cust-4417-priv",
        },
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json()["metadata"] == {"ssn": "078-05-1120"}
    summary = proxy.stop()
    assert f"scrub rules from {tmp_path / 'tox.ini'} (2 added" in summary
    text = cassette.read_text()
    assert "078-05-1120" not in text and "cust-4417-priv" not in text
    assert "<REDACTED:ssn>" in text and "<REDACTED:x-customer-ref>" in text


NODE_SCRIPT = """
import OpenAI from "openai";
const [baseURL, threadId, runId] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "CLIENT_KEY", maxRetries: 0 });
const thread = await client.beta.threads.create();
const updated = await client.beta.threads.update(thread.id, { metadata: { tier: "pro" } });
const run = await client.beta.threads.runs.update(runId, {
  thread_id: threadId,
  metadata: { reviewed: "yes" },
});
console.log(JSON.stringify({ thread: updated.metadata, run: run.metadata, id: thread.id }));
""".replace("CLIENT_KEY", CLIENT_KEY)


def test_node_sdk_records_then_replays_with_no_target(
    node_openai: Path, tmp_path: Path, proxies: list[Proxy], seeded: tuple[str, str]
) -> None:
    cassette = tmp_path / "node.json"
    proxy = Proxy(cassette, "--port", "0")
    proxies.append(proxy)
    recorded = run_node(node_openai, NODE_SCRIPT, tmp_path / "js", proxy.url, *seeded)
    assert recorded.returncode == 0, recorded.stderr
    result = json.loads(recorded.stdout)
    assert result["thread"] == {"tier": "pro"} and result["run"] == {"reviewed": "yes"}
    summary = proxy.stop()
    assert "3 new interaction(s) recorded" in summary
    text = cassette.read_text()
    assert "FAKErecord" not in text
    headers = Cassette.load(cassette).interactions[0].request.headers
    assert headers["authorization"] == "<REDACTED:authorization>"
    assert not any(name.startswith("x-stainless") for name in headers)

    replay = Proxy(cassette, "--mode", "none")
    proxies.append(replay)
    replayed = run_node(node_openai, NODE_SCRIPT, tmp_path / "js", replay.url, *seeded)
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout) == result
    assert "0 miss(es)" in replay.stop() and cassette.read_text() == text


# --------------------------------------------------------------------------- in-process


def _sse_backend(gate: threading.Event, seen: list[dict[str, str]]) -> Any:
    """A backend streaming two events; the second waits until the client has the first."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        first = b'event: thread.run.created\ndata: {"id": "run_1"}\n\n'
        await send({"type": "http.response.body", "body": first, "more_body": True})
        for _ in range(200):  # up to 10 s for the client to see the first event
            if gate.is_set():
                break
            await __import__("asyncio").sleep(0.05)
        seen.append({"client had the first event": str(gate.is_set())})
        await send({"type": "http.response.body", "body": b"event: done\ndata: [DONE]\n\n"})

    return app


def test_streamed_response_passes_through_event_by_event_and_is_recorded(tmp_path: Path) -> None:
    gate = threading.Event()
    seen: list[dict[str, str]] = []
    cassette = tmp_path / "stream.json"
    with serve(_sse_backend(gate, seen)) as backend:
        app = RecordApp(cassette, HttpTarget(backend, TARGET_KEY))
        with serve(app) as proxy:
            lines: list[str] = []
            with httpx.stream(
                "POST",
                proxy + "/v1/threads/thread_a/runs",
                json={"assistant_id": "asst_a", "stream": True},
                headers={"Authorization": f"Bearer {CLIENT_KEY}"},
                timeout=30,
            ) as response:
                for line in response.iter_lines():
                    lines.append(line)
                    if line.startswith("data: {"):
                        gate.set()  # the first event arrived before the backend sent the second
    app.close()
    assert [line for line in lines if line][-2:] == ["event: done", "data: [DONE]"]
    assert seen[1] == {"client had the first event": "True"}  # before the second was sent
    assert seen[0]["authorization"] == f"Bearer {TARGET_KEY}"  # the key from the environment
    assert CLIENT_KEY not in json.dumps(seen)
    loaded = Cassette.load(cassette)
    stored = loaded.interactions[0].response
    assert stored.events is not None  # stored one entry per event (cassette version 2)
    assert [e["event"] for e in stored.events] == ["thread.run.created", "done"]
    assert cassette.read_text() == loaded.dumps()  # the proxy's incremental text: same bytes
    assert "FAKErecord" not in cassette.read_text()


def _modify(client: httpx.Client, thread_id: str, value: str) -> dict[str, Any]:
    answer = client.post(
        f"/v1/threads/{thread_id}",
        json={"metadata": {"v": value}},
        headers={"Authorization": f"Bearer {CLIENT_KEY}", "OpenAI-Beta": "assistants=v2"},
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_new_episodes_answers_what_is_recorded_and_all_records_again(
    tmp_path: Path, seeded: tuple[str, str]
) -> None:
    from harness.emulator import create_app

    cassette = tmp_path / "modes.json"
    thread_id = seeded[0]
    recorder = RecordApp(cassette, EmulatorTarget(create_app(0)), mode="once")
    with serve(recorder) as url, httpx.Client(base_url=url) as client:
        _modify(client, thread_id, "1")
    recorder.close()
    assert recorder.recorded == 1

    episodes = RecordApp(cassette, EmulatorTarget(create_app(0)), mode="new_episodes")
    with serve(episodes) as url, httpx.Client(base_url=url) as client:
        assert _modify(client, thread_id, "1")["metadata"] == {"v": "1"}  # from the cassette
        assert _modify(client, thread_id, "2")["metadata"] == {"v": "2"}  # new: forwarded
    episodes.close()
    assert (episodes.answered, episodes.recorded) == (1, 1)
    assert len(Cassette.load(cassette).interactions) == 2

    again = RecordApp(cassette, EmulatorTarget(create_app(0)), mode="all")
    with serve(again) as url, httpx.Client(base_url=url) as client:
        _modify(client, thread_id, "1")
    again.close()
    assert (again.answered, again.recorded) == (0, 1)
    assert len(Cassette.load(cassette).interactions) == 3
    assert cassette.read_text() == Cassette.load(cassette).dumps()
    assert [p.name for p in tmp_path.iterdir()] == [cassette.name]  # no replaced version left


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--target", "http://127.0.0.1:9"], {}, "$HARNESS_TEST_UNSET_KEY is not set"),
        (
            ["--target", "ftp://x", "--api-key-env", "HARNESS_TEST_KEY"],
            {"HARNESS_TEST_KEY": "k"},
            "is not an http(s)://host[:port] URL",
        ),
        (["--mode", "none"], {}, "no such cassette; mode 'none' only replays"),
    ],
)
def test_bad_record_input_is_one_line_exit_2(
    args: list[str],
    env: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if "--api-key-env" not in args:
        args = [*args, "--api-key-env", "HARNESS_TEST_UNSET_KEY"]
    result = CliRunner().invoke(main, ["record", str(tmp_path / "c.json"), *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("harness record: ") and expected in lines[0]
    assert not (tmp_path / "c.json").exists()
