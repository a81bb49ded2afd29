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
