"""serve(): a real loopback server for any ASGI app, started and stopped cleanly."""

from __future__ import annotations

import socket
from typing import Any

import httpx2
import pytest

from harness.server.serve import ServeError, serve


async def hello_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    body = f"{scope['method']} {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_serve_yields_a_url_that_answers_and_frees_the_port_on_exit() -> None:
    with serve(hello_app) as url:
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        response = httpx2.get(f"{url}/some/path")
        assert response.status_code == 200
        assert response.text == "GET /some/path"
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/again", timeout=2)
    # the same port can be served again right away
    with serve(hello_app, port=port) as again:
        assert again == url


def test_port_in_use_is_a_one_line_serve_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ServeError) as info, serve(hello_app, port=port):
            pass  # pragma: no cover - never reached
    message = str(info.value)
    assert message == (
        f"cannot listen on 127.0.0.1:{port}: address already in use; "
        "choose another --port or 0 for any free port"
    )
    assert "\n" not in message


def test_two_servers_run_side_by_side() -> None:
    with serve(hello_app) as first, serve(hello_app) as second:
        assert first != second
        assert httpx2.post(f"{first}/a").text == "POST /a"
        assert httpx2.post(f"{second}/b").text == "POST /b"
