"""The emulator as a plain ASGI app: prefix -> route table -> auth -> id checks -> handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.api.errors import ErrorObject, ErrorResponse
from harness.emulator import harness_routes
from harness.emulator.auth import Flavor, authorize
from harness.emulator.errors import EmulatorError, check_prefix
from harness.emulator.harness_routes import HARNESS_PREFIX
from harness.emulator.pages import parse_query
from harness.emulator.request import Request
from harness.emulator.routes import ID_PREFIXES, match
from harness.emulator.scenarios import Scenario, load_scenarios
from harness.emulator.store import JSON, Store
from harness.server.asgi import Receive, Scope, Send, read_body, respond

POLL_AFTER_HEADER = "openai-poll-after-ms"
POLL_AFTER_MS = 1
"""What run responses tell polling SDK helpers to wait: 1 ms (the Node SDK ignores 0)."""
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
                return 200, harness_routes.handle(self.store, method, path, body), {}
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
                if not self.store.lenient:
                    check_prefix(param, value, ID_PREFIXES[param])
            query = parse_query(scope.get("query_string", b""))
            payload = handler(Request(self.store, matched.ids, body, query))
            headers = {}
            if payload.get("object") == "thread.run":
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
