"""The vcrpy adaptation: vcrpy's patchers, pointed at a harness :class:`Recording`.

vcrpy does two jobs: it *patches* HTTP libraries (its stubs intercept every request and ask a
cassette object ``can_play_response_for`` / ``play_response`` / ``append``), and it *stores*
(its ``Cassette`` matches by scanning every recorded request, O(N) per request, and writes
YAML). We keep the first job and replace the second: :class:`_Slot` is the cassette object the
stubs call; it converts vcrpy's requests and responses to harness ones and forwards them to the
active :class:`~harness.plugin.recording.Recording`, whose indexed cassette answers in O(1).

Per-test cost matters, so the patchers are built once per process (:class:`Patches`), for the
libraries this harness supports only (httpx2 — the official SDK's client —, httpx,
requests, and aiohttp — the SDK's ``DefaultAioHttpClient`` and plain ``aiohttp.ClientSession``
— where installed); a test only swaps the prepared attributes in and out.

This is the only module that touches vcrpy, and it uses vcrpy internals (``vcr.patch``'s
``CassettePatcherBuilder`` and ``PATCHER_NAMES``, the stubs' cassette interface), which is why
``pyproject.toml`` bounds vcrpy from above. The plugin imports it when the first cassette opens.
On vcrpy 8.x (Python 3.10) there is no ``skip_patchers``: every installed library vcrpy knows
is patched, not only the three supported ones.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from vcr.patch import CassettePatcherBuilder

try:
    from vcr.patch import PATCHER_NAMES
except ImportError:  # vcrpy 8.x, the newest on Python 3.10: no skip_patchers, all are patched
    PATCHER_NAMES = ()

from harness.cassette.format import Interaction, Request, Response
from harness.plugin.recording import Recording

__all__ = [
    "SUPPORTED_LIBRARIES",
    "Patches",
    "request_from_vcr",
    "response_from_vcr",
    "response_to_vcr",
]

SUPPORTED_LIBRARIES = ("httpx2", "httpx", "requests", "aiohttp")


# --------------------------------------------------------------------------- conversion


def _header_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_header_value(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def request_from_vcr(vcr_request: Any, *, headers: bool = True) -> Request:
    """A harness request from vcrpy's (scheme, host and port dropped). Without ``headers``
    (enough for matching, which ignores them) only ``content-encoding`` is kept."""
    parts = urlsplit(vcr_request.uri)
    if headers:
        kept = {str(k): _header_value(v) for k, v in vcr_request.headers.items()}
    else:
        encoding = vcr_request.headers.get("content-encoding")
        kept = {"content-encoding": _header_value(encoding)} if encoding else {}
    request = Request(
        method=vcr_request.method.upper(),
        path=parts.path or "/",
        query=parse_qsl(parts.query, keep_blank_values=True),
        headers=kept,
    )
    body = vcr_request.body_bytes if hasattr(vcr_request, "body_bytes") else vcr_request.body
    if isinstance(body, str):
        body = body.encode()
    elif isinstance(body, (dict, list)):  # aiohttp's json= (or a data= dict), not yet encoded
        body = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    request.set_body(body or b"")
    return request


def response_from_vcr(data: Mapping[str, Any]) -> Response:
    """A harness response from vcrpy's response dict."""
    status = data["status"]
    response = Response(
        status=int(status["code"]),
        reason=str(status.get("message") or ""),
        headers={str(k): _header_value(v) for k, v in data.get("headers", {}).items()},
    )
    body = data.get("body", {}).get("string", b"")
    response.set_body(body.encode() if isinstance(body, str) else (body or b""))
    return response


def response_to_vcr(response: Response) -> dict[str, Any]:
    """vcrpy's response dict for a recorded response (bodies are stored decoded)."""
    body = response.body_bytes
    headers = {name: [value] for name, value in response.headers.items()}
    headers["content-length"] = [str(len(body))]
    return {
        "status": {"code": response.status, "message": response.reason},
        "headers": headers,
        "body": {"string": body},
    }


# --------------------------------------------------------------------------- patching


