"""Serve recorded interactions over real HTTP, so any client (Node, Go, curl) can replay them.

:class:`ReplayApp` is a plain ASGI app over one merged lookup of several cassettes: a request
is matched exactly as the pytest plugin matches it (``Cassette.play(clean_request(live))``:
method, path, query and canonical body, credentials replaced by their placeholders first;
identical requests answered in recorded order), trying the cassettes in the order given. The
recorded response goes back as it was stored: status, headers (minus hop-by-hop ones) and
body bytes; a recorded stream goes back as ``text/event-stream``, one flushed chunk per event.

A miss is answered in the API's error envelope with :attr:`ReplayApp.miss_status` (418, or the
first of 599, 598, ... if a loaded cassette records a 418) and the header ``x-harness-miss: 1``,
explaining the miss against the nearest recorded request. The live request's body, query
values and headers are never echoed, so a credential it carries cannot leak into the answer.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

from harness.api.errors import ErrorResponse
from harness.cassette.format import (
    Cassette,
    Interaction,
    MatchKey,
    Request,
    Response,
    _distance,
    differing_parts,
    match_key,
)
from harness.cassette.scrub import Scrubber, clean_request
from harness.server.asgi import HOP_BY_HOP, Receive, Scope, Send, read_body, respond
from harness.stream.respond import respond_stream
from harness.stream.sse import encode

__all__ = [
    "MISS_HEADER",
    "Miss",
    "ReplayApp",
    "Unplayed",
    "base_url",
    "describe",
    "miss_status_for",
    "replay_summary",
]


MISS_HEADER = "x-harness-miss"
_INLINE_BODY = 64 * 1024
MISS_CODE = "harness_replay_miss"
_MISS_CANDIDATES: tuple[int, ...] = (418, *range(599, 399, -1))
# A recorded body is stored decoded, so its content-encoding no longer applies.
_HOP_BY_HOP = HOP_BY_HOP | {"content-encoding"}


def miss_status_for(cassettes: list[Cassette]) -> int:
    """418 unless a recorded response uses it; then the highest unused status from 599 down."""
    return _miss_status({i.response.status for c in cassettes for i in c.interactions})


def _miss_status(used: set[int]) -> int:
    return next(status for status in _MISS_CANDIDATES if status not in used)


@dataclass(frozen=True)
class Miss:
    """A request no recorded interaction answered (method and path only: never the body)."""

    method: str
    path: str
    explanation: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.explanation}"


@dataclass(frozen=True)
class Unplayed:
    """A recorded interaction nobody asked for."""

    file: str
    interaction: int
    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.file}: interaction {self.interaction}: {self.method} {self.path}"


class ReplayApp:
    """The ASGI app. ``cassettes`` are tried in order; each is played at most once per
    recorded interaction, so the server's state is "what has been played so far".

    Everything a request needs is prepared at load: each response's wire bytes and headers,
    and an index of the recorded requests for explaining misses. Per request the work is
    cleaning the live request, one dict lookup per cassette and sending prepared bytes: a hit
    or a miss costs the same with 10 or 100,000 interactions loaded.
    """

    def __init__(self, cassettes: list[Cassette]) -> None:
        self.cassettes = cassettes
        self.misses: list[Miss] = []
        self._lock = threading.Lock()
        self._scrubber = Scrubber()
        loaded = _Loaded(cassettes)
        self.miss_status = _miss_status(loaded.statuses)
        self._answers = loaded.answers
        self._nearest = loaded.nearest
        self._wire_keys = loaded.wire_keys
        self._under_v1 = loaded.under_v1
        self._needs_cleaning = _HeaderCheck()

    @property
    def interaction_count(self) -> int:
        """How many interactions are loaded."""
        return sum(c.interaction_count for c in self.cassettes)

    def play(self, request: Request) -> Interaction | None:
        """The first unplayed interaction matching ``request`` in any cassette, now played.
        ``request`` is the live one: it is cleaned (credentials to placeholders) first, as the
        plugin does, so it matches the recording that holds the placeholders."""
        played = self._play(clean_request(request, self._scrubber))
        return None if played is None else self.cassettes[played[0]].interaction(played[1])

    def _play(self, request: Request) -> _Played | None:
        """:meth:`play` for a request already cleaned: (cassette, interaction) numbers."""
        with self._lock:
            played = self._play_key(match_key(request))
            if played is None:
                self.misses.append(Miss(request.method, request.path, self.explain_miss(request)))
            return played

    def _play_key(self, key: MatchKey) -> _Played | None:
        for at, cassette in enumerate(self.cassettes):
            number = cassette.play_number(key)
            if number is not None:
                return at, number
        return None

    def _play_wire(self, scope: Scope, body: bytes) -> _Played | None:
        """The fast path: a request whose bytes are exactly a recorded request's stored form
        (compact JSON with sorted keys, as the SDK sends a one-field body) needs no parsing or
        cleaning. The stored form holds no credential, so cleaning would leave it as it is,
        unless the request repeats one of its own header values (cleaning learns those and
        removes them everywhere) or is compressed: those take the general path."""
        target = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        key = self._wire_keys.get((scope["method"], target, query, body))
        if key is None or self._needs_cleaning(scope["headers"], target + b"?" + query + body):
            return None
        with self._lock:
            return self._play_key(key)

    def _clean_and_play(self, request: Request) -> _Played | None:
        return self._play(clean_request(request, self._scrubber, in_place=True))

    def _answer(self, played: _Played) -> _Answer:
        at, number = played
        answers = self._answers[at]
        if number < len(answers):
            return answers[number]
        return _prepared(self.cassettes[at].interaction(number).response)  # appended since load

    def explain_miss(self, request: Request) -> str:
        """Why nothing matched, against the nearest recorded request. Names no live value."""
        if any(c.has_recorded(request) for c in self.cassettes):
            return (
                "recorded, and every recording of it already played; record the request "
                "again or restart the server"
            )
        nearest = self._nearest.find(request)
        if nearest is None:
            return "no interactions are loaded"
        return (
            f"no recorded interaction matches; nearest recorded request is {nearest.method} "
            f"{nearest.target} ({_difference(nearest, request)}); re-record the cassette or fix "
            "the request"
        )

    def unplayed(self) -> list[Unplayed]:
        """Recorded interactions not played yet, by file and number."""
        left = []
        for cassette in self.cassettes:
            for number in cassette.unplayed_numbers():
                request = cassette.interaction(number).request
                left.append(Unplayed(str(cassette.path), number, request.method, request.path))
        return left

    # ----------------------------------------------------------------- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        played = self._play_wire(scope, body)
        if played is None:
            request = _request_from_scope(scope, body)
            if len(body) > _INLINE_BODY:  # scrubbing and explaining a large body: off the loop
                played = await asyncio.to_thread(self._clean_and_play, request)
            else:
                played = self._clean_and_play(request)
        if played is None:
            body = json.dumps(self._miss_envelope(request)).encode()
            headers = [(b"content-type", b"application/json"), (MISS_HEADER.encode(), b"1")]
            await respond(send, self.miss_status, headers, body)
            return
        answer = self._answer(played)
        if answer.chunks is not None:
            await respond_stream(send, answer.status, answer.headers, answer.chunks)
            return
        await respond(send, answer.status, answer.headers, answer.body)

    def _miss_envelope(self, request: Request) -> dict[str, Any]:
        message = f"harness replay: {self.misses[-1]}" if self.misses else "harness replay: miss"
        return ErrorResponse.invalid_request(message, code=MISS_CODE).to_dict()


@dataclass(frozen=True)
class _Answer:
    """A recorded response as it goes on the wire, serialized once at load."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    chunks: tuple[bytes, ...] | None = None
    """A recorded stream: one chunk per event, each sent (flushed) on its own."""


