"""Reading a cassette file one interaction at a time, in memory that does not grow with it.

A cassette is one JSON document. ``json.loads`` of a whole file holds its text and then every
parsed object at once, several times the file's size. :func:`read_members` decodes the file in
chunks and parses each element of the top-level ``"interactions"`` array on its own
(``json.JSONDecoder.raw_decode``, the standard library's C scanner), so only one chunk and one
interaction are held at a time.

It reads what ``json.loads`` reads, with the same values. Whatever it does not stream (a syntax
error, bytes that are not UTF-8, a top level that is not an object, a key given twice, trailing
data) raises :class:`ReadWhole`: the caller then reads the file whole, which names the problem
and its line exactly as before (the error path may cost memory; a valid file does not).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["INTERACTIONS", "STREAMED", "SURROGATE_ESCAPE", "Member", "ReadWhole", "read_members"]

INTERACTIONS = "interactions"
STREAMED = object()
"""The value given with ``"interactions"`` after its array's elements were given one by one."""
CHUNK = 1 << 20
"""Characters decoded per read; a value longer than this makes the reads grow geometrically."""

_WHITESPACE = re.compile(r"[ \t\n\r]*")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_DECODER = json.JSONDecoder()


class ReadWhole(Exception):
    """The file cannot be streamed (malformed, or a layout this reader does not stream): read
    it whole to report the problem."""


Member = tuple[str | None, Any, bool]
"""``(name, value, surrogate)``: ``name`` is None for one element of the interactions array
(then ``("interactions", STREAMED, False)`` once the array ends), else a top-level key with its
whole value (``"interactions"`` too if it is not an array);
``surrogate`` says whether the value's text holds a ``\\uD800``-``\\uDFFF`` escape, which may
decode to a lone surrogate that cannot be sent."""


class _Text:
    """A window on the file's decoded text: ``text[pos:]`` is what is not consumed yet."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.text = ""
        self.pos = 0
        self.eof = False

    def more(self, at_least: int = CHUNK) -> bool:
        """Read about ``at_least`` more characters; False at the end of the file."""
        if self.eof:
            return False
        raw = self._handle.read(max(at_least, CHUNK))
        try:
            new = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise ReadWhole from None
        self.eof = not raw
        self.text = self.text[self.pos :] + new
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """Skip JSON whitespace; the next character, or ``""`` at the end."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, characters: str) -> str:
        """Consume one of ``characters`` (after whitespace) and return it."""
        found = self.skip_space()
        if not found or found not in characters:
            raise ReadWhole
        self.pos += 1
        return found

    def value(self) -> tuple[Any, bool]:
        """Parse one JSON value; with whether its text holds a surrogate escape."""
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                if self.more(len(self.text)):  # maybe cut by the chunk: retry with more text
                    continue
                raise ReadWhole from None
            except (RecursionError, ValueError):  # too deep; a number beyond the digit limit
                raise ReadWhole from None
            # A number (or the value's last token) may continue in the next chunk.
            if end == len(self.text) and self.more(len(self.text)):
                continue
            surrogate = SURROGATE_ESCAPE.search(self.text, self.pos, end) is not None
            self.pos = end
            return value, surrogate


def read_members(path: Path) -> Iterator[Member]:
    """The top-level members of the JSON object in ``path``, streaming the elements of its
    ``"interactions"`` array one by one. Raises :class:`ReadWhole` for anything else (including
    a file that cannot be opened)."""
    try:
        handle = path.open("rb")
    except OSError:
        raise ReadWhole from None
    with handle:
        text = _Text(handle)
        text.expect("{")
        seen: set[str] = set()
        if text.skip_space() == "}":
            text.pos += 1
        else:
            while True:
                if text.skip_space() != '"':
                    raise ReadWhole
                name, _ = text.value()
                if name in seen:
                    raise ReadWhole  # json.loads keeps the last one; read it that way
                seen.add(name)
                text.expect(":")
                if name == INTERACTIONS and text.skip_space() == "[":
                    text.pos += 1
                    yield from _elements(text)
                    yield name, STREAMED, False
                else:
                    value, surrogate = text.value()
                    yield name, value, surrogate
                if text.expect(",}") == "}":
                    break
        if text.skip_space():
            raise ReadWhole  # extra data after the document


def _elements(text: _Text) -> Iterator[Member]:
    if text.skip_space() == "]":
        text.pos += 1
        return
    while True:
        value, surrogate = text.value()
        yield None, value, surrogate
        if text.expect(",]") == "]":
            return
