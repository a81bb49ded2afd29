"""Ready-made cassettes for code paths that are hard to record: a failed run, an expired run,
a 400 for metadata over a limit, a 404, a 401. No backend: each request, shaped as the official
SDK sends it, is answered in-process by the emulator seeded from the factory, so objects come
from :class:`~harness.factory.RunFactory` / :class:`~harness.factory.ThreadFactory` and error
bodies are the envelopes :func:`harness.api.models.error_response` builds.

Layout under the output directory (one interaction per file, so a test names exactly the case
it needs)::

    modify-run/<status>-<response_format>.json     36 files, every status x response_format
    modify-thread/<variant>.json                   every thread variant, plus request shapes
    errors/<endpoint>-<case>.json                  400 / 401 / 404 cases
    flows/<outcome>[-stream].json                  whole flows, one per run outcome

A flow is every request of one scenario (see :mod:`harness.emulator.scenarios`): create an
assistant, a thread, a run (``-stream``: with ``stream: true``, stored as stream events), poll
it to rest, submit tool outputs or cancel where the outcome needs it, list the thread's
messages (the reply), then modify the run's metadata. ``harness regenerate`` reproduces each
flow from what its answers show (:mod:`harness.tools.run_paths`).

Output depends only on the seed: the same seed writes byte-identical files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from harness.api.constants import (
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
)
from harness.api.models import Run, Thread
from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.cassette.scrub import clean_interaction
from harness.emulator import Emulator, create_app
from harness.emulator.lifecycle import AT_REST
from harness.emulator.streaming import Streamed
from harness.factory import variant_id
from harness.stream.respond import STREAM_HEADERS

__all__ = ["FLOWS", "SDK_HEADERS", "Case", "Flow", "cases", "flow", "synthesize"]

SDK_HEADERS: dict[str, str] = {
    "accept": "application/json",
    "content-type": "application/json",
    "openai-beta": "assistants=v2",
}
"""What the official SDK sends besides its credential and volatile headers."""
_SYNTHETIC_KEY = "Bearer sk-harness-synthesized-not-a-key"


@dataclass(frozen=True)
class Case:
    """One synthesized cassette: where it goes and the request it records."""

    name: str
    path: str
    body: Any
    authorized: bool = True


def _metadata(label: str) -> dict[str, str]:
    return {"harness": "synthesized", "case": label}


def cases(app: Emulator) -> Iterator[Case]:
    """Every case, in file order, for the objects ``app`` was seeded with."""
    snapshot = app.store.snapshot()
    runs = [Run.model_validate(run) for run in snapshot["runs"]]
    threads = [Thread.model_validate(thread) for thread in snapshot["threads"]]
    for run in runs:
        name = variant_id(run)
        yield Case(
            f"modify-run/{name}",
            f"/v1/threads/{run.thread_id}/runs/{run.id}",
            {"metadata": _metadata(name)},
        )
    seen: set[str] = set()
    for thread in threads:
        name = variant_id(thread)
        if name in seen:
            continue
        seen.add(name)
        yield Case(
            f"modify-thread/{name}", f"/v1/threads/{thread.id}", {"metadata": _metadata(name)}
        )
    thread, run = threads[0], runs[0]
    thread_path = f"/v1/threads/{thread.id}"
    run_path = f"/v1/threads/{run.thread_id}/runs/{run.id}"
    yield Case("modify-thread/clear-metadata", thread_path, {"metadata": {}})
    yield Case("modify-thread/metadata-null", thread_path, {"metadata": None})
    yield Case("modify-thread/empty-body", thread_path, {})
    yield Case(
        "modify-thread/tool-resources",
        thread_path,
        {
            "tool_resources": {
                "code_interpreter": {"file_ids": ["file-harness0000000000000001"]},
                "file_search": {"vector_store_ids": ["vs_harness0000000000000001"]},
            }
        },
    )
    for endpoint, path in (("modify-run", run_path), ("modify-thread", thread_path)):
        too_many = {f"key{i:02d}": f"value {i}" for i in range(METADATA_MAX_KEYS + 1)}
        long_key = {"k" * (METADATA_MAX_KEY_LENGTH + 1): "value"}
        long_value = {"note": "v" * (METADATA_MAX_VALUE_LENGTH + 1)}
        yield Case(f"errors/{endpoint}-metadata-too-many-keys", path, {"metadata": too_many})
        yield Case(f"errors/{endpoint}-metadata-key-too-long", path, {"metadata": long_key})
        yield Case(f"errors/{endpoint}-metadata-value-too-long", path, {"metadata": long_value})
        yield Case(f"errors/{endpoint}-metadata-value-not-string", path, {"metadata": {"n": 1}})
        yield Case(f"errors/{endpoint}-no-api-key", path, {"metadata": {}}, authorized=False)
    unknown_thread = "thread_harnessUnknown00000000000"
    unknown_run = "run_harnessUnknown0000000000000"
    yield Case("errors/modify-thread-unknown-thread", f"/v1/threads/{unknown_thread}", {})
    yield Case(
        "errors/modify-run-unknown-thread", f"/v1/threads/{unknown_thread}/runs/{run.id}", {}
    )
    yield Case(
        "errors/modify-run-unknown-run", f"/v1/threads/{run.thread_id}/runs/{unknown_run}", {}
    )
    yield Case("errors/modify-thread-wrong-id-prefix", "/v1/threads/undefined", {})
    yield Case(
        "errors/modify-run-wrong-id-prefix", f"/v1/threads/{run.thread_id}/runs/{thread.id}", {}
    )


@dataclass(frozen=True)
class Flow:
    """One flow cassette: the run outcome it ends in, the scenario that leads there, and
    whether the client cancels the run while it waits for tool outputs."""

    outcome: str
    scenario: dict[str, Any]
    cancel: bool = False


_WEATHER = [{"name": "get_weather", "arguments": {"city": "Paris"}}]
FLOWS: tuple[Flow, ...] = (
    Flow("completed", {"path": ["in_progress", "completed"], "reply": "Hello from harness."}),
    Flow("requires-action", {"tool_calls": _WEATHER, "reply": "It is sunny in Paris."}),
    Flow(
        "failed",
        {
            "path": ["in_progress", "failed"],
            "last_error": {"code": "server_error", "message": "Synthesized failure."},
        },
    ),
    Flow(
        "incomplete",
        {"path": ["in_progress", "incomplete"], "incomplete_reason": "max_completion_tokens"},
    ),
    Flow("cancelled", {"tool_calls": _WEATHER}, cancel=True),
)
"""Every flow, by the outcome it ends in (``requires-action`` submits tool outputs and ends
``completed``)."""


def _interaction(app: Emulator, case: Case, method: str = "POST") -> Interaction:
    headers = dict(SDK_HEADERS)
    if case.authorized:
        headers["authorization"] = _SYNTHETIC_KEY
    request = Request(method=method, path=case.path, headers=headers)
    if case.body is not None:
        request.json, request.has_json = case.body, True
    scope = {
        "type": "http",
        "method": method,
        "path": case.path,
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    status, payload, extra = app.handle(scope, request.body_bytes)
    if isinstance(payload, Streamed):
        stream_headers = {k.decode(): v.decode() for k, v in STREAM_HEADERS}
        response = Response(status=status, reason=HTTPStatus(status).phrase, headers=stream_headers)
        response.set_body(b"".join(payload.chunks()))
    else:
        response = Response(
            status=status,
            reason=HTTPStatus(status).phrase,
            headers={"content-type": "application/json", **extra},
        )
        response.json, response.has_json = payload, True
    return clean_interaction(Interaction(request, response))


def _run_of(interaction: Interaction) -> Any:
    """The run an answer shows: its JSON, or the data of a stream's last run event."""
    if interaction.response.events is None:
        return interaction.response.json
    runs = [
        e.json() for e in interaction.response.stream_events() if e.event and ".run." in e.event
    ]
    return runs[-1]


