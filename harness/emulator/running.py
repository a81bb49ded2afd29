"""The emulator served on loopback for a block, with SDK clients; a table of its objects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.emulator.app import Emulator, create_app
from harness.emulator.store import JSON, Store


class RunningEmulator:
    """An emulator served on loopback: ``base_url`` (ends in ``/v1``) for ``openai.OpenAI``,
    ``app`` for inspecting state, and SDK clients that never retry."""

    API_KEY = "sk-test-not-a-real-key"

    def __init__(self, app: Emulator, root_url: str) -> None:
        self.app = app
        self.root_url = root_url
        self.base_url = f"{root_url}/v1"
        self.azure_endpoint = root_url

    @property
    def store(self) -> Store:
        return self.app.store

    def client(self, **options: Any) -> Any:
        """An ``openai.OpenAI`` client for this emulator (``openai`` must be installed)."""
        import openai

        options = {"api_key": self.API_KEY, "max_retries": 0, **options}
        return openai.OpenAI(base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> Any:
        """An ``openai.AsyncOpenAI`` client for this emulator."""
        import openai

        options = {"api_key": self.API_KEY, "max_retries": 0, **options}
        return openai.AsyncOpenAI(base_url=self.base_url, **options)


@contextmanager
def running_emulator(
    seed: int = 0,
    *,
    adopt_unknown: bool = False,
    lenient: bool = False,
    scenarios: Path | str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[RunningEmulator]:
    """A fresh emulator served in a background thread for the duration of the block
    (options as for :func:`~harness.emulator.create_app`)."""
    from harness.server.serve import serve

    app = create_app(seed, adopt_unknown=adopt_unknown, lenient=lenient, scenarios=scenarios)
    with serve(app, host, port) as root_url:
        yield RunningEmulator(app, root_url)


def describe_objects(store: Store) -> str:
    """A table of the stored objects: one line per run, then threads that have no run."""
    snapshot = store.snapshot()
    rows = [("thread_id", "run_id", "status", "response_format")]
    with_runs: set[str] = set()
    for run in snapshot["runs"]:
        with_runs.add(run["thread_id"])
        rows.append((run["thread_id"], run["id"], run["status"], _format_kind(run)))
    rows.extend(
        (thread["id"], "-", "-", "-")
        for thread in snapshot["threads"]
        if thread["id"] not in with_runs
    )
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, row[3]]))
    return "\n".join(lines)


def _format_kind(run: JSON) -> str:
    value = run.get("response_format")
    if isinstance(value, dict):
        return str(value.get("type"))
    return "null" if value is None else str(value)
