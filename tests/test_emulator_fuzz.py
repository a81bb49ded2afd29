"""Property-based requests against the emulator in-process (httpx2's ASGI transport).

Whatever arrives — any method, path, id, header set, JSON or junk body — the answer is never
a 500 and always conforms to the spec: ThreadObject / RunObject for a 200 on a thread or run
route (and consistent per harness.api.rules), ErrorResponse for every error.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from harness.api.rules import check_run, check_thread
from harness.emulator import Emulator, create_app
from harness.emulator.routes import ROUTES, match
from tests.spec import spec_validator

APPS = {False: create_app(seed=11), True: create_app(seed=11, adopt_unknown=True)}
SEEDED = APPS[False].store.snapshot()
THREAD_IDS = [t["id"] for t in SEEDED["threads"]]
RUN_PAIRS = [(r["thread_id"], r["id"]) for r in SEEDED["runs"]]
SCHEMAS: dict[tuple[str, str], str] = {
    ("POST", "assistants"): "AssistantObject",
    ("GET", "assistants"): "ListAssistantsResponse",
    ("GET", "assistants/{assistant_id}"): "AssistantObject",
    ("POST", "assistants/{assistant_id}"): "AssistantObject",
    ("DELETE", "assistants/{assistant_id}"): "DeleteAssistantResponse",
    ("POST", "threads"): "ThreadObject",
    ("POST", "threads/runs"): "RunObject",
    ("GET", "threads/{thread_id}"): "ThreadObject",
    ("POST", "threads/{thread_id}"): "ThreadObject",
    ("DELETE", "threads/{thread_id}"): "DeleteThreadResponse",
    ("POST", "threads/{thread_id}/messages"): "MessageObject",
    ("GET", "threads/{thread_id}/messages"): "ListMessagesResponse",
    ("GET", "threads/{thread_id}/messages/{message_id}"): "MessageObject",
    ("POST", "threads/{thread_id}/messages/{message_id}"): "MessageObject",
    ("DELETE", "threads/{thread_id}/messages/{message_id}"): "DeleteMessageResponse",
    ("POST", "threads/{thread_id}/runs"): "RunObject",
    ("GET", "threads/{thread_id}/runs"): "ListRunsResponse",
    ("GET", "threads/{thread_id}/runs/{run_id}"): "RunObject",
    ("POST", "threads/{thread_id}/runs/{run_id}"): "RunObject",
    ("POST", "threads/{thread_id}/runs/{run_id}/cancel"): "RunObject",
    ("POST", "threads/{thread_id}/runs/{run_id}/submit_tool_outputs"): "RunObject",
    ("GET", "threads/{thread_id}/runs/{run_id}/steps"): "ListRunStepsResponse",
    ("GET", "threads/{thread_id}/runs/{run_id}/steps/{step_id}"): "RunStepObject",
}
"""The response schema of every route (a new route must be added here to be fuzzed)."""
VALIDATORS = {
    name: spec_validator(name, full=True) for name in {*SCHEMAS.values(), "ErrorResponse"}
}
ROUTE_TEMPLATES = {route.template for route in ROUTES}

id_text = st.text(alphabet="abcdefghijkXYZ0123456789_-.~ %:", max_size=12)
junk_segment = st.text(alphabet="abcdefghijkXYZ0123456789_-.~ %:", min_size=1, max_size=12)
thread_ids = st.one_of(st.sampled_from(THREAD_IDS), id_text.map(lambda s: "thread_" + s), id_text)
run_ids = st.one_of(
    st.sampled_from([rid for _, rid in RUN_PAIRS]), id_text.map(lambda s: "run_" + s), id_text
)


@st.composite
def paths(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["/v1"] * 6 + ["/openai"] * 2 + ["/v2", ""]))
    kind = draw(
        st.sampled_from(
            ["threads", "thread", "thread", "runs", "seeded_run"] * 3
            + ["junk", "harness", "assistants", "messages", "steps", "run_action", "new"] * 2
        )
    )
    if kind == "threads":
        path = f"{prefix}/threads"
    elif kind == "thread":
        path = f"{prefix}/threads/{draw(thread_ids)}"
    elif kind == "runs":
        path = f"{prefix}/threads/{draw(thread_ids)}/runs"
        if draw(st.booleans()):
            path += f"/{draw(run_ids)}"
    elif kind == "seeded_run":
        thread_id, run_id = draw(st.sampled_from(RUN_PAIRS))
        path = f"{prefix}/threads/{thread_id}/runs/{run_id}"
    elif kind == "assistants":
        path = f"{prefix}/assistants"
        if draw(st.booleans()):
            path += "/" + draw(st.one_of(id_text.map(lambda s: "asst_" + s), id_text))
    elif kind == "messages":
        path = f"{prefix}/threads/{draw(thread_ids)}/messages"
        if draw(st.booleans()):
            path += "/" + draw(st.one_of(id_text.map(lambda s: "msg_" + s), id_text))
    elif kind == "steps":
        thread_id, run_id = draw(st.sampled_from(RUN_PAIRS))
        path = f"{prefix}/threads/{thread_id}/runs/{run_id}/steps"
        if draw(st.booleans()):
            path += "/" + draw(st.one_of(id_text.map(lambda s: "step_" + s), id_text))
    elif kind == "run_action":
        thread_id, run_id = draw(st.sampled_from(RUN_PAIRS))
        action = draw(st.sampled_from(["cancel", "submit_tool_outputs"]))
        path = f"{prefix}/threads/{thread_id}/runs/{run_id}/{action}"
    elif kind == "new":
        path = f"{prefix}/threads/runs"
    elif kind == "harness":
        path = "/v1/_harness/" + draw(st.sampled_from(["objects", "reset", "other", ""]))
    else:
        # Non-empty segments: "//x" would be a network-path reference (host "x"), which the
        # client refuses to send, not a path the emulator gets to answer.
        path = (prefix or "/x") + "/" + "/".join(draw(st.lists(junk_segment, max_size=5)))
    if prefix == "/openai":
        query = draw(
            st.sampled_from(["?api-version=2024-05-01-preview"] * 4 + ["", "?api-version="])
        )
    else:
        query = draw(
            st.sampled_from(
                ["", "", "", "?x=1", "?limit=2&order=asc", "?limit=0", "?order=up", "?after=x"]
            )
        )
    return path + query


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
metadata = st.dictionaries(st.text(max_size=70), st.text(max_size=20), max_size=18)
bodies = st.one_of(
    st.fixed_dictionaries({}, optional={"metadata": st.one_of(st.none(), metadata, json_values)})
    .map(json.dumps)
    .map(str.encode),
    st.fixed_dictionaries(
        {"assistant_id": st.sampled_from(["asst_abc", "abc", ""])},
        optional={
            "model": st.text(max_size=8),
            "temperature": st.floats(allow_nan=False, min_value=-1, max_value=3),
            "max_prompt_tokens": st.integers(min_value=-5, max_value=600),
            "tools": st.lists(st.sampled_from([{"type": "code_interpreter"}, {"type": "x"}])),
            "stream": st.booleans(),
            "metadata": metadata,
        },
    )
    .map(json.dumps)
    .map(str.encode),
    st.fixed_dictionaries(
        {},
        optional={
            "tool_resources": st.one_of(
                st.none(),
                json_values,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "code_interpreter": st.fixed_dictionaries(
                            {"file_ids": st.lists(st.text(max_size=5), max_size=22)}
                        ),
                        "file_search": st.fixed_dictionaries(
                            {"vector_store_ids": st.lists(st.text(max_size=5), max_size=2)}
                        ),
                    },
                ),
            ),
            "metadata": metadata,
        },
    )
    .map(json.dumps)
    .map(str.encode),
    st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(["user", "assistant", "robot"]),
            "content": st.one_of(st.text(max_size=8), json_values),
            "model": st.sampled_from(["gpt-4o", ""]),
            "name": st.text(max_size=5),
            "tool_outputs": st.lists(
                st.fixed_dictionaries({}, optional={"tool_call_id": id_text, "output": id_text}),
                max_size=2,
            ),
            "thread": st.one_of(st.none(), json_values),
        },
    )
    .map(json.dumps)
    .map(str.encode),
    json_values.map(json.dumps).map(str.encode),
    st.binary(max_size=40),
    st.just(b"[" * 5000),
    st.just(b'{"metadata": NaN}'),
)
VALID_HEADERS = {"authorization": "Bearer sk-test", "openai-beta": "assistants=v2"}
headers = (
    st.just(VALID_HEADERS)
    | st.just(VALID_HEADERS)
    | st.fixed_dictionaries(
        {},
        optional={
            "authorization": st.sampled_from(
                ["Bearer sk-test", "Bearer", "Basic eA==", "bearer x"]
            ),
            "api-key": st.sampled_from(["k", ""]),
            "openai-beta": st.sampled_from(["assistants=v2", "assistants=v1", ""]),
            "content-type": st.sampled_from(["application/json", "text/plain"]),
        },
    )
)


async def _send(app: Emulator, method: str, path: str, body: bytes, head: dict[str, str]) -> Any:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        return await client.request(method, path, content=body, headers=head)


def _route_kind(method: str, path: str) -> str | None:
    bare = path.split("?")[0]
    for prefix in ("/v1/", "/openai/"):
        if bare.startswith(prefix) and not bare.startswith("/v1/_harness"):
            found = match(bare[len(prefix) :])
            return None if found is None else SCHEMAS[(method, found.template)]
    return None


def test_every_route_has_a_response_schema() -> None:
    assert {template for _, template in SCHEMAS} == ROUTE_TEMPLATES
    assert len(SCHEMAS) == len(ROUTES)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    adopt=st.booleans(),
    method=st.sampled_from(["GET"] * 3 + ["POST"] * 6 + ["DELETE", "PUT", "PATCH"]),
    path=paths(),
    body=bodies,
    head=headers,
)
def test_no_request_gets_a_500_and_every_answer_fits_the_spec(
    adopt: bool, method: str, path: str, body: bytes, head: dict[str, str]
) -> None:
    app = APPS[adopt]
    response = asyncio.run(_send(app, method, path, body, head))
    assert response.status_code != 500, response.text
    event(f"status {response.status_code}")
    assert response.headers["content-type"] == "application/json"
    payload = response.json()
    if response.status_code >= 400:
        errors = list(VALIDATORS["ErrorResponse"].iter_errors(payload))
        assert errors == [], (errors, payload)
        assert "sk-test" not in response.text
        return
    assert response.status_code == 200
    kind = _route_kind(method, response.request.url.path)  # as sent (dot segments resolved)
    if kind is None:  # a harness endpoint
        assert path.startswith("/v1/_harness/")
        return
    if payload.get("object") == "list" and not payload["data"]:
        # An empty page has null first_id/last_id, as the API answers (the spec says string).
        assert (payload["first_id"], payload["last_id"]) == (None, None)
        payload = {**payload, "first_id": "", "last_id": ""}
    assert list(VALIDATORS[kind].iter_errors(payload)) == [], payload
    problems: list[str] = []
    if kind == "ThreadObject":
        problems = check_thread(payload)
    elif kind == "RunObject":
        problems = check_run(payload)
    assert problems == [], (problems, payload)