def _prepared(response: Response) -> _Answer:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.items()
        if name.lower() not in _HOP_BY_HOP
    ]
    if response.events is not None:
        chunks = tuple(encode(event) for event in response.stream_events())
        return _Answer(response.status, headers, b"".join(chunks), chunks)
    return _Answer(response.status, headers, response.body_bytes)


_WireKey = tuple[str, bytes, bytes, bytes]
_Played = tuple[int, int]
"""An interaction played: the number of its cassette in the app's list, and its own number."""


class _Loaded:
    """What serving needs from the cassettes, read in one pass over their interactions (each
    parsed once and dropped: the cassettes stay in their compact form, so the server's heap
    holds bytes, not a parsed object graph per interaction).

    ``answers[c][n]`` is interaction ``n`` of cassette ``c`` as it goes on the wire;
    ``wire_keys`` maps each recorded request's stored form as request bytes (method, path,
    query string, compact sorted JSON body) to its match key."""

    def __init__(self, cassettes: list[Cassette]) -> None:
        self.answers: list[list[_Answer]] = []
        self.wire_keys: dict[_WireKey, MatchKey] = {}
        self.statuses: set[int] = set()
        self.nearest = _NearestIndex()
        self.under_v1 = True
        for cassette in cassettes:
            answers: list[_Answer] = []
            for number in range(cassette.interaction_count):
                interaction = cassette.interaction(number)
                answers.append(_prepared(interaction.response))
                self._add(interaction.request, interaction.response.status)
            self.answers.append(answers)

    def _add(self, request: Request, status: int) -> None:
        self.statuses.add(status)
        self.nearest.add(request)
        self.under_v1 = self.under_v1 and request.path.startswith("/v1/")
        if request.base64 is None:
            key = match_key(request)
            query = urlencode(request.query).encode()
            self.wire_keys[(key[0], request.path.encode("latin-1"), query, key[3].encode())] = key


