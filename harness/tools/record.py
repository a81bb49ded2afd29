"""``harness record``: a recording reverse proxy, so any client (Node, Go, curl) can record.

:class:`RecordApp` is a plain ASGI app. A request the cassette already answers (mode
``new_episodes``) is answered from it with the plugin's matching
(``Cassette.play(clean_request(live))``); any other request is forwarded to the target and the
answer is streamed back to the client message by message (so a ``text/event-stream`` arrives
event by event), then recorded: scrubbed by :func:`~harness.cassette.scrub.clean_interaction`
as the plugin does, appended, and the cassette rewritten atomically, off the response path
(:mod:`harness.tools.cassette_writer`). The last message of an answer waits until the
interaction before it is in the file, so at any moment at most one answered interaction is not
yet written: a kill loses at most that one, the one in flight.

Targets (:class:`Target`): the built-in emulator called in-process (the default: no socket,
no key), or a backend URL reached with httpx. The key for a backend comes from an environment
variable and replaces whatever credential the client sent; the client's own credentials and
the cassette's placeholders are never forwarded.

Modes follow the plugin: ``once`` records everything into a new cassette (an existing one is
only replayed), ``new_episodes`` answers what is recorded and records the rest, ``all`` records
every request again (appending), ``none`` only replays. Replay-only modes are served by
:class:`harness.server.replay.ReplayApp` itself (:func:`create_app`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.cassette.scrub import Scrubber, clean_interaction, clean_request
from harness.server.asgi import HOP_BY_HOP, ASGIMessage, Receive, Scope, Send, read_body, respond
from harness.server.replay import ReplayApp
from harness.tools.cassette_writer import CassetteWriter

if TYPE_CHECKING:
    import httpx

__all__ = [
    "RECORD_PROXY_MODES",
    "EmulatorTarget",
    "HttpTarget",
    "RecordApp",
    "RecordError",
    "Target",
    "create_app",
]

ProxyMode = Literal["once", "new_episodes", "all", "none"]
RECORD_PROXY_MODES: tuple[ProxyMode, ...] = ("once", "new_episodes", "all", "none")
EMULATOR_KEY = "sk-harness-record-not-a-real-key"
"""The key sent to the built-in emulator (it accepts any non-empty key)."""

# Not forwarded in either direction; host names this proxy, not the target.
_HOP_BY_HOP = HOP_BY_HOP | {"host"}
_PER_CONNECTION = frozenset({"connection", "keep-alive", "transfer-encoding"})
_KEY_QUERY_PARAMS = frozenset({"api-key", "api_key"})

Emit = Callable[[ASGIMessage], Awaitable[None]]


class RecordError(Exception):
    """Bad input to ``harness record`` (one line, fit for the CLI)."""


class Target(Protocol):
    """Where new requests go. ``forward`` sends the response's ASGI messages to ``emit`` as
    they arrive and returns the complete response for the cassette."""

    async def forward(self, request: Request, emit: Emit) -> Response: ...


def _outgoing_headers(request: Request, key: str, scrubber: Scrubber) -> dict[str, str]:
    """The client's headers minus hop-by-hop and credential ones, plus ``key`` where the client
    put its own (``api-key`` for Azure-style clients, else ``authorization: Bearer``)."""
    headers = {
        name: value
        for name, value in request.headers.items()
        if name not in _HOP_BY_HOP and not scrubber.is_credential_header(name)
    }
    if "api-key" in request.headers:
        headers["api-key"] = key
    else:
        headers["authorization"] = f"Bearer {key}"
    headers.pop("accept-encoding", None)  # bodies are recorded as sent: ask for identity
    return headers


def _outgoing_query(request: Request, key: str) -> list[tuple[str, str]]:
    return [(k, key if k.lower() in _KEY_QUERY_PARAMS else v) for k, v in request.query]


def _response_start(message: ASGIMessage) -> Response:
    status = int(message["status"])
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    headers: dict[str, str] = {}
    for raw_name, raw_value in message.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Response(status=status, reason=reason, headers=headers)


@dataclass
class EmulatorTarget:
    """The built-in emulator, called in-process as an ASGI app (no socket)."""

    app: Any
    scrubber: Scrubber = field(default_factory=Scrubber)

    async def forward(self, request: Request, emit: Emit) -> Response:
        body = request.body_bytes
        headers = _outgoing_headers(request, EMULATOR_KEY, self.scrubber)
        query = _outgoing_query(request, EMULATOR_KEY)
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.path,
            "raw_path": request.path.encode(),
            "query_string": urlencode(query).encode(),
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            + [(b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 0),
            "server": ("emulator", 80),
        }
        sent = False

        async def receive() -> ASGIMessage:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        response = Response()
        chunks: list[bytes] = []

        async def send(message: ASGIMessage) -> None:
            nonlocal response
            if message["type"] == "http.response.start":
                response = _response_start(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await emit(message)

        await self.app(scope, receive, send)
        response.set_body(b"".join(chunks))
        return response


@dataclass
class HttpTarget:
    """A backend at ``base`` (``scheme://host[:port]``), reached with httpx; ``key`` replaces
    the client's credentials."""

    base: str
    key: str
    scrubber: Scrubber = field(default_factory=Scrubber)
    timeout: float = 600.0
    _client: httpx.AsyncClient | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RecordError(
                f"--target {self.base!r} is not an http(s)://host[:port] URL; "
                "give the backend's root, e.g. https://api.openai.com"
            )
        self.base = self.base.rstrip("/")

    async def forward(self, request: Request, emit: Emit) -> Response:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        query = urlencode(_outgoing_query(request, self.key))
        outgoing = self._client.build_request(
            request.method,
            self.base + request.path + (f"?{query}" if query else ""),
            headers=_outgoing_headers(request, self.key, self.scrubber),
            content=request.body_bytes,
        )
        answer = await self._client.send(outgoing, stream=True)
        response = Response(
            status=answer.status_code,
            reason=answer.reason_phrase,
            headers={k.lower(): v for k, v in answer.headers.items()},
        )
        passed = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.multi_items()
            if k.lower() not in _HOP_BY_HOP
        ]
        await emit({"type": "http.response.start", "status": answer.status_code, "headers": passed})
        chunks: list[bytes] = []
        try:
            async for chunk in answer.aiter_raw():
                chunks.append(chunk)
                await emit({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await answer.aclose()
        await emit({"type": "http.response.body", "body": b"", "more_body": False})
        response.set_body(b"".join(chunks))
        return response


class RecordApp:
    """The recording proxy (ASGI). ``recorded`` counts new interactions, ``answered`` the
    requests answered from the cassette. :meth:`close` when done (it writes what is queued)."""

    def __init__(
        self,
        path: str | Path,
        target: Target,
        *,
        mode: ProxyMode = "once",
        scrubber: Scrubber | None = None,
    ) -> None:
        self.path = Path(path)
        self.mode = mode
        self.target = target
        self.scrubber = scrubber or Scrubber()
        existing = Cassette.load(self.path) if self.path.is_file() else Cassette(path=self.path)
        self.writer = CassetteWriter(self.path, existing)
        self.lookup = existing if mode == "new_episodes" else Cassette()
        self.answered = 0
        self._previous: Future[Interaction | None] | None = None

    @property
    def recorded(self) -> int:
        return len(self.writer.recorded)

    def close(self) -> None:
        """Write every queued interaction and fsync the cassette."""
        self.writer.close()

    def _clean(self, interaction: Interaction) -> Interaction | None:
        return clean_interaction(interaction, self.scrubber, in_place=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = _request_from_scope(scope, await read_body(receive))
        recorded = (
            self.lookup.play(clean_request(request, self.scrubber))
            if self.mode == "new_episodes"
            else None
        )
        if recorded is not None:
            self.answered += 1
            headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in recorded.response.headers.items()
                if k not in _HOP_BY_HOP and k != "content-encoding"
            ]
            await respond(send, recorded.response.status, headers, recorded.response.body_bytes)
            return
        held: list[ASGIMessage] = []
        response = await self.target.forward(request, _passing(send, held))
        saved = self.writer.submit(Interaction(request, response), self._clean)
        previous, self._previous = self._previous, saved
        if previous is not None:  # at most one answered interaction is not yet on disk
            await asyncio.wrap_future(previous)
        for message in held:
            await send(message)
        await asyncio.wrap_future(saved)  # a graceful shutdown waits for this


def _passing(send: Send, held: list[ASGIMessage]) -> Emit:
    """Forward the target's messages to the client as they come, minus per-connection
    headers; the final body message is put in ``held`` instead, to be sent after saving."""

    async def emit(message: ASGIMessage) -> None:
        if message["type"] == "http.response.start":
            message = {
                **message,
                "headers": [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in _PER_CONNECTION
                ],
            }
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            held.append(message)
            return
        await send(message)

    return emit


def _request_from_scope(scope: Scope, body: bytes) -> Request:
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    request = Request(
        method=str(scope["method"]).upper(),
        path=path.split("?", 1)[0],
        query=query,
        headers=headers,
    )
    request.set_body(body)
    return request


def create_app(
    path: str | Path,
    *,
    mode: ProxyMode = "once",
    target: str | None = None,
    api_key: str | None = None,
    seed: int = 0,
    scrubber: Scrubber | None = None,
) -> RecordApp | ReplayApp:
    """The app ``harness record`` serves: a :class:`ReplayApp` when the mode only replays
    (``none``, or ``once`` with an existing cassette), else a :class:`RecordApp` forwarding to
    ``target`` (with ``api_key``) or to the built-in emulator seeded with ``seed``, scrubbing
    with ``scrubber`` (default: the built-in rules)."""
    cassette = Path(path)
    if mode not in RECORD_PROXY_MODES:
        raise RecordError(f"mode {mode!r} is not one of {', '.join(RECORD_PROXY_MODES)}")
    if mode == "none" or (mode == "once" and cassette.is_file()):
        if not cassette.is_file():
            raise RecordError(f"{cassette}: no such cassette; mode 'none' only replays")
        return ReplayApp([Cassette.load(cassette)])
    scrubber = scrubber or Scrubber()
    if cassette.is_dir():
        raise RecordError(f"{cassette}: is a directory; name a cassette file")
    if target is None:
        from harness.emulator import create_app as emulator_app

        return RecordApp(
            cassette, EmulatorTarget(emulator_app(seed), scrubber), mode=mode, scrubber=scrubber
        )
    if not api_key:
        raise RecordError(
            f"no key for {target}; set the environment variable named by --api-key-env"
        )
    return RecordApp(cassette, HttpTarget(target, api_key, scrubber), mode=mode, scrubber=scrubber)
