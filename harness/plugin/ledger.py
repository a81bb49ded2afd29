"""What this test session wrote, shared by every pytest-xdist worker of the session.

Two facts decide how a cassette shared by several tests is saved, and each worker only sees
its own tests: whether the session already *rewrote* the file (``rewrite`` then adds to it
rather than replacing what another worker recorded a moment ago) and whether the session
*created* it (``once`` may then add to it: the file did not exist when the session began).
The ledger is one small append-only file in the temp directory, named by a session id the
xdist controller hands its workers; it is read and written under the cassette directory's
lock (the same one the save holds), and deleted when the session ends.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Literal

__all__ = ["SessionLedger"]

Fact = Literal["created", "written"]


class SessionLedger:
    """``created``/``written`` facts about cassette paths: in memory for a session of one
    process, in a shared file when ``session_id`` is given (xdist)."""

    def __init__(self, session_id: str | None = None) -> None:
        self.session_id = session_id
        self.path = (
            Path(tempfile.gettempdir()) / f"harness-session-{session_id}.log"
            if session_id
            else None
        )
        self._facts: set[str] = set()

    @classmethod
    def shared(cls) -> SessionLedger:
        """A file-backed ledger with a new session id, for workers to join."""
        return cls(uuid.uuid4().hex)

    def has(self, fact: Fact, cassette: Path) -> bool:
        """Whether this session recorded ``fact`` about ``cassette``."""
        line = f"{fact}\t{cassette.resolve()}"
        if line in self._facts or self.path is None:
            return line in self._facts
        try:
            return line in self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return False

    def mark(self, fact: Fact, cassette: Path) -> None:
        """Record ``fact`` (one ``O_APPEND`` write, so concurrent workers never interleave)."""
        line = f"{fact}\t{cassette.resolve()}"
        self._facts.add(line)
        if self.path is None:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    def remove(self) -> None:
        """Delete the shared file (the session is over)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
