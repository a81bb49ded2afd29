"""harness regenerate: against the built-in emulator and against a --target URL, through the
CLI; only real changes show up, --dry-run writes nothing, a failure leaves files untouched."""

from __future__ import annotations

import json
import os
import pty
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from harness.cassette.format import Cassette
from harness.cli import main
from harness.server.serve import serve
from harness.tools.synthesize import synthesize
from tests.helpers import json_tree

TARGET_KEY = "sk-proj-" + "TargetKey0123456789abcdefXYZ"


@pytest.fixture
def work(synthesized_tree: Callable[[int], Path], tmp_path: Path) -> Path:
    seed0 = synthesized_tree(0)
    target = tmp_path / "cassettes"
    shutil.copytree(seed0 / "modify-run", target / "modify-run")
    shutil.copytree(seed0 / "modify-thread", target / "modify-thread")
    return target


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    """``harness regenerate``; the caller asserts the exit code, this asserts it was an exit
    (a traceback would exit with 1 too)."""
    result = CliRunner().invoke(main, ["regenerate", *args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("harness regenerate raised") from result.exception
    return result


def test_synthesized_with_the_emulator_seed_regenerates_unchanged(work: Path) -> None:
    before = json_tree(work)
    result = _run(str(work))
    assert result.exit_code == 0, result.output + result.stderr
    assert f"0 changed, {len(before)} unchanged, 0 failed" in result.stderr
    assert json_tree(work) == before


def test_synthesized_flows_regenerate_byte_identically_along_their_recorded_paths(
    synthesized_tree: Callable[[int], Path], tmp_path: Path
) -> None:
    # Every flow ran under a scenario (failed with a last_error, incomplete, tool calls, a
    # reply) that a plain emulator does not know: regenerate reads it back from the answers.
    target = tmp_path / "synthesized"
    shutil.copytree(synthesized_tree(0), target)
    before = {p: p.read_bytes() for p in sorted(target.rglob("*.json"))}
    assert len([p for p in before if p.parent.name == "flows"]) == 10
    result = _run(str(target))
    assert result.exit_code == 0, result.output + result.stderr
    assert f"0 changed, {len(before)} unchanged, 0 failed" in result.stderr
    assert {p: p.read_bytes() for p in sorted(target.rglob("*.json"))} == before


FLOW_UNDER_SCENARIOS = """
import json
from contextlib import nullcontext
from pathlib import Path

import openai
import pytest

FUNCTION = {"type": "function", "function": {"name": "lookup", "parameters": {}}}


@pytest.fixture
def emulator(request):
    if request.config.getoption("cassette_mode") == "none":
        return None
    return request.getfixturevalue("harness_emulator")


def _client(emulator):
    base_url = emulator.base_url if emulator else "http://127.0.0.1:9/v1"
    return openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=base_url, max_retries=0)


def _scenario(emulator, **fields):
    return emulator.store.scenario(**fields) if emulator else nullcontext()


@pytest.mark.cassette
def test_tool_call_then_a_failed_run(emulator):
    client = _client(emulator)
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[FUNCTION])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Find it."}])
    with _scenario(emulator, tool_calls=[{"name": "lookup", "arguments": '{"q": "it"}'}],
                   reply="Found it in the archive."):
        run = client.beta.threads.runs.create_and_poll(
            thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1)
    assert run.required_action.submit_tool_outputs.tool_calls[0].function.arguments == '{"q": "it"}'
    done = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, poll_interval_ms=1,
        tool_outputs=[{"tool_call_id": c.id, "output": "ok"}
                      for c in run.required_action.submit_tool_outputs.tool_calls])
    assert done.status == "completed"
    messages = client.beta.threads.messages.list(thread_id=thread.id, order="asc")
    assert messages.data[-1].content[0].text.value == "Found it in the archive."
    with _scenario(emulator, path=["in_progress", "failed"],
                   last_error={"code": "rate_limit_exceeded", "message": "Slow down."}):
        failed = client.beta.threads.runs.create_and_poll(
            thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=1)
    assert failed.status == "failed" and failed.last_error.message == "Slow down."
    client.beta.threads.runs.update(failed.id, thread_id=thread.id, metadata={"seen": "yes"})
"""


@pytest.mark.slow
@pytest.mark.usefixtures("not_on_ci")
def test_a_flow_the_plugin_recorded_under_scenarios_regenerates_unchanged(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_scenario_flow=FLOW_UNDER_SCENARIOS)
    recorded = pytester.runpytest("-p", "no:randomly", "--cassette-mode=once")
    recorded.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_scenario_flow"
    files = sorted(cassette.rglob("*.json"))
    assert len(files) == 1
    before = files[0].read_bytes()
    assert b"Slow down." in before and b"Found it in the archive." in before
    result = _run(str(cassette))
    assert result.exit_code == 0, result.output + result.stderr
    assert "0 changed, 1 unchanged, 0 failed" in result.stderr
    assert files[0].read_bytes() == before
    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replayed.assert_outcomes(passed=1)


def test_a_hand_edit_is_the_only_change_and_a_second_run_is_unchanged(work: Path) -> None:
    path = work / "modify-run" / "requires_action-json_object.json"
    original = path.read_bytes()
    cassette = Cassette.load(path)
    cassette.interactions[0].response.json["model"] = "gpt-hand-edited"
    cassette.save()

    dry = _run(str(path), "--dry-run")
    assert dry.exit_code == 0
    changed_lines = [
        line
        for line in dry.stdout.splitlines()
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert len(changed_lines) == 2
    assert "gpt-hand-edited" in changed_lines[0] and '"model"' in changed_lines[1]
    assert "interaction 0: response.json.model" in dry.stdout
    assert Cassette.load(path).interactions[0].response.json["model"] == "gpt-hand-edited"

    done = _run(str(path))
    assert done.exit_code == 0
    assert "1 changed, 0 unchanged, 0 failed" in done.stderr
    assert path.read_bytes() == original
    again = _run(str(path))
    assert "0 changed, 1 unchanged, 0 failed" in again.stderr


def test_dry_run_writes_nothing(work: Path) -> None:
    for path in work.rglob("*.json"):
        cassette = Cassette.load(path)
        cassette.interactions[0].response.json["created_at"] = 1
        cassette.save()
    before = json_tree(work)
    stamps = {p: p.stat().st_mtime_ns for p in work.rglob("*.json")}
    result = _run(str(work), "--dry-run")
    assert result.exit_code == 0
    assert f"{len(before)} would change" in result.stderr
    assert json_tree(work) == before
    assert {p: p.stat().st_mtime_ns for p in work.rglob("*.json")} == stamps
    assert not list(work.rglob("*.tmp"))


@pytest.mark.slow
def test_unknown_ids_are_adopted_by_the_built_in_emulator(tmp_path: Path) -> None:
    synthesize(tmp_path, seed=7)  # ids the seed-0 emulator never saw
    path = tmp_path / "modify-run" / "failed-auto.json"
    request = Cassette.load(path).interactions[0].request
    result = _run(str(path))
    assert result.exit_code == 0
    response = Cassette.load(path).interactions[0].response
    assert response.status == 200
    assert response.json["id"] == request.path.rsplit("/", 1)[1]
    assert response.json["metadata"] == request.json["metadata"]
    assert Cassette.load(path).interactions[0].request == request


def test_recorded_not_found_stays_not_found(tmp_path: Path) -> None:
    synthesize(tmp_path, seed=0)
    missing = sorted((tmp_path / "errors").glob("*unknown-*.json"))
    assert missing, "synthesize writes 404 cassettes"
    before = {path: path.read_bytes() for path in missing}
    result = _run(*map(str, missing))
    assert result.exit_code == 0, result.output
    for path, content in before.items():
        assert Cassette.load(path).interactions[0].response.status == 404
        assert path.read_bytes() == content


class _DiesAfterOne:
    """A target that answers one request and is no longer listening by then: the listener
    closes as soon as the first connection is accepted, so the next request is refused
    whatever the timing (closing it after the reply let a fast client connect again)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve_one, daemon=True)
        self.thread.start()

    def _serve_one(self) -> None:
        conn, _ = self.sock.accept()
        self.sock.close()
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            body = b'{"id": "thread_x", "object": "thread"}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )


def test_failure_midway_leaves_files_untouched_and_exits_1(work: Path, tmp_path: Path) -> None:
    first = Cassette.load(work / "modify-run" / "completed-auto.json")
    second = Cassette.load(work / "modify-run" / "failed-auto.json")
    both = Cassette(interactions=[*first.interactions, *second.interactions])
    two = both.save(tmp_path / "two.json")
    one = shutil.copy(work / "modify-thread" / "empty-body.json", tmp_path / "one.json")
    before = {two: two.read_bytes(), one: Path(one).read_bytes()}

    dying = _DiesAfterOne()
    result = _run(str(two), str(one), "--target", dying.url, env={"OPENAI_API_KEY": TARGET_KEY})
    dying.thread.join(10)
    assert result.exit_code == 1, result.output
    assert f"failed     {two}: interaction 1: ConnectError" in result.stdout
    assert "0 changed, 0 unchanged, 2 failed" in result.stderr
    assert {p: Path(p).read_bytes() for p in before} == before
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


@pytest.fixture
def recording_target() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A target that records the headers it got and answers a thread."""
    seen: list[dict[str, str]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append({k.decode(): v.decode() for k, v in scope["headers"]})
        seen[-1][":query"] = scope["query_string"].decode()
        body = json.dumps(
            {
                "id": "thread_t",
                "object": "thread",
                "created_at": 1,
                "metadata": {},
                "tool_resources": {},
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    with serve(app) as url:
        yield url, seen


def test_target_gets_the_real_key_where_the_placeholder_was(
    work: Path, recording_target: tuple[str, list[dict[str, str]]]
) -> None:
    url, seen = recording_target
    path = work / "modify-thread" / "metadata-null.json"
    cassette = Cassette.load(path)
    azure = Cassette.load(path).interactions[0]
    azure.request.headers.pop("authorization")
    azure.request.headers["api-key"] = "<REDACTED:api-key>"
    azure.request.headers["openai-organization"] = "<REDACTED:openai-organization>"
    azure.request.query = [("api-version", "2024-05-01-preview"), ("api-key", "<REDACTED:api-key>")]
    cassette.interactions.append(azure)
    cassette.save()

    result = _run(str(path), "--target", url, "--api-key-env", "MY_KEY", env={"MY_KEY": TARGET_KEY})
    assert result.exit_code == 0, result.output + result.stderr
    assert seen[0]["authorization"] == f"Bearer {TARGET_KEY}"
    assert seen[0]["openai-beta"] == "assistants=v2"
    assert seen[1]["api-key"] == TARGET_KEY
    assert "authorization" not in seen[1] and "openai-organization" not in seen[1]
    assert seen[1][":query"] == f"api-version=2024-05-01-preview&api-key={TARGET_KEY}"
    text = path.read_text()
    assert TARGET_KEY not in text and TARGET_KEY not in result.output + result.stderr
    assert "<REDACTED:authorization>" in text and "<REDACTED:api-key>" in text


def test_target_without_key_is_an_input_error(work: Path) -> None:
    result = _run(str(work), "--target", "http://127.0.0.1:9", env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "$OPENAI_API_KEY is not set" in result.stderr


@pytest.mark.slow
def test_progress_bar_only_on_a_terminal(work: Path) -> None:
    """stderr a pty: click's progress bar is drawn; stderr a pipe (the tests above): none."""
    master, slave = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "harness", "regenerate", str(work / "modify-run")],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
        )
        os.close(slave)
        drawn = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(master)
    assert done.returncode == 0
    assert b"regenerating" in drawn and b"100%" in drawn
    assert b"regenerating" not in done.stdout
