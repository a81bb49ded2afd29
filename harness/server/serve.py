"""Run any ASGI app on a real loopback HTTP server (uvicorn), for tests and for the CLI.

* :func:`serve` is a context manager: the server runs in a background thread and the block
  gets the base URL once the server accepts connections; leaving the block shuts it down.
* :func:`run_forever` runs in the foreground until Ctrl-C or SIGTERM, then returns normally.

The listening socket is bound here, before uvicorn starts, so that a port in use is a
:class:`ServeError` with a one-line message rather than a log line and ``sys.exit`` inside
uvicorn. uvicorn is quiet: no access log, warnings and errors only, no logging config of its own.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import ipaddress
import signal
import socket
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from enum import Enum
from types import FrameType
from typing import Any

import uvicorn

from harness.server.asgi import DEFAULT_MAX_BODY, envelope, guarded

__all__ = ["HEADER_TIMEOUT", "HttpParser", "ServeError", "exposure_warning", "run_forever", "serve"]

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0
HEADER_TIMEOUT = 10.0
"""Seconds a connection may take to send a request's headers, and again its body, before it
gets a 408."""


class ServeError(Exception):
    """The server could not start (one line, fit for a CLI error)."""


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from exc
    family, kind, proto, _, address = infos[0]
    # proto must be IPPROTO_TCP (not 0): asyncio sets TCP_NODELAY on accepted connections only
    # then, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            reason = "address already in use; choose another --port or 0 for any free port"
        elif exc.errno == errno.EACCES:
            reason = "permission denied; choose a port above 1023 or 0 for any free port"
        else:
            reason = exc.strerror or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from exc
    sock.setblocking(False)
    return sock


def _warn_if_exposed(sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    warning = exposure_warning(host, port)
    if warning:
        print(warning, file=sys.stderr, flush=True)


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def exposure_warning(host: str, port: int) -> str | None:
    """The warning for a server reachable from other machines (None on loopback)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        loopback = host == "localhost"
    else:
        loopback = address.is_loopback
    if loopback:
        return None
    return (
        f"harness: warning: listening on {host}:{port}, not loopback: anyone who can reach it "
        "can use it; the emulator accepts any API key and its /v1/_harness routes (read and "
        "reset all state) are unauthenticated, and replay serves every recorded response"
    )


class HttpParser(str, Enum):
    """The HTTP/1.1 parsers a harness server can run on (uvicorn's two)."""

    AUTO = "auto"
    """httptools when it is installed (the ``[fast]`` extra), else h11."""
    H11 = "h11"
    """uvicorn's pure-Python default."""
    HTTPTOOLS = "httptools"
    """The C parser (llhttp): about 2.5x less server CPU per request."""


def _parser_base(parser: HttpParser) -> Any:
    if parser is HttpParser.AUTO:
        parser = HttpParser.HTTPTOOLS if _has_httptools() else HttpParser.H11
    if parser is HttpParser.HTTPTOOLS:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return H11Protocol


def _has_httptools() -> bool:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return False
    return True


def _protocol(
    header_timeout: float, parser: HttpParser = HttpParser.AUTO
) -> type[asyncio.Protocol]:
    """uvicorn's protocol for ``parser`` with a deadline for request headers (a slow or
    partial request line or header block gets a 408 and the connection closed) and the API's
    error envelope instead of plain text for requests the parser rejects."""
    base = _parser_base(parser)

    class HarnessProtocol(base):  # type: ignore[misc,valid-type]
        _deadline: asyncio.TimerHandle | None = None
        _seen: Any = None  # the cycle whose headers were last seen complete

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not self._seen:  # a request's headers are complete
                self._seen = self.cycle
                self._disarm()
            elif self.cycle is None or self.cycle.response_complete:
                self._arm()  # part of the next request's headers

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.cycle is self._seen:  # no pipelined request started: wait for the next
                self._arm()
            else:
                self._seen = self.cycle

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            waiting = self.cycle is self._seen and (
                self.cycle is None or self.cycle.response_complete
            )
            if waiting and not self.transport.is_closing():
                message = f"Request headers not received within {header_timeout:g} s."
                self._answer_and_close(408, "Request Timeout", message, "request_timeout")

        def send_400_response(self, msg: str) -> None:
            message = f"{msg} Check the request line and headers."
            self._answer_and_close(400, "Bad Request", message, "invalid_http_request")

        def _answer_and_close(self, status: int, reason: str, message: str, code: str) -> None:
            body = envelope(message, code)
            head = (
                f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
            )
            self.transport.write(head.encode() + body)
            self.transport.close()

    return HarnessProtocol


def _config(
    app: Any, max_body: int, header_timeout: float, parser: HttpParser = HttpParser.AUTO
) -> uvicorn.Config:
    return uvicorn.Config(
        guarded(app, max_body=max_body, body_timeout=header_timeout),
        http=_protocol(header_timeout, parser),
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )


class _Server(uvicorn.Server):
    """uvicorn's server with a ready callback and signal handling that ends in a clean return
    (uvicorn itself re-raises the signal after shutting down, which kills the process)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._stop) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


@contextmanager
def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    header_timeout: float = HEADER_TIMEOUT,
    parser: HttpParser = HttpParser.AUTO,
) -> Iterator[str]:
    """Serve ``app`` in a background thread; yield ``http://HOST:PORT`` once it accepts
    connections. Raises :class:`ServeError` if it cannot listen or does not start.
    ``max_body``: larger request bodies get a 413 envelope; ``header_timeout``: seconds a
    client may take to send its headers, and again its body (a 408 envelope after);
    ``parser``: the HTTP parser (httptools when installed, by default)."""
    sock = _bind(host, port)
    _warn_if_exposed(sock)
    ready = threading.Event()
    server = _Server(_config(app, max_body, header_timeout, parser), on_ready=ready.set)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=run, name=f"harness-serve-{_base_url(sock)}", daemon=True)
    thread.start()
    try:
        if not ready.wait(STARTUP_TIMEOUT) or not server.started:
            server.should_exit = True
            detail = f": {failure[0]!r}" if failure else ""
            raise ServeError(f"server on {_base_url(sock)} did not start{detail}")
        yield _base_url(sock)
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT)
        sock.close()


def freeze_heap() -> None:
    """Move what the process holds now (a loaded cassette, the seeded store) out of the cyclic
    garbage collector's sight, collecting first: a full collection then no longer walks every
    loaded interaction while requests wait (replay p99 at 200 connections: 3.7x the bare app ->
    0.8x). For a server process about to serve; a library caller's heap is left alone."""
    gc.collect()
    gc.freeze()


def run_forever(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    header_timeout: float = HEADER_TIMEOUT,
    parser: HttpParser = HttpParser.AUTO,
) -> None:
    """Serve ``app`` in the foreground until SIGINT/SIGTERM, then return normally.
    ``on_ready`` gets the base URL once the server accepts connections."""
    sock = _bind(host, port)
    _warn_if_exposed(sock)
    url = _base_url(sock)
    config = _config(app, max_body, header_timeout, parser)
    server = _Server(config, on_ready=(lambda: on_ready(url)) if on_ready else None)
    freeze_heap()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
