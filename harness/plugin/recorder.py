"""The vcrpy integration: record HTTP traffic into a harness cassette and replay it.

How it plugs into vcrpy, and why
--------------------------------
vcrpy does two jobs: it *patches* HTTP libraries (its stubs intercept every request and ask a
cassette object ``can_play_response_for`` / ``play_response`` / ``append``), and it *stores*
(its ``Cassette`` matches by scanning every recorded request, O(N) per request, and writes
YAML). We keep the first job and replace the second: :class:`Recording` is a cassette object
with the interface the stubs call, backed by :class:`harness.cassette.format.Cassette`, whose index
answers in O(1) with the same :func:`harness.cassette.format.match_key` the CLI uses.

Per-test cost matters, so the patchers are built once per process (:class:`Patches`), for the
libraries this harness supports only (httpx2 — the official SDK's client —, httpx and
requests), around a :class:`_Slot` that forwards to whichever recording is active; a test
only enters and exits the prepared ``mock.patch`` objects.

What reaches disk goes through :func:`harness.cassette.scrub.clean_interaction` (the same
function the CLI's ``regenerate`` uses), and a live request is cleaned the same way before
lookup (:func:`harness.cassette.scrub.clean_request`), so a request carrying a key still matches
the recording that holds its placeholder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import functools
import hashlib
import json
import os
import re
import sys
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from harness.cassette.format import Accept, Cassette, Interaction, Request, Response
from harness.cassette.scrub import Scrubber, ScrubRules, clean_interaction, clean_request
from harness.plugin.matching import DEFAULT_MATCH_ON, Matcher, MatcherError, RequestMatcher
from harness.plugin.offline import AllowRule

if sys.platform != "win32":
    import fcntl

__all__ = [
    "DRIFT_MODES",
    "RECORD_MODES",
    "CassetteConfig",
    "CassetteMissError",
    "HarnessDriftWarning",
    "Patches",
    "Recording",
    "cassette_path",
    "default_mode",
    "drift_problems",
    "safe_name",
]

RecordMode = Literal["none", "once", "new_episodes", "all", "rewrite"]
DriftMode = Literal["warn", "error", "off"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "once", "new_episodes", "all", "rewrite")
DRIFT_MODES: tuple[DriftMode, ...] = ("warn", "error", "off")
SUPPORTED_LIBRARIES = ("httpx2", "httpx", "requests")
MAX_NAME = 80


class HarnessDriftWarning(UserWarning):
    """A recorded or replayed modify response departs from the Run/Thread models."""


BeforeRecordRequest = Callable[[Request], Request | None]
BeforeRecordResponse = Callable[[Response], Response | None]


class CassetteMissError(Exception):
    """A request the cassette cannot answer in a mode that forbids recording it."""


@dataclass(frozen=True)
class CassetteConfig:
    """Everything that decides how one test's cassette behaves.

    The plugin builds the session default from options and ini keys; a project overrides the
    ``cassette_config`` fixture, and a test's ``@pytest.mark.cassette(**options)`` overrides
    single fields for that test.
    """

    mode: RecordMode = "once"
    cassette_dir: Path = Path("cassettes")
    drift: DriftMode = "warn"
    offline: bool = False
    """Refuse non-loopback connections while the test runs (``--offline`` does it for the
    whole session)."""
    offline_allow: tuple[str, ...] = ()
    """``HOST[:PORT]`` / network entries allowed besides loopback under ``offline``."""
    scrub_headers: tuple[str, ...] = ()
    scrub_query_params: tuple[str, ...] = ()
    scrub_body_fields: tuple[str, ...] = ()
    scrub_patterns: tuple[tuple[str, str], ...] = ()
    """``(placeholder name, regular expression)`` pairs."""
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    """The request parts that must be equal (:mod:`harness.plugin.matching`): built-in
    ``method``, ``path``, ``query``, ``uri``, ``body``, ``json``, or registered matcher names."""
    before_record_request: BeforeRecordRequest | None = None
    """``f(request) -> request | None``, called on the scrubbed request before it is saved and
    on every live request before it is matched; None: neither matched nor recorded (the call
    goes to the server, as in vcrpy)."""
    before_record_response: BeforeRecordResponse | None = None
    """``f(response) -> response | None``, called on the scrubbed response before it is saved;
    None: the interaction is not recorded."""
    allow_playback_repeats: bool = False
    """Once the recorded answers to a request are used up, replay the last one again."""
    assert_all_played: bool = False
    """Fail a test that passed but left loaded interactions unplayed (not in ``all`` or
    ``rewrite`` mode, which do not replay)."""

    def __post_init__(self) -> None:
        if self.mode not in RECORD_MODES:
            raise ValueError(f"cassette mode {self.mode!r} is not one of {', '.join(RECORD_MODES)}")
        if self.drift not in DRIFT_MODES:
            raise ValueError(f"drift mode {self.drift!r} is not one of {', '.join(DRIFT_MODES)}")
        for name in ("before_record_request", "before_record_response"):
            hook = getattr(self, name)
            if hook is not None and not callable(hook):
                raise ValueError(f"{name} must be a function or None, not {hook!r}")
        for name in ("scrub_headers", "scrub_query_params", "scrub_body_fields", "offline_allow"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
        patterns: Any = self.scrub_patterns
        pairs = patterns.items() if isinstance(patterns, Mapping) else patterns
        object.__setattr__(self, "scrub_patterns", tuple((str(n), str(p)) for n, p in pairs))
        object.__setattr__(self, "cassette_dir", Path(self.cassette_dir))
        names: Any = self.match_on
        object.__setattr__(self, "match_on", (names,) if isinstance(names, str) else tuple(names))
        for entry in self.offline_allow:
            AllowRule.parse(entry)  # a bad entry fails here, naming it

    def replace(self, **changes: Any) -> CassetteConfig:
        """A copy with ``changes``; an unknown name is a :class:`TypeError` naming it."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(
                f"unknown cassette option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return dataclasses.replace(self, **changes)

    def matcher(self, extra: Mapping[str, Matcher] | None = None) -> RequestMatcher:
        """``match_on`` resolved (``extra``: matchers from the ``pytest_harness_matchers``
        hook); an unknown name is a :class:`ValueError`."""
        return RequestMatcher.build(self.match_on, extra)

    def scrub_rules(self) -> ScrubRules:
        """The user's additions to the built-in scrub rules."""
        return ScrubRules.from_options(
            headers=self.scrub_headers,
            query_params=self.scrub_query_params,
            body_fields=self.scrub_body_fields,
            patterns=self.scrub_patterns,
        )


