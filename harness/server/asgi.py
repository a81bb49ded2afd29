"""The ASGI types and the I/O helpers the emulator and the replay server share (the seam
tests drive in-process, and ``harness.server.serve`` puts on a real socket), and
:func:`guarded`, the wrapper every served app runs in: it caps request bodies and turns any
failure into the API's error envelope, so no input gets a 500 or a bare text answer."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "ASGIApp",
    "ASGIMessage",
    "Receive",
    "Scope",
    "Send",
    "envelope",
    "guarded",
    "read_body",
    "respond",
]

Scope = MutableMapping[str, Any]
ASGIMessage = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY = 32 * 1024 * 1024
"""Request bodies larger than this (bytes) are answered 413 without being read."""
DEFAULT_BODY_TIMEOUT = 10.0
"""Seconds a request body may take to arrive, from its first read, before a 408 envelope."""
_LOG = logging.getLogger("harness.server")


async def read_body(receive: Receive) -> bytes:
    """The whole request body (empty if the client disconnected first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    """Send a complete response; ``content-length`` is added here."""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def envelope(message: str, code: str, param: str | None = None) -> bytes:
    """The API's error body: ``{"error": {"message", "type", "param", "code"}}``."""
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return json.dumps({"error": error}).encode()


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


def guarded(
    app: ASGIApp, *, max_body: int = DEFAULT_MAX_BODY, body_timeout: float = DEFAULT_BODY_TIMEOUT
) -> ASGIApp:
    """``app`` behind the checks every harness server needs, cheap per request: a declared
    or streamed body over ``max_body`` bytes is a 413 envelope; a body still incomplete
    ``body_timeout`` seconds after it is first read is a 408 envelope; a body that is not what
    ``content-length`` said, or anything the app raises before answering, is a 400 envelope
    (never a 500); a WebSocket is refused."""

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            await _too_large(send, max_body)
            return
        started = False
        received = 0
        complete = False
        reading = False
        expired = False
        timer: asyncio.TimerHandle | None = None
        task: asyncio.Task[Any] | None = None

        def expire() -> None:
            # One timer per request, armed at the first read: cheaper on uvloop than a
            # wait_for (a Task) per receive. It interrupts a read in progress, else the next.
            nonlocal expired
            expired = True
            if reading and task is not None:
                task.cancel()

        async def limited() -> ASGIMessage:
            nonlocal received, complete, reading, timer, task
            if complete:  # the body is in; later reads wait for a disconnect, unbounded
                return await receive()
            if timer is None:
                task = asyncio.current_task()
                timer = asyncio.get_running_loop().call_later(body_timeout, expire)
            if expired:
                raise _BodyTooSlow
            reading = True
            try:
                message = await receive()
            except asyncio.CancelledError:
                if not expired or task is None:
                    raise
                if hasattr(task, "uncancel"):  # 3.11+: this cancel was ours, not the server's
                    task.uncancel()
                raise _BodyTooSlow from None
            finally:
                reading = False
            complete = not message.get("more_body", False)
            if complete:
                timer.cancel()
            received += len(message.get("body", b""))
            if received > max_body:
                raise _BodyTooLarge
            return message

        async def tracked(message: ASGIMessage) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, limited, tracked)
        except _BodyTooLarge:
            if not started:
                await _too_large(send, max_body)
        except _BodyTooSlow:
            if not started:
                body = envelope(
                    f"Request body not received within {body_timeout:g} s.", "request_timeout"
                )
                headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
                await respond(send, 408, headers, body)
        except Exception as exc:  # any input the app could not handle: an envelope, not a 500
            _LOG.warning("harness: could not handle a request: %s", type(exc).__name__)
            if not started:
                body = envelope(
                    f"The harness could not process this request ({type(exc).__name__}); "
                    "check the body and headers.",
                    "harness_unprocessable_request",
                )
                await respond(send, 400, [(b"content-type", b"application/json")], body)
        finally:
            if timer is not None:
                timer.cancel()

    return guard


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, max_body: int) -> None:
    body = envelope(
        f"Request body too large: the limit is {max_body} bytes "
        "(harness replay/emulate --max-body to change it).",
        "request_too_large",
    )
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await respond(send, 413, headers, body)


HOP_BY_HOP: frozenset[str] = frozenset(
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
    }
)
"""Headers that describe one connection (RFC 9110 7.6.1), plus content-length, which the
server sets again for the body it sends: never copied from a recording or a backend."""