def flow(app: Emulator, spec: Flow, *, stream: bool) -> list[Interaction]:
    """Every interaction of one flow, on a freshly reset ``app``."""
    app.store.reset()
    recorded: list[Interaction] = []

    def call(path: str, body: Any, method: str = "POST") -> Any:
        recorded.append(_interaction(app, Case(spec.outcome, path, body), method))
        return recorded[-1].response.json

    def to_rest(run: Any) -> Any:
        for _ in range(100):
            if run["status"] in AT_REST:
                return run
            run = call(f"{runs}/{run['id']}", None, "GET")
        raise RuntimeError(f"flow {spec.outcome}: run never came to rest")  # a harness bug

    streaming = {"stream": True} if stream else {}
    with app.scenario(**spec.scenario):
        assistant = call("/v1/assistants", {"model": "gpt-4o", "name": f"harness {spec.outcome}"})
        thread = call("/v1/threads", {})
        runs = f"/v1/threads/{thread['id']}/runs"
        call(runs, {"assistant_id": assistant["id"], **streaming})
        run = to_rest(_run_of(recorded[-1]))
        if run["status"] == "requires_action":
            run_path = f"{runs}/{run['id']}"
            if spec.cancel:
                run = to_rest(call(f"{run_path}/cancel", None))
            else:
                calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
                outputs = [{"tool_call_id": c["id"], "output": "sunny, 21 C"} for c in calls]
                call(f"{run_path}/submit_tool_outputs", {"tool_outputs": outputs, **streaming})
                run = to_rest(_run_of(recorded[-1]))
        call(f"/v1/threads/{thread['id']}/messages", None, "GET")
        call(f"{runs}/{run['id']}", {"metadata": _metadata(f"flow-{spec.outcome}")})
    return recorded


def synthesize(directory: str | os.PathLike[str], seed: int = 0) -> list[Path]:
    """Write every case's cassette under ``directory`` (atomically); return the paths."""
    root = Path(directory)
    app = create_app(seed)
    written = []
    for case in cases(app):
        app.store.reset()
        cassette = Cassette(interactions=[_interaction(app, case)])
        written.append(cassette.save(root / f"{case.name}.json"))
    for spec in FLOWS:
        for stream, suffix in ((False, ""), (True, "-stream")):
            cassette = Cassette(interactions=flow(app, spec, stream=stream))
            written.append(cassette.save(root / "flows" / f"{spec.outcome}{suffix}.json"))
    return written
