"""One test's cassette while the test runs: replay, record, explain a miss, save.

:class:`Recording` is what the ``cassette`` fixture yields and what vcrpy's stubs talk to
(through :mod:`harness.plugin._vcr`), in harness types only. It is backed by
:class:`harness.cassette.format.Cassette`, whose index answers in O(1) with the same
:func:`harness.cassette.format.match_key` the CLI uses.

What reaches disk goes through :func:`harness.cassette.scrub.clean_interaction` (the same
function the CLI's ``regenerate`` uses), and a live request is cleaned the same way before
lookup (:func:`harness.cassette.scrub.clean_request`), so a request carrying a key still matches
the recording that holds its placeholder.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.cassette.format import (
    Accept,
    Cassette,
    CassetteError,
    Interaction,
    Request,
    Response,
    differing_parts,
)
from harness.cassette.scrub import Scrubber, Secrets, clean_interaction, clean_request
from harness.plugin.config import DEFAULT_MATCH_ON, CassetteConfig, RecordMode, scrubber_for
from harness.plugin.ledger import SessionLedger
from harness.plugin.matching import Matcher, MatcherError, RequestMatcher

if sys.platform != "win32":
    import fcntl

__all__ = [
    "CassetteMissError",
    "CassetteSaveError",
    "HarnessCassetteMovedWarning",
    "HarnessDriftWarning",
    "Recording",
]


class HarnessDriftWarning(UserWarning):
    """A recorded or replayed response departs from the Run/Thread models."""


class HarnessCassetteMovedWarning(UserWarning):
    """Cassettes were found where an older version kept them (keyed on the module's stem)."""


class CassetteMissError(Exception):
    """A request the cassette cannot answer in a mode that forbids recording it."""


class CassetteSaveError(Exception):
    """The cassette could not be written; ``str()`` is one line saying where the recorded
    interactions were kept instead."""


@dataclass(eq=False, repr=False)
class Recording:
    """One test's cassette while the test runs: what the ``cassette`` fixture returns, and
    what vcrpy's stubs reach through :mod:`harness.plugin._vcr` (``clean``, ``can_answer``,
    ``answer``, ``record``, ``can_record``)."""

    path: Path
    config: CassetteConfig
    rerecord_command: str = "pytest <test> --cassette-mode=rewrite"
    loaded: Cassette = field(default_factory=Cassette)
    """What was on disk when the test started (empty in ``rewrite`` mode)."""
    recorded: list[Interaction] = field(default_factory=list)
    """What this test recorded (cleaned), saved when the test ends."""
    misses: list[str] = field(default_factory=list)
    drift_errors: list[str] = field(default_factory=list)
    existed: bool = False
    shared: bool = False
    """Named by the marker, so other tests may record into the same file."""
    ledger: SessionLedger = field(default_factory=SessionLedger, repr=False)
    matcher: RequestMatcher = field(default_factory=lambda: RequestMatcher.build(DEFAULT_MATCH_ON))
    _scrubber: Scrubber = field(default_factory=Scrubber, repr=False)
    _secrets: Secrets = field(default_factory=Secrets, repr=False)
    """Credential values this test's traffic carried: removed wherever they reappear."""
    _played: list[int] = field(default_factory=list, repr=False)
    """The numbers of the loaded interactions played, in order (a repeat again)."""
    _repeatable: dict[Hashable, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls,
        path: Path,
        config: CassetteConfig,
        *,
        rerecord_command: str,
        scrubber: Scrubber | None = None,
        matchers: Mapping[str, Matcher] | None = None,
        shared: bool = False,
        ledger: SessionLedger | None = None,
    ) -> Recording:
        """Load ``path`` (unless the mode re-records from scratch); a broken file raises
        :class:`CassetteError`, an unknown ``match_on`` name a :class:`ValueError`. A file this
        session created (another test, maybe on another xdist worker) counts as not existing
        for ``once``: the session may add to it."""
        matcher = config.matcher(matchers)
        ledger = ledger or SessionLedger()
        if path.is_dir():
            raise CassetteError(path, "is a directory, where the cassette file should be")
        existed = path.is_file() and not ledger.has("created", path)
        if existed and config.mode != "rewrite":
            loaded = Cassette.load(path, key=matcher.key)
        else:
            loaded = Cassette(path=path, key=matcher.key)
        return cls(
            path=path,
            config=config,
            rerecord_command=rerecord_command,
            loaded=loaded,
            existed=existed,
            matcher=matcher,
            shared=shared,
            ledger=ledger,
            _scrubber=scrubber or scrubber_for(config),
        )

    def __repr__(self) -> str:
        return (
            f"<Recording {self.path} mode={self.config.mode} loaded="
            f"{self.loaded.interaction_count} played={len(self._played)} "
            f"recorded={len(self.recorded)}>"
        )

    # ----------------------------------------------------------------- what tests see

    @property
    def mode(self) -> RecordMode:
        return self.config.mode

    @property
    def interactions(self) -> list[Interaction]:
        """Loaded interactions followed by the ones recorded in this test."""
        return [*self.loaded.interactions, *self.recorded]

    @property
    def played(self) -> list[Interaction]:
        """The loaded interactions played so far, in order (parsed from the cassette's compact
        form when asked for: a long replay does not keep every answer)."""
        return [self.loaded.interaction(number) for number in self._played]

    @property
    def play_count(self) -> int:
        return len(self._played)

    @property
    def all_played(self) -> bool:
        """Whether every interaction loaded from the file was played."""
        return self.loaded.all_played

    def unplayed(self) -> list[Interaction]:
        return self.loaded.unplayed()

    @property
    def can_record(self) -> bool:
        """Whether a request the cassette cannot answer goes to the real server."""
        mode = self.config.mode
        return mode in ("new_episodes", "all", "rewrite") or (mode == "once" and not self.existed)

    # ----------------------------------------------------------------- what the stubs ask

    @property
    def needs_headers(self) -> bool:
        """Whether matching looks at headers (a ``before_record_request`` hook or a user
        matcher may); by default it does not, and live headers are not converted."""
        return self.config.before_record_request is not None or bool(self.matcher.matchers)

    def clean(self, live: Request) -> Request | None:
        """``live`` scrubbed in place as it would be recorded, then ``before_record_request``
        (None: the hook drops it: neither matched nor recorded, it goes to the server)."""
        cleaned = clean_request(live, self._scrubber, in_place=True, secrets=self._secrets)
        hook = self.config.before_record_request
        return cleaned if hook is None else hook(cleaned)

    def _accept(self, request: Request) -> Accept | None:
        return self.matcher.accepts(request)

    def _repeat(self, request: Request) -> int | None:
        """Under ``allow_playback_repeats``: the number of the last played answer to this
        request."""
        if not self.config.allow_playback_repeats:
            return None
        accept = self._accept(request)
        for number in reversed(self._repeatable.get(self.loaded.key(request), ())):
            if accept is None or accept(self.loaded.interaction(number).request):
                return number
        return None

    def can_answer(self, request: Request) -> bool:
        """Whether a recorded response answers the (cleaned) request; a miss in a mode that
        may not record raises :class:`CassetteMissError` before anything is sent."""
        try:
            if self.config.mode not in ("all", "rewrite") and (
                self.loaded.can_play(request, self._accept(request))
                or self._repeat(request) is not None
            ):
                return True
            if self.can_record:
                return False
            message = self.explain_miss(request)
        except MatcherError as exc:
            message = f"harness cassette {self.path}: {exc}"
        self.misses.append(message)
        raise CassetteMissError(message)

    def answer(self, request: Request) -> Response:
        """The next recorded response to the (cleaned) request, marked played."""
        key = self.loaded.key(request)
        number = self.loaded.play_number(key, self._accept(request))
        if number is None:
            number = self._repeat(request)
        if number is None:  # the stubs only ask after can_answer said yes
            raise CassetteMissError(self.explain_miss(request))
        if self.config.allow_playback_repeats:
            self._repeatable.setdefault(key, []).append(number)
        self._played.append(number)
        interaction = self.loaded.interaction(number)
        self._check_drift(interaction, len(self._played) - 1, "replayed")
        return interaction.response

    def learn_headers(self, headers: Iterable[tuple[str, Any]]) -> None:
        """Learn the values of credential headers (a live request's, before lookup)."""
        for name, value in headers:
            if self._scrubber.is_credential_header(name):
                text = ", ".join(value) if isinstance(value, (list, tuple)) else str(value)
                self._secrets.learn_header(name.lower(), text)

    def learn(self, value: str, name: str) -> None:
        """A credential the stubs saw outside the stored request (URL userinfo)."""
        self._secrets.learn(value, name)

    def record(self, raw: Interaction) -> None:
        """Keep a live interaction, cleaned, to be saved when the test ends."""
        interaction = self._before_record(clean_interaction(raw, self._scrubber, self._secrets))
        if interaction is None:
            return
        self.recorded.append(interaction)
        number = self.loaded.interaction_count + len(self.recorded) - 1
        self._check_drift(interaction, number, "recorded")

    def _before_record(self, interaction: Interaction) -> Interaction | None:
        """The user's hooks on the scrubbed interaction; scrubbed again after them, so a hook
        cannot put a credential back."""
        request_hook = self.config.before_record_request
        response_hook = self.config.before_record_response
        if request_hook is None and response_hook is None:
            return interaction
        request: Request | None = interaction.request
        if request_hook is not None:
            request = request_hook(interaction.request)
        response: Response | None = interaction.response
        if request is not None and response_hook is not None:
            response = response_hook(interaction.response)
        if request is None or response is None:
            return None
        return clean_interaction(Interaction(request, response), self._scrubber)

    # ----------------------------------------------------------------- drift

    def _check_drift(self, interaction: Interaction, number: int, how: str) -> None:
        if self.config.drift == "off":
            return
        from harness.api.drift import response_drift

        request, response = interaction.request, interaction.response
        drifts = response_drift(
            request.method,
            request.path,
            response.status,
            response.json,
            has_json=response.has_json,
            events=response.events,
        )
        for drift in drifts:
            message = (
                f"{self.path}: interaction {number}: {drift.path}: drift: {drift.describe()} "
                f"({how} {request.method} {request.path})"
            )
            if self.config.drift == "error":
                self.drift_errors.append(message)
            else:
                warnings.warn(HarnessDriftWarning(message), stacklevel=2)

    # ----------------------------------------------------------------- miss messages

    def explain_miss(self, request: Request) -> str:
        """What was asked, the nearest recording with what differs, and how to re-record.
        ``request`` is already scrubbed, so the message holds no credential."""
        lines = [
            f"harness cassette: no recorded response for {request.method} {request.target}",
            f"  cassette: {self.path} (mode '{self.config.mode}'"
            + ("" if self.existed else ", file does not exist")
            + ")",
            "",
            "Request:",
            *_indented_request(request),
        ]
        if self.loaded.has_recorded(request, self._accept(request)):
            lines += [
                "",
                "An identical request was recorded but has already been played: identical "
                "requests replay once each, in recorded order. This test sends it more often "
                "than when it was recorded (allow_playback_repeats=True replays the last "
                "answer again).",
            ]
        else:
            number = self.loaded.nearest_number(request)
            if number is None:
                lines += ["", "The cassette has no recorded interactions."]
            else:
                nearest = self.loaded.interaction(number)
                lines += ["", f"Nearest recorded request (interaction #{number}):"]
                lines += _indented_request(nearest.request)
                lines += ["", "What differs (- recorded, + this request):"]
                lines += _request_diff(nearest.request, request)
        if self.shared:
            # Rewriting from one test would drop what the other tests sharing it recorded.
            lines += [
                "",
                f"{self.path.name} is named by @pytest.mark.cassette, so other tests may share "
                "it. To add this request and keep theirs (run from the rootdir):",
                f"  {self.rerecord_command.replace('--cassette-mode=rewrite', '')}"
                "--cassette-mode=new_episodes",
                "To re-record it from scratch, run every test that uses it in one session "
                "with --cassette-mode=rewrite.",
            ]
        else:
            lines += [
                "",
                "To re-record this test's cassette from scratch (run from the rootdir):",
                f"  {self.rerecord_command}",
                f"(the same as deleting {self.path.name} and running with "
                "--cassette-mode=once), or keep what is recorded and add the new requests with "
                "--cassette-mode=new_episodes.",
            ]
        return "\n".join(lines)

    # ----------------------------------------------------------------- saving

    def explain_unplayed(self) -> str:
        """Under ``assert_all_played``: the interactions the test did not use, or ``""``."""
        unplayed = self.loaded.unplayed_numbers()
        if not unplayed or self.config.mode in ("all", "rewrite"):
            return ""
        shown = [(n, self.loaded.interaction(n).request) for n in unplayed[:10]]
        lines = [
            f"harness cassette: {len(unplayed)} of {self.loaded.interaction_count} recorded "
            f"interaction(s) in {self.path} were not played (assert_all_played):",
            *(f"  #{n}: {request.method} {request.target}" for n, request in shown),
        ]
        if len(unplayed) > 10:
            lines.append(f"  ... and {len(unplayed) - 10} more")
        lines.append(
            "The code under test no longer sends them: re-record the cassette "
            f"({self.rerecord_command}) or drop assert_all_played for this test."
        )
        return "\n".join(lines)

    def save(self) -> Path | None:
        """Write what was recorded, atomically, under a lock on the cassette directory (xdist
        workers writing the same file merge instead of overwriting). Nothing recorded, nothing
        written. ``rewrite`` replaces the file unless this session (any worker) already
        rewrote it. If the file cannot be written, :class:`CassetteSaveError` says where the
        recorded interactions were kept instead."""
        if not self.recorded:
            return None
        try:
            with _directory_lock(self.path.parent):
                merge = self.config.mode != "rewrite" or self.ledger.has("written", self.path)
                base: list[Interaction] = []
                existing = self.path.is_file()
                if merge and existing:
                    base = Cassette.load(self.path).interactions
                Cassette(path=self.path, interactions=[*base, *self.recorded]).save()
                if not existing:
                    self.ledger.mark("created", self.path)
                self.ledger.mark("written", self.path)
        except (OSError, CassetteError) as exc:
            kept = self._keep_elsewhere()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise CassetteSaveError(
                f"harness cassette: could not write {self.path}: {reason}; the "
                f"{len(self.recorded)} recorded interaction(s) were kept in {kept}: fix the "
                "path, then move that file there"
            ) from None
        return self.path

    def _keep_elsewhere(self) -> str:
        fd, name = tempfile.mkstemp(prefix=f"harness-unsaved-{self.path.stem}-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(Cassette(interactions=self.recorded).dumps())
        return name


def _pretty_body(request: Request) -> list[str]:
    if request.has_json:
        return json.dumps(request.json, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    if request.text is not None:
        return request.text.splitlines() or [""]
    if request.base64 is not None:
        return [f"<{len(request.body_bytes)} bytes of binary>"]
    return []


def _indented_request(request: Request) -> list[str]:
    body = [f"  {line}" for line in _pretty_body(request)]
    return [f"  {request.method} {request.target}", *body]


def _request_diff(recorded: Request, live: Request) -> list[str]:
    lines = []
    parts = differing_parts(recorded, live)
    if "method" in parts:
        lines.append(f"  method: - {recorded.method}  + {live.method}")
    if "path" in parts:
        lines.append(f"  path:   - {recorded.path}  + {live.path}")
    if "query" in parts:
        lines.append(f"  query:  - {sorted(recorded.query)}  + {sorted(live.query)}")
    if "body" in parts:
        diff = difflib.unified_diff(
            _pretty_body(recorded),
            _pretty_body(live),
            "recorded body",
            "this request's body",
            lineterm="",
        )
        lines += [f"  {line}" for line in diff]
    return lines or ["  (nothing that matching compares)"]


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the directory itself: no stray lock files in the repo."""
    directory.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":  # pragma: no cover - no flock; writes are still atomic
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
