"""The cassette file: format, O(1) lookup index, atomic load and save.

A cassette is one JSON document, readable in a diff::

    {
      "format": "assistants-harness/cassette",
      "version": 1,
      "interactions": [
        {
          "request": {"method": "POST", "path": "/v1/threads/thread_abc",
                      "query": [], "headers": {...}, "json": {"metadata": {...}}},
          "response": {"status": 200, "reason": "OK", "headers": {...}, "json": {...}}
        }
      ]
    }

A message carries its body as exactly one of ``json`` (any JSON value, stored as data rather
than an escaped string), ``text`` (a non-JSON text body), ``base64`` (binary) or, for a
``text/event-stream`` body, ``events``: one entry per server-sent event (``{"event": name,
"data": <JSON>}``, or ``"text"`` for data that is not a JSON object; see
:mod:`harness.stream.sse`); an empty body has none. Version 2 added ``events``; a cassette
without a stream is still written as version 1, so older harnesses keep reading it.
Scheme, host and port are not stored: a cassette replays against any base URL.
Keys are written sorted and the file ends with a newline, so recording the same traffic twice
gives byte-identical files.

JSON rather than YAML because loading is the hot path of replay: the standard library's JSON
parser reads a 10,000-interaction cassette an order of magnitude faster than a YAML loader.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness.cassette.reader import (
    INTERACTIONS,
    STREAMED,
    SURROGATE_ESCAPE,
    ReadWhole,
    read_members,
)
from harness.stream.sse import (
    ServerSentEvent,
    decode,
    encode,
    entry_from_event,
    event_from_entry,
    is_event_stream,
)

__all__ = [
    "CASSETTE_FORMAT",
    "CASSETTE_SUFFIX",
    "CASSETTE_VERSION",
    "Cassette",
    "CassetteError",
    "CassetteReader",
    "Interaction",
    "MatchKey",
    "Message",
    "Request",
    "Response",
    "atomic_write_bytes",
    "atomic_write_text",
    "differing_parts",
    "iter_cassette_files",
    "match_key",
    "remove_leftovers",
    "temp_name",
]

CASSETTE_FORMAT = "assistants-harness/cassette"
CASSETTE_VERSION = 2
"""The newest version this harness writes (2: stream ``events``); it reads 1 and 2."""
_PLAIN_VERSION = 1
CASSETTE_SUFFIX = ".json"

MatchKey = tuple[str, str, tuple[tuple[str, str], ...], str]
Accept = Callable[["Request"], bool]
"""A further test a recorded request sharing the key must pass (user matchers)."""

# What HTTP can carry: rejected when a cassette is loaded, not when a server sends it.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_PATH = re.compile(r"/[\x21-\x7e]*")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_JSON_DEPTH = 100
"""Bodies nested deeper than this are stored as text: scrubbing, copying and writing walk JSON
recursively, and a body a server or client sends should not be able to exhaust the stack."""


def json_depth(data: Any) -> int:
    """How deeply arrays and objects nest in ``data``, found without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            stack.extend((item, depth + 1) for item in value)
    return deepest


def _shown(value: str) -> str:
    return repr(value[:40] + ("..." if len(value) > 40 else ""))


