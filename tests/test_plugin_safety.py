"""What the plugin guarantees beyond record/replay: no credential on disk, atomic writes under
SIGKILL, xdist workers, loading beside pytest-recording, --offline, drift warnings."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from harness.cassette.format import Cassette, iter_cassette_files
from tests.helpers import DOWNSTREAM_COMMON

pytest.importorskip("openai")


pytestmark = pytest.mark.usefixtures("not_on_ci")


SERVERS = '''
import json

import pytest

from harness.server.serve import serve


async def _body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def echo_app(scope, receive, send):
    """An error body that echoes everything the client sent, and a session cookie."""
    if scope["type"] != "http":
        return
    body = await _body(receive)
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    query = dict(
        pair.split("=", 1) for pair in scope["query_string"].decode().split("&") if "=" in pair
    )
    payload = {
        "error": {
            "message": "Incorrect API key provided: " + headers.get("authorization", ""),
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        },
        "echo": {"headers": headers, "query": query, "body": json.loads(body or b"null")},
    }
    await send({
        "type": "http.response.start",
        "status": 401,
        "headers": [
            (b"content-type", b"application/json"),
            (b"set-cookie", b"session=FAKEPLANTEDsetcookie0123; Path=/"),
            (b"x-request-id", b"req_changes_every_time"),
        ],
    })
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


async def drifting_app(scope, receive, send):
    """Answers modify-thread with a thread that departs from the models."""
    if scope["type"] != "http":
        return
    await _body(receive)
    thread = {"id": "thread_abc", "object": "thread", "created_at": "yesterday",
              "metadata": {}, "tool_resources": {}, "surprise": 1}
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(thread).encode()})


def _url(request, app):
    if request.config.getoption("cassette_mode") == "none":
        yield "http://127.0.0.1:9/v1"
        return
    with serve(app) as root:
        yield root + "/v1"


@pytest.fixture
def echo_url(request):
    yield from _url(request, echo_app)


@pytest.fixture
def drifting_url(request):
    yield from _url(request, drifting_app)
'''

FAKEPLANTED = """
import openai
import pytest


@pytest.mark.cassette
def test_every_position(echo_url):
    client = openai.OpenAI(
        api_key="sk-proj-FAKEPLANTEDauthKEY0123456789abcdef",
        organization="org-FAKEPLANTEDorg0123456789ab",
        project="proj_FAKEPLANTEDproj0123456789ab",
        base_url=echo_url,
        max_retries=0,
        default_headers={
            "api-key": "FAKEPLANTEDazureKEY0123",
            "x-portkey-api-key": "FAKEPLANTEDportkey0123",
            "astra-api-token": "FAKEPLANTEDastra0123",
            "x-litellm-api-key": "FAKEPLANTEDlitellm0123",
            "cookie": "sid=FAKEPLANTEDcookie0123",
            "x-session-id": "FAKEPLANTEDsessionheader",
            "x-tenant": "FAKEPLANTEDtenant0123",
        },
        default_query={"api-key": "FAKEPLANTEDqueryKEY", "token": "FAKEPLANTEDqueryTOKEN"},
    )
    with pytest.raises(openai.AuthenticationError) as caught:
        client.beta.threads.update(
            "thread_abc",
            metadata={"note": "use sk-FAKEPLANTEDinlineKEY0123456789 please"},
            extra_body={
                "api_key": "FAKEPLANTEDbodyKEY",
                "settings": {"client_secret": "FAKEPLANTEDbodySECRET"},
                "auth": "Bearer FAKEPLANTEDbearerInBody0123",
            },
        )
    assert caught.value.status_code == 401
"""


def test_no_planted_credential_reaches_the_cassette(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SERVERS)
    pytester.makeini("[pytest]\ncassette_scrub_headers = x-tenant\n")
    pytester.makepyfile(test_planted=FAKEPLANTED)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_planted" / "test_every_position.json"
    text = path.read_text()
    assert "FAKEPLANTED" not in text
    stored = Cassette.load(path).interactions[0]
    headers = stored.request.headers
    for name in (
        "authorization",
        "openai-organization",
        "openai-project",
        "api-key",
        "x-portkey-api-key",
        "astra-api-token",
        "x-litellm-api-key",
        "cookie",
        "x-session-id",
        "x-tenant",
    ):
        assert headers[name] == f"<REDACTED:{name}>"
    assert not any(name.startswith("x-stainless") or name == "user-agent" for name in headers)
    assert dict(stored.request.query) == {
        "api-key": "<REDACTED:api-key>",
        "token": "<REDACTED:token>",
    }
    assert stored.request.json["metadata"]["note"] == "use <REDACTED:openai-key> please"
    assert stored.response.headers["set-cookie"] == "<REDACTED:set-cookie>"
    assert "x-request-id" not in stored.response.headers
    assert "<REDACTED:" in stored.response.json["error"]["message"]
    # The live request still carries the secrets: matching compares it cleaned, so it replays.
    replay = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replay.assert_outcomes(passed=1)


DOWNSTREAM = (
    DOWNSTREAM_COMMON
    + """
