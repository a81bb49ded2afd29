"""The official Node SDK (npm ``openai``) streams runs against ``harness emulate`` and
``harness replay`` (real subprocesses, real loopback HTTP) and sees what the Python SDK saw:
``runs.stream()``'s event emitter (``event``, ``textDelta``, ``finalRun()``), ``runs.create``
with ``stream: true`` iterated, and ``submitToolOutputsStream`` after ``requires_action``.
The Python SDK's flow is recorded through the plugin first; each Node stream must carry the
recorded events (name and data) in order, and its text deltas must join to the recorded text.
``curl -N`` reads the recorded stream from ``harness replay`` byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.cassette.format import Cassette, Interaction
from harness.emulator import running_emulator
from harness.plugin._vcr import Patches
from harness.plugin.config import CassetteConfig
from harness.plugin.recording import Recording
from tests.helpers import FUNCTION, StreamCalls, final_run, harness_server
from tests.node_sdk import node_openai, run_node

__all__ = ["node_openai"]  # the fixture is used by being imported here

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")

SEED = 3
KEY = "sk-FAKE-stream-node-not-a-key"
FLOWS = ("stream", "create", "tools", "outputs")
"""The four streams of one flow, in order: ``runs.stream`` (completes), ``runs.create`` with
``stream: true``, ``runs.stream`` with a function tool (``requires_action``), then
``submitToolOutputsStream`` (completes)."""

NODE_SCRIPT = """
import OpenAI from "openai";

const [baseURL, apiKey, toolsJson] = process.argv.slice(2);
const tools = JSON.parse(toolsJson);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

function watch(stream) {
  const seen = { events: [], text: "", deltas: 0 };
  // copied when emitted: the emitter's snapshots may change objects later
  stream.on("event", (e) => seen.events.push([e.event, JSON.parse(JSON.stringify(e.data))]));
  stream.on("textDelta", (delta) => { seen.text += delta.value; seen.deltas += 1; });
  return seen;
}

const assistant = await client.beta.assistants.create({ model: "gpt-4o" });
const out = {};
let thread = await client.beta.threads.create({});
let stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
out.stream = watch(stream);
out.stream.final = await stream.finalRun();

thread = await client.beta.threads.create({});
const events = await client.beta.threads.runs.create(
  thread.id, { assistant_id: assistant.id, stream: true });
out.create = { events: [], text: "" };
for await (const e of events) {
  out.create.events.push([e.event, e.data]);
  if (e.event === "thread.message.delta") out.create.text += e.data.delta.content[0].text.value;
}

thread = await client.beta.threads.create({});
stream = client.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id, tools });
out.tools = watch(stream);
out.tools.final = await stream.finalRun();
const call = out.tools.final.required_action.submit_tool_outputs.tool_calls[0];
stream = client.beta.threads.runs.submitToolOutputsStream(out.tools.final.id, {
  thread_id: thread.id, tool_outputs: [{ tool_call_id: call.id, output: "sunny" }] });
