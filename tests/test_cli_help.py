"""Each cassette command has --help with an example, and the group lists them."""

from __future__ import annotations

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