_NEAREST_CANDIDATES = 32


class _NearestIndex:
    """The recorded requests a miss is explained against, indexed once so that explaining a
    miss is a dict lookup or a binary search, never a scan: up to 32 requests per (path,
    method), whose bodies are compared with the live one, and the sorted (path, method) pairs
    (the path sharing the longest prefix with the live one sits next to it in that order)."""

    def __init__(self) -> None:
        self._by_target: dict[tuple[str, str], list[Request]] = {}
        self._sorted: list[tuple[str, str]] | None = None

    def add(self, request: Request) -> None:
        """Index ``request`` (kept only while its (path, method) has fewer than 32)."""
        bucket = self._by_target.setdefault((request.path, request.method), [])
        if len(bucket) < _NEAREST_CANDIDATES:
            bucket.append(request)
            self._sorted = None

    @property
    def _targets(self) -> list[tuple[str, str]]:
        if self._sorted is None:
            self._sorted = sorted(self._by_target)
        return self._sorted

    def find(self, live: Request) -> Request | None:
        """Same path and method first (most similar body), else the nearest path."""
        if not self._targets:
            return None
        target = (live.path, live.method)
        if target not in self._by_target:
            at = bisect.bisect_left(self._targets, target)
            near = self._targets[max(0, at - 4) : at + 4]
            target = max(
                near,
                key=lambda t: (t[0] == live.path, t[1] == live.method, _prefix(t[0], live.path)),
            )
        body = live.canonical_body()
        return min(self._by_target[target], key=lambda r: _distance(r.canonical_body(), body))


def _prefix(a: str, b: str) -> int:
    """Length of the common prefix."""
    shortest = min(len(a), len(b))
    n = 0
    while n < shortest and a[n] == b[n]:
        n += 1
    return n


def _difference(recorded: Request, live: Request) -> str:
    """What differs, by part name only (values of the live request may hold secrets)."""
    parts = []
    differ = differing_parts(recorded, live)
    if "method" in differ:
        parts.append(f"method differs: got {live.method}")
    if "path" in differ:
        parts.append(f"path differs: got {live.path}")
    if "query" in differ:
        names = sorted({k for k, _ in recorded.query} ^ {k for k, _ in live.query})
        parts.append("query differs" + (f" (names: {', '.join(names)})" if names else ""))
    if "body" in differ:
        parts.append("body differs" + _body_keys(recorded, live))
    return "; ".join(parts) or "differs only in ignored parts"


