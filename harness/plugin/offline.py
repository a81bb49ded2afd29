"""``--offline``: no connection leaves the machine; loopback (127.0.0.0/8, ::1) still works.

The guard replaces ``socket.socket.connect``/``connect_ex``, ``socket.create_connection`` and
``socket.getaddrinfo`` with checks that refuse a non-loopback destination *before* the real
call, so neither a packet nor a DNS query goes out. A refused attempt raises
:class:`NetworkBlockedError` and is remembered, so the plugin can fail the test with the message
even when an HTTP client wraps the exception in its own.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

__all__ = ["NetworkBlockedError", "OfflineGuard", "is_loopback"]

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NetworkBlockedError(RuntimeError):
    """A connection to a non-loopback host was refused under ``--offline``."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


class OfflineGuard:
    """Installs and removes the socket checks; ``blocked`` lists every refused attempt."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self._originals: dict[str, Any] = {}

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def _refuse(self, host: str, port: object, how: str) -> NetworkBlockedError:
        message = (
            f"harness --offline: blocked {how} to {host}:{port}: only loopback "
            "(127.0.0.1, ::1, localhost) is allowed. Replay from a cassette "
            "(--cassette-mode=none), point the client at a loopback server, or drop --offline."
        )
        self.blocked.append(message)
        return NetworkBlockedError(message)

    def _check_address(self, address: object, how: str) -> None:
        if (
            isinstance(address, tuple)
            and len(address) >= 2
            and isinstance(address[0], str)
            and not is_loopback(address[0])
        ):
            raise self._refuse(address[0], address[1], how)

    def install(self) -> None:
        """Patch the socket module (idempotent)."""
        if self.installed:
            return
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_create_connection = socket.create_connection
        real_getaddrinfo = socket.getaddrinfo
        guard = self

        def connect(self: socket.socket, address: Any) -> None:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                guard._check_address(address, "connect")
            real_connect(self, address)

        def connect_ex(self: socket.socket, address: Any) -> int:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                guard._check_address(address, "connect")
            return real_connect_ex(self, address)

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            guard._check_address(address, "connect")
            return real_create_connection(address, *args, **kwargs)

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host is not None:
                name = host.decode() if isinstance(host, bytes) else str(host)
                if not is_loopback(name):
                    raise guard._refuse(name, port, "name lookup")
            return real_getaddrinfo(host, port, *args, **kwargs)

        self._originals = {
            "connect": real_connect,
            "connect_ex": real_connect_ex,
            "create_connection": real_create_connection,
            "getaddrinfo": real_getaddrinfo,
        }
        patch: dict[str, Callable[..., Any]] = {"connect": connect, "connect_ex": connect_ex}
        for name, replacement in patch.items():
            setattr(socket.socket, name, replacement)
        socket.create_connection = create_connection
        socket.getaddrinfo = getaddrinfo

    def uninstall(self) -> None:
        """Put the socket module back as it was."""
        if not self.installed:
            return
        for name in ("connect", "connect_ex"):
            setattr(socket.socket, name, self._originals[name])
        socket.create_connection = self._originals["create_connection"]
        socket.getaddrinfo = self._originals["getaddrinfo"]
        self._originals = {}
