"""Re-send every recorded request to a backend and rewrite the cassettes with what it answers.

The default target is the built-in emulator, started in-process on loopback. Recorded requests
name threads and runs from another backend (or another emulator run), so before each cassette
the emulator is reset to its seeded state and told it may *adopt* every thread and run id that
a recorded request reached with a 2xx answer: when a request names one it does not have, it
creates a consistent object for it (derived from the seed and the id), so the regenerated
responses stay meaningful. Ids whose recorded answer was
an error (a 404 for an unknown thread) are not adopted and get the same error again. A run a
recorded request created walks the path the recorded answers show (its statuses, tool calls,
error, reply: :mod:`harness.tools.run_paths`), installed as an emulator scenario just before
that request is re-sent, so a flow recorded under a scenario comes back the same.

Recorded requests hold credential placeholders; the real key goes back where the placeholder
was (``authorization: Bearer KEY`` or ``api-key: KEY``, or an ``api-key`` query parameter)
and is never printed or written. Other placeholder headers (organization, project, cookies)
are not sent. The recorded request is kept as it was; only the response is replaced, scrubbed
by :func:`~harness.cassette.scrub.clean_interaction`.

A cassette is written only after every one of its requests got an answer, by atomic rename, so
a failure midway leaves each file either old or new, never torn.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.cassette.scrub import Scrubber, Secrets, clean_interaction, is_placeholder
from harness.tools.run_paths import recorded_scenarios

BeforeSend = Callable[[int], None]
"""Called with an interaction's number just before it is re-sent."""
Prepare = Callable[[Cassette], "BeforeSend | None"]

if TYPE_CHECKING:
    import httpx

__all__ = [
    "EMULATOR_KEY",
    "FileResult",
    "RegenerateError",
    "api_key_from_env",
    "regenerate",
    "regenerate_cassette",
]

EMULATOR_KEY = "sk-harness-regenerate-not-a-real-key"
"""The key sent to the built-in emulator (it accepts any non-empty key)."""
_KEY_QUERY_PARAMS = frozenset({"api-key", "api_key"})
_TIMEOUT = 60.0
_MAX_LISTED_CHANGES = 8


class RegenerateError(Exception):
    """Bad input to regenerate (one line, fit for the CLI)."""


@dataclass
class FileResult:
    """What regenerating one cassette did."""

    path: Path
    status: Literal["changed", "unchanged", "failed"]
    changes: list[str] = field(default_factory=list)
    """One line per changed interaction: ``interaction 2: status 200 -> 404; json.metadata``."""
    diff: str = ""
    """Unified diff of the file, old to new (empty when unchanged or failed)."""
    error: str | None = None

    def __str__(self) -> str:
        if self.status == "failed":
            return f"failed     {self.path}: {self.error}"
        if self.status == "changed":
            return f"changed    {self.path} ({len(self.changes)} interaction(s))"
        return f"unchanged  {self.path}"


# --------------------------------------------------------------------------- sending


def _outgoing(request: Request, key: str) -> tuple[dict[str, str], list[tuple[str, Any]]]:
    """Headers and query to send: placeholders become the real key where it belongs."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        lowered = name.lower()
        if not is_placeholder(value):
            headers[lowered] = value
        elif lowered == "authorization":
            headers[lowered] = f"Bearer {key}"
        elif lowered == "api-key":
            headers[lowered] = key
    query: list[tuple[str, str | int | float | bool | None]] = [
        (name, key if name.lower() in _KEY_QUERY_PARAMS else value)
        for name, value in request.query
        if not is_placeholder(value) or name.lower() in _KEY_QUERY_PARAMS
    ]
    return headers, query


def _send(client: httpx.Client, base: str, request: Request, key: str) -> Response:
    headers, query = _outgoing(request, key)
    answer = client.request(
        request.method,
        base.rstrip("/") + request.path,
        params=query,
        headers=headers,
        content=request.body_bytes,
    )
    response = Response(
        status=answer.status_code,
        reason=answer.reason_phrase,
        headers=dict(answer.headers.items()),
    )
    response.set_body(answer.content)
    # httpx already decoded the body; the header would make the scrubber try again.
    response.headers.pop("content-encoding", None)
    return response


# --------------------------------------------------------------------------- comparing


_ABSENT = object()


def _changed_paths(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys(), key=str):
            if old.get(key, _ABSENT) != new.get(key, _ABSENT):
                _changed_paths(old.get(key, _ABSENT), new.get(key, _ABSENT), f"{path}.{key}", out)
    elif old != new:
        out.append(path)


def _describe_change(number: int, old: Interaction, new: Interaction) -> str | None:
    before, after = old.response.to_dict(), new.response.to_dict()
    if before == after:
        return None
    parts = []
    if before.get("status") != after.get("status"):
        parts.append(f"status {before.get('status')} -> {after.get('status')}")
    paths: list[str] = []
    _changed_paths(
        {k: v for k, v in before.items() if k != "status"},
        {k: v for k, v in after.items() if k != "status"},
        "response",
        paths,
    )
    shown = paths[:_MAX_LISTED_CHANGES]
    more = f" (+{len(paths) - len(shown)} more)" if len(paths) > len(shown) else ""
    if shown:
        parts.append(", ".join(shown) + more)
    return f"interaction {number}: " + "; ".join(parts)


# --------------------------------------------------------------------------- regenerating


def regenerate_cassette(
    cassette: Cassette,
    client: httpx.Client,
    base: str,
    key: str,
    *,
    dry_run: bool = False,
    on_interaction: Callable[[], None] | None = None,
    before_send: BeforeSend | None = None,
) -> FileResult:
    """Re-send one cassette's requests in order; write it (atomically) if it changed."""
    if cassette.path is None:
        raise RegenerateError("regenerate needs cassettes loaded from files")
    old_text = cassette.dumps()
    fresh: list[Interaction] = []
    changes: list[str] = []
    # The key sent is a secret of every interaction, whatever it looks like: a backend that
    # echoes it ("Incorrect API key provided: ...") must not put it in the file.
    secrets = Secrets()
    secrets.learn_header("authorization", f"Bearer {key}")
    secrets.values.setdefault(key, "api-key")
    scrubber = Scrubber()
    try:
        for number, interaction in enumerate(cassette.interactions):
            if before_send is not None:
                before_send(number)
            response = _send(client, base, interaction.request, key)
            new = clean_interaction(Interaction(interaction.request, response), scrubber, secrets)
            fresh.append(new)
            change = _describe_change(number, interaction, new)
            if change:
                changes.append(change)
            if on_interaction is not None:
                on_interaction()
    except _http_error() as exc:
        reason = scrubber.scrub_text(str(exc) or type(exc).__name__, secrets)
        return FileResult(
            cassette.path,
            "failed",
            error=f"interaction {len(fresh)}: {type(exc).__name__}: {reason}; file left as it was",
        )
    regenerated = Cassette(path=cassette.path, interactions=fresh)
    new_text = regenerated.dumps()
    if new_text == old_text:
        return FileResult(cassette.path, "unchanged")
    diff = "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=f"{cassette.path} (recorded)",
            tofile=f"{cassette.path} (regenerated)",
        )
    )
    if not dry_run:
        regenerated.save()
    return FileResult(cassette.path, "changed", changes=changes, diff=diff)


