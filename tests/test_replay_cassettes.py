"""The cassettes this project ships (``cassettes/tests/test_replay_cassettes/``), replayed offline.

Every test is marked ``cassette(mode="none", offline=True)``: it replays from the committed
file and nothing may leave the machine. ``scripts/record_cassettes.py`` re-records them from
the seeded emulator (``--cassette-mode=rewrite`` on the command line wins over the marker,
and then ``base_url`` is the emulator's).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

openai = pytest.importorskip("openai")
httpx2 = pytest.importorskip("httpx2")

KEY = "sk-test-not-a-real-key"
REPLAY = pytest.mark.cassette(mode="none", offline=True)
RECORDING_MODES = ("once", "new_episodes", "all", "rewrite")


IDS_FILE = Path(
    os.environ.get("HARNESS_REPLAY_IDS", Path(__file__).parent / "data" / "replay_ids.json")
)
"""The seeded ids the cassettes were recorded with (written by scripts/record_cassettes.py
from the emulator's seed 0), so the replay does not depend on today's factory output."""
IDS = json.loads(IDS_FILE.read_text(encoding="utf-8"))
RUNS: dict[str, dict[str, str]] = IDS["runs"]
THREAD_ID: str = IDS["thread_id"]


@pytest.fixture
def base_url(request: pytest.FixtureRequest) -> str:
    """The seeded emulator while recording; while replaying, a closed loopback port that
    nothing may reach (a cassette miss fails before any connection)."""
    if request.config.getoption("cassette_mode") in RECORDING_MODES:
        if request.config.getoption("harness_seed") not in (None, "0"):
            pytest.fail("record the shipped cassettes with the default seed 0")
        return str(request.getfixturevalue("harness_emulator").base_url)
    return "http://127.0.0.1:9/v1"


@pytest.fixture
def client(base_url: str) -> Any:
    return openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0)


@REPLAY
@pytest.mark.parametrize("status", sorted(RUNS))
def test_modify_run_in_every_status(client: Any, status: str) -> None:
    seeded = RUNS[status]
    run = client.beta.threads.runs.update(
        seeded["id"], thread_id=seeded["thread_id"], metadata={"reviewed": "yes"}
    )
    assert (run.id, run.status, run.metadata) == (seeded["id"], status, {"reviewed": "yes"})


@REPLAY
def test_modify_thread_metadata(client: Any) -> None:
    thread = client.beta.threads.update(THREAD_ID, metadata={"user": "u_1", "tier": "pro"})
    assert thread.id == THREAD_ID and thread.metadata == {"user": "u_1", "tier": "pro"}


@REPLAY
def test_modify_thread_created_then_modified_twice(client: Any) -> None:
    thread = client.beta.threads.create(metadata={"step": "1"})
    client.beta.threads.update(thread.id, metadata={"step": "2"})
    again = client.beta.threads.update(thread.id, metadata={"step": "3"})
    assert again.metadata == {"step": "3"}


@REPLAY
def test_modify_thread_metadata_null_changes_nothing(client: Any) -> None:
    before = client.beta.threads.update(THREAD_ID, metadata={"keep": "me"})
    after = client.beta.threads.update(THREAD_ID, metadata=None)
    assert after.metadata == before.metadata == {"keep": "me"}


@REPLAY
def test_400_seventeen_metadata_keys(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.update(THREAD_ID, metadata={f"k{i}": "v" for i in range(17)})
    assert caught.value.code == "object_above_max_properties"
    assert caught.value.param == "metadata"


@REPLAY
def test_400_metadata_value_too_long(client: Any) -> None:
    seeded = RUNS["completed"]
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.runs.update(
            seeded["id"], thread_id=seeded["thread_id"], metadata={"actual": "x" * 695}
        )
    assert caught.value.code == "string_above_max_length"
    assert caught.value.param == "metadata.actual"


@REPLAY
def test_400_metadata_key_too_long(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.update(THREAD_ID, metadata={"k" * 65: "v"})
    assert caught.value.status_code == 400


@REPLAY
def test_404_unknown_thread(client: Any) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.beta.threads.update("thread_doesnotexist000000000", metadata={"a": "b"})
    assert "thread_doesnotexist000000000" in str(caught.value)


@REPLAY
def test_404_unknown_run(client: Any) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.beta.threads.runs.update(
            "run_doesnotexist000000000", thread_id=THREAD_ID, metadata={"a": "b"}
        )
    assert "run_doesnotexist000000000" in str(caught.value)


@REPLAY
def test_400_wrong_id_prefix(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.beta.threads.update("run_notathread", metadata={"a": "b"})
    assert "Expected an ID that begins with 'thread'" in str(caught.value)


@REPLAY
def test_401_without_a_key(base_url: str) -> None:
    with httpx2.Client() as http:
        response = http.post(
            f"{base_url}/threads/{THREAD_ID}",
            json={"metadata": {"a": "b"}},
            headers={"openai-beta": "assistants=v2"},
        )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


@REPLAY
def test_async_modify_run_and_thread(base_url: str) -> None:
    seeded = RUNS["requires_action"]

    async def modify() -> tuple[Any, Any]:
        client = openai.AsyncOpenAI(api_key=KEY, base_url=base_url, max_retries=0)
        run = await client.beta.threads.runs.update(
            seeded["id"], thread_id=seeded["thread_id"], metadata={"async": "yes"}
        )
        thread = await client.beta.threads.update(seeded["thread_id"], metadata={"async": "yes"})
        return run, thread

    run, thread = asyncio.run(modify())
    assert run.status == "requires_action" and run.required_action is not None
    assert run.metadata == thread.metadata == {"async": "yes"}


def test_shipped_cassettes_hold_no_credentials() -> None:
    from harness.cassette.format import Cassette, iter_cassette_files
    from harness.cassette.scrub import find_credentials

    root = Path(__file__).resolve().parent.parent / "cassettes"
    files = list(iter_cassette_files([root]))
    assert files, "no shipped cassettes found; run scripts/record_cassettes.py"
    for path in files:
        assert find_credentials(Cassette.load(path).to_dict(), str(path)) == []