class CassetteError(ValueError):
    """A cassette that cannot be read; ``str()`` is one line naming the file and what to do."""

    def __init__(self, path: str | os.PathLike[str], problem: str, *, line: int | None = None):
        self.path = str(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


# --------------------------------------------------------------------------- messages


@dataclass
class Message:
    """What requests and responses share: headers and a body in one of three encodings."""

    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    text: str | None = None
    base64: str | None = None
    has_json: bool = False
    events: list[dict[str, Any]] | None = None
    """A ``text/event-stream`` body: one JSON-ready entry per event, in order."""

    @property
    def body_bytes(self) -> bytes:
        """The body as it goes on the wire."""
        if self.events is not None:
            return b"".join(encode(event) for event in self.stream_events())
        if self.has_json:
            return json.dumps(self.json, ensure_ascii=False, separators=(",", ":")).encode()
        if self.text is not None:
            return self.text.encode()
        if self.base64 is not None:
            return base64.b64decode(self.base64)
        return b""

    def stream_events(self) -> list[ServerSentEvent]:
        """The events of a stream body (``[]`` when the body is not a stream)."""
        return [event_from_entry(e, f"events[{n}]") for n, e in enumerate(self.events or [])]

    def set_body(self, content: bytes) -> None:
        """Store ``content`` as events if the content-type says event stream, else as JSON data
        if it parses, as text if it decodes, else base64."""
        self.json, self.text, self.base64, self.has_json = None, None, None, False
        self.events = None
        if not content:
            return
        try:
            decoded = content.decode("utf-8")
        except UnicodeDecodeError:
            self.base64 = base64.b64encode(content).decode("ascii")
            return
        if is_event_stream(self.headers):
            self.events = [entry_from_event(event) for event in decode(content)]
            return
        try:
            data = json.loads(decoded)
        except (ValueError, RecursionError):
            self.text = decoded
            return
        if json_depth(data) > MAX_JSON_DEPTH:
            self.text = decoded  # kept verbatim; scrubbed as text, never walked recursively
        else:
            self.json, self.has_json = data, True

    def canonical_body(self) -> str:
        """The body in the form matching compares: JSON with sorted keys, else as stored."""
        if self.events is not None:
            return json.dumps(self.events, sort_keys=True, separators=(",", ":"))
        if self.has_json:
            return json.dumps(self.json, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return self.text if self.text is not None else (self.base64 or "")

    def _body_to_dict(self, out: dict[str, Any]) -> dict[str, Any]:
        out["headers"] = dict(sorted(self.headers.items()))
        if self.has_json:
            out["json"] = self.json
        elif self.text is not None:
            out["text"] = self.text
        elif self.base64 is not None:
            out["base64"] = self.base64
        elif self.events is not None:
            out["events"] = self.events
        return out

    def _body_from_dict(self, data: dict[str, Any], where: str) -> None:
        headers = data.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError(f"{where}.headers must be an object of strings")
        for name, value in headers.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(
                    f"{where}.headers: name {_shown(name)} cannot be sent (only letters, digits "
                    "and !#$%&'*+.^_`|~-)"
                )
            if not _HEADER_VALUE.fullmatch(value):
                raise ValueError(
                    f"{where}.headers.{name}: value cannot be sent (a newline, control or "
                    "non-ASCII character); fix the value"
                )
        self.headers = headers
        bodies = [k for k in ("json", "text", "base64", "events") if k in data]
        if len(bodies) > 1:
            raise ValueError(f"{where} has more than one body ({', '.join(bodies)}); keep one")
        if "json" in data:
            self.json, self.has_json = data["json"], True
        elif "text" in data:
            if not isinstance(data["text"], str):
                raise ValueError(f"{where}.text must be a string")
            if not _encodable(data["text"]):
                raise ValueError(f"{where}.text holds a lone surrogate; it cannot be sent")
            self.text = data["text"]
        elif "base64" in data:
            if not isinstance(data["base64"], str):
                raise ValueError(f"{where}.base64 must be a string")
            try:
                base64.b64decode(data["base64"], validate=True)
            except binascii.Error as exc:
                raise ValueError(f"{where}.base64 is not valid base64") from exc
            self.base64 = data["base64"]
        elif "events" in data:
            events = data["events"]
            if not isinstance(events, list):
                raise ValueError(f"{where}.events must be a list of events")
            for number, entry in enumerate(events):
                event_from_entry(entry, f"{where}.events[{number}]")
            self.events = events


@dataclass
class Request(Message):
    """A recorded request: method, path and query, without scheme, host or port."""

    method: str = "GET"
    path: str = "/"
    query: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The request as stored in the file."""
        return self._body_to_dict(
            {"method": self.method, "path": self.path, "query": [list(p) for p in self.query]}
        )

    @classmethod
    def from_dict(cls, data: object, where: str) -> Request:
        """Parse the stored form; ``ValueError`` names the field that is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"{where} must be an object")
        method, path, query = data.get("method"), data.get("path"), data.get("query", [])
        if not isinstance(method, str) or not method:
            raise ValueError(f"{where}.method must be a non-empty string")
        if not _TOKEN.fullmatch(method):
            raise ValueError(f"{where}.method {_shown(method)} is not an HTTP method")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"{where}.path must be a string starting with '/'")
        if not _PATH.fullmatch(path):
            raise ValueError(
                f"{where}.path cannot be sent (a space, control or non-ASCII character); "
                "percent-encode it"
            )
        if not isinstance(query, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            for p in query
        ):
            raise ValueError(f"{where}.query must be a list of [name, value] string pairs")
        if not all(_encodable(s) for pair in query for s in pair):
            raise ValueError(f"{where}.query holds a lone surrogate; it cannot be sent")
        request = cls(method=method.upper(), path=path, query=[(k, v) for k, v in query])
        request._body_from_dict(data, where)
        return request

    @property
    def target(self) -> str:
        """Path plus query string, as it goes in an HTTP request line."""
        if not self.query:
            return self.path
        return f"{self.path}?{urlencode(self.query)}"


