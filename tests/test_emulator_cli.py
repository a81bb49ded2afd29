"""``harness emulate`` in a real subprocess: URL on stdout, SDK call, clean stop on SIGINT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from harness.api.constants import RESPONSE_FORMAT_KINDS, RUN_STATUSES
from harness.emulator import create_app, describe_objects

HARNESS = [sys.executable, "-m", "harness"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*HARNESS, "emulate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=Path(__file__).parent.parent,
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_emulate_prints_base_url_serves_the_sdk_and_stops_cleanly(stop: signal.Signals) -> None:
    process = start("--port", "0", "--seed", "2")
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        run = create_app(seed=2).store.snapshot()["runs"][0]
        client = openai.OpenAI(base_url=base_url, api_key="sk-test-not-a-real-key", max_retries=0)
        modified = client.beta.threads.runs.update(
            run["id"], thread_id=run["thread_id"], metadata={"from": "cli"}
        )
        assert (modified.id, modified.metadata) == (run["id"], {"from": "cli"})
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out == ""  # only the URL, already read
    assert "Traceback" not in err
    assert f"OpenAI(base_url='{base_url}')" in err


def test_emulate_list_prints_every_seeded_run_and_exits() -> None:
    result = subprocess.run(
        [*HARNESS, "emulate", "--list", "--seed", "5"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["thread_id", "run_id", "status", "response_format"]
    assert result.stdout.strip() == describe_objects(create_app(seed=5).store)
    rows = [line.split() for line in lines[1:] if line.split()[1] != "-"]
    assert {(row[2], row[3]) for row in rows} == {
        (s, f) for s in RUN_STATUSES for f in RESPONSE_FORMAT_KINDS
    }
    assert all(row[0].startswith("thread_") and row[1].startswith("run_") for row in rows)


def test_emulate_on_a_port_in_use_exits_2_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*HARNESS, "emulate", "--port", str(port)],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"harness emulate: cannot listen on 127.0.0.1:{port}: address already in use; "
        "choose another --port or 0 for any free port"
    ]
