"""aiohttp through the plugin: the SDK's ``DefaultAioHttpClient`` and plain ``aiohttp``,
recorded against the emulator and replayed offline, with the same cassette the sync and
httpx2 clients write (parity both ways)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# pytester's in-process runs drop the modules first imported inside them; httpx's and httpx2's
# transports (httpcore, httpcore2) are imported lazily, so import them here, or later tests
# would see two copies of their exception classes.
import httpcore  # noqa: F401
import httpcore2  # noqa: F401
import pytest

pytest.importorskip("aiohttp")

CLIENTS = """
import asyncio, os
import aiohttp, openai, pytest

BASE_URL = os.environ.get("AIOHTTP_TEST_BASE_URL", "http://127.0.0.1:9/v1")
KEY = "sk-proj-FAKEaiohttpFAKEkeyFAKE000001"
RUN_ID, THREAD_ID = {run_id!r}, {thread_id!r}


def traffic_sync():
    client = openai.OpenAI(base_url=BASE_URL, api_key=KEY, max_retries=0)
    thread = client.beta.threads.create()
    updated = client.beta.threads.update(thread.id, metadata={{"tier": "pro"}})
    run = client.beta.threads.runs.update(RUN_ID, thread_id=THREAD_ID, metadata={{"r": "1"}})
    return updated.metadata, run.metadata


async def traffic_async(http_client):
    async with openai.AsyncOpenAI(
        base_url=BASE_URL, api_key=KEY, max_retries=0, http_client=http_client
    ) as client:
        thread = await client.beta.threads.create()
        updated = await client.beta.threads.update(thread.id, metadata={{"tier": "pro"}})
        run = await client.beta.threads.runs.update(
            RUN_ID, thread_id=THREAD_ID, metadata={{"r": "1"}}
        )
        return updated.metadata, run.metadata


EXPECTED = ({{"tier": "pro"}}, {{"r": "1"}})


@pytest.mark.cassette("{name}")
def test_traffic():
    client = "{client}"
    if client == "sync":
        assert traffic_sync() == EXPECTED
    elif client == "httpx2":
        assert asyncio.run(traffic_async(None)) == EXPECTED
    else:
        assert asyncio.run(traffic_async(openai.DefaultAioHttpClient())) == EXPECTED


@pytest.mark.cassette("plain-{name}")
def test_plain_aiohttp():
    async def go():
        async with aiohttp.ClientSession() as session:
            async with session.post(
                BASE_URL + "/threads/" + THREAD_ID,
                json={{"metadata": {{"plain": "yes"}}}},
                headers={{"Authorization": "Bearer " + KEY, "OpenAI-Beta": "assistants=v2"}},
            ) as response:
                return response.status, await response.json()

    status, body = asyncio.run(go())
    assert status == 200 and body["metadata"] == {{"plain": "yes"}}
"""


def _run(
    pytester: pytest.Pytester, client: str, name: str, seeded: tuple[str, str], *args: str
) -> None:
    pytester.makepyfile(
        test_clients=CLIENTS.format(client=client, name=name, thread_id=seeded[0], run_id=seeded[1])
    )
    pytester.runpytest("-p", "no:randomly", "-p", "no:recording", *args).assert_outcomes(passed=2)


@pytest.fixture
def seeded(harness_emulator: Any) -> tuple[str, str]:
    run = harness_emulator.store.snapshot()["runs"][0]
    return run["thread_id"], run["id"]


def _record(
    pytester: pytest.Pytester,
    harness_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    client: str,
    seeded: tuple[str, str],
) -> bytes:
    monkeypatch.setenv("AIOHTTP_TEST_BASE_URL", harness_emulator.base_url)
    _run(pytester, client, client, seeded, "--cassette-mode=rewrite")
    monkeypatch.delenv("AIOHTTP_TEST_BASE_URL")
    return (pytester.path / "cassettes" / f"{client}.json").read_bytes()


def test_sdk_aiohttp_client_records_and_replays_like_the_sync_and_httpx2_clients(
    pytester: pytest.Pytester,
    harness_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    seeded: tuple[str, str],
) -> None:
    recorded: dict[str, bytes] = {}
    for client in ("sync", "httpx2", "aiohttp"):
        harness_emulator.store.reset()
        recorded[client] = _record(pytester, harness_emulator, monkeypatch, client, seeded)
    assert recorded["aiohttp"] == recorded["sync"] == recorded["httpx2"]
    cassette = json.loads(recorded["aiohttp"])
    assert len(cassette["interactions"]) == 3
    assert "FAKEaiohttp" not in recorded["aiohttp"].decode()
    plain = (pytester.path / "cassettes" / "plain-aiohttp.json").read_text()
    assert "FAKEaiohttp" not in plain
    assert json.loads(plain)["interactions"][0]["request"]["json"] == {"metadata": {"plain": "yes"}}

    # Replay offline, each client from the cassette another client recorded.
    cassettes = pytester.path / "cassettes"
    for client, source in (("aiohttp", "sync"), ("sync", "aiohttp"), ("httpx2", "aiohttp")):
        (cassettes / f"{client}.json").write_bytes(recorded[source])
        _run(pytester, client, client, seeded, "--cassette-mode=none", "--offline")


def test_aiohttp_miss_in_replay_mode_fails_with_the_harness_message(
    pytester: pytest.Pytester, seeded: tuple[str, str]
) -> None:
    pytester.makepyfile(
        test_clients=CLIENTS.format(
            client="aiohttp", name="absent", thread_id=seeded[0], run_id=seeded[1]
        )
    )
    result = pytester.runpytest(
        "-p", "no:randomly", "--cassette-mode=none", "--offline", "-k", "test_traffic"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*harness cassette: no recorded response for POST /v1/threads*"])
    assert not Path(pytester.path / "cassettes" / "absent.json").exists()
