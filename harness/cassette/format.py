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
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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
    "Interaction",
    "MatchKey",
    "Message",
    "Request",
    "Response",
    "atomic_write_text",
    "differing_parts",
    "iter_cassette_files",
    "match_key",
    "remove_leftovers",
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
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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
    return (request.method.upper(), request.path, query, request.canonical_body())


def differing_parts(recorded: Request, live: Request) -> list[str]:
    """Which parts of :func:`match_key` differ (``method``, ``path``, ``query``, ``body``), in
    that order: the one answer the plugin's miss message and the replay server both give."""
    names = ("method", "path", "query", "body")
    pairs = zip(names, match_key(recorded), match_key(live), strict=True)
    return [name for name, x, y in pairs if x != y]


# --------------------------------------------------------------------------- the cassette


@dataclass
class Cassette:
    """The interactions of one file, with an index for constant-time lookup.

    Identical requests are answered in recorded order: :meth:`play` hands out the first
    unplayed match and remembers it was played.
    """

    path: Path | None = None
    interactions: list[Interaction] = field(default_factory=list)
    key: Callable[[Request], Hashable] = field(default=match_key, repr=False)
    """What indexes the interactions (the pytest plugin's ``match_on`` may change it)."""
    _index: dict[Hashable, deque[int]] | None = field(default=None, repr=False)
    _played: set[int] = field(default_factory=set, repr=False)

    # ----------------------------------------------------------------- reading and writing

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Cassette:
        """Read ``path``; :class:`CassetteError` says what is wrong, with the line if known."""
        file = Path(path)
        return cls._from_text(_read_text(file), path=file)  # the text is not kept here

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
        """Parse the file's text. The text is dropped once parsed: a big cassette's peak memory
        is its parsed form, not that plus its bytes and its text."""
        where = path if path is not None else "<cassette>"
        surrogates = bool(_SURROGATE_ESCAPE.search(text))
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
                cassette._check_bodies_encode()
        except ValueError as exc:
            raise CassetteError(where, f"{exc}; fix the file or re-record it") from None
        except RecursionError:
            raise CassetteError(
                where, "a body nested too deeply to send; fix the file or re-record it"
            ) from None
        return cassette

    def _check_bodies_encode(self) -> None:
        for number, interaction in enumerate(self.interactions):
            for part in ("request", "response"):
                try:
                    getattr(interaction, part).body_bytes  # noqa: B018
                except UnicodeEncodeError:
                    raise ValueError(
                        f"interactions[{number}].{part}.json holds a lone surrogate; it cannot "
                        "be sent"
                    ) from None

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
        items = data.get("interactions")
        if not isinstance(items, list):
            raise ValueError('"interactions" must be a list')
        interactions = []
        for number, item in enumerate(items):
            where = f"interactions[{number}]"
            if not isinstance(item, dict):
                raise ValueError(f"{where} must be an object")
            interactions.append(
                Interaction(
                    Request.from_dict(item.get("request"), f"{where}.request"),
                    Response.from_dict(item.get("response"), f"{where}.response"),
                )
            )
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

    # ----------------------------------------------------------------- lookup

    def append(self, interaction: Interaction) -> None:
        """Add an interaction (keeps the index current)."""
        self.interactions.append(interaction)
        if self._index is not None:
            key = self.key(interaction.request)
            self._index.setdefault(key, deque()).append(len(self.interactions) - 1)

    def _lookup(self) -> dict[Hashable, deque[int]]:
        if self._index is None:
            index: dict[Hashable, deque[int]] = {}
            for number, interaction in enumerate(self.interactions):
                if number not in self._played:
                    index.setdefault(self.key(interaction.request), deque()).append(number)
            self._index = index
        return self._index

    def _find(self, key: Hashable, accept: Accept | None) -> tuple[deque[int], int] | None:
        queue = self._lookup().get(key)
        if not queue:
            return None
        if accept is None:
            return queue, queue[0]
        for number in queue:  # a scan of the requests sharing the key, for user matchers
            if accept(self.interactions[number].request):
                return queue, number
        return None

    def play(self, request: Request, accept: Accept | None = None) -> Interaction | None:
        """The first unplayed interaction matching ``request`` (and passing ``accept``, if
        given), now marked played; or None."""
        return self.play_key(self.key(request), accept)

    def play_key(self, key: Hashable, accept: Accept | None = None) -> Interaction | None:
        """:meth:`play` for a request whose :attr:`key` (by default :func:`match_key`) is
        already known."""
        found = self._find(key, accept)
        if found is None:
            return None
        queue, number = found
        if queue[0] == number:
            queue.popleft()
        else:
            queue.remove(number)
        self._played.add(number)
        return self.interactions[number]

    def can_play(self, request: Request, accept: Accept | None = None) -> bool:
        """Whether :meth:`play` would answer ``request``."""
        return self._find(self.key(request), accept) is not None

    def has_recorded(self, request: Request, accept: Accept | None = None) -> bool:
        """Whether any interaction, played or not, matches ``request`` (the index keeps the key
        of every recorded request: playing empties its queue, never removes it)."""
        key = self.key(request)
        if accept is None:
            return key in self._lookup()
        return any(self.key(i.request) == key and accept(i.request) for i in self.interactions)

    @property
    def play_count(self) -> int:
        """How many interactions were played."""
        return len(self._played)

    @property
    def all_played(self) -> bool:
        """Whether every recorded interaction was played."""
        return len(self._played) == len(self.interactions)

    def unplayed(self) -> list[Interaction]:
        """Interactions not played yet, in recorded order."""
        return [i for n, i in enumerate(self.interactions) if n not in self._played]

    def rewind(self) -> None:
        """Forget what was played."""
        self._played.clear()
        self._index = None

    def nearest(self, request: Request) -> Interaction | None:
        """The recorded interaction most like ``request`` (same method and path first, then the
        most similar body), for explaining a miss."""
        if not self.interactions:
            return None

        same = [
            i
            for i in self.interactions
            if i.request.method == request.method and i.request.path == request.path
        ]
        body = request.canonical_body()

        def score(interaction: Interaction) -> tuple[int, int, int]:
            other = interaction.request
            return (
                other.method == request.method,
                other.path == request.path,
                -_distance(other.canonical_body(), body),
            )

        return max((same or self.interactions)[:_NEAREST_CANDIDATES], key=score)


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
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=_TEMP_SUFFIX, dir=target.parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
