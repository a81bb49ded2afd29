"""The emulator through the official SDK, sync and async, over real HTTP on 127.0.0.1.

Most tests use the public ``harness_emulator`` fixture (one server per session, reset to its
seeded state before each test).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import openai
import pytest

from harness.api.constants import RESPONSE_FORMAT_KINDS, RUN_STATUSES
from harness.api.models import Thread
from harness.api.rules import check_run, check_thread
from harness.emulator import (
    INVALID_JSON,
    MISSING_BETA,
    MISSING_KEY,
    RunningEmulator,
    Store,
    create_app,
    running_emulator,
)
from tests.spec import spec_errors

KEY = "sk-test-not-a-real-key"
BETA = {"openai-beta": "assistants=v2"}
AUTH = {"authorization": f"Bearer {KEY}", **BETA}


def envelope(message: str, *, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }


def a_run(store: Store, status: str = "completed") -> dict[str, Any]:
    return next(run for run in store.snapshot()["runs"] if run["status"] == status)


def a_thread(store: Store) -> dict[str, Any]:
    thread: dict[str, Any] = store.snapshot()["threads"][0]
    return thread


def expect_error(
    exc_type: type[openai.APIStatusError], call: Any, status: int, body: dict[str, Any]
) -> None:
    with pytest.raises(exc_type) as info:
        call()
    assert info.value.status_code == status
    assert info.value.response.json() == body
    assert info.value.body == body["error"]


# --------------------------------------------------------------------------- seeded state


def test_seeded_objects_cover_every_status_and_format_and_are_consistent() -> None:
    snapshot = create_app(seed=3).store.snapshot()
    threads = {thread["id"]: thread for thread in snapshot["threads"]}
    pairs = set()
    for run in snapshot["runs"]:
        fmt = run["response_format"]
        pairs.add((run["status"], fmt if isinstance(fmt, str) else fmt["type"]))
        assert run["thread_id"] in threads
        assert check_run(run, thread=Thread.model_validate(threads[run["thread_id"]])) == []
        assert spec_errors("RunObject", run) == []
    assert pairs == {(s, f) for s in RUN_STATUSES for f in RESPONSE_FORMAT_KINDS}
    for thread in threads.values():
        assert check_thread(thread) == []
        assert spec_errors("ThreadObject", thread) == []


def test_seeding_is_deterministic_per_seed() -> None:
    first = create_app(seed=7).store.snapshot()
    assert create_app(seed=7).store.snapshot() == first
    other = create_app(seed=8).store.snapshot()
    assert {r["id"] for r in other["runs"]}.isdisjoint({r["id"] for r in first["runs"]})


def test_objects_endpoint_lists_the_store_and_reset_restores_it(
    harness_emulator: RunningEmulator,
) -> None:
    listed = httpx2.get(f"{harness_emulator.base_url}/_harness/objects").json()
    assert listed["threads"] == harness_emulator.store.snapshot()["threads"]
    assert len(listed["runs"]) == len(RUN_STATUSES) * len(RESPONSE_FORMAT_KINDS)
    client = harness_emulator.client()
    run = listed["runs"][0]
    client.beta.threads.runs.update(run["id"], thread_id=run["thread_id"], metadata={"x": "1"})
    client.beta.threads.create()
    assert httpx2.post(f"{harness_emulator.base_url}/_harness/reset").status_code == 200
    assert httpx2.get(f"{harness_emulator.base_url}/_harness/objects").json() == listed


# --------------------------------------------------------------------------- modify


def test_modify_thread_and_run_then_read_back_sync(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    store = harness_emulator.store
    thread, run = a_thread(store), a_run(store, "requires_action")

    updated = client.beta.threads.update(thread["id"], metadata={"user": "abc123"})
    assert updated.id == thread["id"]
    assert updated.metadata == {"user": "abc123"}
    assert client.beta.threads.retrieve(thread["id"]).metadata == {"user": "abc123"}

    modified = client.beta.threads.runs.update(
        run["id"], thread_id=run["thread_id"], metadata={"user_id": "user_abc123"}
    )
    assert modified.metadata == {"user_id": "user_abc123"}
    assert modified.status == "requires_action"
    back = client.beta.threads.runs.retrieve(run["id"], thread_id=run["thread_id"])
    # a modify changes metadata and nothing else
    expected = {**run, "metadata": {"user_id": "user_abc123"}}
    assert back.model_dump(mode="json", exclude_unset=True, by_alias=True) == expected
    assert store.runs[run["id"]] == expected


def test_modify_thread_and_run_async(harness_emulator: RunningEmulator) -> None:
    store = harness_emulator.store
    thread, run = a_thread(store), a_run(store, "in_progress")

    async def scenario() -> tuple[Any, Any, Any]:
        client = harness_emulator.async_client()
        async with client:
            updated = await client.beta.threads.update(thread["id"], metadata={"a": "1"})
            modified = await client.beta.threads.runs.update(
                run["id"], thread_id=run["thread_id"], metadata={"b": "2"}
            )
            back = await client.beta.threads.runs.retrieve(run["id"], thread_id=run["thread_id"])
            return updated, modified, back

    updated, modified, back = asyncio.run(scenario())
    assert updated.metadata == {"a": "1"}
    assert modified.metadata == back.metadata == {"b": "2"}
    assert back.status == "in_progress"
    assert store.threads[thread["id"]]["metadata"] == {"a": "1"}


def test_every_seeded_run_can_be_modified_in_its_status(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    for run in harness_emulator.store.snapshot()["runs"]:
        modified = client.beta.threads.runs.update(
            run["id"], thread_id=run["thread_id"], metadata={"seen": run["status"]}
        )
        body = modified.model_dump(mode="json", exclude_unset=True, by_alias=True)
        assert body == {**run, "metadata": {"seen": run["status"]}}
        assert spec_errors("RunObject", body) == []


def test_create_thread_and_run_then_modify(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    thread = client.beta.threads.create(metadata={"origin": "test"})
    assert thread.id.startswith("thread_") and len(thread.id) == len("thread_") + 24
    assert thread.metadata == {"origin": "test"}
    assistant = client.beta.assistants.create(model="gpt-4o", name="Tester")
    run = client.beta.threads.runs.create(
        thread.id,
        assistant_id=assistant.id,
        instructions="Be brief.",
        tools=[{"type": "code_interpreter"}],
    )
    assert run.id.startswith("run_")
    assert (run.status, run.thread_id, run.assistant_id) == ("queued", thread.id, assistant.id)
    assert run.instructions == "Be brief."
    assert [tool.type for tool in run.tools] == ["code_interpreter"]
    raw = harness_emulator.store.runs[run.id]
    assert (
        check_run(raw, thread=Thread.model_validate(harness_emulator.store.threads[thread.id]))
        == []
    )
    assert spec_errors("RunObject", raw) == []

    modified = client.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"k": "v"})
    assert modified.metadata == {"k": "v"}
    assert modified.status == "queued"
    assert client.beta.threads.update(thread.id, metadata={}).metadata == {}


def test_created_ids_are_a_deterministic_sequence_per_app(
    harness_emulator: RunningEmulator,
) -> None:
    client = harness_emulator.client()
    first = [client.beta.threads.create().id for _ in range(3)]
    harness_emulator.store.reset()
    assert [client.beta.threads.create().id for _ in range(3)] == first
    with running_emulator(seed=1) as other:
        assert other.client().beta.threads.create().id not in first


def test_metadata_replaces_null_and_empty_body_change_nothing(
    harness_emulator: RunningEmulator,
) -> None:
    client = harness_emulator.client()
    run = a_run(harness_emulator.store)
    ids = {"thread_id": run["thread_id"]}
    client.beta.threads.runs.update(run["id"], **ids, metadata={"a": "1", "b": "2"})
    replaced = client.beta.threads.runs.update(run["id"], **ids, metadata={"c": "3"})
    assert replaced.metadata == {"c": "3"}  # replaced, not merged
    assert client.beta.threads.runs.update(run["id"], **ids, metadata=None).metadata == {"c": "3"}
    assert client.beta.threads.runs.update(run["id"], **ids).metadata == {"c": "3"}  # body {}
    assert client.beta.threads.runs.update(run["id"], **ids, metadata={}).metadata == {}
    assert harness_emulator.store.runs[run["id"]] == {**run, "metadata": {}}


def test_thread_tool_resources_replace_each_given_kind(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    thread = client.beta.threads.create(
        tool_resources={
            "code_interpreter": {"file_ids": ["file-a", "file-b"]},
            "file_search": {"vector_store_ids": ["vs_1"]},
        }
    )
    updated = client.beta.threads.update(
        thread.id, tool_resources={"code_interpreter": {"file_ids": ["file-c"]}}
    )
    assert updated.model_dump(mode="json", exclude_unset=True, by_alias=True)["tool_resources"] == {
        "code_interpreter": {"file_ids": ["file-c"]},
        "file_search": {"vector_store_ids": ["vs_1"]},
    }
    assert updated.metadata == {}


# --------------------------------------------------------------------------- errors


def test_metadata_limits_are_the_apis_400s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    run, thread = a_run(harness_emulator.store), a_thread(harness_emulator.store)
    too_many = {f"k{i}": "v" for i in range(17)}
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.update(thread["id"], metadata=too_many),
        400,
        envelope(
            "Invalid 'metadata': too many properties. Expected an object with at most 16 "
            "properties, but got an object with 17 properties instead.",
            param="metadata",
            code="object_above_max_properties",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.update(
            run["id"], thread_id=run["thread_id"], metadata={"actual": "x" * 695}
        ),
        400,
        envelope(
            "Invalid 'metadata.actual': string too long. Expected a string with maximum length "
            "512, but got a string with length 695 instead.",
            param="metadata.actual",
            code="string_above_max_length",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.update(thread["id"], metadata={"k" * 65: "v"}),
        400,
        envelope(
            "Invalid 'metadata': key too long. Expected a key with maximum length 64, but got "
            "a key with length 65 instead.",
            param="metadata",
            code="string_above_max_length",
        ),
    )
    # nothing was changed by a rejected modify
    assert harness_emulator.store.threads[thread["id"]] == thread


def test_wrong_types_and_unknown_fields_are_400s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    run = a_run(harness_emulator.store)
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.update(
            run["id"], thread_id=run["thread_id"], metadata="not a map"
        ),
        400,
        envelope(
            "Invalid type for 'metadata': expected an object, but got a string instead.",
            param="metadata",
            code="invalid_type",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.update(
            run["id"], thread_id=run["thread_id"], metadata={"n": 1}
        ),
        400,
        envelope(
            "Invalid type for 'metadata.n': expected a string, but got an integer instead.",
            param="metadata.n",
            code="invalid_type",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.update(
            run["id"],
            thread_id=run["thread_id"],
            extra_body={"tool_resources": {"code_interpreter": {"file_ids": []}}},
        ),
        400,
        envelope("Unrecognized request argument supplied: tool_resources"),
    )


def test_ids_with_the_wrong_prefix_are_400s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    run = a_run(harness_emulator.store)
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.update("undefined", metadata={}),
        400,
        envelope(
            "Invalid 'thread_id': 'undefined'. Expected an ID that begins with 'thread'.",
            param="thread_id",
            code="invalid_value",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.update("xyz", thread_id=run["thread_id"]),
        400,
        envelope(
            "Invalid 'run_id': 'xyz'. Expected an ID that begins with 'run'.",
            param="run_id",
            code="invalid_value",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.runs.create(run["thread_id"], assistant_id="abc"),
        400,
        envelope(
            "Invalid 'assistant_id': 'abc'. Expected an ID that begins with 'asst'.",
            param="assistant_id",
            code="invalid_value",
        ),
    )


def test_resource_ids_that_cannot_exist_are_400s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    thread = client.beta.threads.create()
    param = "tool_resources.code_interpreter.file_ids[1]"
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.update(
            thread.id, tool_resources={"code_interpreter": {"file_ids": ["file-a", ""]}}
        ),
        400,
        envelope(
            f"Invalid '{param}': ''. Expected an ID that begins with 'file-'.",
            param=param,
            code="invalid_value",
        ),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.create(
            tool_resources={"file_search": {"vector_store_ids": ["store"]}}
        ),
        400,
        envelope(
            "Invalid 'tool_resources.file_search.vector_store_ids[0]': 'store'. "
            "Expected an ID that begins with 'vs_'.",
            param="tool_resources.file_search.vector_store_ids[0]",
            code="invalid_value",
        ),
    )
    assert client.beta.threads.retrieve(thread.id).tool_resources is not None


def test_unknown_ids_are_404s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    runs = harness_emulator.store.snapshot()["runs"]
    run, other = runs[0], next(r for r in runs if r["thread_id"] != runs[0]["thread_id"])
    expect_error(
        openai.NotFoundError,
        lambda: client.beta.threads.update("thread_x", metadata={}),
        404,
        envelope("No thread found with id 'thread_x'."),
    )
    expect_error(
        openai.NotFoundError,
        lambda: client.beta.threads.runs.retrieve("run_x", thread_id=run["thread_id"]),
        404,
        envelope("No run found with id 'run_x'."),
    )
    # a run that exists, addressed through another thread
    expect_error(
        openai.NotFoundError,
        lambda: client.beta.threads.runs.update(
            run["id"], thread_id=other["thread_id"], metadata={}
        ),
        404,
        envelope(f"No run found with id '{run['id']}'."),
    )


def test_missing_credentials_and_beta_header(harness_emulator: RunningEmulator) -> None:
    thread = a_thread(harness_emulator.store)
    client = harness_emulator.client()
    expect_error(
        openai.AuthenticationError,
        lambda: client.beta.threads.retrieve(
            thread["id"], extra_headers={"Authorization": openai.Omit()}
        ),
        401,
        envelope(MISSING_KEY),
    )
    expect_error(
        openai.AuthenticationError,
        lambda: client.beta.threads.retrieve(
            thread["id"], extra_headers={"Authorization": "Basic dXNlcjo="}
        ),
        401,
        envelope(MISSING_KEY),
    )
    expect_error(
        openai.BadRequestError,
        lambda: client.beta.threads.update(
            thread["id"], metadata={}, extra_headers={"OpenAI-Beta": openai.Omit()}
        ),
        400,
        envelope(MISSING_BETA),
    )


def test_raw_http_errors(harness_emulator: RunningEmulator) -> None:
    base, thread = harness_emulator.base_url, a_thread(harness_emulator.store)
    url = f"{base}/threads/{thread['id']}"
    malformed = httpx2.post(url, content=b'{"metadata": ', headers=AUTH)
    assert (malformed.status_code, malformed.json()) == (400, envelope(INVALID_JSON))
    not_object = httpx2.post(url, json=[1, 2], headers=AUTH)
    assert (not_object.status_code, not_object.json()) == (
        400,
        envelope(
            "Invalid type for body: expected an object, but got an array instead.",
            code="invalid_type",
        ),
    )
    wrong_method = httpx2.put(url, headers=AUTH)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, POST, DELETE"
    assert wrong_method.json() == envelope(
        f"Method not allowed: PUT /v1/threads/{thread['id']}. Allowed: GET, POST, DELETE."
    )
    unknown = httpx2.get(f"{base}/vector_stores", headers=AUTH)
    assert (unknown.status_code, unknown.json()) == (
        404,
        envelope("Invalid URL (GET /v1/vector_stores)"),
    )
    for response in (malformed, not_object, wrong_method, unknown):
        assert response.headers["content-type"] == "application/json"


def test_the_key_is_never_echoed(harness_emulator: RunningEmulator) -> None:
    secret = "sk-proj-FAKESECRET0123456789"
    headers = {"authorization": f"Bearer {secret}"}
    for response in (
        httpx2.post(f"{harness_emulator.base_url}/threads/thread_x", json={}, headers=headers),
        httpx2.post(
            f"{harness_emulator.base_url}/threads/thread_x", json={}, headers={**headers, **BETA}
        ),
        httpx2.post(
            f"{harness_emulator.base_url}/threads/thread_x",
            content=b"{",
            headers={"api-key": secret, **BETA},
        ),
        httpx2.get(f"{harness_emulator.root_url}/openai/threads/thread_x?api-key={secret}"),
    ):
        assert response.status_code >= 400
        assert "FAKESECRET" not in response.text
        assert "FAKESECRET" not in str(response.headers)
    assert "FAKESECRET" not in str(harness_emulator.store.snapshot())


# --------------------------------------------------------------------------- Azure form


def test_azure_client_modifies_through_the_azure_form(harness_emulator: RunningEmulator) -> None:
    run = a_run(harness_emulator.store, "failed")
    azure = openai.AzureOpenAI(
        azure_endpoint=harness_emulator.root_url,
        api_version="2024-05-01-preview",
        api_key=KEY,
        max_retries=0,
    )
    modified = azure.beta.threads.runs.update(
        run["id"], thread_id=run["thread_id"], metadata={"via": "azure"}
    )
    assert modified.metadata == {"via": "azure"}
    assert azure.beta.threads.retrieve(run["thread_id"]).id == run["thread_id"]


def test_azure_form_without_api_version_is_404(harness_emulator: RunningEmulator) -> None:
    thread = a_thread(harness_emulator.store)
    url = f"{harness_emulator.root_url}/openai/threads/{thread['id']}"
    missing = httpx2.get(url, headers={"api-key": KEY})
    assert (missing.status_code, missing.json()) == (
        404,
        envelope("Resource not found", code="404"),
    )
    # the beta header is not needed on the Azure form; the key may be a query parameter
    ok = httpx2.get(f"{url}?api-version=2024-05-01-preview&api-key={KEY}")
    assert ok.status_code == 200 and ok.json() == thread


# --------------------------------------------------------------------------- adopt_unknown


def test_adopt_unknown_creates_consistent_objects_for_unknown_ids() -> None:
    async def scenario(app: Any) -> tuple[Any, Any]:
        transport = httpx2.ASGITransport(app=app)
        http = httpx2.AsyncClient(transport=transport, base_url="http://emulator")
        async with openai.AsyncOpenAI(
            base_url="http://emulator/v1", api_key=KEY, http_client=http, max_retries=0
        ) as client:
            thread = await client.beta.threads.update("thread_recorded1", metadata={"a": "b"})
            run = await client.beta.threads.runs.update(
                "run_recorded1", thread_id="thread_recorded1", metadata={"c": "d"}
            )
            return thread, run

    app = create_app(seed=4, adopt_unknown=True)
    thread, run = asyncio.run(scenario(app))
    assert (thread.id, thread.metadata) == ("thread_recorded1", {"a": "b"})
    assert (run.id, run.thread_id, run.status) == ("run_recorded1", "thread_recorded1", "completed")
    assert run.metadata == {"c": "d"}
    stored = app.store.runs["run_recorded1"]
    assert (
        check_run(stored, thread=Thread.model_validate(app.store.threads["thread_recorded1"])) == []
    )
    # deterministic from seed and ids: a fresh app adopts the same run (before the modify)
    adopted = create_app(seed=4, adopt_unknown=True).store.run("thread_recorded1", "run_recorded1")
    assert {**adopted, "metadata": {"c": "d"}} == stored
    other_seed = create_app(seed=5, adopt_unknown=True).store.run(
        "thread_recorded1", "run_recorded1"
    )
    assert (
        other_seed["created_at"] != stored["created_at"] or other_seed["model"] != stored["model"]
    )


def test_adopt_unknown_still_rejects_a_run_of_another_thread() -> None:
    store = create_app(adopt_unknown=True).store
    run = a_run(store)
    with pytest.raises(Exception, match="No run found"):
        store.run("thread_elsewhere", run["id"])


# --------------------------------------------------------------------------- concurrency


def test_concurrent_modifications_lose_no_update(harness_emulator: RunningEmulator) -> None:
    """20 clients x 20 updates at once. Each client owns a run and counts up its metadata (the
    last value must survive); all share one thread, where half replace code_interpreter and
    half file_search resources: under per-kind replacement both kinds must survive."""
    setup = harness_emulator.client()
    thread = setup.beta.threads.create()
    assistant = setup.beta.assistants.create(model="gpt-4o")
    runs = []
    for _ in range(20):  # one run per thread: a thread has one active run at a time
        own = setup.beta.threads.create().id
        runs.append((own, setup.beta.threads.runs.create(own, assistant_id=assistant.id).id))

    def worker(index: int) -> list[str]:
        problems = []
        client = harness_emulator.client()
        for step in range(20):
            sent = {"client": str(index), "step": str(step)}
            own, run_id = runs[index]
            got = client.beta.threads.runs.update(run_id, thread_id=own, metadata=sent)
            if got.metadata != sent:
                problems.append(f"run {index} step {step}: {got.metadata}")
            kind = ("code_interpreter", "file_search")[index % 2]
            ids = {
                "code_interpreter": {"file_ids": [f"file-{index}-{step}"]},
                "file_search": {"vector_store_ids": [f"vs_{index}_{step}"]},
            }
            updated = client.beta.threads.update(thread.id, tool_resources={kind: ids[kind]})
            if getattr(updated.tool_resources, kind) is None:
                problems.append(f"thread lost {kind} at client {index} step {step}")
        return problems

    with ThreadPoolExecutor(max_workers=20) as pool:
        problems = [p for found in pool.map(worker, range(20)) for p in found]
    assert problems == []
    for index, (_, run_id) in enumerate(runs):
        assert harness_emulator.store.runs[run_id]["metadata"] == {
            "client": str(index),
            "step": "19",
        }
    resources = harness_emulator.store.threads[thread.id]["tool_resources"]
    assert set(resources) == {"code_interpreter", "file_search"}


def test_answers_never_alias_stored_objects_and_replies_repeat_per_seed() -> None:
    """The app serializes stored objects without copying them: an in-process answer is still
    the caller's to change, a served one is the stored state at that request, and the same
    calls on two fresh emulators reply with the same seeded text."""

    def call(app: Any, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": b"",
            "headers": [(k.encode(), v.encode()) for k, v in AUTH.items()],
        }
        status, payload, _ = app.handle(scope, json.dumps(body).encode())
        assert status == 200, payload
        assert isinstance(payload, dict)
        return payload

    replies = []
    for _ in range(2):
        app = create_app(seed=5)
        assistant = call(app, "POST", "/v1/assistants", {"model": "gpt-4o"})
        run = call(app, "POST", "/v1/threads/runs", {"assistant_id": assistant["id"]})
        run["metadata"]["mine"] = "changed"
        path = f"/v1/threads/{run['thread_id']}/runs/{run['id']}"
        for _ in range(2):
            run = call(app, "GET", path, {})
        assert run["status"] == "completed" and run["metadata"] == {}
        assert app.store.runs[run["id"]]["metadata"] == {}
        listed = call(app, "GET", f"/v1/threads/{run['thread_id']}/messages", {})
        listed["data"][0]["content"].clear()
        again = call(app, "GET", f"/v1/threads/{run['thread_id']}/messages", {})
        replies.append(again["data"][0]["content"][0]["text"]["value"])
    assert replies[0] == replies[1] and replies[0]


def test_served_answer_is_the_state_at_that_request(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    run = harness_emulator.store.snapshot()["runs"][0]
    first = client.beta.threads.runs.update(
        run["id"], thread_id=run["thread_id"], metadata={"n": "1"}
    )
    second = client.beta.threads.runs.update(
        run["id"], thread_id=run["thread_id"], metadata={"n": "2"}
    )
    assert first.metadata == {"n": "1"} and second.metadata == {"n": "2"}
    stored = harness_emulator.store.runs[run["id"]]
    assert stored["metadata"] == {"n": "2"}
    assert list(stored) == list(json.loads(json.dumps(run)))
