"""harness synthesize: deterministic, clean under verify, and replayable through the pytest
plugin (offline, --cassette-mode=none) by the official SDK, sync and async."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.api.constants import RESPONSE_FORMAT_KINDS, RUN_STATUSES
from harness.cassette.format import Cassette
from harness.tools.synthesize import synthesize
from tests.helpers import invoke, json_tree

pytest.importorskip("openai")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    invoke("synthesize", str(root), "--seed", "11")
    return root


def test_same_seed_same_bytes_other_seed_other_bytes(synthesized: Path, tmp_path: Path) -> None:
    synthesize(tmp_path / "again", seed=11)
    synthesize(tmp_path / "other", seed=12)
    assert json_tree(tmp_path / "again") == json_tree(synthesized)
    assert sum(k.startswith("flows/") for k in json_tree(synthesized)) == 10
    other = json_tree(tmp_path / "other")
    assert other.keys() & json_tree(synthesized).keys()
    assert all(
        other[k] != v for k, v in json_tree(synthesized).items() if k.startswith("modify-run")
    )


def test_every_status_and_response_format_has_a_cassette(synthesized: Path) -> None:
    expected = {f"{s}-{f}.json" for s in RUN_STATUSES for f in RESPONSE_FORMAT_KINDS}
    assert {p.name for p in (synthesized / "modify-run").iterdir()} == expected
    for path in (synthesized / "modify-run").iterdir():
        (interaction,) = Cassette.load(path).interactions
        status, fmt = path.stem.split("-")
        assert interaction.response.status == 200
        assert interaction.response.json["status"] == status
        got = interaction.response.json["response_format"]
        assert (got if isinstance(got, str) else got["type"]) == fmt
        assert interaction.response.json["metadata"] == interaction.request.json["metadata"]


def test_requests_are_shaped_like_the_sdk(synthesized: Path) -> None:
    (interaction,) = Cassette.load(synthesized / "modify-run" / "failed-auto.json").interactions
    request = interaction.request
    assert request.method == "POST" and request.path.startswith("/v1/threads/thread_")
    assert "/runs/run_" in request.path
    assert request.headers == {
        "accept": "application/json",
        "authorization": "<REDACTED:authorization>",
        "content-type": "application/json",
        "openai-beta": "assistants=v2",
    }


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("modify-run-metadata-too-many-keys", 400, "object_above_max_properties"),
        ("modify-thread-metadata-key-too-long", 400, "string_above_max_length"),
        ("modify-run-metadata-value-too-long", 400, "string_above_max_length"),
        ("modify-thread-metadata-value-not-string", 400, "invalid_type"),
        ("modify-thread-unknown-thread", 404, None),
        ("modify-run-unknown-run", 404, None),
        ("modify-run-no-api-key", 401, None),
        ("modify-thread-wrong-id-prefix", 400, "invalid_value"),
    ],
)
def test_error_cases_carry_the_api_envelope(
    synthesized: Path, name: str, status: int, code: str | None
) -> None:
    (interaction,) = Cassette.load(synthesized / "errors" / f"{name}.json").interactions
    assert interaction.response.status == status
    error = interaction.response.json["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code


def test_synthesized_cassettes_pass_verify(synthesized: Path) -> None:
    invoke("verify", str(synthesized))
    invoke("verify", str(synthesized / "flows"))


DOWNSTREAM = """
import asyncio

import openai
import pytest

KEY = "sk-test-not-a-real-key"
URL = "http://127.0.0.1:9/v1"  # nothing listens: replay must not connect


@pytest.mark.cassette("synth/modify-run/failed-json_object")
def test_failed_run_sync():
    client = openai.OpenAI(api_key=KEY, base_url=URL, max_retries=0)
    run = client.beta.threads.runs.update({run_id!r}, thread_id={thread_id!r}, metadata={meta!r})
    assert run.status == "failed"
    assert run.last_error is not None
    assert run.metadata == {meta!r}


@pytest.mark.cassette("synth/errors/modify-thread-metadata-too-many-keys")
def test_400_async():
    async def call():
        client = openai.AsyncOpenAI(api_key=KEY, base_url=URL, max_retries=0)
        with pytest.raises(openai.BadRequestError) as caught:
            await client.beta.threads.update({err_thread!r}, metadata={err_meta!r})
        return caught.value

    error = asyncio.run(call())
    assert error.code == "object_above_max_properties"