@functools.lru_cache(maxsize=32)
def _scrubber_for(config: CassetteConfig) -> Scrubber:
    """One scrubber per configuration (compiling its patterns once, not once per test)."""
    return Scrubber(config.scrub_rules())


def default_mode(environ: Mapping[str, str] | None = None) -> RecordMode:
    """``none`` on CI (the ``CI`` environment variable set), ``once`` elsewhere."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return "none" if value.strip().lower() not in ("", "0", "false", "no") else "once"


# --------------------------------------------------------------------------- file names

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(name: str, limit: int = MAX_NAME) -> str:
    """``name`` as a portable file name: unsafe runs become ``_``, parametrize brackets
    become ``-``, and a name over ``limit`` is cut and suffixed with a short hash."""
    readable = name.replace("::", ".").replace("[", "-").rstrip("]")
    readable = _UNSAFE.sub("_", readable).strip("._") or "cassette"
    if len(readable) <= limit:
        return readable
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{readable[: limit - 9]}-{digest}"


def cassette_path(
    cassette_dir: Path, module_path: Path, test_name: str, explicit: str | None = None
) -> Path:
    """``<dir>/<module stem>/<safe test name>.json``, or ``<dir>/<explicit>`` for a name given
    to the marker (``.json`` added if missing)."""
    if explicit:
        relative = Path(explicit)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(
                f"cassette name {explicit!r} must be a relative path inside the cassette dir"
            )
        return cassette_dir / (explicit if explicit.endswith(".json") else f"{explicit}.json")
    return cassette_dir / safe_name(module_path.stem) / f"{safe_name(test_name)}.json"


# --------------------------------------------------------------------------- conversion


def _header_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_header_value(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def request_from_vcr(vcr_request: Any, *, headers: bool = True) -> Request:
    """A harness request from vcrpy's (scheme, host and port dropped). Without ``headers``
    (enough for matching, which ignores them) only ``content-encoding`` is kept."""
    parts = urlsplit(vcr_request.uri)
    if headers:
        kept = {str(k): _header_value(v) for k, v in vcr_request.headers.items()}
    else:
        encoding = vcr_request.headers.get("content-encoding")
        kept = {"content-encoding": _header_value(encoding)} if encoding else {}
    request = Request(
        method=vcr_request.method.upper(),
        path=parts.path or "/",
        query=parse_qsl(parts.query, keep_blank_values=True),
        headers=kept,
    )
    body = vcr_request.body_bytes if hasattr(vcr_request, "body_bytes") else vcr_request.body
    if isinstance(body, str):
        body = body.encode()
    request.set_body(body or b"")
    return request


def response_from_vcr(data: Mapping[str, Any]) -> Response:
    """A harness response from vcrpy's response dict."""
    status = data["status"]
    response = Response(
        status=int(status["code"]),
        reason=str(status.get("message") or ""),
        headers={str(k): _header_value(v) for k, v in data.get("headers", {}).items()},
    )
    body = data.get("body", {}).get("string", b"")
    response.set_body(body.encode() if isinstance(body, str) else (body or b""))
    return response


