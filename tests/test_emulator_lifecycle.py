"""The whole Assistants flow on the emulator through the official SDK over real HTTP:
every route, pagination, deletion, the run lifecycle (polling helpers, requires_action,
tool outputs, cancel, expiry), the API's 400s for refused transitions, and scenarios.
Every response body is checked against the full official spec."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from harness.api.rules import check_run
from harness.emulator import RunningEmulator, create_app, running_emulator
from tests.spec import spec_errors

BETA = {"openai-beta": "assistants=v2", "authorization": "Bearer sk-test-not-a-real-key"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


def conforms(schema: str, obj: Any) -> None:
    body = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj
    assert spec_errors(schema, body, full=True) == []


def test_flow_with_tool_calls_sync(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    assistant = client.beta.assistants.create(model="gpt-4o", name="Weather", tools=[WEATHER])
    conforms("AssistantObject", harness_emulator.store.assistants[assistant.id])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Paris?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["get_weather"]
    assert json.loads(calls[0].function.arguments) == {"city": "value", "days": 1}
    assert check_run(run.model_dump(mode="json")) == []
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id,
        thread_id=thread.id,
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "sunny"}],
    )
    assert run.status == "completed" and run.usage is not None
    raw = harness_emulator.store.runs[run.id]
    assert check_run(raw) == [] and spec_errors("RunObject", raw, full=True) == []
    messages = client.beta.threads.messages.list(thread_id=thread.id, order="asc")
    assert [m.role for m in messages] == ["user", "assistant"]
    reply = messages.data[1]
    assert (reply.run_id, reply.assistant_id, reply.status) == (run.id, assistant.id, "completed")
    steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc")
    assert [(s.type, s.status) for s in steps] == [
        ("tool_calls", "completed"),
        ("message_creation", "completed"),
    ]
    assert steps.data[0].step_details.tool_calls[0].function.output == "sunny"
    for step in steps:
        conforms("RunStepObject", harness_emulator.store.steps[step.id])
        got = client.beta.threads.runs.steps.retrieve(step.id, thread_id=thread.id, run_id=run.id)
        assert got.id == step.id
    for message in messages:
        conforms("MessageObject", harness_emulator.store.messages[message.id])
    tagged = client.beta.threads.runs.update(run.id, thread_id=thread.id, metadata={"k": "v"})
    assert tagged.metadata == {"k": "v"} and tagged.status == "completed"


def test_create_and_run_poll_async_and_deletes(harness_emulator: RunningEmulator) -> None:
    async def flow() -> None:
        client = harness_emulator.async_client()
        assistant = await client.beta.assistants.create(model="gpt-4o")
        run = await client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id,
            thread={"messages": [{"role": "user", "content": "Hello"}]},
        )
        assert run.status == "completed"
        page = await client.beta.threads.messages.list(thread_id=run.thread_id)
        assert [m.role for m in page.data] == ["assistant", "user"]
        gone = await client.beta.threads.messages.delete(page.data[1].id, thread_id=run.thread_id)
        assert (gone.deleted, gone.object) == (True, "thread.message.deleted")
        deleted = await client.beta.threads.delete(run.thread_id)
        assert deleted.object == "thread.deleted"
        with pytest.raises(openai.NotFoundError):
            await client.beta.threads.runs.retrieve(run.id, thread_id=run.thread_id)
        assert (await client.beta.assistants.delete(assistant.id)).deleted
        with pytest.raises(openai.NotFoundError, match="No assistant found with id"):
            await client.beta.assistants.retrieve(assistant.id)

    asyncio.run(flow())
    assert not harness_emulator.store.messages


def test_auto_pagination_walks_every_page(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    made = [client.beta.assistants.create(model="gpt-4o", name=f"a{i}").id for i in range(7)]
    seen = [a.id for a in client.beta.assistants.list(limit=2, order="asc")]
    assert seen == made
    newest = client.beta.assistants.list(limit=3)
    assert ([a.id for a in newest.data], newest.has_more) == (made[:-4:-1], True)
    assert newest.first_id == made[-1] and newest.last_id == made[-3]
    raw = httpx2.get(f"{harness_emulator.base_url}/assistants?limit=3", headers=BETA)
    conforms("ListAssistantsResponse", raw.json())
    before = client.beta.assistants.list(limit=2, order="asc", before=made[4])
    assert [a.id for a in before.data] == made[2:4]
    between = client.beta.assistants.list(order="asc", after=made[1], before=made[5])
    assert [a.id for a in between.data] == made[2:5]
    for bad, text in (
        ({"limit": 0}, "integer below minimum value"),
        ({"limit": 101}, "integer above maximum value"),
        ({"order": "up"}, "Supported values are: 'asc' and 'desc'"),
        ({"after": "asst_unknown"}, "Expected the id of an object in this list"),
    ):
        with pytest.raises(openai.BadRequestError, match=text):
            client.beta.assistants.list(**bad)


def test_refused_transitions_are_the_apis_400s(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.BadRequestError, match="already has an active run"):
        client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.BadRequestError, match=r"while a run .* is active"):
        client.beta.threads.messages.create(thread.id, role="user", content="more")
    with pytest.raises(openai.BadRequestError, match='Runs in status "queued" do not accept'):
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_x", "output": ""}]
        )
    run = client.beta.threads.runs.poll(run.id, thread_id=thread.id)
    assert run.status == "requires_action"
    with pytest.raises(openai.BadRequestError, match="Expected tool outputs for call_ids"):
        client.beta.threads.runs.submit_tool_outputs(
            run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "call_x", "output": ""}]
        )
    cancelling = client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert cancelling.status == "cancelling"
    cancelled = client.beta.threads.runs.poll(run.id, thread_id=thread.id)
    assert cancelled.status == "cancelled" and check_run(cancelled.model_dump()) == []
    with pytest.raises(openai.BadRequestError, match="Cannot cancel run with status 'cancelled'"):
        client.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id)
    assert [s.status for s in steps] == ["cancelled"]


def test_expiry_on_the_virtual_clock(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create()
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    moved = httpx2.post(f"{harness_emulator.base_url}/_harness/clock", json={"advance": 600})
    assert [c["event"] for c in moved.json()["changes"]] == [
        "thread.run.step.expired",
        "thread.run.expired",
    ]
    expired = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert expired.status == "expired" and check_run(expired.model_dump()) == []


@pytest.mark.parametrize(
    ("scenario", "status", "check"),
    [
        ({"reply": "Bonjour!"}, "completed", "Bonjour!"),
        ({"last_error": {"code": "rate_limit_exceeded"}}, "failed", "rate_limit_exceeded"),
        ({"incomplete_reason": "max_completion_tokens"}, "incomplete", "max_completion_tokens"),
    ],
)
def test_scenarios_from_python(
    harness_emulator: RunningEmulator, scenario: dict[str, Any], status: str, check: str
) -> None:
    client = harness_emulator.client()
    assistant = client.beta.assistants.create(model="gpt-4o")
    with harness_emulator.app.scenario(match={"assistant_id": assistant.id}, **scenario):
        run = client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, max_completion_tokens=300
        )
    assert run.status == status
    assert check in json.dumps(
        [run.model_dump(mode="json")]
        + [m.model_dump(mode="json") for m in client.beta.threads.messages.list(run.thread_id)]
    )
    assert check_run(harness_emulator.store.runs[run.id]) == []


def test_scenarios_over_http_and_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "scenarios:\n"
        "  - match: {metadata: {case: tools}}\n"
        "    tool_calls: [{name: lookup, arguments: {q: x}}]\n"
        "    reply: From the file.\n"
    )
    app = create_app(scenarios=path)
    with running_emulator() as emulator:
        emulator.app.store.base_scenarios = app.store.base_scenarios
        client = emulator.client()
        added = httpx2.post(
            f"{emulator.base_url}/_harness/scenarios",
            json={"match": {"instructions": "French"}, "reply": "Salut"},
        )
        assert added.status_code == 200 and len(added.json()["data"]) == 2
        assistant = client.beta.assistants.create(model="gpt-4o", instructions="Speak French.")
        run = client.beta.threads.create_and_run_poll(assistant_id=assistant.id)
        reply = client.beta.threads.messages.list(run.thread_id).data[0]
        assert reply.content[0].text.value == "Salut"
        run = client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, metadata={"case": "tools"}, instructions="Other."
        )
        assert run.required_action.submit_tool_outputs.tool_calls[0].function.name == "lookup"
        bad = httpx2.post(f"{emulator.base_url}/_harness/scenarios", json={"path": ["completed"]})
        assert bad.status_code == 400 and "path must start with 'in_progress'" in bad.text


def test_poll_after_header_and_azure_form(harness_emulator: RunningEmulator) -> None:
    client = harness_emulator.client()
    assistant = client.beta.assistants.create(model="gpt-4o")
    raw = client.beta.threads.with_raw_response.create_and_run(assistant_id=assistant.id)
    assert raw.headers["openai-poll-after-ms"] == "0"
    azure = openai.AzureOpenAI(
        azure_endpoint=harness_emulator.root_url,
        api_key="azure-test-key",
        api_version="2024-05-01-preview",
        max_retries=0,
    )
    listed = azure.beta.assistants.list()
    assert [a.id for a in listed] == [assistant.id]


def test_bad_bodies_are_400s_with_param(harness_emulator: RunningEmulator) -> None:
    base = harness_emulator.base_url
    thread = httpx2.post(f"{base}/threads", json={}, headers=BETA).json()
    cases = [
        ("/assistants", {}, "Missing required parameter: 'model'."),
        ("/assistants", {"model": "m", "bogus": 1}, "Unrecognized request argument"),
        (f"/threads/{thread['id']}/messages", {"role": "robot", "content": "x"}, "robot"),
        ("/threads", {"messages": [{"role": "user"}]}, "'messages[0].content'"),
    ]
    for path, body, text in cases:
        response = httpx2.post(base + path, json=body, headers=BETA)
        assert response.status_code == 400, (path, response.text)
        assert text in response.json()["error"]["message"]
        assert spec_errors("ErrorResponse", response.json(), full=True) == []


def test_lenient_serves_placeholder_ids_and_default_refuses_them() -> None:
    with running_emulator(lenient=True) as lenient:
        client = lenient.client()
        for _ in range(2):  # a placeholder run is fresh on every request
            run = client.beta.threads.runs.submit_tool_outputs(
                "run_id", thread_id="thread_id", tool_outputs=[{}]
            )
            assert run.status == "queued" and check_run(run.model_dump(mode="json")) == []
            assert client.beta.threads.runs.cancel("run_id", thread_id="thread_id").id == "run_id"
        created = client.beta.threads.runs.create("thread_id", assistant_id="assistant_id")
        again = client.beta.threads.runs.create("thread_id", assistant_id="assistant_id")
        assert created.id != again.id
        clamped = client.beta.assistants.list(limit=0, after="after")  # the adopted one
        assert [a.id for a in clamped.data] == ["assistant_id"]
    with (
        running_emulator() as strict,
        pytest.raises(openai.NotFoundError, match="No thread found with id"),
    ):
        strict.client().beta.threads.runs.cancel("run_id", thread_id="thread_id")


def test_cli_scenario_file_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from harness.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"scenarios": [{"path": ["in_progress", "done"]}]}')
    result = CliRunner().invoke(main, ["emulate", "--scenario", str(bad), "--list"])
    assert result.exit_code == 2
    assert f"{bad}: scenario 0, path.1" in result.output
    good = tmp_path / "good.json"
    good.write_text('[{"reply": "ok"}]')
    listed = CliRunner().invoke(main, ["emulate", "--scenario", str(good), "--list"])
    assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize(
    "scenario",
    [
        {},
        {"path": ["in_progress", "requires_action", "in_progress", "failed"]},
        {"path": ["in_progress", "in_progress", "incomplete"]},
        {"path": ["in_progress", "expired"]},
        {"tool_calls": [{"name": "get_weather", "arguments": '{"city": "Oslo"}'}]},
    ],
)
def test_every_state_on_the_path_is_consistent_and_ordered(scenario: dict[str, Any]) -> None:
    """Drive runs in-process through the lifecycle's Change records (the streaming seam):
    every run state passes check_run, every object fits the spec, events come in order."""
    from harness.emulator import lifecycle

    app = create_app(seed=3)
    client_headers = {**BETA, "content-type": "application/json"}
    scope = {
        "type": "http",
        "headers": [(k.encode(), v.encode()) for k, v in client_headers.items()],
    }

    def call(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, payload, _ = app.handle(
            {**scope, "method": method, "path": path, "query_string": b""},
            json.dumps(body).encode(),
        )
        assert status == 200, payload
        return payload

    assistant = call("POST", "/v1/assistants", {"model": "gpt-4o", "tools": [WEATHER]})
    with app.scenario(**scenario):
        run = call("POST", "/v1/threads/runs", {"assistant_id": assistant["id"]})
    stored = app.store.runs[run["id"]]
    changes = lifecycle.settle(app.store, stored)
    if stored["status"] == "requires_action":
        calls = stored["required_action"]["submit_tool_outputs"]["tool_calls"]
        outputs = [{"tool_call_id": c["id"], "output": "ok"} for c in calls]
        changes += lifecycle.submit_tool_outputs(app.store, stored, outputs)
        changes += lifecycle.settle(app.store, stored)
    assert stored["status"] in ("completed", "failed", "incomplete", "expired")
    assert changes[-1].event == f"thread.run.{stored['status']}"
    schemas = {"thread.run": "RunObject", "thread.run.step": "RunStepObject"}
    schemas["thread.message"] = "MessageObject"
    for change in changes:
        kind = change.data["object"]
        if kind == "thread.run":
            assert check_run(change.data) == [], (change.event, change.data)
        if kind in schemas:
            assert spec_errors(schemas[kind], change.data, full=True) == [], change.event
        else:
            assert change.event == "thread.message.delta"
            assert spec_errors("MessageDeltaObject", change.data, full=True) == []
