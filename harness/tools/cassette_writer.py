"""The recording proxy's cassette file: scrubbed, serialized and rewritten off the response path.

``harness record`` answers a client first and persists after, on one writer thread, so the
proxy adds no file I/O to a request: :meth:`CassetteWriter.submit` queues an interaction and
returns a future that is done once the interaction is in the file. The writer scrubs and
serializes each interaction once (its text is kept, so a rewrite is one join, not re-encoding
every earlier interaction), and rewrites the whole cassette atomically (temp file, rename)
once per batch: interactions that queue up while a write is in progress go into the next one.

A rewrite is not fsync'ed: a killed process loses nothing that reached the file (the page cache
outlives the process); :meth:`CassetteWriter.close` fsyncs once at the end. What a power loss
or kernel crash during recording can lose is the interactions since the last close (the file
is then still an older complete version, never a torn one, on filesystems that order a rename
after its data, as ext4's default does).
"""

from __future__ import annotations

import json
import os
import queue
import textwrap
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from harness.cassette.format import (
    CASSETTE_FORMAT,
    CASSETTE_VERSION,
    Cassette,
    Interaction,
    atomic_write_text,
)

__all__ = ["CassetteWriter"]

Clean = Callable[[Interaction], "Interaction | None"]
"""Scrubs an interaction for the cassette; None: not recorded (a user hook dropped it)."""

_Item = tuple[Interaction, Clean, "Future[Interaction | None]"]


class CassetteWriter:
    """Appends interactions to the cassette at ``path`` (its existing ones kept first).

    ``recorded`` holds the interactions written so far, in the order they were submitted."""

    def __init__(self, path: Path, existing: Cassette) -> None:
        self.path = path
        self.recorded: list[Interaction] = []
        self._texts = [_interaction_text(i) for i in existing.interactions]
        self._streams = any(i.has_stream for i in existing.interactions)
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._dirty = False

    def submit(self, interaction: Interaction, clean: Clean) -> Future[Interaction | None]:
        """Queue ``interaction``; the future's result is what was recorded (None: dropped),
        set once it is in the file (or the error that kept it out)."""
        done: Future[Interaction | None] = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"harness-record-{self.path.name}", daemon=True
                )
                self._thread.start()
        self._queue.put((interaction, clean, done))
        return done

    def close(self) -> None:
        """Write what is queued, stop the writer thread, and fsync the file once."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()
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
        results: list[Interaction | None] = []
        try:
            for interaction, clean, _ in batch:
                cleaned = clean(interaction)
                results.append(cleaned)
                if cleaned is not None:
                    self._texts.append(_interaction_text(cleaned))
                    self._streams = self._streams or cleaned.has_stream
            if any(result is not None for result in results):
                atomic_write_text(
                    self.path, _document_text(self._texts, streams=self._streams), sync=False
                )
                self._dirty = True
        except Exception as exc:  # the handlers waiting on these futures report it
            for *_, done in batch:
                done.set_exception(exc)
            return
        for (*_, done), result in zip(batch, results, strict=True):
            if result is not None:
                self.recorded.append(result)
            done.set_result(result)


def _interaction_text(interaction: Interaction) -> str:
    """One interaction as :meth:`Cassette.dumps` writes it inside ``"interactions"``."""
    text = json.dumps(interaction.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    return textwrap.indent(text, "    ")


_PLAIN_VERSION = Cassette().to_dict()["version"]
"""The version a cassette without stream entries is written as."""


def _document_text(interactions: list[str], *, streams: bool) -> str:
    """The bytes :meth:`Cassette.dumps` gives for these serialized interactions (``streams``:
    whether one holds stream events, which decides the version)."""
    head = json.dumps(CASSETTE_FORMAT, ensure_ascii=False)
    version = CASSETTE_VERSION if streams else _PLAIN_VERSION
    body = "[\n" + ",\n".join(interactions) + "\n  ]" if interactions else "[]"
    return f'{{\n  "format": {head},\n  "interactions": {body},\n  "version": {version}\n}}\n'
