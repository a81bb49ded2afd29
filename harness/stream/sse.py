"""Server-sent events as the Assistants API writes them, an incremental reader, and the form a
cassette stores them in.

On the wire each event is ``event: <name>`` then one ``data: <line>`` per line of its data,
then a blank line; the API's data is compact JSON (``{"id":"run_1",...}``) except the last
event, ``event: done`` / ``data: [DONE]``. :class:`SSEDecoder` reads a body incrementally as
the WHATWG event-stream rules (and the official SDKs) do: LF, CR or CRLF line ends, comments
and unknown fields ignored, several ``data`` lines joined with LF.

In a cassette an event is one entry: ``{"event": name, "data": <JSON>}`` when its data is a
JSON object or array (stored as data, so it is readable and scrubbed like any JSON body),
else ``{"event": name, "text": "<the raw data>"}``; ``id`` and ``retry`` only when sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EVENT_STREAM",
    "SSEDecoder",
    "ServerSentEvent",
    "decode",
    "encode",
    "encode_json",
    "entry_from_event",
    "event_from_entry",
    "is_event_stream",
]

EVENT_STREAM = "text/event-stream"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_ENTRY_KEYS = frozenset({"event", "data", "text", "id", "retry"})


@dataclass(frozen=True)
class ServerSentEvent:
    """One event: its name (``None`` when the stream gave none) and its data text."""

    event: str | None
    data: str
    id: str | None = None
    retry: int | None = None

    def json(self) -> Any:
        """The data parsed as JSON (``ValueError`` if it is not JSON, e.g. ``[DONE]``)."""
        return json.loads(self.data)


def encode_json(value: Any) -> str:
    """JSON as the API writes it in a stream: compact, UTF-8, keys in the order given."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(event: ServerSentEvent) -> bytes:
    """The event's bytes on the wire, blank line included (one event = one flush)."""
    lines = [] if event.event is None else [f"event: {event.event}"]
    lines += [f"data: {line}" for line in event.data.split("\n")]
    if event.id is not None:
        lines.append(f"id: {event.id}")
    if event.retry is not None:
        lines.append(f"retry: {event.retry}")
    return ("\n".join(lines) + "\n\n").encode()


class SSEDecoder:
    """Feed body chunks as they arrive; get each event as soon as its blank line is read."""

    def __init__(self) -> None:
        self._pending = b""
        self._skip_lf = False
        self._reset_event()

    def _reset_event(self) -> None:
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Events completed by ``chunk`` (a line or event may span chunks)."""
        if self._skip_lf and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._skip_lf = False
        buffer = self._pending + chunk
        events: list[ServerSentEvent] = []
        start = 0
        for match in _LINE_END.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                self._skip_lf = True  # a CRLF may be split across chunks
            line = buffer[start : match.start()].decode("utf-8", errors="replace")
            start = match.end()
            event = self._line(line)
            if event is not None:
                events.append(event)
        self._pending = buffer[start:]
        return events

    def finish(self) -> list[ServerSentEvent]:
        """At end of body. An event not closed by a blank line is dropped, as the event-stream
        rules and the official SDKs drop it."""
        self._pending = b""
        self._reset_event()
        return []

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._has_fields:
                return None
            event = ServerSentEvent(self._event, "\n".join(self._data), self._id, self._retry)
            self._reset_event()
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value  # kept on its own event only, so a stream re-encodes as it was
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        else:
            return None
        self._has_fields = True
        return None

    def iter(self, chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
        """Every event of a body given as chunks."""
        for chunk in chunks:
            yield from self.feed(chunk)
        yield from self.finish()

    async def aiter(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        """Every event of a body given as async chunks."""
        async for chunk in chunks:
            for event in self.feed(chunk):
                yield event
        for event in self.finish():
            yield event


def decode(body: bytes) -> list[ServerSentEvent]:
    """Every event of a whole body."""
    return list(SSEDecoder().iter([body]))


def is_event_stream(headers: dict[str, str]) -> bool:
    """Whether a message's ``content-type`` says its body is an event stream."""
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower() == EVENT_STREAM
    return False


# --------------------------------------------------------------------------- cassette entries


def entry_from_event(event: ServerSentEvent) -> dict[str, Any]:
    """The cassette entry for an event (data as JSON when it is a JSON object or array)."""
    from harness.cassette.format import MAX_JSON_DEPTH, json_depth  # format imports this module

    entry: dict[str, Any] = {} if event.event is None else {"event": event.event}
    try:
        value = json.loads(event.data)
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, (dict, list)) and json_depth(value) <= MAX_JSON_DEPTH:
        entry["data"] = value
    else:
        entry["text"] = event.data
    if event.id is not None:
        entry["id"] = event.id
    if event.retry is not None:
        entry["retry"] = event.retry
    return entry


def event_from_entry(entry: object, where: str) -> ServerSentEvent:
    """The event a cassette entry stands for; ``ValueError`` names what is wrong at ``where``."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object with 'event' and 'data' or 'text'")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {', '.join(unknown)}")
    name, ident, retry = entry.get("event"), entry.get("id"), entry.get("retry")
    if name is not None and (not isinstance(name, str) or "\n" in name or "\r" in name):
        raise ValueError(f"{where}.event must be a one-line string")
    if ident is not None and (not isinstance(ident, str) or "\n" in ident or "\r" in ident):
        raise ValueError(f"{where}.id must be a one-line string")
    if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
        raise ValueError(f"{where}.retry must be a non-negative integer")
    if ("data" in entry) == ("text" in entry):
        raise ValueError(f"{where} needs exactly one of 'data' (JSON) or 'text' (a string)")
    if "data" in entry:
        if not isinstance(entry["data"], (dict, list)):
            raise ValueError(
                f"{where}.data must be a JSON object or array; store other data as 'text'"
            )
        data = encode_json(entry["data"])
    elif isinstance(entry["text"], str) and "\r" not in entry["text"]:
        data = entry["text"]
    else:
        raise ValueError(f"{where}.text must be a string without carriage returns")
    return ServerSentEvent(name, data, ident, retry)
