"""Nothing silent: a recording cassette test whose traffic went through an unpatched library
(urllib, http.client) is warned about, naming the library; patched traffic is not; and
``--offline`` still refuses such a connection before it is made."""

from __future__ import annotations

import sys
from typing import Any

# pytester's in-process runs drop the modules first imported inside them; httpx's and httpx2's
# transports (httpcore, httpcore2) are imported lazily, so import them here, or later tests
# would see two copies of their exception classes.
import httpcore  # noqa: F401
import httpcore2  # noqa: F401
import pytest

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="vcrpy 8.x (the one for Python 3.10) patches every library it knows, http.client "
    "included, so urllib is not an unpatched library there",
)

TESTS = """
import http.client, json, os, urllib.request
import openai, pytest

BASE_URL = os.environ["UNPATCHED_BASE_URL"]
THREAD = {thread_id!r}
HEADERS = {{"Authorization": "Bearer sk-test-FAKE", "OpenAI-Beta": "assistants=v2",
           "Content-Type": "application/json"}}


@pytest.mark.cassette
def test_urllib():
    request = urllib.request.Request(BASE_URL + "/threads/" + THREAD, data=b"{{}}",
                                     headers=HEADERS, method="POST")
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["id"] == THREAD


@pytest.mark.cassette
def test_http_client():
    host, port = BASE_URL.split("//")[1].split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port))
    connection.request("POST", "/v1/threads/" + THREAD, body=b"{{}}", headers=HEADERS)
    assert connection.getresponse().status == 200


@pytest.mark.cassette
def test_sdk():
    client = openai.OpenAI(base_url=BASE_URL, api_key="sk-test-FAKE", max_retries=0)
    assert client.beta.threads.update(THREAD, metadata={{}}).id == THREAD
"""


@pytest.fixture
def tests_file(
    pytester: pytest.Pytester, harness_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNPATCHED_BASE_URL", harness_emulator.base_url)
    thread_id = harness_emulator.store.snapshot()["threads"][0]["id"]
    pytester.makepyfile(test_libs=TESTS.format(thread_id=thread_id))


def test_recording_nothing_through_an_unpatched_library_warns_naming_it(
    pytester: pytest.Pytester, tests_file: None
) -> None:
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=once", "-W", "default")
    result.assert_outcomes(passed=3)
    text = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*HarnessUnpatchedWarning: harness cassette: test_libs.py::test_urllib recorded "
            "nothing, but opened connections through urllib (urllib.request) (1 connection(s), "
            "to 127.0.0.1:*), which the harness does not patch. Supported: httpx2 and httpx*",
            "*HarnessUnpatchedWarning: harness cassette: test_libs.py::test_http_client "
            "recorded nothing, but opened connections through http.client*",
        ]
    )
    assert "test_sdk recorded nothing" not in text
    assert text.count(" recorded nothing, but opened connections") == 2
    assert (pytester.path / "cassettes" / "test_libs" / "test_sdk.json").is_file()
    assert not (pytester.path / "cassettes" / "test_libs" / "test_urllib.json").exists()


def test_replay_mode_does_not_warn(pytester: pytest.Pytester, tests_file: None) -> None:
    result = pytester.runpytest(
        "-p", "no:randomly", "--cassette-mode=none", "-W", "default", "-k", "urllib"
    )
    result.assert_outcomes(passed=1)
    assert "HarnessUnpatchedWarning" not in result.stdout.str()


def test_offline_still_blocks_an_unpatched_library(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, harness_emulator: Any
) -> None:
    thread_id = harness_emulator.store.snapshot()["threads"][0]["id"]
    pytester.makepyfile(test_libs=TESTS.format(thread_id=thread_id))
    monkeypatch.setenv("UNPATCHED_BASE_URL", "http://192.0.2.1:80/v1")  # TEST-NET-1
    result = pytester.runpytest(
        "-p", "no:randomly", "--cassette-mode=once", "--offline", "-k", "urllib or http_client"
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*harness --offline: blocked connect to 192.0.2.1:80*"])
    assert "HarnessUnpatchedWarning" not in result.stdout.str()
