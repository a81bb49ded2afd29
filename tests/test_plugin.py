"""The pytest plugin end to end: pytester runs small downstream test files that record from
the emulator (real SDK, sync and async, plain httpx and requests, over real loopback HTTP),
then replay them with the emulator stopped and ``--offline``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import DOWNSTREAM_COMMON

pytest.importorskip("openai")


pytestmark = pytest.mark.usefixtures("not_on_ci")


DOWNSTREAM = (
    DOWNSTREAM_COMMON
    + """
import asyncio

import requests


@pytest.mark.cassette
def test_modify_thread_sync(base_url):
    c = client(base_url)
    thread = c.beta.threads.create(metadata={"step": "created"})
    updated = c.beta.threads.update(thread.id, metadata={"step": "modified"})
    assert updated.id == thread.id and updated.metadata == {"step": "modified"}


@pytest.mark.cassette
def test_modify_run_sync(base_url):
    c = client(base_url)
    thread = c.beta.threads.create()
    assistant = c.beta.assistants.create(model="gpt-4o")
    run = c.beta.threads.runs.create(thread.id, assistant_id=assistant.id)
    updated = c.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"k": "v"})
    assert updated.status == "queued" and updated.metadata == {"k": "v"}


@pytest.mark.cassette
def test_modify_thread_async(base_url):
    async def go():
        c = openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)
        thread = await c.beta.threads.create()
        return await c.beta.threads.update(thread.id, metadata={"a": "1"})

    assert asyncio.run(go()).metadata == {"a": "1"}


@pytest.mark.cassette
def test_unknown_thread_is_404(base_url):
    with pytest.raises(openai.NotFoundError):
        client(base_url).beta.threads.update("thread_doesnotexist", metadata={"a": "b"})


@pytest.mark.cassette
def test_plain_httpx(base_url):
    created = httpx.post(f"{base_url}/threads", json={}, headers=HEADERS).json()
    modified = httpx.post(
        f"{base_url}/threads/{created['id']}", json={"metadata": {"via": "httpx"}}, headers=HEADERS
    )
    assert modified.status_code == 200 and modified.json()["metadata"] == {"via": "httpx"}


@pytest.mark.cassette
def test_plain_requests(base_url):
    created = requests.post(f"{base_url}/threads", json={}, headers=HEADERS, timeout=5).json()
    modified = requests.post(
        f"{base_url}/threads/{created['id']}",
        json={"metadata": {"via": "requests"}},
        headers=HEADERS,
        timeout=5,
    )
    assert modified.status_code == 200 and modified.json()["metadata"] == {"via": "requests"}


def test_cassette_fixture(base_url, cassette):
    thread = client(base_url).beta.threads.create()
    assert thread.object == "thread"
    assert len(cassette.interactions) == 1
    if cassette.mode == "none":
        assert cassette.all_played and cassette.play_count == 1 and not cassette.recorded
    else:
        assert len(cassette.recorded) == 1
