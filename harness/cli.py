"""The ``harness`` command line: a click group; each command is a thin shell over a module.

Exit codes: 0 success, 1 a check failed, 2 a usage or input error (always one line, never a
traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import click

from harness import __version__
from harness.api.constants import RESPONSE_FORMAT_KINDS

if TYPE_CHECKING:
    from harness.tools.verify import Report


@contextmanager
def _input_errors(command: str) -> Iterator[None]:
    """The one error path for bad input: a one-line message naming the file, exit 2."""
    from harness.cassette.format import CassetteError
    from harness.tools.importers import ImportInputError
    from harness.tools.project_rules import ProjectRulesError
    from harness.tools.record import RecordError
    from harness.tools.regenerate import RegenerateError

    try:
        yield
    except (
        CassetteError,
        RegenerateError,
        ImportInputError,
        RecordError,
        ProjectRulesError,
    ) as exc:
        click.echo(f"harness {command}: {exc}", err=True)
        click.get_current_context().exit(2)
    except OSError as exc:
        click.echo(f"harness {command}: {exc.filename}: {exc.strerror}; check the path", err=True)
        click.get_current_context().exit(2)
    except Exception as exc:
        # ServeError can only come from harness.server.serve, once imported (it imports uvicorn).
        serve = sys.modules.get("harness.server.serve")
        if serve is None or not isinstance(exc, serve.ServeError):
            raise
        click.echo(f"harness {command}: {exc}", err=True)
        click.get_current_context().exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="harness")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Record, replay and generate OpenAI Assistants modify-run / modify-thread traffic.

    \b
    Shell completion (bash, zsh, fish), e.g. in ~/.bashrc:
      eval "$(_HARNESS_COMPLETE=bash_source harness)"
    Colour only on a terminal; NO_COLOR=1 turns it off.
    """
    if os.environ.get("NO_COLOR"):  # https://no-color.org: set and not empty
        ctx.color = False


def _styled(text: str, ok: bool) -> str:
    """Green for a clean result, red for a problem; click drops the colour off a terminal
    and under NO_COLOR."""
    return click.style(text, fg="green" if ok else "red", bold=not ok)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="0 = any free port.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the seeded objects.")
@click.option("--adopt-unknown", is_flag=True, help="Unknown well-formed ids get new objects.")
@click.option("--list", "list_only", is_flag=True, help="Print the seeded objects and exit.")
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False),
    help="JSON/YAML file of scenarios: what matching runs do (see README, Scenarios).",
)
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept placeholder ids (any non-empty id; unknown ones adopted), for the SDK's tests.",
)
@click.option(
    "--max-body",
    default=32 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes; larger ones get a 413 error envelope.",
)
def emulate(
    host: str,
    port: int,
    seed: int,
    adopt_unknown: bool,
    list_only: bool,
    scenario: str | None,
    lenient: bool,
    max_body: int,
) -> None:
    """Serve a stateful Assistants-compatible emulator; print its SDK base_url (…/v1)."""
    from harness.emulator import ScenarioError, create_app, describe_objects
    from harness.server.serve import ServeError, run_forever

    try:
        app = create_app(seed, adopt_unknown=adopt_unknown, lenient=lenient, scenarios=scenario)
    except ScenarioError as exc:
        click.echo(f"harness emulate: {exc}", err=True)
        raise SystemExit(2) from None
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
        run_forever(app, host, port, on_ready=ready, max_body=max_body)
    except ServeError as exc:
        click.echo(f"harness emulate: {exc}", err=True)
        raise SystemExit(2) from None


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="CASSETTE_OR_DIR...")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=0, show_default=True, type=int, help="0 = any free port.")
@click.option(
    "--strict", is_flag=True, help="Exit 1 on stop if a request missed or one is unplayed."
)
@click.option(
    "--max-body",
    default=32 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes; larger ones get a 413 error envelope.",
)
def replay(paths: tuple[str, ...], host: str, port: int, strict: bool, max_body: int) -> None:
    """Serve recorded interactions over HTTP; print the SDK base URL.

    Requests match exactly as the pytest plugin matches them; a miss answers 418 (or an
    unused 5xx if a cassette records 418) with header x-harness-miss: 1.

    \b
    Example:
      harness replay cassettes/ --port 8765
      curl -X POST http://127.0.0.1:8765/v1/threads/thread_abc -d '{"metadata":{}}'
    """
    from harness.server.replay import ReplayApp, base_url, describe, replay_summary
    from harness.server.serve import run_forever
    from harness.tools.verify import load_cassettes

    with _input_errors("replay"):
        app = ReplayApp(load_cassettes(paths))

        def ready(root_url: str) -> None:
            click.echo(base_url(app, root_url))
            click.echo(f"{describe(app)}; Ctrl-C to stop", err=True)
            sys.stdout.flush()

        run_forever(app, host, port, on_ready=ready, max_body=max_body)
    problems = replay_summary(app)
    for line in problems:
        click.echo(f"harness replay: {line}", err=True)
    click.echo(
        f"harness replay: stopped; {len(app.misses)} miss(es), {len(app.unplayed())} unplayed",
        err=True,
    )
    if strict and problems:
        click.get_current_context().exit(1)


