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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 = any free port.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the seeded objects.")
@click.option("--adopt-unknown", is_flag=True, help="Unknown well-formed ids get new objects.")
@click.option("--list", "list_only", is_flag=True, help="Print the seeded objects and exit.")
def emulate(host: str, port: int, seed: int, adopt_unknown: bool, list_only: bool) -> None:
    """Serve a stateful Assistants-compatible emulator; print its SDK base_url (…/v1)."""
    from harness.emulator import create_app, describe_objects
    from harness.serve import ServeError, run_forever

    app = create_app(seed, adopt_unknown=adopt_unknown)
    if list_only:
        click.echo(describe_objects(app.store))
        return

    def ready(root_url: str) -> None:
        click.echo(f"{root_url}/v1")
        click.echo(
            f"harness emulate: seed {seed}; OpenAI(base_url='{root_url}/v1'), "
            f"Azure endpoint {root_url}; Ctrl-C to stop",
            err=True,
        )

    try:
        run_forever(app, host, port, on_ready=ready)
    except ServeError as exc:
        click.echo(f"harness emulate: {exc}", err=True)
        raise SystemExit(2) from None