out.outputs = watch(stream);
out.outputs.final = await stream.finalRun();
console.log(JSON.stringify(out));
"""


def _python_flow(client: Any) -> dict[str, tuple[list[Any], str, str]]:
    """The Node script's flow through the Python SDK: per stream, ([event name, data], ...),
    the text its deltas joined to, and the final run's status."""
    assistant = client.beta.assistants.create(model="gpt-4o").id
    runs = client.beta.threads.runs
    seen: dict[str, tuple[list[Any], str, str]] = {}

    def stream(name: str, opened: Any, handler: StreamCalls) -> Any:
        final = final_run(opened)
        seen[name] = (
            [list(e) for e in zip(handler.events, handler.data, strict=True)],
            handler.text,
            final.status,
        )
        return final

    handler = StreamCalls()
    thread = client.beta.threads.create().id
    stream("stream", runs.stream(thread_id=thread, assistant_id=assistant, event_handler=handler),
           handler)  # fmt: skip
    thread = client.beta.threads.create().id
    names: list[Any] = []
    text = ""
    for event in runs.create(thread_id=thread, assistant_id=assistant, stream=True):
        names.append([event.event, event.data.to_dict()])
        if event.event == "thread.message.delta":
            text += event.data.delta.content[0].text.value
    seen["create"] = (names, text, "")
    handler = StreamCalls()
    thread = client.beta.threads.create().id
    waiting = stream(
        "tools",
        runs.stream(thread_id=thread, assistant_id=assistant, tools=[FUNCTION],
                    event_handler=handler),
        handler,
    )  # fmt: skip
    call = waiting.required_action.submit_tool_outputs.tool_calls[0]
    handler = StreamCalls()
    outputs = [{"tool_call_id": call.id, "output": "sunny"}]
    opened = runs.submit_tool_outputs_stream(
        run_id=waiting.id, thread_id=thread, tool_outputs=outputs, event_handler=handler
    )
    stream("outputs", opened, handler)
    return seen


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The flow recorded from the seeded emulator through the plugin (vcrpy patching the
    Python SDK): the cassette, and what the Python SDK saw."""
    path = tmp_path_factory.mktemp("node-stream") / "flow.json"
    patches = Patches()
    recording = Recording.open(path, CassetteConfig(mode="once"), rerecord_command="")  # type: ignore[arg-type]
    with running_emulator(seed=SEED) as emulator, patches.active(recording):
        seen = _python_flow(emulator.client(api_key=KEY))
    recording.save()
    return path, seen


def _streams(path: Path) -> list[Interaction]:
    streamed = [i for i in Cassette.load(path).interactions if i.response.events is not None]
    assert len(streamed) == len(FLOWS)
    return streamed


def _node(modules: Path, directory: Path, base_url: str) -> dict[str, Any]:
    done = run_node(modules, NODE_SCRIPT, directory, base_url, KEY, json.dumps([FUNCTION]))
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _assert_node_saw_the_recording(node: dict[str, Any], path: Path, seen: dict[str, Any]) -> None:
    for name, interaction in zip(FLOWS, _streams(path), strict=True):
        events = interaction.response.events or []
        assert events[-1] == {"event": "done", "text": "[DONE]"}
        recorded = [[e["event"], e["data"]] for e in events[:-1]]
        assert node[name]["events"] == recorded, name
        python_events, python_text, python_status = seen[name]
        assert node[name]["events"] == python_events, name
        assert node[name]["text"] == python_text, name
        if name != "create":
            assert node[name]["final"] == events[-2]["data"], name
            assert node[name]["final"]["status"] == python_status, name
    for name in ("stream", "create", "outputs"):
        assert "thread.message.delta" in [e[0] for e in node[name]["events"]]
        completed = next(d for e, d in node[name]["events"] if e == "thread.message.completed")
        assert node[name]["text"] == completed["content"][0]["text"]["value"] != ""
    assert node["stream"]["deltas"] > 1 and node["tools"]["final"]["status"] == "requires_action"
    assert "thread.run.step.delta" in [e[0] for e in node["tools"]["events"]]


def test_node_sdk_streams_from_harness_emulate_as_the_python_sdk_did(
    node_openai: Path, tmp_path: Path, recorded: tuple[Path, dict[str, Any]]
) -> None:
    path, seen = recorded
    with harness_server("emulate", "--seed", str(SEED)) as url:
        node = _node(node_openai, tmp_path / "js", url)
    _assert_node_saw_the_recording(node, path, seen)


def test_node_sdk_streams_from_harness_replay_as_recorded(
    node_openai: Path, tmp_path: Path, recorded: tuple[Path, dict[str, Any]]
) -> None:
    path, seen = recorded
    with harness_server("replay", str(path)) as url:
        node = _node(node_openai, tmp_path / "js", url)
    _assert_node_saw_the_recording(node, path, seen)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl -N needs curl on PATH (not found)")
def test_curl_reads_each_recorded_stream_from_harness_replay(
    recorded: tuple[Path, dict[str, Any]],
) -> None:
    path, _ = recorded
    with harness_server("replay", str(path)) as url:
        for interaction in _streams(path):
            request = interaction.request
            done = subprocess.run(
                ["curl", "-sSN", "-X", "POST", "--data-binary", "@-", "-D", "-",
                 url.removesuffix("/v1") + request.path],
                input=request.body_bytes,
                capture_output=True,
                timeout=30,
                check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            head, _, body = done.stdout.partition(b"\r\n\r\n")
            assert b"content-type: text/event-stream" in head.lower()
            assert b"content-length" not in head.lower()
            assert body == interaction.response.body_bytes
