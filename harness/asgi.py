"""The ASGI types the emulator and the replay server are written against (the seam tests drive
in-process, and ``harness.serve`` puts on a real socket)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ASGIMessage", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
ASGIMessage = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]
