"""Serve recorded interactions over real HTTP, so any client (Node, Go, curl) can replay them.

:class:`ReplayApp` is a plain ASGI app over one merged lookup of several cassettes: a request
is matched exactly as the pytest plugin matches it (``Cassette.play(clean_request(live))``:
method, path, query and canonical body, credentials replaced by their placeholders first;
identical requests answered in recorded order), trying the cassettes in the order given. The
recorded response goes back as it was stored: status, headers (minus hop-by-hop ones) and
body bytes.

A miss is answered in the API's error envelope with :attr:`ReplayApp.miss_status` (418, or the
first of 599, 598, ... if a loaded cassette records a 418) and the header ``x-harness-miss: 1``,
explaining the miss against the nearest recorded request. The live request's body, query
values and headers are never echoed, so a credential it carries cannot leak into the answer.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from harness.api.errors import ErrorResponse
from harness.cassette.format import Cassette, Interaction, MatchKey, Request, match_key
from harness.cassette.scrub import Scrubber, clean_request
from harness.server.asgi import Receive, Scope, Send, read_body, respond

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
# Not forwarded: they describe one connection, not the recorded response.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
    }
)


def miss_status_for(cassettes: list[Cassette]) -> int:
    """418 unless a recorded response uses it; then the highest unused status from 599 down."""
    used: set[int] = {i.response.status for c in cassettes for i in c.interactions}
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
    recorded interaction, so the server's state is "what has been played so far"."""

    def __init__(self, cassettes: list[Cassette]) -> None:
        self.cassettes = cassettes
        self.miss_status = miss_status_for(cassettes)
        self.misses: list[Miss] = []
        self._lock = threading.Lock()
        self._scrubber = Scrubber()
        self._keys: Counter[MatchKey] | None = None

    def _recorded_keys(self) -> Counter[MatchKey]:
        if self._keys is None:
            self._keys = Counter(
                match_key(i.request) for c in self.cassettes for i in c.interactions
            )
        return self._keys

    @property
    def interaction_count(self) -> int:
        """How many interactions are loaded."""
        return sum(len(c.interactions) for c in self.cassettes)

    def play(self, request: Request) -> Interaction | None:
        """The first unplayed interaction matching ``request`` in any cassette, now played.
        ``request`` is the live one: it is cleaned (credentials to placeholders) first, as the
        plugin does, so it matches the recording that holds the placeholders."""
        request = clean_request(request, self._scrubber)
        with self._lock:
            for cassette in self.cassettes:
                interaction = cassette.play(request)
                if interaction is not None:
                    return interaction
            self.misses.append(Miss(request.method, request.path, self.explain_miss(request)))
            return None

    def explain_miss(self, request: Request) -> str:
        """Why nothing matched, against the nearest recorded request. Names no live value."""
        already = self._recorded_keys()[match_key(request)]
        if already:
            return (
                f"recorded {already} time(s), every one already played; record the request "
                "again or restart the server"
            )
        nearest = _nearest(self.cassettes, request)
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
            waiting = {id(i) for i in cassette.unplayed()}
            for number, interaction in enumerate(cassette.interactions):
                if id(interaction) in waiting:
                    left.append(
                        Unplayed(
                            str(cassette.path),
                            number,
                            interaction.request.method,
                            interaction.request.path,
                        )
                    )
        return left

    # ----------------------------------------------------------------- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        request = _request_from_scope(scope, body)
        if len(body) > _INLINE_BODY:  # scrubbing and explaining a large body: off the loop
            interaction = await asyncio.to_thread(self.play, request)
        else:
            interaction = self.play(request)
        if interaction is None:
            body = json.dumps(self._miss_envelope(request)).encode()
            headers = [(b"content-type", b"application/json"), (MISS_HEADER.encode(), b"1")]
            await respond(send, self.miss_status, headers, body)
            return
        response = interaction.response
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in response.headers.items()
            if name.lower() not in _HOP_BY_HOP
        ]
        await respond(send, response.status, headers, response.body_bytes)

    def _miss_envelope(self, request: Request) -> dict[str, Any]:
        message = f"harness replay: {self.misses[-1]}" if self.misses else "harness replay: miss"
        return ErrorResponse.invalid_request(message, code=MISS_CODE).to_dict()


def _nearest(cassettes: list[Cassette], request: Request) -> Request | None:
    candidates = [c.nearest(request) for c in cassettes]
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    best = Cassette(interactions=found).nearest(request)
    return best.request if best is not None else None


def _difference(recorded: Request, live: Request) -> str:
    """What differs, by part name only (values of the live request may hold secrets)."""
    parts = []
    if recorded.method != live.method:
        parts.append(f"method differs: got {live.method}")
    if recorded.path != live.path:
        parts.append(f"path differs: got {live.path}")
    if sorted(recorded.query) != sorted(live.query):
        names = sorted({k for k, _ in recorded.query} ^ {k for k, _ in live.query})
        parts.append("query differs" + (f" (names: {', '.join(names)})" if names else ""))
    if recorded.canonical_body() != live.canonical_body():
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


def _request_from_scope(scope: Scope, body: bytes) -> Request:
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    request = Request(
        method=str(scope["method"]).upper(),
        path=path.split("?", 1)[0],
        query=query,
        headers={
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        },
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
    paths = [i.request.path for c in app.cassettes for i in c.interactions]
    if paths and all(p.startswith("/v1/") for p in paths):
        return f"{root_url}/v1"
    return root_url


def describe(app: ReplayApp) -> str:
    """One line saying what is being served."""
    files = len(app.cassettes)
    return (
        f"harness replay: {app.interaction_count} interaction(s) from {files} cassette(s); "
        f"a miss answers {app.miss_status} with {MISS_HEADER}: 1"
    )