@dataclass
class Response(Message):
    """A recorded response."""

    status: int = 200
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The response as stored in the file."""
        return self._body_to_dict({"status": self.status, "reason": self.reason})

    @classmethod
    def from_dict(cls, data: object, where: str) -> Response:
        """Parse the stored form; ``ValueError`` names the field that is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"{where} must be an object")
        status, reason = data.get("status"), data.get("reason", "")
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ValueError(f"{where}.status must be an HTTP status code (100-599)")
        if status < 200:
            raise ValueError(
                f"{where}.status {status} is informational (1xx); a server cannot send it as "
                "the answer to a request"
            )
        if not isinstance(reason, str) or not _HEADER_VALUE.fullmatch(reason):
            raise ValueError(f"{where}.reason must be a string of printable ASCII")
        response = cls(status=status, reason=reason)
        response._body_from_dict(data, where)
        if status in (204, 304) and any(k in data for k in ("json", "text", "base64")):
            raise ValueError(f"{where}: a {status} response cannot have a body; remove it")
        return response


@dataclass
class Interaction:
    """One request and the response it got."""

    request: Request
    response: Response

    def to_dict(self) -> dict[str, Any]:
        """The interaction as stored in the file."""
        return {"request": self.request.to_dict(), "response": self.response.to_dict()}

    @property
    def has_stream(self) -> bool:
        """Whether either message is stored as stream events (needs cassette version 2)."""
        return self.request.events is not None or self.response.events is not None


def match_key(request: Request) -> MatchKey:
    """What two requests must share to match: method, path, query (order-insensitive) and
    canonical body. Scheme, host, port and headers are not part of it. Credentials are made
    equal by scrubbing the live request first (``harness.cassette.scrub.clean_request``)."""
    query = tuple(sorted(request.query))
    return (sys.intern(request.method.upper()), request.path, query, request.canonical_body())


def differing_parts(recorded: Request, live: Request) -> list[str]:
    """Which parts of :func:`match_key` differ (``method``, ``path``, ``query``, ``body``), in
    that order: the one answer the plugin's miss message and the replay server both give."""
    names = ("method", "path", "query", "body")
    pairs = zip(names, match_key(recorded), match_key(live), strict=True)
    return [name for name, x, y in pairs if x != y]


# --------------------------------------------------------------------------- the cassette


