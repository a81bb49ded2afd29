"""vcrpy cassettes (YAML or JSON serializer), as vcrpy and pytest-recording write them.

Two layouts:

- current (vcrpy 1.0 and later): ``{"version": 1, "interactions": [{"request": {"method",
  "uri", "body", "headers": {name: [values]}}, "response": {"status": {"code", "message"},
  "headers": {name: [values]}, "body": {"string": ...}}}]}``;
- old (before 1.0): a bare list of interactions whose request has ``protocol``, ``host``,
  ``port`` and ``path`` instead of ``uri``, headers as a mapping or a list of pairs, and
  response headers as ``"name: value\\r\\n"`` lines.

Body forms: a text ``string``; YAML ``!!binary`` (bytes); ``base64_string`` (Ruby VCR and
Betamax's form, found in mixed archives); ``None``; a ``BytesIO`` request body; gzip, deflate
or br bodies recorded with ``decode_compressed_response`` off (decoded here by their
``content-encoding``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from harness.tools.importers._source import (
    Entry,
    FormatProblem,
    Reader,
    Skip,
    as_bytes,
    b64,
    field,
    join_headers,
    make_interaction,
)

__all__ = ["READER"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _claims(document: object) -> bool:
    if isinstance(document, list):
        return bool(document) and isinstance(document[0], dict) and "request" in document[0]
    if not isinstance(document, dict) or not isinstance(document.get("interactions"), list):
        return False
    first = next(iter(document["interactions"]), None)
    request = first.get("request") if isinstance(first, dict) else None
    return not isinstance(request, dict) or "url" not in request  # go-vcr names it "url"


def _body(value: object, position: str) -> bytes:
    if isinstance(value, io.BytesIO):
        return value.getvalue()
    if isinstance(value, dict):
        if "base64_string" in value:
            return b64(str(value["base64_string"]), f"{position}.base64_string")
        return as_bytes(value.get("string"), f"{position}.string")
    return as_bytes(value, position)


def _old_uri(request: dict[str, Any], position: str) -> str:
    scheme = str(field(request, "protocol", position, str))
    host = str(field(request, "host", position, str))
    port = field(request, "port", position, (int, str))
    path = str(field(request, "path", position, str))
    shown = "" if int(port) == _DEFAULT_PORTS.get(scheme) else f":{port}"
    return f"{scheme}://{host}{shown}{path}"


def _old_response_headers(lines: object, position: str) -> dict[str, str]:
    if not isinstance(lines, list):
        return join_headers(lines, position)
    headers: dict[str, list[str]] = {}
    for number, line in enumerate(lines):
        name, sep, value = str(line).partition(":")
        if not sep:
            raise FormatProblem(f"{position}[{number}]", "is not a 'name: value' header line")
        headers.setdefault(name.strip(), []).append(value.strip())
    return join_headers(headers, position)


def _request_headers(value: object, position: str) -> dict[str, str]:
    if isinstance(value, list):  # the old layout's frozenset of (name, value) pairs
        return join_headers(dict(value), position)
    return join_headers(value, position)


def _entries(document: object) -> Iterator[Entry]:
    old = isinstance(document, list)
    items = document if isinstance(document, list) else field(document, "interactions", "", list)
    prefix = "" if old else "interactions"
    for number, item in enumerate(items):
        where = f"{prefix}[{number}]"
        request = field(item, "request", where, dict)
        if not isinstance(item.get("response"), dict):
            yield Skip(number, "no response recorded")
            continue
        response = item["response"]
        uri = _old_uri(request, f"{where}.request") if old else None
        if uri is None:
            uri = field(request, "uri", f"{where}.request", str)
        status = field(response, "status", f"{where}.response", (dict, int))
        code = status if isinstance(status, int) else status.get("code")
        if not isinstance(code, int):
            raise FormatProblem(f"{where}.response.status.code", "must be an integer")
        reason = "" if isinstance(status, int) else str(status.get("message") or "")
        yield make_interaction(
            number=number,
            method=str(field(request, "method", f"{where}.request", str)),
            url=uri,
            request_headers=_request_headers(request.get("headers"), f"{where}.request.headers"),
            request_body=_body(request.get("body"), f"{where}.request.body"),
            status=code,
            reason=reason,
            response_headers=_old_response_headers(
                response.get("headers"), f"{where}.response.headers"
            ),
            response_body=_body(response.get("body"), f"{where}.response.body"),
            position=where,
        )


READER = Reader(name="vcrpy", claims=_claims, entries=_entries)
