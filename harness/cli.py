"""The ``harness`` command line: a click group; each command is a thin shell over a module.

Exit codes: 0 success, 1 a check failed, 2 a usage or input error (always one line, never a
traceback).
"""

from __future__ import annotations

import click

from harness import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
def main() -> None:
    """Record, replay and generate OpenAI Assistants modify-run / modify-thread traffic."""