class Cassette:
    """The interactions of one file, with an index for constant-time lookup.

    Identical requests are answered in recorded order: :meth:`play` hands out the first
    unplayed match and remembers it was played.

    A loaded cassette keeps each interaction as its compact JSON bytes (a fraction of the
    parsed objects' size) and the index as keys to interaction numbers; :meth:`interaction`
    parses one on demand. The first use of :attr:`interactions` parses them all, and from then
    on that list is the cassette (what writers and editors change).
    """

    def __init__(
        self,
        path: Path | None = None,
        interactions: list[Interaction] | None = None,
        key: Callable[[Request], Hashable] = match_key,
    ) -> None:
        self.path = path
        self._interactions: list[Interaction] | None = [] if interactions is None else interactions
        self._records: list[bytes] = []
        self._key = key
        self._index: dict[Hashable, int | list[int]] | None = None
        self._cursor: dict[Hashable, int] = {}
        """Per key with several interactions: how many leading ones are known played."""
        self._played: set[int] = set()

    def __repr__(self) -> str:
        return f"<Cassette {self.path} interactions={self.interaction_count}>"

    @property
    def key(self) -> Callable[[Request], Hashable]:
        """What indexes the interactions (the pytest plugin's ``match_on`` may change it)."""
        return self._key

    @key.setter
    def key(self, key: Callable[[Request], Hashable]) -> None:
        if key is not self._key:
            self._key, self._index, self._cursor = key, None, {}

    # ----------------------------------------------------------------- reading and writing

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, key: Callable[[Request], Hashable] = match_key
    ) -> Cassette:
        """Read ``path`` one interaction at a time into the compact form, indexed by ``key``;
        :class:`CassetteError` says what is wrong, with the line if known."""
        file = Path(path)
        try:
            return cls._streamed(file, key)
        except ReadWhole:  # read it whole: that names the problem (or reads an odd layout)
            cassette = cls._from_text(_read_text(file), path=file)
            cassette.key = key
            return cassette

    @classmethod
    def _streamed(cls, file: Path, key: Callable[[Request], Hashable]) -> Cassette:
        cassette = cls(path=file, key=key)
        cassette._interactions = None
        records = cassette._records
        index: dict[Hashable, int | list[int]] = {}
        for number, interaction, item in _stream(file, {}):
            try:
                records.append(_record(item))
            except RecursionError:
                raise ReadWhole from None
            _index_add(index, key(interaction.request), number)
        cassette._index = index
        return cassette

    @classmethod
    def from_bytes(cls, raw: bytes, *, path: Path | None = None) -> Cassette:
        """Parse the file's bytes (``path`` is only used in error messages)."""
        return cls._from_text(cls._decoded(raw, path), path=path)

    @staticmethod
    def _decoded(raw: bytes, path: Path | str | None) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CassetteError(
                path if path is not None else "<cassette>",
                f"not UTF-8 text (byte {exc.start}); is this a cassette file?",
            ) from None

    @classmethod
    def _from_text(cls, text: str, *, path: Path | None) -> Cassette:
        """Parse the file's text whole. The text is dropped once parsed."""
        where = path if path is not None else "<cassette>"
        surrogates = bool(SURROGATE_ESCAPE.search(text))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteError(
                where,
                f"not valid JSON: {exc.msg} (column {exc.colno}); fix the file or re-record it",
                line=exc.lineno,
            ) from None
        except RecursionError:
            raise CassetteError(
                where, "JSON nested too deeply to read; fix the file or re-record it"
            ) from None
        except ValueError:  # a number beyond Python's digit limit
            raise CassetteError(
                where, "not valid JSON: a number with too many digits; fix the file or re-record it"
            ) from None
        del text
        try:
            cassette = cls.from_dict(data, path=path)
            if surrogates:
                for number, interaction in enumerate(cassette.interactions):
                    _check_encodes(interaction, number)
        except ValueError as exc:
            raise CassetteError(where, f"{exc}; fix the file or re-record it") from None
        except RecursionError:
            raise CassetteError(
                where, "a body nested too deeply to send; fix the file or re-record it"
            ) from None
        return cassette

    @classmethod
    def from_dict(cls, data: object, *, path: Path | None = None) -> Cassette:
        """Build from the parsed JSON document; ``ValueError`` names the part that is wrong."""
        if not isinstance(data, dict) or data.get("format") != CASSETTE_FORMAT:
            raise ValueError(f'not a harness cassette (no "format": "{CASSETTE_FORMAT}")')
        version = data.get("version")
        if version not in (_PLAIN_VERSION, CASSETTE_VERSION) or isinstance(version, bool):
            raise ValueError(
                f"cassette version {version!r} is not supported (this harness reads versions "
                f"{_PLAIN_VERSION} and {CASSETTE_VERSION}); upgrade assistants-harness or re-record"
            )
        items = data.get(INTERACTIONS)
        if not isinstance(items, list):
            raise ValueError('"interactions" must be a list')
        interactions = [_interaction_from(item, number) for number, item in enumerate(items)]
        if version == _PLAIN_VERSION:
            for number, interaction in enumerate(interactions):
                if interaction.has_stream:
                    raise ValueError(
                        f"interactions[{number}] holds stream events, which need "
                        f'"version": {CASSETTE_VERSION}'
                    )
        return cls(path=path, interactions=interactions)

    def to_dict(self) -> dict[str, Any]:
        """The whole document as stored."""
        return {
            "format": CASSETTE_FORMAT,
            "version": (
                CASSETTE_VERSION if any(i.has_stream for i in self.interactions) else _PLAIN_VERSION
            ),
            "interactions": [i.to_dict() for i in self.interactions],
        }

    def dumps(self) -> str:
        """The file's text: sorted keys, two-space indent, trailing newline."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically (temp file in the same directory, fsync, rename)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this cassette has no path; pass one to save()")
        atomic_write_text(target, self.dumps())
        self.path = target
        return target

    # ----------------------------------------------------------------- the interactions

    @property
    def interactions(self) -> list[Interaction]:
        """Every interaction, parsed (see the class docstring)."""
        if self._interactions is None:
            self._interactions = [self._parsed(n) for n in range(len(self._records))]
            self._records = []
        return self._interactions

    @property
    def interaction_count(self) -> int:
        """How many interactions the cassette holds (without parsing any)."""
        if self._interactions is None:
            return len(self._records)
        return len(self._interactions)

    def interaction(self, number: int) -> Interaction:
        """Interaction ``number`` (parsed from the compact form each time, until
        :attr:`interactions` is used)."""
        if self._interactions is None:
            return self._parsed(number)
        return self._interactions[number]

    def _parsed(self, number: int) -> Interaction:
        return _interaction_from(json.loads(self._records[number]), number)

    def _request(self, number: int) -> Request:
        if self._interactions is None:
            data = json.loads(self._records[number])
            return Request.from_dict(data["request"], f"interactions[{number}].request")
        return self._interactions[number].request

    def append(self, interaction: Interaction) -> None:
        """Add an interaction (keeps the index current)."""
        interactions = self.interactions
        interactions.append(interaction)
        if self._index is not None:
            _index_add(self._index, self.key(interaction.request), len(interactions) - 1)

    # ----------------------------------------------------------------- lookup

    def _lookup(self) -> dict[Hashable, int | list[int]]:
        if self._index is None:
            index: dict[Hashable, int | list[int]] = {}
            for number in range(self.interaction_count):
                _index_add(index, self.key(self._request(number)), number)
            self._index, self._cursor = index, {}
        return self._index

    def _find(self, key: Hashable, accept: Accept | None) -> int | None:
        entry = self._lookup().get(key)
        if entry is None:
            return None
        if isinstance(entry, int):
            if entry in self._played or (accept is not None and not accept(self._request(entry))):
                return None
            return entry
        start = self._cursor.get(key, 0)
        while start < len(entry) and entry[start] in self._played:
            start += 1
        self._cursor[key] = start
        for number in entry[start:]:  # a scan of the requests sharing the key, for user matchers
            if number not in self._played and (accept is None or accept(self._request(number))):
                return number
        return None

    def play(self, request: Request, accept: Accept | None = None) -> Interaction | None:
        """The first unplayed interaction matching ``request`` (and passing ``accept``, if
        given), now marked played; or None."""
        return self.play_key(self.key(request), accept)

    def play_key(self, key: Hashable, accept: Accept | None = None) -> Interaction | None:
        """:meth:`play` for a request whose :attr:`key` (by default :func:`match_key`) is
        already known."""
        number = self.play_number(key, accept)
        return None if number is None else self.interaction(number)

    def play_number(self, key: Hashable, accept: Accept | None = None) -> int | None:
        """:meth:`play_key`, giving the interaction's number (nothing is parsed for it)."""
        number = self._find(key, accept)
        if number is not None:
            self._played.add(number)
        return number

    def can_play(self, request: Request, accept: Accept | None = None) -> bool:
        """Whether :meth:`play` would answer ``request``."""
        return self._find(self.key(request), accept) is not None

    def has_recorded(self, request: Request, accept: Accept | None = None) -> bool:
        """Whether any interaction, played or not, matches ``request`` (the index keeps every
        recorded number, played or not)."""
        entry = self._lookup().get(self.key(request))
        if entry is None:
            return False
        if accept is None:
            return True
        numbers = [entry] if isinstance(entry, int) else entry
        return any(accept(self._request(number)) for number in numbers)

    @property
    def play_count(self) -> int:
        """How many interactions were played."""
        return len(self._played)

    @property
    def all_played(self) -> bool:
        """Whether every recorded interaction was played."""
        return len(self._played) == self.interaction_count

    def unplayed_numbers(self) -> list[int]:
        """The numbers of the interactions not played yet, in recorded order."""
        return [n for n in range(self.interaction_count) if n not in self._played]

    def unplayed(self) -> list[Interaction]:
        """Interactions not played yet, in recorded order."""
        return [self.interaction(n) for n in self.unplayed_numbers()]

    def rewind(self) -> None:
        """Forget what was played."""
        self._played.clear()
        self._cursor = {}
        if self._interactions is not None:  # they may have been edited: index them afresh
            self._index = None

    def nearest(self, request: Request) -> Interaction | None:
        """The recorded interaction most like ``request`` (same method and path first, then the
        most similar body), for explaining a miss."""
        number = self.nearest_number(request)
        return None if number is None else self.interaction(number)

    def nearest_number(self, request: Request) -> int | None:
        """:meth:`nearest`, giving the interaction's number."""
        count = self.interaction_count
        if not count:
            return None
        same = self._same_target(request)
        body = request.canonical_body()

        def score(number: int) -> tuple[int, int, int]:
            other = self._request(number)
            return (
                other.method == request.method,
                other.path == request.path,
                -_distance(other.canonical_body(), body),
            )

        return max((same or range(count))[:_NEAREST_CANDIDATES], key=score)

    def _same_target(self, request: Request) -> list[int]:
        """The first :data:`_NEAREST_CANDIDATES` interactions with the request's method and
        path (in the compact form, found by their bytes, then parsed to be sure)."""
        same: list[int] = []
        if self._interactions is not None:
            for number, interaction in enumerate(self._interactions):
                other = interaction.request
                if other.method == request.method and other.path == request.path:
                    same.append(number)
            return same[:_NEAREST_CANDIDATES]
        needle = b'"path":' + json.dumps(request.path, ensure_ascii=False).encode()
        for number, record in enumerate(self._records):
            if needle in record:
                other = self._request(number)
                if other.method == request.method and other.path == request.path:
                    same.append(number)
                    if len(same) == _NEAREST_CANDIDATES:
                        break
        return same


