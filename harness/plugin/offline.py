"""``--offline``: no connection leaves the machine; loopback (127.0.0.0/8, ::1) still works,
and so does every destination on the allow-list (``--offline-allow HOST[:PORT]``).

The guard replaces ``socket.socket.connect``/``connect_ex``, ``socket.create_connection`` and
``socket.getaddrinfo`` with checks that refuse a non-loopback destination *before* the real
call, so neither a packet nor a DNS query goes out. A refused attempt raises
:class:`NetworkBlockedError` and is remembered, so the plugin can fail the test with the message
even when an HTTP client wraps the exception in its own.

An allowed host *name* is checked at the lookup; the addresses the lookup returns are then
allowed for the connect (with the same port rule), so ``--offline-allow db.internal:5432``
works without knowing the address in advance.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Union

__all__ = ["AllowRule", "NetworkBlockedError", "OfflineGuard", "is_loopback"]

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

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


@dataclass(frozen=True)
class AllowRule:
    """One allow-list entry: a host name, an address or a network (``10.0.0.0/8``), with an
    optional port. ``[::1]:8080`` brackets an IPv6 address that has a port."""

    text: str
    name: str | None
    network: Network | None
    port: int | None

    @classmethod
    def parse(cls, text: str) -> AllowRule:
        """``HOST``, ``HOST:PORT``, ``ADDRESS[/BITS][:PORT]``, ``[IPV6][:PORT]``; a bad entry
        is a :class:`ValueError` saying what is expected."""
        entry = text.strip()
        host, port_text = entry, ""
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            port_text = rest[1:] if rest.startswith(":") else rest
        elif entry.count(":") == 1:
            host, _, port_text = entry.partition(":")
        port: int | None = None
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ValueError(f"offline allow entry {text!r}: port {port_text!r} is not 1-65535")
            port = int(port_text)
        host = host.lower()
        if not host or any(c.isspace() for c in host):
            raise ValueError(f"offline allow entry {text!r}: expected HOST, HOST:PORT or CIDR")
        try:
            network: Network | None = ipaddress.ip_network(host, strict=False)
        except ValueError:
            if "/" in host or ":" in host:
                raise ValueError(
                    f"offline allow entry {text!r}: not an address or network; expected HOST, "
                    "HOST:PORT, ADDRESS/BITS or [IPV6]:PORT"
                ) from None
            network = None
        return cls(text=entry, name=None if network else host, network=network, port=port)

    def allows(self, host: str, port: object) -> bool:
        """Whether this entry allows ``host`` (a name or an address) on ``port``."""
        if self.port is not None and port is not None and str(port) != str(self.port):
            return False  # a lookup without a port is checked again at the connect
        if self.name is not None:
            return host.lower() == self.name
        assert self.network is not None
        try:
            return ipaddress.ip_address(host.strip("[]").split("%", 1)[0]) in self.network
        except ValueError:
            return False


class OfflineGuard:
    """Installs and removes the socket checks; ``blocked`` lists every refused attempt.
    ``allow`` entries (strings as for :meth:`AllowRule.parse`) are allowed besides loopback."""

    def __init__(self, allow: Iterable[str | AllowRule] = ()) -> None:
        self.allow = tuple(a if isinstance(a, AllowRule) else AllowRule.parse(a) for a in allow)
        self.blocked: list[str] = []
        self._originals: dict[str, Any] = {}
        self._resolved: set[tuple[str, int | None]] = set()
        """Addresses an allowed name resolved to, with the port its rule allows."""

    def allows(self, host: str, port: object) -> bool:
        """Whether a connection or lookup for ``host``:``port`` may go ahead."""
        if is_loopback(host) or any(rule.allows(host, port) for rule in self.allow):
            return True
        address = host.strip("[]").lower()
        return (address, None) in self._resolved or (
            isinstance(port, int) and (address, port) in self._resolved
        )

    @property
    def installed(self) -> bool:
        return bool(self._originals)

    def _refuse(self, host: str, port: object, how: str) -> NetworkBlockedError:
        allowed = "".join(f", {rule.text}" for rule in self.allow)
        message = (
            f"harness --offline: blocked {how} to {host}:{port}: only loopback "
            f"(127.0.0.1, ::1, localhost{allowed}) is allowed. Replay from a cassette "
            "(--cassette-mode=none), point the client at a loopback server, allow the host "
            f"(--offline-allow {host}:{port}), or drop --offline."
        )
        self.blocked.append(message)
        return NetworkBlockedError(message)

    def _check_address(self, address: object, how: str) -> None:
        if (
            isinstance(address, tuple)
            and len(address) >= 2
            and isinstance(address[0], str)
            and not self.allows(address[0], address[1])
        ):
            raise self._refuse(address[0], address[1], how)

    def _remember(self, name: str, port: object, results: Any) -> None:
        """Allow the addresses an allowed name resolved to, under the rule that allowed it."""
        ports = {r.port for r in self.allow if r.allows(name, port)}
        for *_, sockaddr in results:
            address = str(sockaddr[0]).lower()
            self._resolved.update((address, p) for p in ports)

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
            if host is None:
                return real_getaddrinfo(host, port, *args, **kwargs)
            name = host.decode() if isinstance(host, bytes) else str(host)
            if not guard.allows(name, port):
                raise guard._refuse(name, port, "name lookup")
            results = real_getaddrinfo(host, port, *args, **kwargs)
            if not is_loopback(name):
                guard._remember(name, port, results)
            return results

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