@pytest.mark.cassette
def test_modify(base_url):
    client = openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=base_url, max_retries=0)
    thread = client.beta.threads.create()
    assert client.beta.threads.update(thread.id, metadata=METADATA).metadata == METADATA
"""
)


@pytest.mark.slow
def test_killed_writer_leaves_the_old_cassette_intact(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_kill=DOWNSTREAM.replace("METADATA", '{"v": "old"}'))
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_kill" / "test_modify.json"
    before = path.read_bytes()
    pytester.makepyfile(test_kill=DOWNSTREAM.replace("METADATA", '{"v": "new"}'))
    # Die between writing the temp file and renaming it over the cassette.
    pytester.makeconftest(
        "import os, signal\n"
        "_replace = os.replace\n"
        "def _die(src, dst, *a, **k):\n"
        "    if str(dst).endswith('.json'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return _replace(src, dst, *a, **k)\n"
        "os.replace = _die\n"
    )
    killed = pytester.runpytest_subprocess("-p", "no:randomly", "--cassette-mode=rewrite")
    assert killed.ret == -signal.SIGKILL
    assert path.read_bytes() == before
    assert Cassette.load(path).interactions[1].request.json == {"metadata": {"v": "old"}}
    leftovers = [p.name for p in path.parent.iterdir() if p.name != path.name]
    assert leftovers and all(name.endswith(".tmp") for name in leftovers)
    assert list(iter_cassette_files([pytester.path / "cassettes"])) == [path]
    # The next write of that cassette removes what the killed writer left.
    (pytester.path / "conftest.py").unlink()
    pytester.runpytest_subprocess("-p", "no:randomly", "--cassette-mode=rewrite").assert_outcomes(
        passed=1
    )
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert Cassette.load(path).interactions[1].request.json == {"metadata": {"v": "new"}}


XDIST = (
    DOWNSTREAM_COMMON
    + """
@pytest.mark.parametrize("n", range(6))
@pytest.mark.cassette
def test_own_file(base_url, n):
    client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    assert client.beta.threads.create(metadata={"n": str(n)}).metadata == {"n": str(n)}


@pytest.mark.parametrize("n", range(6))
@pytest.mark.cassette("shared", mode="new_episodes")
def test_shared_file(base_url, n):
    client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    assert client.beta.threads.create(metadata={"shared": str(n)}).metadata == {"shared": str(n)}


@pytest.mark.vcr
def test_pytest_recording_alongside(base_url):
    client = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)
    assert client.beta.threads.create().object == "thread"
"""
)


@pytest.mark.slow
def test_two_xdist_workers_beside_pytest_recording(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_workers=XDIST)
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-p", "pytest_recording", "-n", "2", "--record-mode=once"
    )
    result.assert_outcomes(passed=13)
    cassettes = pytester.path / "cassettes"
    own = sorted(p.name for p in (cassettes / "test_workers").glob("test_own_file*.json"))
    assert own == [f"test_own_file-{n}.json" for n in range(6)]
    shared = Cassette.load(cassettes / "shared.json")
    bodies = sorted(i.request.json["metadata"]["shared"] for i in shared.interactions)
    assert bodies == [str(n) for n in range(6)]  # every worker's recording merged, none lost
    assert (cassettes / "test_workers" / "test_pytest_recording_alongside.yaml").is_file()

    replay = pytester.runpytest_subprocess(
        "-p",
        "no:randomly",
        "-n",
        "2",
        "--cassette-mode=none",
        "--offline",
        "--record-mode=none",
        "-k",
        "not pytest_recording",
    )
    replay.assert_outcomes(passed=12)


SHARED = (
    DOWNSTREAM_COMMON
    + """
@pytest.mark.parametrize("n", range(8))
@pytest.mark.cassette("NAME")
def test_shared(base_url, n):
    client = openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=base_url, max_retries=0)
    assert client.beta.threads.create(metadata={"n": str(n)}).metadata == {"n": str(n)}