class CassetteReader:
    """The interactions of one cassette file, validated and given one at a time as
    ``(number, interaction)``: what ``verify`` and ``scan`` read, in memory that does not grow
    with the file. A problem raises :class:`CassetteError` (as :meth:`Cassette.load` would) when
    the reading reaches it, after the interactions before it; :attr:`top` holds the document's
    other top-level members once the iteration ends.

    A layout the stream does not read (a top-level key given twice, which ``json.loads``
    resolves by keeping the last) is read whole instead, and the iteration starts again at
    interaction 0: whoever counts something per file starts afresh at 0.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.top: dict[str, Any] = {}

    def __iter__(self) -> Iterator[tuple[int, Interaction]]:
        self.top = {}
        try:
            for number, interaction, _ in _stream(self.path, self.top):
                yield number, interaction
        except ReadWhole:
            text = _read_text(self.path)
            cassette = Cassette._from_text(text, path=self.path)  # raises what is wrong
            self.top = {k: v for k, v in json.loads(text).items() if k != INTERACTIONS}
            del text
            yield from enumerate(cassette.interactions)


def _stream(path: Path, top: dict[str, Any]) -> Iterator[tuple[int, Interaction, Any]]:
    """``(number, interaction, stored form)`` for each interaction of ``path``, validated as
    :meth:`Cassette.from_dict` validates; the other top-level members go to ``top``. Raises
    :class:`ReadWhole` for whatever is wrong (the whole-file reading names it)."""
    first_stream: int | None = None
    number, listed = 0, False
    for name, value, surrogate in read_members(path):
        if name is not None:
            if name != INTERACTIONS:
                top[name] = value
            elif value is STREAMED:
                listed = True
            else:
                raise ReadWhole  # not a list
            continue
        try:
            interaction = _interaction_from(value, number)
            if surrogate:
                _check_encodes(interaction, number)
        except (ValueError, RecursionError):
            raise ReadWhole from None
        if first_stream is None and interaction.has_stream:
            first_stream = number
        yield number, interaction, value
        number += 1
    version = top.get("version")
    if (
        top.get("format") != CASSETTE_FORMAT
        or not listed
        or version not in (_PLAIN_VERSION, CASSETTE_VERSION)
        or isinstance(version, bool)
        or (version == _PLAIN_VERSION and first_stream is not None)
    ):
        raise ReadWhole


def _interaction_from(item: object, number: int) -> Interaction:
    where = f"interactions[{number}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    return Interaction(
        Request.from_dict(item.get("request"), f"{where}.request"),
        Response.from_dict(item.get("response"), f"{where}.response"),
    )


def _check_encodes(interaction: Interaction, number: int) -> None:
    """A lone surrogate (from a ``\\uD800`` escape) in a JSON body cannot be sent."""
    for part in ("request", "response"):
        try:
            getattr(interaction, part).body_bytes  # noqa: B018
        except UnicodeEncodeError:
            raise ValueError(
                f"interactions[{number}].{part}.json holds a lone surrogate; it cannot be sent"
            ) from None


def _record(item: Any) -> bytes:
    """An interaction's compact form: its stored JSON without whitespace."""
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def _index_add(index: dict[Hashable, int | list[int]], key: Hashable, number: int) -> None:
    entry = index.get(key)
    if entry is None:
        index[key] = number
    elif isinstance(entry, int):
        index[key] = [entry, number]
    else:
        entry.append(number)


