"""Helpers shared by the test modules (fixtures are in ``conftest.py``): the CLI in-process,
the head of every downstream test file a pytester test writes, and the function tool and
stream event handler the streaming tests drive runs with."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from openai import AssistantEventHandler

__all__ = [
    "DOWNSTREAM_COMMON",
    "FUNCTION",
    "StreamCalls",
    "final_run",
    "harness_server",
    "invoke",
    "json_tree",
]


def invoke(*args: str, exit_code: int = 0, env: dict[str, str] | None = None) -> Result:
    """Run the ``harness`` CLI in-process; assert its exit code and that it exited (click usage
    errors, ``sys.exit``) rather than raised: an uncaught exception also exits with 1, so
    ``exit_code == 1`` alone cannot tell a failed check from a crash."""
    from harness.cli import main

    result = CliRunner().invoke(main, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"harness {' '.join(args)} raised") from result.exception
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.stderr)
    return result


@contextmanager
def harness_server(*args: str) -> Iterator[str]:
    """``harness ARGS --port 0`` as a subprocess for the block: the base URL it prints. On
    leaving it is stopped with SIGINT and must exit 0 with nothing alarming on stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read()  # type: ignore[union-attr]
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    for alarming in ("Traceback", "ERROR", "Exception", "error"):
        assert alarming not in err.replace(url, ""), err


def json_tree(root: Path) -> dict[str, bytes]:
    """Every ``*.json`` file below ``root`` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


DOWNSTREAM_COMMON = """
import os

import httpx
import openai
import pytest

KEY = "sk-test-not-a-real-key"
HEADERS = {"authorization": f"Bearer {KEY}", "openai-beta": "assistants=v2"}


@pytest.fixture
def base_url(request):
    if request.config.getoption("cassette_mode") == "none":
        return "http://127.0.0.1:9/v1"  # nothing listens here: replay must not connect
    return request.getfixturevalue("harness_emulator").base_url


def client(base_url):
    return openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
"""
"""The head of a downstream test file: the SDK pointed at the plugin's emulator while
recording, and at a port nothing listens on when replaying (``--cassette-mode=none``)."""

FUNCTION: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
"""A function tool: a run given it stops at ``requires_action`` for its call."""


class StreamCalls(AssistantEventHandler):
    """What the SDK's stream helper calls back with: each event's name and data, the text
    deltas joined, and every finished tool call."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.data: list[dict[str, Any]] = []
        self.text = ""
        self.tool_calls: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event.event)
        self.data.append(event.data.to_dict())

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text += delta.value

    def on_tool_call_done(self, tool_call: Any) -> None:
        self.tool_calls.append(tool_call)


def final_run(opened: Any) -> Any:
    """Read a stream the SDK's helper opened (``runs.stream(...)``,
    ``submit_tool_outputs_stream(...)``) to its end; the run as it ended."""
    with opened as stream:
        stream.until_done()
        return stream.get_final_run()
