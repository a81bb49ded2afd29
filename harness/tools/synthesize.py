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
from harness.factory import variant_id

__all__ = ["SDK_HEADERS", "Case", "cases", "synthesize"]

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


def _interaction(app: Emulator, case: Case) -> Interaction:
    headers = dict(SDK_HEADERS)
    if case.authorized:
        headers["authorization"] = _SYNTHETIC_KEY
    request = Request(method="POST", path=case.path, headers=headers)
    request.json, request.has_json = case.body, True
    scope = {
        "type": "http",
        "method": "POST",
        "path": case.path,
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    status, payload, extra = app.handle(scope, request.body_bytes)
    response = Response(
        status=status,
        reason=HTTPStatus(status).phrase,
        headers={"content-type": "application/json", **extra},
    )
    response.json, response.has_json = payload, True
    return clean_interaction(Interaction(request, response))


def synthesize(directory: str | os.PathLike[str], seed: int = 0) -> list[Path]:
    """Write every case's cassette under ``directory`` (atomically); return the paths."""
    root = Path(directory)
    app = create_app(seed)
    written = []
    for case in cases(app):
        app.store.reset()
        cassette = Cassette(interactions=[_interaction(app, case)])
        written.append(cassette.save(root / f"{case.name}.json"))
    return written
