"""go-vcr cassettes (Go), every format it has written.

- v1 and v2 (``github.com/dnaeon/go-vcr``, ``version: 1``): ``interactions`` of
  ``{"request": {"body", "form", "headers", "url", "method"}, "response": {"body", "headers",
  "status": "200 OK", "code", "duration"}}`` (``code`` is absent in the earliest files and read
  from ``status``);
- v3 and v4 (``gopkg.in/dnaeon/go-vcr.v3``/``v4``, ``version: 2``): the same plus ``id``,
  ``proto``, ``content_length``, ``host``, ``request_uri``, ``uncompressed`` ... (ignored).

Bodies are strings (``!!binary`` when they are not UTF-8). Go's transport decompresses gzip
itself and drops ``Content-Encoding`` (``uncompressed: true``); a body recorded still encoded
is decoded by its header.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from harness.tools.importers._source import (
    Entry,
    FormatProblem,
    Reader,
    Skip,
    as_bytes,
    field,
    join_headers,
    make_interaction,
)

__all__ = ["READER"]


def _claims(document: object) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        return False
    first = next(iter(document["interactions"]), None)
    request = first.get("request") if isinstance(first, dict) else None
    return isinstance(request, dict) and "url" in request


def _code(response: dict[str, object], position: str) -> int:
    code = response.get("code")
    if isinstance(code, int) and code:
        return code
    status = str(response.get("status") or "")
    head = status.split(" ", 1)[0]
    if head.isdigit():
        return int(head)
    raise FormatProblem(f"{position}.code", "missing, and status does not start with a code")


def _entries(document: object) -> Iterator[Entry]:
    version = document.get("version") if isinstance(document, dict) else None
    if version not in (1, 2):
        raise FormatProblem("version", f"go-vcr cassette version {version!r} is not 1 or 2")
    for number, item in enumerate(field(document, "interactions", "", list)):
        where = f"interactions[{number}]"
        request = field(item, "request", where, dict)
        response = item.get("response")
        if not isinstance(response, dict):
            yield Skip(number, "no response recorded")
            continue
        body = as_bytes(request.get("body"), f"{where}.request.body")
        form = request.get("form")
        if not body and isinstance(form, dict) and form:
            body = urlencode(
                [(k, v) for k, vs in form.items() for v in (vs or [])], doseq=False
            ).encode()
        status = str(response.get("status") or "")
        yield make_interaction(
            number=number,
            method=str(field(request, "method", f"{where}.request", str)),
            url=str(field(request, "url", f"{where}.request", str)),
            request_headers=join_headers(request.get("headers"), f"{where}.request.headers"),
            request_body=body,
            status=_code(response, f"{where}.response"),
            reason=status.split(" ", 1)[1] if " " in status else "",
            response_headers=join_headers(response.get("headers"), f"{where}.response.headers"),
            response_body=as_bytes(response.get("body"), f"{where}.response.body"),
            position=where,
        )


READER = Reader(name="go-vcr", claims=_claims, entries=_entries)