def _print_report(report: Report, as_json: bool, noun: str) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(_styled(report.summary(noun), report.ok), err=not report.ok)
    click.get_current_context().exit(report.exit_code)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead of lines.")
def verify(paths: tuple[str, ...], as_json: bool) -> None:
    """Check cassettes: they parse, recorded objects match the models, no credentials.

    Exit 0 clean, 1 problems found, 2 unreadable input.

    \b
    Example:
      harness verify cassettes/
      harness verify --json cassettes/ | jq .problems
    """
    from harness.tools.verify import verify_paths

    with _input_errors("verify"):
        report = verify_paths(paths)
    _print_report(report, as_json, "problem")


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead of lines.")
def scan(paths: tuple[str, ...], as_json: bool) -> None:
    """Look for credentials only (fast; for pre-commit). Never prints a secret.

    Files that are not valid cassettes are scanned as raw text. Exit 0 clean, 1 found.

    \b
    Example:
      harness scan cassettes/*.json
    """
    from harness.tools.verify import scan_paths

    with _input_errors("scan"):
        report = scan_paths(paths)
    _print_report(report, as_json, "credential")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the factory.")
def synthesize(directory: str, seed: int) -> None:
    """Write ready-made cassettes (no backend): every run status x response_format,
    thread variants, and 400/401/404 error cases. Same seed, same bytes.

    \b
    Example:
      harness synthesize tests/cassettes/synthesized --seed 0
    """
    from harness.tools.synthesize import synthesize as write_cassettes

    with _input_errors("synthesize"):
        written = write_cassettes(directory, seed)
    click.echo(f"harness synthesize: wrote {len(written)} cassettes under {directory}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--target",
    default=None,
    metavar="URL",
    help="Backend base URL (scheme://host[:port]); default: the built-in emulator.",
)
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the key for --target.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change (a diff); write nothing.")
def regenerate(paths: tuple[str, ...], target: str | None, api_key_env: str, dry_run: bool) -> None:
    """Re-send every recorded request, in order, and rewrite each cassette (scrubbed,
    atomically) with the new responses. Exit 1 if any file failed, 2 for bad input.

    \b
    Example:
      harness regenerate cassettes/ --dry-run
      OPENAI_API_KEY=... harness regenerate cassettes/ --target http://127.0.0.1:8000
    """
    from harness.tools.regenerate import RegenerateError, api_key_from_env, check_target
    from harness.tools.regenerate import regenerate as run
    from harness.tools.verify import load_cassettes

    with _input_errors("regenerate"):
        if target is not None:
            check_target(target)
        key = api_key_from_env(api_key_env) if target else None
        if target and not key:
            raise RegenerateError(
                f"${api_key_env} is not set; export the key for the target or name another "
                "variable with --api-key-env"
            )
        if key and not all(32 < ord(c) < 127 for c in key):
            raise RegenerateError(
                f"${api_key_env} holds a character an HTTP header cannot carry (a space, "
                "newline or non-ASCII character); export the key alone"
            )
        cassettes = load_cassettes(paths)
        total = sum(len(c.interactions) for c in cassettes)
        if sys.stderr.isatty():
            with click.progressbar(length=total, label="regenerating", file=sys.stderr) as bar:
                results = run(
                    cassettes,
                    target=target,
                    api_key=key,
                    dry_run=dry_run,
                    on_interaction=lambda: bar.update(1),
                )
        else:
            results = run(cassettes, target=target, api_key=key, dry_run=dry_run)
    for result in results:
        if dry_run and result.diff:
            click.echo(result.diff, nl=False)
        line = str(result)
        click.echo(_styled(line, ok=False) if result.status == "failed" else line)
        for change in result.changes:
            click.echo(f"    {change}")
    counts = {s: sum(r.status == s for r in results) for s in ("changed", "unchanged", "failed")}
    verb = "would change" if dry_run else "changed"
    click.echo(
        f"harness regenerate: {counts['changed']} {verb}, {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed",
        err=True,
    )
    if counts["failed"]:
        click.get_current_context().exit(1)


