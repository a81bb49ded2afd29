"""Each cassette command has --help with an example, and the group lists them."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from tests.helpers import invoke

COMMANDS = ["replay", "regenerate", "synthesize", "verify", "scan"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command: str) -> None:
    result = invoke(command, "--help")
    assert "Example:" in result.output
    assert f"harness {command}" in result.output


def test_group_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    for command in COMMANDS:
        assert f"  {command} " in result.output


def test_no_paths_is_a_usage_error() -> None:
    invoke("verify", exit_code=2)


def _harness(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).with_name("harness")
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [str(script), *args], env={**full_env, **(env or {})}, capture_output=True, text=True
    )


def test_version() -> None:
    result = _harness("--version")
    assert result.returncode == 0
    assert result.stdout == f"harness, version {version('assistants-harness')}\n"


def test_shell_completion_script_and_completions() -> None:
    source = _harness(env={"_HARNESS_COMPLETE": "bash_source"})
    assert source.returncode == 0 and "_harness_completion" in source.stdout
    words = {"COMP_WORDS": "harness generate run --format js", "COMP_CWORD": "4"}
    completed = _harness(env={"_HARNESS_COMPLETE": "bash_complete", **words})
    assert completed.stdout.split() == ["plain,json", "plain,jsonl"]
    words = {"COMP_WORDS": "harness ver", "COMP_CWORD": "1"}
    assert _harness(env={"_HARNESS_COMPLETE": "bash_complete", **words}).stdout.split() == [
        "plain,verify"
    ]
    assert 'eval "$(_HARNESS_COMPLETE=bash_source harness)"' in _harness("--help").stdout


def test_colour_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    leaked = tmp_path / "leak.json"
    leaked.write_text('{"key": "sk-proj-' + "A" * 40 + '"}\n')  # FAKE key-shaped value
    coloured = CliRunner().invoke(main, ["scan", str(leaked)], color=True)
    assert coloured.exit_code == 1
    assert "\x1b[31m" in coloured.output  # the summary, in red
    plain = CliRunner().invoke(main, ["scan", str(leaked)], color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 1
    assert "\x1b[" not in plain.output and "1 credential" in plain.output
    assert "\x1b[" not in _harness("scan", str(leaked)).stderr  # not a terminal: no colour
