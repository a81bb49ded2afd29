"""Run any ASGI app on a real loopback HTTP server (uvicorn), for tests and for the CLI.

* :func:`serve` is a context manager: the server runs in a background thread and the block
  gets the base URL once the server accepts connections; leaving the block shuts it down.
* :func:`run_forever` runs in the foreground until Ctrl-C or SIGTERM, then returns normally.

The listening socket is bound here, before uvicorn starts, so that a port in use is a
:class:`ServeError` with a one-line message rather than a log line and ``sys.exit`` inside
uvicorn. uvicorn is quiet: no access log, warnings and errors only, no logging config of its own.
"""

from __future__ import annotations

import errno
import signal
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import uvicorn

__all__ = ["ServeError", "run_forever", "serve"]

STARTUP_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 10.0


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


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _config(app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
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
def serve(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a background thread; yield ``http://HOST:PORT`` once it accepts
    connections. Raises :class:`ServeError` if it cannot listen or does not start."""
    sock = _bind(host, port)
    ready = threading.Event()
    server = _Server(_config(app), on_ready=ready.set)
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


def run_forever(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` in the foreground until SIGINT/SIGTERM, then return normally.
    ``on_ready`` gets the base URL once the server accepts connections."""
    sock = _bind(host, port)
    url = _base_url(sock)
    server = _Server(_config(app), on_ready=(lambda: on_ready(url)) if on_ready else None)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
