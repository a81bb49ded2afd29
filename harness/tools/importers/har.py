"""HAR 1.2 (HTTP Archive): browser devtools, Playwright's ``record_har``, Polly.js, mitmproxy,
Charles.

Each of ``log.entries`` is one interaction: ``request`` (``method``, ``url``, ``headers`` as
``[{name, value}]``, ``postData`` with ``text`` or form ``params``) and ``response``
(``status``, ``statusText``, ``headers``, ``content`` with ``text`` and an optional
``encoding: "base64"``). HAR stores content *decoded*, so ``content-encoding`` is dropped;
HTTP/2 pseudo-headers (``:authority``) are dropped. An entry with status 0 (blocked, aborted)
or a non-HTTP URL (``ws:``, ``data:``) is skipped, as is one whose body was not saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from harness.tools.importers._source import (
    Entry,
    FormatProblem,
    Reader,
    Skip,
    b64,
    field,
    make_interaction,
)

__all__ = ["READER"]


def _claims(document: object) -> bool:
    log = document.get("log") if isinstance(document, dict) else None
    return isinstance(log, dict) and "entries" in log


def _headers(value: object, position: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise FormatProblem(position, "must be a list of {name, value} objects")
    headers: dict[str, str] = {}
    for number, item in enumerate(value):
        name = field(item, "name", f"{position}[{number}]", str)
        text = str(field(item, "value", f"{position}[{number}]", (str, int, float)))
        if name.startswith(":"):
            continue
        lowered = {k.lower(): k for k in headers}
        key = lowered.get(name.lower(), name)
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _post_data(request: dict[str, Any], position: str) -> bytes:
    post = request.get("postData")
    if post is None:
        return b""
    if not isinstance(post, dict):
        raise FormatProblem(position, "must be an object")
    if isinstance(post.get("text"), str):
        text: str = post["text"]
        if post.get("encoding") == "base64":
            return b64(text, f"{position}.text")
        return text.encode()
    params = post.get("params") or []
    if not isinstance(params, list):
        raise FormatProblem(f"{position}.params", "must be a list of {name, value} objects")
    return urlencode(
        [(str(p.get("name", "")), str(p.get("value", ""))) for p in params if isinstance(p, dict)]
    ).encode()


def _content(response: dict[str, Any], position: str) -> bytes | None:
    """The response body, or None when the HAR says there was one but did not save it."""
    content = response.get("content")
    if content is None:
        return b""
    if not isinstance(content, dict):
        raise FormatProblem(position, "must be an object")
    text = content.get("text")
    if text is None:
        size = content.get("size")
        return None if isinstance(size, int) and size > 0 else b""
    if not isinstance(text, str):
        raise FormatProblem(f"{position}.text", "must be a string")
    encoding = content.get("encoding")
    if encoding == "base64":
        return b64(text, f"{position}.text")
    if encoding not in (None, ""):
        raise FormatProblem(f"{position}.encoding", f"{encoding!r} is not base64")
    return text.encode()


def _entries(document: object) -> Iterator[Entry]:
    log = field(document, "log", "", dict)
    for number, entry in enumerate(field(log, "entries", "log", list)):
        where = f"log.entries[{number}]"
        request = field(entry, "request", where, dict)
        response = entry.get("response")
        if not isinstance(response, dict):
            yield Skip(number, "no response recorded")
            continue
        status = response.get("status", 0)
        if not isinstance(status, int):
            raise FormatProblem(f"{where}.response.status", "must be an integer")
        body = _content(response, f"{where}.response.content")
        if body is None:
            size = response["content"]["size"]
            yield Skip(
                number, f"response body not saved in the HAR ({size} bytes); export it with content"
            )
            continue
        response_headers = {
            k: v
            for k, v in _headers(response.get("headers"), f"{where}.response.headers").items()
            if k.lower() not in ("content-encoding", "content-length")
        }
        yield make_interaction(
            number=number,
            method=str(field(request, "method", f"{where}.request", str)),
            url=str(field(request, "url", f"{where}.request", str)),
            request_headers=_headers(request.get("headers"), f"{where}.request.headers"),
            request_body=_post_data(request, f"{where}.request.postData"),
            status=status,
            reason=str(response.get("statusText") or ""),
            response_headers=response_headers,
            response_body=body,
            position=where,
        )


READER = Reader(name="HAR", claims=_claims, entries=_entries)
