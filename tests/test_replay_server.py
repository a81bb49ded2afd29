"""harness replay: the official SDK (sync and async) and raw HTTP clients get recorded
responses back over real loopback HTTP; misses are explained; --strict exits 1."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import openai
import pytest

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.cassette.scrub import clean_interaction
from harness.server.replay import MISS_HEADER, ReplayApp
from harness.server.serve import serve
from harness.tools.verify import load_cassettes

FAKE_KEY = "sk-test-not-a-real-key"
LIVE_SECRET = "sk-proj-" + "LiveSecretValue0123456789abcdef"


@pytest.fixture
def synthesized(synthesized_tree: Callable[[int], Path]) -> Path:
    return synthesized_tree(0)


def _recorded(path: Path) -> Interaction:
    return Cassette.load(path).interactions[0]


def _ids(path: str) -> list[str]:
    return [p for p in path.split("/") if p.startswith(("thread_", "run_"))]


def _post(
    url: str, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", path, body=body, headers=headers or {"content-type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def test_sync_sdk_gets_the_recorded_run(synthesized: Path) -> None:
    path = synthesized / "modify-run" / "failed-json_schema.json"
    recorded = _recorded(path)
    thread_id, run_id = _ids(recorded.request.path)
    app = ReplayApp(load_cassettes([path]))
    with serve(app) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=FAKE_KEY, max_retries=0)
        run = client.beta.threads.runs.update(
            run_id, thread_id=thread_id, metadata=recorded.request.json["metadata"]
        )
    assert run.to_dict() == recorded.response.json
    assert run.status == "failed" and run.last_error is not None
    assert app.misses == [] and app.unplayed() == []


@pytest.mark.asyncio
async def test_async_sdk_gets_the_recorded_thread(synthesized: Path) -> None:
    path = synthesized / "modify-thread" / "tool-resources.json"
    recorded = _recorded(path)
    (thread_id,) = _ids(recorded.request.path)
    app = ReplayApp(load_cassettes([path]))
    with serve(app) as url:
        client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=FAKE_KEY, max_retries=0)
        thread = await client.beta.threads.update(
            thread_id, tool_resources=recorded.request.json["tool_resources"]
        )
        await client.close()
    assert thread.to_dict() == recorded.response.json
    assert app.unplayed() == []


def test_sdk_sees_recorded_errors(synthesized: Path) -> None:
    path = synthesized / "errors" / "modify-run-metadata-too-many-keys.json"
    recorded = _recorded(path)
    thread_id, run_id = _ids(recorded.request.path)
    with serve(ReplayApp(load_cassettes([path]))) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=FAKE_KEY, max_retries=0)
        with pytest.raises(openai.BadRequestError) as caught:
            client.beta.threads.runs.update(
                run_id, thread_id=thread_id, metadata=recorded.request.json["metadata"]
            )
    assert caught.value.status_code == 400
    assert caught.value.code == "object_above_max_properties"


def test_raw_http_client_gets_status_headers_and_body_bytes(synthesized: Path) -> None:
    path = synthesized / "modify-run" / "expired-text.json"
    recorded = _recorded(path)
    with serve(ReplayApp(load_cassettes([path]))) as url:
        response, data = _post(url, recorded.request.path, recorded.request.body_bytes)
    assert response.status == 200
    assert response.getheader("content-type") == "application/json"
    assert data == recorded.response.body_bytes
    assert json.loads(data)["status"] == "expired"


def test_miss_is_explained_in_the_envelope_without_echoing_secrets(synthesized: Path) -> None:
    path = synthesized / "modify-run" / "completed-auto.json"
    recorded = _recorded(path)
    app = ReplayApp(load_cassettes([path]))
    body = json.dumps({"metadata": {"leak": LIVE_SECRET}}).encode()
    headers = {"authorization": f"Bearer {LIVE_SECRET}", "content-type": "application/json"}
    with serve(app) as url:
        response, data = _post(
            url, recorded.request.path + "?api-key=" + LIVE_SECRET, body, headers
        )
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=LIVE_SECRET, max_retries=0)
        with pytest.raises(openai.APIStatusError) as caught:
            client.beta.threads.update("thread_unknown", metadata={"a": "b"})
    assert response.status == 418
    assert response.getheader(MISS_HEADER) == "1"
    error = json.loads(data)["error"]
    assert error["code"] == "harness_replay_miss"
    assert recorded.request.path in error["message"]  # the nearest recorded request
    assert "body differs at metadata" in error["message"]
    assert LIVE_SECRET not in data.decode()
    assert caught.value.status_code == 418
    assert "POST /v1/threads/thread_unknown" in str(caught.value)
    assert LIVE_SECRET not in str(caught.value)
    assert len(app.misses) == 2


def test_identical_requests_answer_in_recorded_order_across_merged_cassettes(
    tmp_path: Path,
) -> None:
    def cassette(name: str, answers: list[str]) -> Path:
        interactions = []
        for answer in answers:
            request = Request(
                method="POST",
                path="/v1/threads/thread_a",
                query=[("api-key", "<REDACTED:api-key>")],
            )
            request.set_body(b'{"metadata": {}}')
            response = Response(status=200, reason="OK", headers={"content-type": "text/plain"})
            response.set_body(answer.encode())
            interactions.append(Interaction(request, response))
        return Cassette(interactions=interactions).save(tmp_path / name)

    first = cassette("a.json", ["one", "two"])
    second = cassette("b.json", ["three"])
    app = ReplayApp(load_cassettes([first, second]))
    with serve(app) as url:
        answers = [
            _post(url, "/v1/threads/thread_a?api-key=real-key-value", b'{"metadata":{}}')
            for _ in range(4)
        ]
    assert [data for _, data in answers[:3]] == [b"one", b"two", b"three"]
    assert answers[3][0].status == 418
    assert "already played" in json.loads(answers[3][1])["error"]["message"]


def test_live_credentials_match_recorded_placeholders(tmp_path: Path) -> None:
    """As in the plugin: the live request is scrubbed before matching."""
    request = Request(method="POST", path="/v1/threads/thread_a", query=[("api-key", "x")])
    request.set_body(json.dumps({"metadata": {"note": f"key {LIVE_SECRET}"}}).encode())
    response = Response(status=200, reason="OK")
    response.set_body(b'{"ok": true}')
    path = Cassette(interactions=[clean_interaction(Interaction(request, response))]).save(
        tmp_path / "c.json"
    )
    assert LIVE_SECRET not in path.read_text()
    with serve(ReplayApp(load_cassettes([path]))) as url:
        answer, data = _post(url, "/v1/threads/thread_a?api-key=live", request.body_bytes)
    assert answer.status == 200 and data == b'{"ok":true}'


def test_a_request_repeating_its_own_header_value_is_cleaned_every_time(tmp_path: Path) -> None:
    """The fast path (bytes looked up as they are) is taken only when cleaning could not
    change the request; what each header contributes to that check is kept between requests,
    and the second identical request must be cleaned as the first was."""
    token = "opaque-team-value-1234"
    body = json.dumps({"metadata": {"note": token}}, separators=(",", ":")).encode()

    def interaction(headers: dict[str, str], answer: bytes) -> Interaction:
        request = Request(method="POST", path="/v1/threads/thread_a", headers=headers)
        request.set_body(body)
        response = Response(status=200, reason="OK", headers={"content-type": "text/plain"})
        response.set_body(answer)
        return clean_interaction(Interaction(request, response))

    literal = interaction({}, b"literal")  # recorded when the value was no credential
    cleaned = interaction({"authorization": f"Bearer {token}"}, b"cleaned")
    assert token in json.dumps(literal.request.json) and token not in str(cleaned.request.json)
    path = Cassette(interactions=[literal, cleaned]).save(tmp_path / "c.json")
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    with serve(ReplayApp(load_cassettes([path]))) as url:
        answers = [_post(url, "/v1/threads/thread_a", body, headers) for _ in range(2)]
    assert answers[0][0].status == 200 and answers[0][1] == b"cleaned"
    assert answers[1][0].status == 418  # cleaned again: played already, never the literal one


def test_miss_status_avoids_statuses_the_cassettes_use(tmp_path: Path) -> None:
    request = Request(method="GET", path="/v1/teapot")
    response = Response(status=418, reason="I'm a teapot")
    path = Cassette(interactions=[Interaction(request, response)]).save(tmp_path / "t.json")
    app = ReplayApp(load_cassettes([path]))
    assert app.miss_status == 599
    with serve(app) as url:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", "/v1/teapot")
        assert conn.getresponse().status == 418
        conn.close()
        miss, _ = _post(url, "/v1/other", b"")
    assert miss.status == 599


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "replay", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url), url
    return process, url


@pytest.mark.parametrize(
    ("play_it", "stop"),
    [(False, signal.SIGINT), (True, signal.SIGINT), (False, signal.SIGTERM)],
)
def test_strict_exit_code_after_a_signal(synthesized: Path, play_it: bool, stop: int) -> None:
    path = synthesized / "modify-run" / "cancelled-auto.json"
    recorded = _recorded(path)
    process, url = _start([str(path), "--strict", "--port", "0"])
    try:
        if play_it:
            response, _ = _post(
                url.removesuffix("/v1"), recorded.request.path, recorded.request.body_bytes
            )
            assert response.status == 200
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    if play_it:
        assert process.returncode == 0, stderr
    else:
        assert process.returncode == 1, stderr
        assert "unplayed:" in stderr and path.name in stderr
    assert "Traceback" not in stderr


def test_port_in_use_exits_2_with_one_line(synthesized: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "harness", "replay", str(synthesized), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "address already in use" in done.stderr


NODE_CLIENT = """
const [url, path, body] = process.argv.slice(1);
fetch(url + path, {method: "POST", headers: {"content-type": "application/json",
  "authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}, body})
  .then(async (r) => { console.log(r.status); console.log(await r.text()); })
  .catch((e) => { console.error(e); process.exit(3); });
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_fetch_gets_the_recorded_response(synthesized: Path) -> None:
    path = synthesized / "modify-run" / "incomplete-json_schema.json"
    recorded = _recorded(path)
    with serve(ReplayApp(load_cassettes([path]))) as url:
        done = subprocess.run(
            ["node", "-e", NODE_CLIENT, url, recorded.request.path, recorded.request.body_bytes],
            capture_output=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    status, body = done.stdout.decode().split("\n", 1)
    assert status == "200"
    assert body.rstrip("\n").encode() == recorded.response.body_bytes


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_gets_the_recorded_response(synthesized: Path) -> None:
    path = synthesized / "errors" / "modify-thread-unknown-thread.json"
    recorded = _recorded(path)
    with serve(ReplayApp(load_cassettes([path]))) as url:
        done = subprocess.run(
            [
                "curl",
                "-s",
                "-w",
                "\\n%{http_code}",
                "-X",
                "POST",
                url + recorded.request.path,
                "-H",
                "content-type: application/json",
                "--data-binary",
                "@-",
            ],
            input=recorded.request.body_bytes,
            capture_output=True,
            timeout=60,
        )
    body, status = done.stdout.rsplit(b"\n", 1)
    assert status == b"404"
    assert body == recorded.response.body_bytes


def test_miss_names_the_nearest_path_among_many(tmp_path: Path) -> None:
    """Misses are explained from an index built at load: the recorded path sharing the longest
    prefix with the live one, and for the same path the most similar body."""
    interactions = []
    for n in range(2000):
        request = Request(method="POST", path=f"/v1/threads/thread_{n:05d}")
        request.set_body(json.dumps({"metadata": {"n": str(n)}}).encode())
        response = Response(status=200, reason="OK")
        response.set_body(b"{}")
        interactions.append(Interaction(request, response))
    path = Cassette(interactions=interactions).save(tmp_path / "many.json")
    app = ReplayApp(load_cassettes([path]))
    live = Request(method="POST", path="/v1/threads/thread_01234x")
    live.set_body(b'{"metadata": {"n": "1234"}}')
    assert app.play(live) is None
    assert "nearest recorded request is POST /v1/threads/thread_01234 " in str(app.misses[-1])
    assert "path differs" in str(app.misses[-1])
    same_path = Request(method="POST", path="/v1/threads/thread_00007")
    same_path.set_body(b'{"metadata": {"n": "7", "extra": "x"}}')
    assert app.play(same_path) is None
    assert "thread_00007 (body differs at metadata)" in str(app.misses[-1])
    exact = Request(method="POST", path="/v1/threads/thread_00007")
    exact.set_body(b'{"metadata":{"n":"7"}}')
    assert app.play(exact) is not None
    assert app.play(exact) is None
    assert "already played" in str(app.misses[-1])


def test_a_request_repeating_its_own_key_is_cleaned_before_matching(tmp_path: Path) -> None:
    """Bytes equal to a recording are not enough when the request's own credential appears in
    them: cleaning learns the header's value and replaces it, as the plugin does, so this
    request does not match a recording that held the same text as ordinary data."""
    value = "tok-" + "FakeValue0123"
    request = Request(method="POST", path="/v1/threads/thread_a")
    request.set_body(json.dumps({"metadata": {"note": value}}, separators=(",", ":")).encode())
    response = Response(status=200, reason="OK")
    response.set_body(b'{"ok":true}')
    path = Cassette(interactions=[Interaction(request, response)]).save(tmp_path / "c.json")
    app = ReplayApp(load_cassettes([path]))
    with serve(app) as url:
        miss, _ = _post(url, request.path, request.body_bytes, {"api-key": value})
        hit, data = _post(url, request.path, request.body_bytes, {"api-key": "other-Value-789"})
    assert miss.status == 418
    assert hit.status == 200 and data == b'{"ok":true}'