_NEAREST_CANDIDATES = 200
_COMPARED = 65536
"""Characters of each body :meth:`Cassette.nearest` compares: a miss costs bounded time."""


def _read_text(file: Path) -> str:
    """The file's text; :class:`CassetteError` if it cannot be read or is not UTF-8."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise CassetteError(file, "no such file; check the path") from None
    except IsADirectoryError:
        raise CassetteError(file, "is a directory; name a cassette file") from None
    except OSError as exc:
        raise CassetteError(file, f"cannot read: {exc.strerror}") from None
    return Cassette._decoded(raw, file)


def _distance(a: str, b: str) -> int:
    """A cheap dissimilarity: length of the differing middle after the common prefix/suffix
    (of the first :data:`_COMPARED` characters; slices compare at C speed)."""
    a, b = a[:_COMPARED], b[:_COMPARED]
    prefix = _common_prefix(a, b)
    suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
    return max(len(a), len(b)) - prefix - suffix


def _common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


# --------------------------------------------------------------------------- files


def atomic_write_text(path: str | os.PathLike[str], text: str, *, sync: bool = True) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never a
    torn one: a temp file in the same directory, fsync, then an atomic rename. ``sync=False``
    skips the fsync: still whole after a process kill (the page cache survives it), not
    necessarily after a power loss."""
    target = Path(path)
    remove_leftovers(target)
    atomic_write_bytes(target, [text.encode("utf-8")], sync=sync)


