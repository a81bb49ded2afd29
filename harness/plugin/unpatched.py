"""Nothing silent: notice connections made through HTTP libraries the harness does not patch.

A cassette test in a recording mode whose traffic goes through ``urllib.request``,
``http.client`` (or another library vcrpy is not patching for us) records nothing, and the
cassette stays empty without a word. :class:`ConnectionWatch` wraps ``socket.socket.connect``
while such a test runs; on each connection it looks up the calling stack for the library that
opened it. Connections made by a patched library (httpx2, httpx, requests, aiohttp: vcrpy's
stubs forward them when recording) are not counted. The wrapper calls whatever ``connect`` was
installed before it, so ``--offline`` (:mod:`harness.plugin.offline`) still refuses first.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

__all__ = ["PATCHED_LIBRARIES", "ConnectionWatch", "HarnessUnpatchedWarning", "library_of"]

PATCHED_LIBRARIES = ("httpx2", "httpx", "requests", "aiohttp", "vcr", "urllib3")
"""Top-level packages whose traffic the plugin records (urllib3 as requests' transport)."""

# Libraries that open connections the plugin does not see, outermost name first.
_UNPATCHED: tuple[tuple[str, str], ...] = (
    ("urllib.request", "urllib (urllib.request)"),
    ("http.client", "http.client"),
    ("httplib2", "httplib2"),
    ("tornado", "tornado"),
    ("botocore", "botocore (boto3)"),
    ("pycurl", "pycurl"),
    ("websocket", "websocket-client"),
    ("grpc", "grpc"),
)


class HarnessUnpatchedWarning(UserWarning):
    """A recording cassette test recorded nothing but opened connections through an HTTP
    library the harness does not patch."""


def library_of(frame: Any) -> str | None:
    """The unpatched library on the stack that opened a connection, or None when a patched
    library (or nothing known) did."""
    found: str | None = None
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        top = module.split(".", 1)[0]
        if top in PATCHED_LIBRARIES:
            return None
        for prefix, name in _UNPATCHED:
            if module == prefix or module.startswith(prefix + "."):
                found = name  # keep walking: the outermost library names it best
        frame = frame.f_back
    return found


class ConnectionWatch:
    """Counts connections per unpatched library while installed (``libraries``)."""

    def __init__(self) -> None:
        self.libraries: dict[str, list[str]] = {}
        self._original: Any = None

    def install(self) -> None:
        """Wrap ``socket.socket.connect`` (idempotent)."""
        if self._original is not None:
            return
        original = self._original = socket.socket.connect
        watch = self

        def connect(self: socket.socket, address: Any) -> None:
            original(self, address)
            if self.family in (socket.AF_INET, socket.AF_INET6):
                name = library_of(sys._getframe(1))
                if name is not None:
                    where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else "?"
                    watch.libraries.setdefault(name, []).append(where)

        setattr(socket.socket, "connect", connect)  # noqa: B010 - typeshed's signature differs

    def uninstall(self) -> None:
        """Put back the ``connect`` that was there before :meth:`install`."""
        if self._original is not None:
            setattr(socket.socket, "connect", self._original)  # noqa: B010
            self._original = None

    def message(self, test: str) -> str:
        """The warning text for ``test`` (which recorded nothing)."""
        used = "; ".join(
            f"{name} ({len(hosts)} connection(s), to {', '.join(sorted(set(hosts)))})"
            for name, hosts in sorted(self.libraries.items())
        )
        return (
            f"harness cassette: {test} recorded nothing, but opened connections through {used}, "
            "which the harness does not patch. Supported: httpx2 and httpx (the openai SDK's "
            "clients), requests, aiohttp (openai.DefaultAioHttpClient); or send the traffic "
            "through `harness record CASSETTE` (a recording proxy for any client)."
        )