def response_to_vcr(response: Response) -> dict[str, Any]:
    """vcrpy's response dict for a recorded response (bodies are stored decoded)."""
    body = response.body_bytes
    headers = {name: [value] for name, value in response.headers.items()}
    headers["content-length"] = [str(len(body))]
    return {
        "status": {"code": response.status, "message": response.reason},
        "headers": headers,
        "body": {"string": body},
    }


# --------------------------------------------------------------------------- drift

_THREAD_PATH = re.compile(r"/threads/[^/]+$")
_RUN_PATH = re.compile(r"/threads/[^/]+/runs/[^/]+$")


def drift_problems(interaction: Interaction) -> list[str]:
    """How a modify-run/modify-thread 2xx response departs from the models (else ``[]``)."""
    request, response = interaction.request, interaction.response
    if request.method != "POST" or not 200 <= response.status < 300 or not response.has_json:
        return []
    from harness.api.models import Run, Thread, find_drift

    if _RUN_PATH.search(request.path):
        model: type[Run] | type[Thread] = Run
    elif _THREAD_PATH.search(request.path):
        model = Thread
    else:
        return []
    return [
        f"{model.__name__} field '{d.path}' = {d.value!r}: {d.reason}"
        for d in find_drift(model, response.json)
    ]


# --------------------------------------------------------------------------- the recording


