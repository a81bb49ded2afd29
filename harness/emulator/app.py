"""The emulator as a plain ASGI app: prefix -> route table -> auth -> id checks -> handler."""

from __future__ import annotations

import json

from harness.api.errors import ErrorObject, ErrorResponse
from harness.emulator.auth import Flavor, authorize
from harness.emulator.errors import EmulatorError, check_prefix
from harness.emulator.request import Request
from harness.emulator.routes import ID_PREFIXES, match
from harness.emulator.store import JSON, Store
from harness.server.asgi import Receive, Scope, Send, read_body, respond

HARNESS_PREFIX = "/v1/_harness"
_FLAVORS: tuple[tuple[str, Flavor], ...] = (("/v1/", "openai"), ("/openai/", "azure"))


class Emulator:
    """The ASGI app. ``store`` holds its state; tests may inspect it directly."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        try:
            status, payload, headers = self.handle(scope, body)
        except Exception:  # a bug, never a client error: answer in the envelope, then re-raise
            await _respond(
                send,
                500,
                ErrorResponse(
                    error=ErrorObject(
                        message="The emulator failed on this request (a harness bug).",
                        type="server_error",
                        param=None,
                        code=None,
                    )
                ).to_dict(),
                {},
            )
            raise
        await _respond(send, status, payload, headers)

    def handle(self, scope: Scope, body: bytes) -> tuple[int, JSON, dict[str, str]]:
        """Status, JSON body and extra headers for one request."""
        method: str = scope["method"]
        path: str = scope["path"]
        try:
            if path.startswith(HARNESS_PREFIX + "/") or path == HARNESS_PREFIX:
                return 200, self._harness(method, path), {}
            found = [(flv, path[len(pre) :]) for pre, flv in _FLAVORS if path.startswith(pre)]
            matched = match(found[0][1]) if found else None
            if matched is None:
                raise EmulatorError(404, f"Invalid URL ({method} {path})")
            handler = matched.methods.get(method)
            if handler is None:
                allowed = ", ".join(matched.methods)
                raise EmulatorError(
                    405,
                    f"Method not allowed: {method} {path}. Allowed: {allowed}.",
                    headers={"allow": allowed},
                )
            authorize(found[0][0], scope)
            for param, value in matched.ids.items():
                check_prefix(param, value, ID_PREFIXES[param])
            return 200, handler(Request(self.store, matched.ids, body)), {}
        except EmulatorError as exc:
            return exc.status, exc.body, exc.headers

    def _harness(self, method: str, path: str) -> JSON:
        if path == HARNESS_PREFIX + "/objects" and method == "GET":
            return {"object": "harness.objects", **self.store.snapshot()}
        if path == HARNESS_PREFIX + "/reset" and method == "POST":
            self.store.reset()
            return {"object": "harness.reset", "reset": True}
        if path in (HARNESS_PREFIX + "/objects", HARNESS_PREFIX + "/reset"):
            allowed = "GET" if path.endswith("objects") else "POST"
            raise EmulatorError(
                405,
                f"Method not allowed: {method} {path}. Allowed: {allowed}.",
                headers={"allow": allowed},
            )
        raise EmulatorError(404, f"Invalid URL ({method} {path})")


async def _respond(send: Send, status: int, payload: JSON, headers: dict[str, str]) -> None:
    raw_headers = [
        (b"content-type", b"application/json"),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    await respond(send, status, raw_headers, json.dumps(payload).encode())


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(seed: int = 0, *, adopt_unknown: bool = False) -> Emulator:
    """A fresh emulator seeded with the factory's variants for ``seed``.

    With ``adopt_unknown``, a well-prefixed but unknown thread or run id is not a 404: a
    consistent object (deterministic from ``seed`` and the id; runs ``completed``) is created
    for it, so that recorded requests can be re-sent to a fresh emulator.
    """
    return Emulator(Store(seed, adopt_unknown=adopt_unknown))