def atomic_write_bytes(
    target: Path,
    chunks: Sequence[bytes | bytearray],
    *,
    sync: bool = True,
    keep_replaced: Path | None = None,
) -> None:
    """:func:`atomic_write_text` for the concatenation of ``chunks`` (written as they are, not
    joined: no copy of a big buffer), without the sweep for leftovers (a writer that rewrites
    one file many times sweeps once). ``keep_replaced``: a name from :func:`temp_name` to keep
    the replaced version under, so the caller can delete it later, off its hot path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=_TEMP_SUFFIX, dir=target.parent
    )
    try:
        with os.fdopen(fd, "wb", buffering=0) as handle:
            for chunk in chunks:
                with memoryview(chunk) as view:
                    written = 0
                    while written < len(view):
                        written += handle.write(view[written:]) or 0
            if sync:
                os.fsync(handle.fileno())
        if keep_replaced is not None:
            with contextlib.suppress(FileNotFoundError):
                os.link(target, keep_replaced)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def temp_name(target: Path, label: str) -> Path:
    """A name beside ``target`` that :func:`remove_leftovers` deletes once this process is
    gone (``label``: what it holds, unique within the process)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{label}{_TEMP_SUFFIX}")


_TEMP_SUFFIX = ".tmp"
_STALE_SECONDS = 600


def remove_leftovers(target: Path) -> list[Path]:
    """Delete temp files a killed writer of ``target`` left behind (``.NAME.PID.*.tmp`` whose
    process is gone; an unnamed one older than ten minutes). Returns what was removed."""
    removed = []
    for candidate in target.parent.glob(f".{glob_escape(target.name)}.*{_TEMP_SUFFIX}"):
        owner = candidate.name[len(target.name) + 2 :].split(".", 1)[0]
        try:
            if owner.isdigit():
                if int(owner) == os.getpid() or _alive(int(owner)):
                    continue
            elif time.time() - candidate.stat().st_mtime < _STALE_SECONDS:
                continue
            candidate.unlink()
        except OSError:
            continue
        removed.append(candidate)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob metacharacters made literal."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - os.kill would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def iter_cassette_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Each file named, and every ``*.json`` below each directory named, in sorted order.
    A path that does not exist raises :class:`CassetteError`."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{CASSETTE_SUFFIX}") if p.is_file())
        elif path.exists():
            yield path
        else:
            raise CassetteError(path, "no such file or directory; check the path")
