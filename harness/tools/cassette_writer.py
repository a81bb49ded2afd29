"""The recording proxy's cassette file: scrubbed, serialized and rewritten off the response path.

``harness record`` answers a client first and persists after, on one writer thread, so the
proxy adds no file I/O to a request: :meth:`CassetteWriter.submit` scrubs and serializes an
interaction once, queues it and returns a future that is done once it is in the file. The
writer thread appends the encoded text to one buffer that holds the document but its closing
lines (so a rewrite neither re-encodes nor joins earlier interactions) and rewrites the whole
cassette atomically from it (temp file, rename) once per batch: interactions that queue up
while a write is in progress go into the next one. The version a rewrite replaces is kept
under a temp name and deleted by a second thread: freeing a big file's pages costs about as
much as writing them, and neither an answer nor the next rewrite need wait for it.

A rewrite is not fsync'ed: a killed process loses nothing that reached the file (the page cache
outlives the process); :meth:`CassetteWriter.close` fsyncs once at the end. What a power loss
or kernel crash during recording can lose is the interactions since the last close (the file
is then still an older complete version, never a torn one, on filesystems that order a rename
after its data, as ext4's default does).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from harness.cassette.format import (
    CASSETTE_FORMAT,
    CASSETTE_VERSION,
    Cassette,
    Interaction,
    atomic_write_bytes,
    remove_leftovers,
    temp_name,
)

__all__ = ["CassetteWriter"]

Clean = Callable[[Interaction], "Interaction | None"]
"""Scrubs an interaction for the cassette; None: not recorded (a user hook dropped it)."""

_Item = tuple["Interaction | None", "bytes | None", "Future[Interaction | None]"]
"""An interaction as recorded (None: dropped), its text in the file, and its future."""


class CassetteWriter:
    """Appends interactions to the cassette at ``path`` (its existing ones kept first).

    ``recorded`` holds the interactions written so far, in the order they were submitted."""

    def __init__(self, path: Path, existing: Cassette) -> None:
        self.path = path
        self.recorded: list[Interaction] = []
        self._document = _Document()
        for interaction in existing.interactions:
            self._document.append(_interaction_text(interaction).encode(), interaction)
        self._rewrites = 0
        self._deleter = ThreadPoolExecutor(1, thread_name_prefix=f"harness-record-{path.name}")
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._dirty = False

    def submit(self, interaction: Interaction, clean: Clean) -> Future[Interaction | None]:
        """Scrub and serialize ``interaction`` here (CPU work stays on the caller's thread, so
        the writer thread, doing only file I/O, seldom holds the GIL), then queue it; the
        future's result is what was recorded (None: dropped), set once it is in the file (or
        the error that kept it out)."""
        done: Future[Interaction | None] = Future()
        cleaned = clean(interaction)
        text = _interaction_text(cleaned).encode() if cleaned is not None else None
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"harness-record-{self.path.name}", daemon=True
                )
                remove_leftovers(self.path)
                self._thread.start()
        self._queue.put((cleaned, text, done))
        return done

    def close(self) -> None:
        """Write what is queued, stop the writer thread, and fsync the file once."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()
        self._deleter.shutdown(wait=True)
        if self._dirty and self.path.is_file():
            with open(self.path, "rb") as handle:
                os.fsync(handle.fileno())
            self._dirty = False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[_Item] = []
            item = self._queue.get()
            while item is not None:
                batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stop = item is None
            if batch:
                self._write(batch)

    def _write(self, batch: list[_Item]) -> None:
        try:
            for cleaned, text, _ in batch:
                if cleaned is not None and text is not None:
                    self._document.append(text, cleaned)
            if any(cleaned is not None for cleaned, *_ in batch):
                self._rewrites += 1
                replaced = temp_name(self.path, f"replaced-{self._rewrites}")
                chunks = self._document.chunks()
                atomic_write_bytes(self.path, chunks, sync=False, keep_replaced=replaced)
                self._deleter.submit(_delete, replaced)
                self._dirty = True
        except Exception as exc:  # the handlers waiting on these futures report it
            for *_, done in batch:
                done.set_exception(exc)
            return
        for cleaned, _, done in batch:
            if cleaned is not None:
                self.recorded.append(cleaned)
            done.set_result(cleaned)


def _delete(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _interaction_text(interaction: Interaction) -> str:
    """One interaction as :meth:`Cassette.dumps` writes it inside ``"interactions"``."""
    text = json.dumps(interaction.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    return "    " + text.replace("\n", "\n    ")  # no blank lines: JSON escapes newlines


_PLAIN_VERSION = Cassette().to_dict()["version"]
"""The version a cassette without stream entries is written as."""


class _Document:
    """The bytes :meth:`Cassette.dumps` gives for the interactions appended so far, as one
    growing buffer (everything but the closing lines, which depend on whether any interaction
    holds stream events: that decides the version) and those lines."""

    def __init__(self) -> None:
        head = json.dumps(CASSETTE_FORMAT, ensure_ascii=False)
        self._buffer = bytearray(f'{{\n  "format": {head},\n  "interactions": ['.encode())
        self._count = 0
        self._streams = False

    def append(self, text: bytes, interaction: Interaction) -> None:
        """Add one interaction, ``text`` being its :func:`_interaction_text`, encoded."""
        self._buffer += b",\n" if self._count else b"\n"
        self._buffer += text
        self._count += 1
        self._streams = self._streams or interaction.has_stream

    def chunks(self) -> list[bytes | bytearray]:
        """The document, in pieces to write one after another."""
        version = CASSETTE_VERSION if self._streams else _PLAIN_VERSION
        close = "\n  ]" if self._count else "]"
        return [self._buffer, f'{close},\n  "version": {version}\n}}\n'.encode()]
