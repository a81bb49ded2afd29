"""Server hardening for ``harness replay`` and ``harness emulate`` (both run through
``harness.server.serve``): no input gets a 500, bodies are capped, protocol errors and slow
headers get the API's error envelope, and a non-loopback bind is warned about."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.emulator import create_app
from harness.server.replay import ReplayApp
from harness.server.serve import HttpParser, exposure_warning, serve

PARSERS = [HttpParser.H11, HttpParser.HTTPTOOLS]
"""Both parsers a server can run on (httptools is in the dev extra, as in ``[fast]``)."""


def _cassette(tmp_path: Path) -> Cassette:
    request = Request(method="POST", path="/v1/threads/thread_abc", headers={})
    request.set_body(b'{"metadata": {}}')
    response = Response(status=200, headers={"content-type": "application/json"})
    response.set_body(b'{"id": "thread_abc"}')
    cassette = Cassette(interactions=[Interaction(request, response)])
    cassette.save(tmp_path / "c.json")
    return Cassette.load(tmp_path / "c.json")


@pytest.fixture(params=PARSERS, ids=[p.value for p in PARSERS])
def parser(request: pytest.FixtureRequest) -> HttpParser:
    return HttpParser(request.param)


@pytest.fixture(params=["replay", "emulate"])
def url(request: pytest.FixtureRequest, tmp_path: Path, parser: HttpParser) -> Iterator[str]:
    app: Any = ReplayApp([_cassette(tmp_path)]) if request.param == "replay" else create_app()
    with serve(app, max_body=4096, header_timeout=0.5, parser=parser) as root:
        yield root


def _is_envelope(response: httpx.Response) -> bool:
    error = response.json()["error"]
    return set(error) == {"message", "type", "param", "code"}


def test_a_declared_body_over_the_cap_is_a_413_envelope(url: str) -> None:
    response = httpx.post(f"{url}/v1/threads/thread_abc", content=b"x" * 5000)
    assert response.status_code == 413 and _is_envelope(response)
    assert "4096" in response.json()["error"]["message"]


def test_a_streamed_body_over_the_cap_is_a_413_envelope(url: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    response = httpx.post(f"{url}/v1/threads/thread_abc", content=chunks())
    assert response.status_code == 413 and _is_envelope(response)


NASTY_BODIES = [
    b"[" * 100_000,
    b'{"metadata": {"k": ' + b"[" * 3000 + b"]" * 3000 + b"}}",
    b'{"metadata": {"k": 1' + b"0" * 3000 + b"}}",
    b'{"metadata": {"k": "\\ud800"}}',
    b"\xff\xfe\x00\x80",
    b'{"metadata": {"\\u0000": "\\u0000"}}',
    b"null",
    b'"just a string"',
    b"1e999999",
]


@pytest.mark.parametrize("body", NASTY_BODIES, ids=range(len(NASTY_BODIES)))
def test_no_body_gets_a_500(url: str, body: bytes) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for path in ("/v1/threads/thread_abc", "/v1/threads/thread_abc/runs/run_abc"):
            response = client.post(
                path,
                content=body,
                headers={"authorization": "Bearer sk-test", "openai-beta": "assistants=v2"},
            )
            assert response.status_code != 500, response.text
            assert response.status_code >= 400 or response.headers["content-type"]


@pytest.mark.parametrize(
    "target",
    ["/v1/threads/%00", "/v1/threads/%ff%fe", "/v1/threads/x?q=%00&q=%ud800", "/" + "a" * 8000],
)
def test_no_path_gets_a_500(url: str, target: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", target, body=b"{}", headers={"authorization": "Bearer sk-test"})
    assert connection.getresponse().status != 500
    connection.close()


def _raw(url: str, data: bytes, wait: float = 10.0) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_an_unparseable_request_gets_the_envelope(url: str) -> None:
    answer = _raw(url, b"NOT HTTP AT ALL\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "invalid_http_request"


def test_partial_headers_time_out_with_a_408(url: str) -> None:
    answer = _raw(url, b"POST /v1/threads/thread_abc HTTP/1.1\r\nhost: x\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"]["code"] == "request_timeout"


def test_a_silent_connection_is_closed(url: str) -> None:
    assert _raw(url, b"").startswith(b"HTTP/1.1 408")


def test_keep_alive_then_partial_headers_time_out(url: str) -> None:
    request = b"GET /v1/_harness/none HTTP/1.1\r\nhost: x\r\n\r\n"
    answer = _raw(url, request + b"GET /v1/threads HTTP/1.1\r\nhost")
    assert answer.startswith(b"HTTP/1.1 ") and b"HTTP/1.1 408" in answer


def test_websocket_upgrade_is_refused_without_a_500(url: str) -> None:
    answer = _raw(
        url,
        b"GET /v1 HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
        b"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
    )
    assert not answer.startswith(b"HTTP/1.1 500")


def test_a_crashing_app_answers_an_envelope_not_a_500(parser: HttpParser) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise KeyError("boom")

    with serve(broken, parser=parser) as root:
        response = httpx.get(root)
    assert response.status_code == 400 and _is_envelope(response)
    assert "boom" not in response.text


def test_a_large_miss_is_answered(tmp_path: Path, parser: HttpParser) -> None:
    with serve(ReplayApp([_cassette(tmp_path)]), parser=parser) as root:
        big = json.dumps({"metadata": {"k": "v" * 5_000_000}}).encode()
        response = httpx.post(f"{root}/v1/threads/thread_abc", content=big, timeout=60)
        assert response.headers["x-harness-miss"] == "1"
        ok = httpx.post(f"{root}/v1/threads/thread_abc", content=b'{"metadata": {}}')
        assert ok.status_code == 200


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("::1", False), ("localhost", False), ("0.0.0.0", True),
     ("::", True), ("192.0.2.7", True)],
)  # fmt: skip
def test_non_loopback_bind_is_warned_about(host: str, warned: bool) -> None:
    warning = exposure_warning(host, 8000)
    assert (warning is not None) == warned
    if warning:
        assert "_harness" in warning and "any API key" in warning


def test_a_body_trickled_forever_times_out_with_a_408(url: str) -> None:
    """Headers arrive at once, then one body byte every 0.1 s, never the last one: the server
    answers 408 with the envelope once the body deadline (0.5 s here) passes."""
    host, port = url.removeprefix("http://").split(":")
    head = b"POST /v1/threads/thread_abc HTTP/1.1\r\nhost: x\r\ncontent-length: 4000\r\n\r\n"
    answer = b""
    with socket.create_connection((host, int(port)), timeout=0.1) as sock:
        sock.sendall(head + b'{"metadata":')
        for _ in range(100):  # 10 s at most
            try:
                sock.sendall(b" ")
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:  # the server closed the connection
                break
            if not chunk:
                break
            answer += chunk
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 408"), answer
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert b"body" in body


def test_a_slow_body_that_completes_in_time_is_answered(url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"metadata": '
        yield b'{"k": "v"}}'

    response = httpx.post(f"{url}/v1/threads/thread_abc", content=chunks())
    assert response.status_code != 408


def test_the_default_parser_is_httptools_when_installed() -> None:
    """The ``[fast]`` extra takes effect by being installed: ``serve`` picks httptools."""
    pytest.importorskip("httptools")
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from harness.server.serve import _protocol

    assert issubclass(_protocol(1.0), HttpToolsProtocol)