_CONFIG_FILE = click.option(
    "--config-file",
    default=None,
    metavar="FILE",
    help="pytest configuration file whose cassette_scrub_* keys add scrub rules (as pytest's "
    "-c); default: the one pytest finds from the current directory up.",
)


@main.command()
@click.argument("cassette", type=click.Path(dir_okay=False))
@click.option(
    "--target",
    default=None,
    metavar="URL",
    help="Backend root URL (scheme://host[:port]); default: the built-in emulator, in-process.",
)
@click.option(
    "--mode",
    type=click.Choice(["once", "new_episodes", "all", "none"]),
    default="once",
    show_default=True,
    help="once: record into a new cassette (an existing one is replayed); new_episodes: "
    "answer what is recorded, record the rest; all: record every request; none: replay only.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=0, show_default=True, type=int, help="0 = any free port.")
@click.option(
    "--api-key-env",
    default="OPENAI_API_KEY",
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the key for --target.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the emulator.")
@_CONFIG_FILE
def record(
    cassette: str,
    target: str | None,
    mode: str,
    host: str,
    port: int,
    api_key_env: str,
    seed: int,
    config_file: str | None,
) -> None:
    """Record any client's traffic: a reverse proxy that prints its base URL (…/v1).

    Requests the cassette answers are replayed (the plugin's matching); new ones go to the
    target, stream back as they arrive, and are recorded, scrubbed (with the project's
    cassette_scrub_* ini keys too), with the cassette rewritten atomically after each one.

    \b
    Example:
      harness record cassettes/node/run.json --port 8765 &
      OPENAI_BASE_URL=http://127.0.0.1:8765/v1 node app.js
      OPENAI_API_KEY=... harness record c.json --target https://api.openai.com
    """
    from harness.server.replay import ReplayApp, base_url
    from harness.server.serve import run_forever
    from harness.tools.project_rules import project_scrubber
    from harness.tools.record import ProxyMode, RecordError, create_app
    from harness.tools.regenerate import api_key_from_env

    with _input_errors("record"):
        rules = project_scrubber(config_file)
        key = api_key_from_env(api_key_env) if target else None
        if target and not key:
            raise RecordError(
                f"${api_key_env} is not set; export the key for {target} or name another "
                "variable with --api-key-env"
            )
        app = create_app(
            cassette,
            mode=cast("ProxyMode", mode),
            target=target,
            api_key=key,
            seed=seed,
            scrubber=rules.scrubber,
        )

        def ready(root_url: str) -> None:
            if isinstance(app, ReplayApp):
                click.echo(base_url(app, root_url))
                what = f"replaying {cassette} (mode {mode}); nothing is recorded"
            else:
                click.echo(f"{root_url}/v1")
                where = target or f"the built-in emulator (seed {seed})"
                what = f"recording to {cassette} (mode {mode}), new requests go to {where}"
            click.echo(f"harness record: {what}; Ctrl-C to stop", err=True)
            if rules.describe() and not isinstance(app, ReplayApp):
                click.echo(f"harness record: {rules.describe()}", err=True)
            sys.stdout.flush()

        try:
            run_forever(app, host, port, on_ready=ready)
        finally:
            if not isinstance(app, ReplayApp):
                app.close()
    if isinstance(app, ReplayApp):
        click.echo(f"harness record: stopped; {len(app.misses)} miss(es)", err=True)
    else:
        click.echo(
            f"harness record: stopped; {app.recorded} new interaction(s) recorded to {cassette}, "
            f"{app.answered} answered from it",
            err=True,
        )


@main.command("import")
@click.argument("sources", nargs=-1, required=True, metavar="SRC...")
@click.option(
    "-o",
    "--output",
    default="cassettes",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory the harness cassettes are written to.",
)
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead of lines.")
@_CONFIG_FILE
def import_(
    sources: tuple[str, ...], output: str, dry_run: bool, as_json: bool, config_file: str | None
) -> None:
    """Convert vcrpy / pytest-recording (YAML, JSON), go-vcr and HAR files to harness
    cassettes: scrubbed (built-in rules plus the project's cassette_scrub_* ini keys),
    volatile headers dropped, JSON bodies as data, drift checked.

    Directories are searched for *.yaml, *.yml, *.json and *.har. pytest-recording's
    <tests>/cassettes/<module>/<test>.yaml becomes OUT/<tests>/<module>/<test>.json (paths
    from the current directory: run it from the rootdir), where the plugin looks for it.
    Unreadable input writes nothing and exits 2.

    \b
    Example:
      harness import tests/cassettes -o cassettes --dry-run
      harness import recording.har old-go-tests/fixtures -o cassettes/imported
    """
    from harness.tools.importers import import_paths
    from harness.tools.project_rules import project_scrubber

    with _input_errors("import"):
        rules = project_scrubber(config_file)
        reports = import_paths(sources, output, dry_run=dry_run, scrubber=rules.scrubber)
    if rules.describe():
        click.echo(f"harness import: {rules.describe()}", err=True)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for report in reports:
            for line in report.lines():
                click.echo(line)
    kept = sum(r.kept for r in reports)
    skipped = sum(len(r.skipped) for r in reports)
    removed = sum(sum(r.credentials.values()) for r in reports)
    drift = sum(len(r.drift) for r in reports)
    status = {
        s: sum(r.status == s for r in reports) for s in ("written", "would write", "unchanged")
    }
    written = (
        f"{status['would write']} would be written" if dry_run else f"{status['written']} written"
    )
    click.echo(
        f"harness import: {len(reports)} file(s): {written}, {status['unchanged']} unchanged; "
        f"{kept} interaction(s) kept, {skipped} skipped, {removed} credential(s) removed, "
        f"{drift} drift problem(s)",
        err=True,
    )


# --------------------------------------------------------------------------- generate


class _OneLineUsageCommand(click.Command):
    """Reports a bad option value as one line (``harness generate: ...``), exit 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            click.echo(f"harness {self.name}: {exc.format_message()}", err=True)
            ctx.exit(2)


@main.command(cls=_OneLineUsageCommand)
@click.argument("kind", type=click.Choice(["run", "thread", "assistant", "message", "step"]))
@click.option("--count", "-n", type=click.IntRange(min=1), help="How many objects (default 1).")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--status",
    help="Runs, messages and steps: the status (one of that kind's; a wrong one lists them).",
)
@click.option(
    "--response-format",
    type=click.Choice(RESPONSE_FORMAT_KINDS),
    help="Runs and assistants: the response_format kind.",
)
@click.option(
    "--all-variants",
    is_flag=True,
    help="Every variant (runs: status x response_format; threads: tool_resources x metadata); "
    "--status/--response-format filter them.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl"]),
    default="json",
    show_default=True,
    help="A JSON array, or one object per line.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (written atomically).")
def generate(
    kind: str,
    count: int | None,
    seed: int,
    status: str | None,
    response_format: str | None,
    all_variants: bool,
    fmt: str,
    output: str | None,
) -> None:
    """Generate consistent objects (runs, threads, assistants, messages, run steps) from a
    seed, to stdout or a file.

    \b
    Example:
      harness generate run --count 3 --status requires_action --format jsonl
      harness generate thread --all-variants -o threads.json
    """
    from harness.cassette.format import atomic_write_text
    from harness.factory import (
        AssistantFactory,
        FactoryError,
        MessageFactory,
        RunFactory,
        RunStepFactory,
        ThreadFactory,
    )

    ctx = click.get_current_context()

    def usage_error(message: str) -> None:
        click.echo(f"harness generate: {message}", err=True)
        ctx.exit(2)

    if kind == "thread" and (status or response_format):
        usage_error("--status and --response-format do not apply to threads; drop them")
    if kind in ("message", "step") and response_format:
        usage_error(f"--response-format does not apply to {kind}s; drop it")
    if kind == "assistant" and status:
        usage_error("--status does not apply to assistants; drop it")
    if all_variants and count is not None:
        usage_error("--all-variants and --count exclude each other; use one")
    overrides = {k: v for k, v in (("status", status), ("response_format", response_format)) if v}
    try:
        factories: dict[str, Any] = {
            "run": RunFactory,
            "thread": ThreadFactory,
            "assistant": AssistantFactory,
            "message": MessageFactory,
            "step": RunStepFactory,
        }
        factory = factories[kind](seed)
        if all_variants:
            variants = (obj.to_dict() for obj in factory.variants())
            items = [
                item
                for item in variants
                if all(_format_kind(item.get(k)) == v for k, v in overrides.items())
            ]
        else:
            items = [factory.build_dict(**overrides) for _ in range(count or 1)]
    except FactoryError as exc:
        text = str(exc)
        usage_error("--" + text if text.startswith("status:") else text)
        return
    if fmt == "jsonl":
        text = "".join(json.dumps(item) + "\n" for item in items)
    else:
        text = json.dumps(items, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with _input_errors("generate"):
        atomic_write_text(output, text)
    click.echo(f"harness generate: wrote {len(items)} {kind}(s) to {output}", err=True)


def _format_kind(value: object) -> object:
    """``"auto"`` or a response format's ``type``; anything else as is (status)."""
    if isinstance(value, dict):
        return value.get("type")
    return value