"""
)

TESTS = 7


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
def test_record_replay_offline_and_rerecord_byte_identical(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    recorded = pytester.runpytest("-p", "no:randomly", "--cassette-mode=once")
    recorded.assert_outcomes(passed=TESTS)
    cassettes = pytester.path / "cassettes"
    first = _files(cassettes)
    assert sorted(first) == sorted(
        f"test_downstream/{name}.json"
        for name in (
            "test_modify_thread_sync",
            "test_modify_run_sync",
            "test_modify_thread_async",
            "test_unknown_thread_is_404",
            "test_plain_httpx",
            "test_plain_requests",
            "test_cassette_fixture",
        )
    )
    run = json.loads(first["test_downstream/test_modify_run_sync.json"])
    last = run["interactions"][-1]
    assert last["request"]["path"].endswith("/runs/" + last["response"]["json"]["id"])
    assert last["request"]["json"] == {"metadata": {"k": "v"}}
    assert last["response"]["json"]["metadata"] == {"k": "v"}
    not_found = json.loads(first["test_downstream/test_unknown_thread_is_404.json"])
    assert not_found["interactions"][0]["response"]["status"] == 404

    # Replay: the emulator is never started (base_url points at a closed port) and
    # nothing may leave the machine.
    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replayed.assert_outcomes(passed=TESTS)
    assert _files(cassettes) == first

    rerecorded = pytester.runpytest("-p", "no:randomly", "--cassette-mode=rewrite")
    rerecorded.assert_outcomes(passed=TESTS)
    assert _files(cassettes) == first


def test_default_mode_is_none_on_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("-p", "no:randomly", "-k", "thread_sync")
    result.assert_outcomes(failed=1, deselected=TESTS - 1)
    result.stdout.fnmatch_lines(
        ["*no recorded response for POST /v1/threads", "*mode 'none', file does not exist*"]
    )
    assert not (pytester.path / "cassettes").exists()


def test_miss_prints_scrubbed_request_diff_and_rerecord_command(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    pytester.runpytest("-p", "no:randomly", "-k", "thread_sync").assert_outcomes(
        passed=1, deselected=TESTS - 1
    )
    changed = DOWNSTREAM.replace(
        'metadata={"step": "modified"})',
        'metadata={"step": "changed", "note": "sk-proj-' + "Z" * 30 + '"})',
    ).replace('{"step": "modified"}', '{"step": "changed", "note": "sk-proj-' + "Z" * 30 + '"}')
    pytester.makepyfile(test_downstream=changed)
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "-k", "thread_sync")
    result.assert_outcomes(failed=1, deselected=TESTS - 1)
    output = result.stdout.str()
    assert "no recorded response for POST /v1/threads/thread_" in output
    assert "Nearest recorded request (interaction #1)" in output
    assert '-    "step": "modified"' in output
    assert '+    "step": "changed"' in output
    assert "<REDACTED:openai-key>" in output and "ZZZZZZZZZZ" not in output
    assert "pytest 'test_downstream.py::test_modify_thread_sync' --cassette-mode=rewrite" in output
    assert "Connection error" not in output.split("short test summary")[0].split("FAILURES")[1]


CONFIGURED = """
import pytest
import requests


def post(emulator, headers):
    url = f"{emulator.base_url}/threads"
    auth = {"authorization": "Bearer sk-test-not-a-real-key", "openai-beta": "assistants=v2"}
    return requests.post(url, json={}, headers={**auth, **headers}, timeout=5)


@pytest.mark.cassette
def test_custom_dir(harness_emulator):
    assert post(harness_emulator, {"x-tenant": "tenant-secret-1"}).status_code == 200


@pytest.mark.cassette("named/by-marker", scrub_headers=("x-other",))
def test_marker_options(harness_emulator):
    assert post(harness_emulator, {"x-other": "other-secret-2"}).status_code == 200


@pytest.mark.cassette(bogus=1)
def test_unknown_option():
    pass
"""

CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def cassette_config(cassette_config):
    return {"scrub_headers": ("x-tenant",)}


def pytest_harness_cassette_config(config, request):
    if request.node.name == "test_custom_dir":
        return config.replace(cassette_dir=config.cassette_dir / "custom")
    return None
"""


def test_conftest_hook_and_marker_configure_a_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_configured=CONFIGURED)
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=once")
    result.assert_outcomes(passed=2, errors=1)
    assert "During handling" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*harness cassette configuration of test_configured.py::test_unknown_option: "
         "unknown cassette option(s) bogus*"]
    )  # fmt: skip
    custom = pytester.path / "cassettes" / "custom" / "test_configured" / "test_custom_dir.json"
    named = pytester.path / "cassettes" / "named" / "by-marker.json"
    assert "tenant-secret-1" not in custom.read_text()
    assert "<REDACTED:x-tenant>" in custom.read_text()
    assert "other-secret-2" not in named.read_text()