def _http_error() -> tuple[type[Exception], ...]:
    """What a failed send raises: httpx's errors, and the httpcore/socket errors that reach
    through unwrapped when a backend dies mid-connection."""
    import httpcore
    import httpx

    return (
        httpx.HTTPError,
        httpcore.NetworkError,
        httpcore.TimeoutException,
        httpcore.ProtocolError,
        OSError,
    )


_OBJECT_PATH = re.compile(r"/threads/(thread_[^/?]+)(?:/runs/(run_[^/?]+))?$")


def _ids_answered(cassette: Cassette) -> list[tuple[str, str | None]]:
    """``(thread_id, run_id)`` of every object a recorded request reached successfully: the
    objects the target must know for the responses to mean the same thing again."""
    found = []
    for interaction in cassette.interactions:
        match = _OBJECT_PATH.search(interaction.request.path)
        if match and 200 <= interaction.response.status < 300:
            found.append((match.group(1), match.group(2)))
    return found


@contextmanager
def _target(target: str | None, key: str | None) -> Iterator[tuple[str, str, Prepare]]:
    """``(base URL, key, prepare)`` for the target: the built-in emulator unless a URL is
    given. ``prepare(cassette)`` puts the target in the state the cassette expects."""
    if target is None:
        from harness.emulator import create_app
        from harness.server.serve import serve

        app = create_app()

        def prepare(cassette: Cassette) -> BeforeSend:
            app.store.reset()
            app.store.adopt_unknown = {
                object_id for ids in _ids_answered(cassette) for object_id in ids if object_id
            }
            scenarios = recorded_scenarios(cassette)

            def before_send(number: int) -> None:
                if number in scenarios:  # the run this request creates walks its recorded path
                    app.store.scenarios.insert(0, scenarios[number])

            return before_send

        with serve(app) as base:
            yield base, EMULATOR_KEY, prepare
        return
    check_target(target)
    if not key:
        raise RegenerateError("no API key for --target; set the variable named by --api-key-env")
    yield target, key, lambda cassette: None


def regenerate(
    cassettes: Iterable[Cassette],
    *,
    target: str | None = None,
    api_key: str | None = None,
    dry_run: bool = False,
    on_interaction: Callable[[], None] | None = None,
) -> list[FileResult]:
    """Regenerate every cassette against ``target`` (default: the built-in emulator), in
    order; one :class:`FileResult` each. ``api_key`` is needed only for a ``target`` URL."""
    import httpx

    results = []
    with (
        _target(target, api_key) as (base, key, prepare),
        httpx.Client(timeout=_TIMEOUT, trust_env=target is not None) as client,
    ):
        for cassette in cassettes:
            before_send = prepare(cassette)
            results.append(
                regenerate_cassette(
                    cassette,
                    client,
                    base,
                    key,
                    dry_run=dry_run,
                    on_interaction=on_interaction,
                    before_send=before_send,
                )
            )
    return results


def check_target(target: str) -> None:
    """A :class:`RegenerateError` unless ``target`` is ``http(s)://host[:port][/prefix]``.
    The message never repeats a user name or password the URL holds."""
    from urllib.parse import urlsplit

    shown = Scrubber().scrub_text(target)
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError:
        raise RegenerateError(
            f"--target {shown!r} is not a valid URL; give scheme://host[:port]"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegenerateError(
            f"--target {shown!r} is not an http:// or https:// URL with a host; "
            "give scheme://host[:port]"
        )
    if parts.username is not None or parts.password is not None:
        raise RegenerateError(
            f"--target {shown!r} holds a user name or password; put the key in the "
            "variable named by --api-key-env instead"
        )
    if parts.query or parts.fragment or any(c.isspace() or ord(c) < 32 for c in target):
        raise RegenerateError(
            f"--target {shown!r} has a query, fragment or space; give scheme://host[:port]"
        )
    if port == 0:
        raise RegenerateError(f"--target {shown!r}: port 0 cannot be connected to")


def api_key_from_env(name: str) -> str | None:
    """The key in environment variable ``name`` (None if unset or empty)."""
    return os.environ.get(name) or None