"""


def test_synthesized_cassettes_replay_through_the_plugin(
    synthesized: Path, pytester: pytest.Pytester
) -> None:
    shutil.copytree(synthesized, pytester.path / "cassettes" / "synth")
    (run,) = Cassette.load(synthesized / "modify-run" / "failed-json_object.json").interactions
    (err,) = Cassette.load(
        synthesized / "errors" / "modify-thread-metadata-too-many-keys.json"
    ).interactions
    parts = run.request.path.split("/")
    pytester.makepyfile(
        test_downstream=DOWNSTREAM.format(
            thread_id=parts[3],
            run_id=parts[5],
            meta=run.request.json["metadata"],
            err_thread=err.request.path.split("/")[3],
            err_meta=err.request.json["metadata"],
        )
    )
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    result.assert_outcomes(passed=2)


FLOW_OUTCOMES = {
    "completed": "completed",
    "requires-action": "completed",
    "failed": "failed",
    "incomplete": "incomplete",
    "cancelled": "cancelled",
}


def test_every_outcome_has_a_polling_and_a_stream_flow(synthesized: Path) -> None:
    expected = {f"{o}{s}.json" for o in FLOW_OUTCOMES for s in ("", "-stream")}
    assert {p.name for p in (synthesized / "flows").iterdir()} == expected
    for name, outcome in FLOW_OUTCOMES.items():
        for suffix in ("", "-stream"):
            interactions = Cassette.load(
                synthesized / "flows" / f"{name}{suffix}.json"
            ).interactions
            paths = [i.request.path for i in interactions]
            assert paths[:2] == ["/v1/assistants", "/v1/threads"]
            assert paths[-2].endswith("/messages")  # the reply is read, as real code does
            last = interactions[-1]
            assert last.request.json == {"metadata": last.response.json["metadata"]}
            assert last.response.json["status"] == outcome
            if name == "failed":
                assert last.response.json["last_error"]["code"] == "server_error"
            if name == "requires-action":
                assert any(p.endswith("/submit_tool_outputs") for p in paths)
            if name == "cancelled":
                assert any(p.endswith("/cancel") for p in paths)


def test_stream_flows_end_in_done_with_the_outcome(synthesized: Path) -> None:
    for name, outcome in FLOW_OUTCOMES.items():
        path = synthesized / "flows" / f"{name}-stream.json"
        assert '"version": 2' in path.read_text()
        streams = [i for i in Cassette.load(path).interactions if i.response.events is not None]
        assert streams and all(i.request.json["stream"] is True for i in streams)
        events = streams[-1].response.stream_events()
        assert events[-1].event == "done" and events[-1].data == "[DONE]"
        run_events = [e for e in events if e.event and e.event.startswith("thread.run.")]
        status = "requires_action" if name == "cancelled" else outcome
        assert run_events[-1].event == f"thread.run.{status}"
        assert run_events[-1].json()["status"] == status


STREAM_DOWNSTREAM = """
import openai
import pytest


@pytest.mark.cassette("synth/flows/requires-action-stream")
def test_stream_replays(cassette):
    thread_id = cassette.interactions[2].request.path.split("/")[3]
    assistant_id = cassette.interactions[2].request.json["assistant_id"]
    client = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with client.beta.threads.runs.stream(thread_id=thread_id, assistant_id=assistant_id) as s:
        events = [event.event for event in s]
        run = s.current_run
    assert events[0] == "thread.run.created"
    assert events[-1] == "thread.run.requires_action"
    assert run is not None and run.status == "requires_action"
    assert run.required_action.submit_tool_outputs.tool_calls[0].function.name == "get_weather"
"""


def test_stream_flow_replays_to_the_sdk_stream_helper(
    synthesized: Path, pytester: pytest.Pytester
) -> None:
    shutil.copytree(synthesized, pytester.path / "cassettes" / "synth")
    pytester.makepyfile(test_downstream=STREAM_DOWNSTREAM)
    result = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    result.assert_outcomes(passed=1)
