"""The emulator as a plain ASGI app: prefix -> route table -> auth -> id checks -> handler."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from harness.api.errors import ErrorObject, ErrorResponse
from harness.emulator import harness_routes
from harness.emulator.auth import Flavor, authorize
from harness.emulator.errors import EmulatorError, check_prefix
from harness.emulator.harness_routes import HARNESS_PREFIX
from harness.emulator.pages import parse_query
from harness.emulator.request import Request
from harness.emulator.routes import ID_PREFIXES, Match, match
from harness.emulator.scenarios import Scenario, load_scenarios
from harness.emulator.store import JSON, Store, json_copy
from harness.emulator.streaming import Streamed
from harness.server.asgi import Receive, Scope, Send, read_body
from harness.stream.respond import respond_stream

POLL_AFTER_HEADER = "openai-poll-after-ms"
POLL_AFTER_MS = 0
"""What run responses tell polling SDK helpers to wait: nothing (the virtual clock moves per
retrieve, not per second; both SDKs honour a header of 0)."""
_FLAVORS: tuple[tuple[str, Flavor], ...] = (("/v1/", "openai"), ("/openai/", "azure"))


class Emulator:
    """The ASGI app. ``store`` holds its state; tests may inspect it directly."""

    def __init__(self, store: Store, *, poll_after_ms: int = POLL_AFTER_MS) -> None:
        self.store = store
        self.poll_after_ms = poll_after_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        try:
            with self.store.lock:  # serialized before another request can change the objects
                status, payload, headers = self._dispatch(scope, body)
                encoded = None if isinstance(payload, Streamed) else _encode(payload).encode()
            if isinstance(payload, Streamed):
                await _stream(send, payload)
                return
        except Exception:  # a bug, never a client error: answer in the envelope, then re-raise
            await _respond(
                send,
                500,
                json.dumps(
                    ErrorResponse(
                        error=ErrorObject(
                            message="The emulator failed on this request (a harness bug).",
                            type="server_error",
                            param=None,
                            code=None,
                        )
                    ).to_dict()
                ).encode(),
                {},
            )
            raise
        assert encoded is not None
        await _respond(send, status, encoded, headers)

    def handle(self, scope: Scope, body: bytes) -> tuple[int, JSON | Streamed, dict[str, str]]:
        """Status, JSON body (a copy, the caller's to keep; for ``stream: true``, the event
        stream) and extra headers for one request."""
        with self.store.lock:
            status, payload, headers = self._dispatch(scope, body)
            if not isinstance(payload, Streamed):
                payload = json_copy(payload)
            return status, payload, headers

    def _dispatch(self, scope: Scope, body: bytes) -> tuple[int, JSON | Streamed, dict[str, str]]:
        """What ``handle`` answers, with the stored objects themselves in the body (the caller
        holds the lock and serializes or copies them before releasing it)."""
        method: str = scope["method"]
        path: str = scope["path"]
        try:
            if path.startswith(HARNESS_PREFIX + "/") or path == HARNESS_PREFIX:
                return 200, harness_routes.handle(self.store, method, path, body), {}
            resolved = _resolve(path)
            if resolved is None:
                raise EmulatorError(404, f"Invalid URL ({method} {path})")
            flavor, matched = resolved
            handler = matched.methods.get(method)
            if handler is None:
                allowed = ", ".join(matched.methods)
                raise EmulatorError(
                    405,
                    f"Method not allowed: {method} {path}. Allowed: {allowed}.",
                    headers={"allow": allowed},
                )
            authorize(flavor, scope)
            if not self.store.lenient:
                for param, value in matched.ids.items():
                    check_prefix(param, value, ID_PREFIXES[param])
            raw_query = scope.get("query_string", b"")
            query = parse_query(raw_query) if raw_query else {}
            payload = handler(Request(self.store, matched.ids, body, query))
            headers = {}
            if isinstance(payload, dict) and payload.get("object") == "thread.run":
                headers[POLL_AFTER_HEADER] = str(self.poll_after_ms)
            return 200, payload, headers
        except EmulatorError as exc:
            return exc.status, exc.body, exc.headers

    @contextmanager
    def scenario(self, **fields: Any) -> Iterator[Scenario]:
        """A scenario (fields as in :class:`~harness.emulator.scenarios.Scenario`) for the
        runs created inside the block."""
        with self.store.scenario(**fields) as added:
            yield added


def _encoder() -> Callable[[Any], str]:
    """``json.dumps`` with its defaults, byte for byte, built once: ``JSONEncoder.encode``
    builds a new C encoder (and a circular-reference map) on every call. The stored objects
    are JSON trees, never circular."""
    if c_make_encoder is None:
        return json.JSONEncoder().encode
    chunks = c_make_encoder(
        None,
        json.JSONEncoder().default,
        encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    return lambda value: "".join(chunks(value, 0))


_encode = _encoder()


@functools.lru_cache(maxsize=4096)
def _resolve(path: str) -> tuple[Flavor, Match] | None:
    """The flavor and routes of a path, else None (cached like :func:`match`)."""
    for prefix, flavor in _FLAVORS:
        if path.startswith(prefix):
            matched = match(path[len(prefix) :])
            return None if matched is None else (flavor, matched)
    return None


async def _respond(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw_headers = [(b"content-type", b"application/json")]
    raw_headers += [(name.encode(), value.encode()) for name, value in headers.items()]
    raw_headers.append((b"content-length", b"%d" % len(body)))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _stream(send: Send, streamed: Streamed) -> None:
    """One chunk per event. A client gone midway is no error: the path was walked already."""
    with contextlib.suppress(OSError):
        await respond_stream(send, 200, None, streamed.chunks())


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(
    seed: int = 0,
    *,
    adopt_unknown: bool = False,
    lenient: bool = False,
    scenarios: Path | str | None = None,
) -> Emulator:
    """A fresh emulator seeded with the factory's variants for ``seed``.

    With ``adopt_unknown``, a well-prefixed but unknown id is not a 404: a consistent object
    (deterministic from ``seed`` and the id; runs ``completed``) is created for it, so that
    recorded requests can be re-sent to a fresh emulator. ``lenient`` also accepts placeholder
    ids (any non-empty id; for the SDK's own resource tests). ``scenarios`` is a JSON or YAML
    file of scenarios that outlive resets.
    """
    store = Store(seed, adopt_unknown=adopt_unknown, lenient=lenient)
    if scenarios is not None:
        store.base_scenarios = load_scenarios(Path(scenarios))
    return Emulator(store)