class _Slot:
    """The cassette object vcrpy's patched classes hold: converts and forwards to the active
    recording. A request is converted and scrubbed once, though the stubs ask twice."""

    _path = "harness"
    custom_patches: tuple[Any, ...] = ()

    def __init__(self) -> None:
        self.current: Recording | None = None
        self._pending: tuple[Any, Request | None] | None = None

    def _active(self) -> Recording:
        if self.current is None:
            raise RuntimeError("harness: an HTTP call was intercepted with no active cassette")
        return self.current

    def _cleaned(self, vcr_request: Any) -> Request | None:
        """The live request as the recording matches it; None if its hook dropped it."""
        pending = self._pending
        if pending is not None and pending[0] is vcr_request:
            return pending[1]
        recording = self._active()
        # Matching may ignore headers, but a credential header's value may sit in the path or
        # body too: learn it, so the lookup is scrubbed as the recording was.
        recording.learn_headers(vcr_request.headers.items())
        live = request_from_vcr(vcr_request, headers=recording.needs_headers)
        cleaned = recording.clean(live)
        self._pending = (vcr_request, cleaned)
        return cleaned

    @property
    def skip_patchers(self) -> tuple[str, ...]:
        return tuple(name for name in PATCHER_NAMES if name not in SUPPORTED_LIBRARIES)

    @property
    def write_protected(self) -> bool:
        return not self._active().can_record

    @property
    def record_mode(self) -> str:
        return self._active().mode

    def filter_request(self, vcr_request: Any) -> Any:
        """None for a request ``before_record_request`` dropped: vcrpy then sends it."""
        return None if self._cleaned(vcr_request) is None else vcr_request

    def find_requests_with_most_matches(
        self, vcr_request: Any
    ) -> list[tuple[Any, list[Any], list[Any]]]:
        """aiohttp's stub asks this when replaying a redirect: the redirect's own request is
        the one to look up (matching is exact, there is nothing "nearest" to choose)."""
        return [(vcr_request, [], [])]

    def can_play_response_for(self, vcr_request: Any) -> bool:
        request = self._cleaned(vcr_request)
        return request is not None and self._active().can_answer(request)

    def play_response(self, vcr_request: Any) -> dict[str, Any]:
        request = self._cleaned(vcr_request)
        self._pending = None
        if request is None:  # the stubs only ask after can_play_response_for said yes
            raise RuntimeError("harness: asked to replay a request before_record_request dropped")
        return response_to_vcr(self._active().answer(request))

    def append(self, vcr_request: Any, vcr_response: Mapping[str, Any]) -> None:
        self._pending = None
        recording = self._active()
        parts = urlsplit(vcr_request.uri)
        for userinfo in (parts.username, parts.password):  # not stored; removed if echoed
            if userinfo:
                recording.learn(unquote(userinfo), "userinfo")
        raw = Interaction(request_from_vcr(vcr_request), response_from_vcr(vcr_response))
        recording.record(raw)


class Patches:
    """vcrpy's patchers for the supported libraries, built once and entered per test.

    vcrpy hands out ``mock.patch`` objects; entering ~20 of them per test costs more than the
    rest of a replay, so they are flattened once into plain (target, attribute, replacement)
    swaps. Context managers that are not attribute patches (urllib3 connection removers) are
    entered as they are."""

    def __init__(self) -> None:
        self._slot = _Slot()
        self._swaps: list[tuple[Any, str, Any]] | None = None
        self._contexts: list[Any] = []

    def _build(self) -> list[tuple[Any, str, Any]]:
        if self._swaps is None:
            swaps = []
            for patcher in CassettePatcherBuilder(self._slot).build():
                if hasattr(patcher, "getter") and hasattr(patcher, "attribute"):
                    swaps.append((patcher.getter(), patcher.attribute, patcher.new))
                else:
                    self._contexts.append(patcher)
            self._swaps = swaps
        return self._swaps

    @contextlib.contextmanager
    def active(self, recording: Recording) -> Iterator[Recording]:
        """Route intercepted HTTP calls to ``recording`` for the duration of the block."""
        if self._slot.current is not None:
            raise RuntimeError("harness: a cassette is already active (nested cassettes)")
        swaps = self._build()
        self._slot.current = recording
        self._slot._pending = None
        undo: list[tuple[Any, str, Any, bool]] = []
        contexts: list[Any] = []
        try:
            for target, attribute, replacement in swaps:
                own = attribute in vars(target)
                undo.append((target, attribute, getattr(target, attribute), own))
                setattr(target, attribute, replacement)
            for context in self._contexts:
                context.__enter__()
                contexts.append(context)
            yield recording
        finally:
            for context in reversed(contexts):
                context.__exit__(None, None, None)
            for target, attribute, original, own in reversed(undo):
                if own:
                    setattr(target, attribute, original)
                else:
                    delattr(target, attribute)
            self._slot.current = None
            self._slot._pending = None