def _body_keys(recorded: Request, live: Request) -> str:
    if not (isinstance(recorded.json, dict) and isinstance(live.json, dict)):
        return ""
    keys = sorted(
        k
        for k in recorded.json.keys() | live.json.keys()
        if recorded.json.get(k) != live.json.get(k)
    )
    return f" at {', '.join(keys)}" if keys else ""


_SHORTEST_SECRET = 6
"""No credential value shorter than this is learned (``harness.cassette.scrub.Secrets``)."""
_UNRESERVED = re.compile(rb"[A-Za-z0-9_.~-]*")
_ALWAYS = None
"""A header whose request always takes the general path."""
_HeaderForms = tuple[bytes, ...] | None


class _HeaderCheck:
    """Whether cleaning could change a request with these headers whose path, query and body
    are ``rest``: it is compressed, carries cookies or Basic credentials (whose parts are
    learned), or repeats a header value (or the token after its scheme) in ``rest``.

    A client sends the same headers request after request, so what each header contributes
    (its value's forms to look for, or "always") is worked out once and kept, up to
    ``_CACHED_HEADERS`` distinct headers; per request the check is one dict lookup and a few
    substring searches per header."""

    def __init__(self) -> None:
        self._forms: dict[tuple[bytes, bytes], _HeaderForms] = {}

    def __call__(self, headers: Iterable[tuple[bytes, bytes]], rest: bytes) -> bool:
        cache = self._forms
        for header in headers:
            try:
                forms = cache[header]
            except KeyError:
                if len(cache) >= _CACHED_HEADERS:
                    cache.clear()
                forms = cache[header] = _header_forms(*header)
            if forms is _ALWAYS:
                return True
            for form in forms:
                if form in rest:
                    return True
        return False


_CACHED_HEADERS = 4096


def _header_forms(name: bytes, value: bytes) -> _HeaderForms:
    """The forms of a header's value whose presence in a request means cleaning would change
    it; ``_ALWAYS`` for a header that always means it."""
    if name.lower() in (b"content-encoding", b"cookie") or value[:6].lower() == b"basic ":
        return _ALWAYS
    forms: list[bytes] = []
    for part in {value.strip(), value.partition(b" ")[2].strip()}:
        if len(part) >= _SHORTEST_SECRET:
            forms += _forms(part)
    return tuple(forms)


def _forms(value: bytes) -> tuple[bytes, ...]:
    """``value`` as it is and percent-encoded (as ``Secrets.learn`` learns it)."""
    if _UNRESERVED.fullmatch(value):
        return (value,)
    text = value.decode("latin-1")
    return (value, quote(text, safe="").encode(), quote_plus(text, safe="").encode())


def _request_from_scope(scope: Scope, body: bytes) -> Request:
    """The live request as matching sees it (its headers are kept only so that cleaning can
    learn credential values from them; they are not matched and never echoed)."""
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query_string = scope.get("query_string", b"")
    query = (
        parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
    )
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }
    request = Request(
        method=str(scope["method"]).upper(),
        path=path.split("?", 1)[0],
        query=query,
        headers=headers,
    )
    request.set_body(body)
    return request


def replay_summary(app: ReplayApp) -> list[str]:
    """Lines describing misses and unplayed interactions (empty when everything matched)."""
    lines = [f"miss: {miss}" for miss in app.misses]
    lines += [f"unplayed: {item}" for item in app.unplayed()]
    return lines


def base_url(app: ReplayApp, root_url: str) -> str:
    """The URL to give an SDK: ``ROOT/v1`` when every recorded path is under ``/v1/``."""
    if app.interaction_count and app._under_v1:
        return f"{root_url}/v1"
    return root_url


def describe(app: ReplayApp) -> str:
    """One line saying what is being served."""
    files = len(app.cassettes)
    return (
        f"harness replay: {app.interaction_count} interaction(s) from {files} cassette(s); "
        f"a miss answers {app.miss_status} with {MISS_HEADER}: 1"
    )