@dataclass(eq=False, repr=False)
class Recording:
    """One test's cassette while the test runs: what the ``cassette`` fixture returns, and
    what vcrpy's stubs talk to through :class:`_Slot` (``can_play_response_for``,
    ``play_response``, ``append``, ``write_protected``)."""

    path: Path
    config: CassetteConfig
    rerecord_command: str = "pytest <test> --cassette-mode=rewrite"
    loaded: Cassette = field(default_factory=Cassette)
    """What was on disk when the test started (empty in ``rewrite`` mode)."""
    recorded: list[Interaction] = field(default_factory=list)
    """What this test recorded (cleaned), saved when the test ends."""
    played: list[Interaction] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    drift_errors: list[str] = field(default_factory=list)
    existed: bool = False
    matcher: RequestMatcher = field(default_factory=lambda: RequestMatcher.build(DEFAULT_MATCH_ON))
    _scrubber: Scrubber = field(default_factory=Scrubber, repr=False)
    _pending: tuple[Any, Request | None] | None = field(default=None, repr=False)
    _repeatable: dict[Hashable, list[Interaction]] = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls,
        path: Path,
        config: CassetteConfig,
        *,
        rerecord_command: str,
        scrubber: Scrubber | None = None,
        matchers: Mapping[str, Matcher] | None = None,
    ) -> Recording:
        """Load ``path`` (unless the mode re-records from scratch); a broken file raises
        :class:`CassetteError`, an unknown ``match_on`` name a :class:`ValueError`."""
        matcher = config.matcher(matchers)
        existed = path.is_file()
        if existed and config.mode != "rewrite":
            loaded = Cassette.load(path)
        else:
            loaded = Cassette(path=path)
        loaded.key = matcher.key
        return cls(
            path=path,
            config=config,
            rerecord_command=rerecord_command,
            loaded=loaded,
            existed=existed,
            matcher=matcher,
            _scrubber=scrubber or _scrubber_for(config),
        )

    def __repr__(self) -> str:
        return (
            f"<Recording {self.path} mode={self.config.mode} loaded="
            f"{len(self.loaded.interactions)} played={len(self.played)} "
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
    def play_count(self) -> int:
        return len(self.played)

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

    # ----------------------------------------------------------------- vcrpy's interface

    @property
    def record_mode(self) -> str:
        return self.config.mode

    @property
    def write_protected(self) -> bool:
        return not self.can_record

    def _cleaned(self, vcr_request: Any) -> Request | None:
        """The live request as matching sees it: scrubbed, then ``before_record_request``
        (None: the hook drops it)."""
        pending = self._pending
        if pending is not None and pending[0] is vcr_request:
            return pending[1]
        hook = self.config.before_record_request
        # Headers are not matched by default; a hook or a user matcher may look at them.
        live = request_from_vcr(
            vcr_request, headers=hook is not None or bool(self.matcher.matchers)
        )
        cleaned: Request | None = clean_request(live, self._scrubber, in_place=True)
        if hook is not None and cleaned is not None:
            cleaned = hook(cleaned)
        self._pending = (vcr_request, cleaned)
        return cleaned

    def ignores(self, vcr_request: Any) -> bool:
        """Whether ``before_record_request`` dropped the request: it is neither matched nor
        recorded, and goes to the server."""
        return self._cleaned(vcr_request) is None

    def _accept(self, request: Request) -> Accept | None:
        return self.matcher.accepts(request)

    def _repeat(self, request: Request) -> Interaction | None:
        """Under ``allow_playback_repeats``: the last played answer to this request."""
        if not self.config.allow_playback_repeats:
            return None
        accept = self._accept(request)
        for interaction in reversed(self._repeatable.get(self.loaded.key(request), ())):
            if accept is None or accept(interaction.request):
                return interaction
        return None

    def can_play_response_for(self, vcr_request: Any) -> bool:
        """Whether a recorded response answers the request; a miss in a mode that may not
        record raises :class:`CassetteMissError` before anything is sent."""
        request = self._cleaned(vcr_request)
        if request is None:
            return False
        try:
            if self.config.mode not in ("all", "rewrite") and (
                self.loaded.can_play(request, self._accept(request)) or self._repeat(request)
            ):
                return True
            if self.can_record:
                return False
            message = self.explain_miss(request)
        except MatcherError as exc:
            message = f"harness cassette {self.path}: {exc}"
        self.misses.append(message)
        raise CassetteMissError(message)

    def play_response(self, vcr_request: Any) -> dict[str, Any]:
        request = self._cleaned(vcr_request)
        self._pending = None
        interaction = None
        if request is not None:
            interaction = self.loaded.play(request, self._accept(request)) or self._repeat(request)
        if request is None or interaction is None:  # only called after can_play_response_for
            raise CassetteMissError(f"harness: no recorded response for {vcr_request!r}")
        self._repeatable.setdefault(self.loaded.key(request), []).append(interaction)
        self.played.append(interaction)
        self._check_drift(interaction, len(self.played) - 1, "replayed")
        return response_to_vcr(interaction.response)

    def append(self, vcr_request: Any, vcr_response: Mapping[str, Any]) -> None:
        self._pending = None
        raw = Interaction(request_from_vcr(vcr_request), response_from_vcr(vcr_response))
        interaction = self._before_record(clean_interaction(raw, self._scrubber))
        if interaction is None:
            return
        self.recorded.append(interaction)
        number = len(self.loaded.interactions) + len(self.recorded) - 1
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
        for problem in drift_problems(interaction):
            message = (
                f"{self.path} interaction #{number} ({interaction.request.method} "
                f"{interaction.request.path}, {how}): {problem}"
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
            nearest = self.loaded.nearest(request)
            if nearest is None:
                lines += ["", "The cassette has no recorded interactions."]
            else:
                number = self.loaded.interactions.index(nearest)
                lines += ["", f"Nearest recorded request (interaction #{number}):"]
                lines += _indented_request(nearest.request)
                lines += ["", "What differs (- recorded, + this request):"]
                lines += _request_diff(nearest.request, request)
        lines += [
            "",
            "To re-record this test's cassette from scratch (run from the rootdir):",
            f"  {self.rerecord_command}",
            f"(the same as deleting {self.path.name} and running with --cassette-mode=once), "
            "or keep what is recorded and add the new requests with --cassette-mode=new_episodes.",
        ]
        return "\n".join(lines)

    def explain_unplayed(self) -> str:
        """Under ``assert_all_played``: the interactions the test did not use, or ``""``."""
        unplayed = self.unplayed()
        if not unplayed or self.config.mode in ("all", "rewrite"):
            return ""
        numbers = {id(i): n for n, i in enumerate(self.loaded.interactions)}
        lines = [
            f"harness cassette: {len(unplayed)} of {len(self.loaded.interactions)} recorded "
            f"interaction(s) in {self.path} were not played (assert_all_played):",
            *(f"  #{numbers[id(i)]}: {i.request.method} {i.request.target}" for i in unplayed[:10]),
        ]
        if len(unplayed) > 10:
            lines.append(f"  ... and {len(unplayed) - 10} more")
        lines.append(
            "The code under test no longer sends them: re-record the cassette "
            f"({self.rerecord_command}) or drop assert_all_played for this test."
        )
        return "\n".join(lines)

    # ----------------------------------------------------------------- saving

    def save(self, written_this_session: set[Path] | None = None) -> Path | None:
        """Write what was recorded, atomically, under a lock on the cassette directory (xdist
        workers writing the same file merge instead of overwriting). Nothing recorded, nothing
        written. ``rewrite`` replaces the file unless this session already rewrote it."""
        if not self.recorded:
            return None
        with _directory_lock(self.path.parent):
            merge = self.config.mode != "rewrite" or (
                written_this_session is not None and self.path in written_this_session
            )
            base: list[Interaction] = []
            if merge and self.path.is_file():
                base = Cassette.load(self.path).interactions
            Cassette(path=self.path, interactions=[*base, *self.recorded]).save()
        if written_this_session is not None:
            written_this_session.add(self.path)
        return self.path


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
    if recorded.method != live.method:
        lines.append(f"  method: - {recorded.method}  + {live.method}")
    if recorded.path != live.path:
        lines.append(f"  path:   - {recorded.path}  + {live.path}")
    if sorted(recorded.query) != sorted(live.query):
        lines.append(f"  query:  - {sorted(recorded.query)}  + {sorted(live.query)}")
    if recorded.canonical_body() != live.canonical_body():
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


# --------------------------------------------------------------------------- patching


class _Slot:
    """The cassette object vcrpy's patched classes hold: forwards to the active recording."""

    _path = "harness"
    custom_patches: tuple[Any, ...] = ()

    def __init__(self) -> None:
        self.current: Recording | None = None

    def _active(self) -> Recording:
        if self.current is None:
            raise RuntimeError("harness: an HTTP call was intercepted with no active cassette")
        return self.current

    @property
    def skip_patchers(self) -> tuple[str, ...]:
        from vcr.patch import PATCHER_NAMES

        return tuple(name for name in PATCHER_NAMES if name not in SUPPORTED_LIBRARIES)

    @property
    def write_protected(self) -> bool:
        return self._active().write_protected

    @property
    def record_mode(self) -> str:
        return self._active().record_mode

    def filter_request(self, vcr_request: Any) -> Any:
        """None for a request ``before_record_request`` dropped: vcrpy then sends it."""
        return None if self._active().ignores(vcr_request) else vcr_request

    def can_play_response_for(self, vcr_request: Any) -> bool:
        return self._active().can_play_response_for(vcr_request)

    def play_response(self, vcr_request: Any) -> dict[str, Any]:
        return self._active().play_response(vcr_request)

    def append(self, vcr_request: Any, vcr_response: Mapping[str, Any]) -> None:
        self._active().append(vcr_request, vcr_response)


class Patches:
    """vcrpy's patchers for httpx2, httpx and requests, built once and entered per test.

    vcrpy hands out ``mock.patch`` objects; entering ~20 of them per test costs more than the
    rest of a replay, so they are flattened once into plain (target, attribute, replacement)
    swaps. Context managers that are not attribute patches (urllib3 connection removers) are
    entered as they are."""

    def __init__(self) -> None:
        self._slot = _Slot()
        self._swaps: list[tuple[Any, str, Any]] | None = None
        self._contexts: list[Any] = []

    def _build(self) -> list[tuple[Any, str, Any]]:
        if self._swaps is None:
            from vcr.patch import CassettePatcherBuilder

            swaps = []
            for patcher in CassettePatcherBuilder(self._slot).build():
                if hasattr(patcher, "getter") and hasattr(patcher, "attribute"):
                    swaps.append((patcher.getter(), patcher.attribute, patcher.new))
                else:
                    self._contexts.append(patcher)
            self._swaps = swaps
        return self._swaps

    @contextlib.contextmanager
    def active(self, recording: Recording) -> Iterator[Recording]:
        """Route intercepted HTTP calls to ``recording`` for the duration of the block."""
        if self._slot.current is not None:
            raise RuntimeError("harness: a cassette is already active (nested cassettes)")
        swaps = self._build()
        self._slot.current = recording
        undo: list[tuple[Any, str, Any, bool]] = []
        contexts: list[Any] = []
        try:
            for target, attribute, replacement in swaps:
                own = attribute in vars(target)
                undo.append((target, attribute, getattr(target, attribute), own))
                setattr(target, attribute, replacement)
            for context in self._contexts:
                context.__enter__()
                contexts.append(context)
            yield recording
        finally:
            for context in reversed(contexts):
                context.__exit__(None, None, None)
            for target, attribute, original, own in reversed(undo):
                if own:
                    setattr(target, attribute, original)
                else:
                    delattr(target, attribute)
            self._slot.current = None