"""
)


def _recorded_ns(path: Path) -> list[str]:
    return sorted(i.request.json["metadata"]["n"] for i in Cassette.load(path).interactions)


def test_rewrite_under_xdist_keeps_every_interaction_of_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_rw=SHARED.replace("NAME", "shared-rw"))
    path = pytester.path / "cassettes" / "shared-rw.json"
    for _session in range(2):  # the second session replaces the first one's file, once
        result = pytester.runpytest_subprocess(
            "-p", "no:randomly", "-n", "2", "--cassette-mode=rewrite"
        )
        result.assert_outcomes(passed=8)
        assert _recorded_ns(path) == [str(n) for n in range(8)]
    pytester.runpytest_subprocess(
        "-p", "no:randomly", "-n", "2", "--cassette-mode=none", "--offline"
    ).assert_outcomes(passed=8)


def test_shared_once_cassette_created_this_session_takes_every_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_once=SHARED.replace("NAME", "shared-once"))
    path = pytester.path / "cassettes" / "shared-once.json"
    pytester.runpytest_subprocess("-p", "no:randomly", "-n", "2").assert_outcomes(passed=8)
    assert _recorded_ns(path) == [str(n) for n in range(8)]
    # A later session finds the file: once replays it and records nothing.
    before = path.read_bytes()
    pytester.runpytest_subprocess("-p", "no:randomly", "-n", "2", "--offline").assert_outcomes(
        passed=8
    )
    assert path.read_bytes() == before


def test_shared_cassette_miss_never_suggests_dropping_other_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_once=SHARED.replace("NAME", "shared-miss"))
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=8)
    pytester.makepyfile(test_once=SHARED.replace("NAME", "shared-miss").replace("range(8)", "[9]"))
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--cassette-mode=once")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "--cassette-mode=new_episodes" in out and "other tests may share" in out
    assert "--cassette-mode=rewrite\n" not in out
    assert _recorded_ns(pytester.path / "cassettes" / "shared-miss.json") == [
        str(n) for n in range(8)
    ]


def test_options_and_markers_do_not_clash_with_pytest_recording(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "pytest_recording", "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--record-mode*", "*--cassette-mode*", "*--offline*"])
    markers = pytester.runpytest("-p", "pytest_recording", "--markers").stdout.str()
    assert "@pytest.mark.vcr" in markers and "@pytest.mark.cassette" in markers


OFFLINE = """
import httpx
import pytest
import requests

from harness.server.serve import serve


def test_blocks_an_address():
    httpx.get("http://192.0.2.1:8080/v1/threads", timeout=2)


def test_blocks_a_name():
    requests.get("http://api.example.invalid/v1/threads", timeout=2)


def test_loopback_is_allowed():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    with serve(app) as url:
        assert httpx.get(url).status_code == 204


def test_zz_nothing_reached_the_real_socket():
    import conftest

    assert conftest.TRIPPED == []
"""

TRIPWIRE = '''
"""Installed before the plugin's guard: if the guard let anything through, it lands here
(and is refused), so no packet leaves even if the guard is broken."""
import socket

TRIPPED = []
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _loopback(host):
    return str(host).startswith("127.") or host in ("::1", "localhost")


def connect(self, address):
    if isinstance(address, tuple) and not _loopback(address[0]):
        TRIPPED.append(address)
        raise OSError("tripwire: this connect would have left the machine")
    return _connect(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        TRIPPED.append(host)
        raise socket.gaierror("tripwire: this lookup would have left the machine")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo
'''


@pytest.mark.slow
def test_offline_refuses_non_loopback_before_connecting(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(TRIPWIRE)
    pytester.makepyfile(test_offline=OFFLINE)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--offline")
    result.assert_outcomes(failed=2, passed=2)
    result.stdout.fnmatch_lines(
        [
            "*harness --offline: blocked * to 192.0.2.1:8080: only loopback*",
            "*harness --offline: blocked name lookup to api.example.invalid:80: only loopback*",
        ]
    )


DRIFT = """
import httpx
import pytest


@pytest.mark.cassette
def test_modify_thread(drifting_url):
    response = httpx.post(f"{drifting_url}/threads/thread_abc", json={"metadata": {}},
                          headers={"authorization": "Bearer sk-test-not-a-real-key"})
    assert response.status_code == 200
"""


def test_drift_warns_by_default_and_fails_with_the_option(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SERVERS)
    pytester.makepyfile(test_drift=DRIFT)
    recorded = pytester.runpytest("-p", "no:randomly", "-W", "always")
    recorded.assert_outcomes(passed=1)
    recorded.stdout.fnmatch_lines(
        [
            "*HarnessDriftWarning: *test_drift/test_modify_thread.json: interaction 0: "
            "response.json.created_at: drift: *(recorded POST /v1/threads/thread_abc)*",
        ]
    )
    replayed = pytester.runpytest(
        "-p", "no:randomly", "--cassette-mode=none", "--harness-drift=error"
    )
    replayed.assert_outcomes(failed=1)
    replayed.stdout.fnmatch_lines(
        [
            "*harness drift (--harness-drift=error):*",
            "*interaction 0: response.json.created_at: drift: "
            "*(replayed POST /v1/threads/thread_abc)",
        ]
    )


def test_bad_cassette_file_is_one_clear_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=DOWNSTREAM.replace("METADATA", "{}"))
    path = pytester.path / "cassettes" / "test_broken" / "test_modify.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "assistants-harness/cassette", "version": 1, "interactions": [\n')
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*harness cassette: *test_modify.json:2: not valid JSON*"])
    assert f"harness cassette: {path}:2: not valid JSON" in result.stdout.str()  # full path
    assert Path(path).read_text().endswith("[\n")  # and the file was left alone


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("no-equals-sign", "is not 'name = regular expression'"),
        ("bad = (", "'(' is not a regular expression"),
    ],
)
def test_a_bad_scrub_pattern_line_is_a_usage_error_naming_the_key(
    pytester: pytest.Pytester, line: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\ncassette_scrub_patterns = {line}\n")
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert "ini key cassette_scrub_patterns:" in errors and message in errors
    assert "Traceback" not in errors
