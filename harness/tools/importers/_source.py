"""What every source format shares: the reader seam, entries, errors and body decoding.

A reader turns one parsed document (YAML or JSON) into :class:`Entry` values: a raw
:class:`~harness.cassette.format.Interaction` (headers as recorded, body already
content-decoded) or a :class:`Skip` saying why an interaction cannot be imported. Scrubbing,
drift and writing happen once, in :mod:`harness.tools.importers.convert`, for every format.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.cassette.format import Interaction, Request, Response

__all__ = [
    "Entry",
    "FormatProblem",
    "ImportInputError",
    "Reader",
    "Skip",
    "as_bytes",
    "decode_content",
    "join_headers",
    "make_interaction",
]


class ImportInputError(ValueError):
    """Input that cannot be imported; ``str()`` is one line naming the file and position."""


class FormatProblem(ValueError):
    """A document that is not what its format says, at ``position`` (``interactions[2].uri``)."""

    def __init__(self, position: str, problem: str) -> None:
        self.position = position
        self.problem = problem
        super().__init__(f"{position}: {problem}")


@dataclass(frozen=True)
class Skip:
    """An interaction left out, and why (shown in the report)."""

    number: int
    reason: str


@dataclass(frozen=True)
class Raw:
    """An interaction as recorded (credentials and volatile headers still in it)."""

    number: int
    interaction: Interaction


Entry = Raw | Skip


@dataclass(frozen=True)
class Reader:
    """One source format: a name for the report, a test on the parsed document, a converter."""

    name: str
    claims: Callable[[object], bool]
    entries: Callable[[object], Iterator[Entry]]


def field(data: object, key: str, position: str, kind: type | tuple[type, ...]) -> Any:
    """``data[key]`` checked to be of ``kind``; a :class:`FormatProblem` at ``position`` if not."""
    if not isinstance(data, dict):
        raise FormatProblem(position, "must be a mapping")
    if key not in data:
        raise FormatProblem(f"{position}.{key}", "missing")
    value = data[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise FormatProblem(f"{position}.{key}", f"must be {names}, not {type(value).__name__}")
    return value


def as_bytes(value: object, position: str) -> bytes:
    """A body as bytes: text is UTF-8, ``None`` is empty."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    raise FormatProblem(position, f"must be a string or binary, not {type(value).__name__}")


def b64(value: str, position: str) -> bytes:
    """Strict base64, with the position in the error."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise FormatProblem(position, "is not valid base64") from None


def join_headers(headers: object, position: str) -> dict[str, str]:
    """Headers from ``{name: value}`` or ``{name: [values]}``; repeated values joined by ``, ``."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise FormatProblem(position, "must be a mapping of header names to values")
    joined: dict[str, str] = {}
    for name, value in headers.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        text = ", ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in values)
        key = str(name)
        joined[key] = f"{joined[key]}, {text}" if key in joined else text
    return joined


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _without(headers: Mapping[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in names}


def _decompress(encoding: str, body: bytes) -> bytes:
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    import brotli

    result: bytes = brotli.decompress(body)
    return result


def decode_content(headers: Mapping[str, str], body: bytes) -> tuple[dict[str, str], bytes] | str:
    """The body with its ``content-encoding`` (gzip, deflate, br) undone and the header dropped,
    or a reason to skip. A body that does not decode but is UTF-8 text was stored decoded by
    the recorder (vcrpy's ``decode_compressed_response``, Go's transparent gzip)."""
    encoding = (_header(headers, "content-encoding") or "").strip().lower()
    if not encoding or encoding == "identity" or not body:
        return _without(headers, "content-encoding"), body
    if encoding not in ("gzip", "x-gzip", "deflate", "br"):
        return f"body has content-encoding {encoding!r}, which the harness cannot decode"
    try:
        decoded = _decompress(encoding, body)
    except ImportError:
        return "body is brotli-compressed (content-encoding br); pip install brotli, then import"
    except Exception:  # gzip, zlib and brotli each raise their own error types
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return f"body does not decode as content-encoding {encoding}"
        decoded = body
    return _without(headers, "content-encoding", "content-length"), decoded


def make_interaction(
    *,
    number: int,
    method: str,
    url: str,
    request_headers: Mapping[str, str],
    request_body: bytes,
    status: int,
    reason: str,
    response_headers: Mapping[str, str],
    response_body: bytes,
    position: str,
) -> Entry:
    """A raw interaction from a recorded URL and messages; a :class:`Skip` for what cannot be
    stored (a non-HTTP URL, a status outside 100-599, a body that does not decode)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return Skip(number, f"not an HTTP request (URL scheme {parts.scheme or 'missing'!r})")
    if not 100 <= status <= 599:
        return Skip(number, f"no HTTP response (status {status}: failed, blocked or aborted)")
    request = Request(
        method=method.upper(),
        path=parts.path or "/",
        query=parse_qsl(parts.query, keep_blank_values=True),
    )
    response = Response(status=status, reason=reason)
    for message, headers, body in (
        (request, request_headers, request_body),
        (response, response_headers, response_body),
    ):
        decoded = decode_content(headers, body)
        if isinstance(decoded, str):
            return Skip(number, f"{'request' if message is request else 'response'} {decoded}")
        message.headers, content = decoded
        message.set_body(content)
    if not method:
        raise FormatProblem(f"{position}.method", "is empty")
    return Raw(number, Interaction(request, response))
