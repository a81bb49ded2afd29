"""A stateful, in-memory, Assistants-compatible backend (a plain ASGI app) to record from.

It answers the two modify endpoints and just enough around them (create/retrieve thread and
run) for a realistic test, with the API's error envelope and status codes. It starts seeded
with the factory's variants (a run in every status x response_format, each on its thread),
so a run in any status can be modified without creating it.

Routes, under ``/v1`` (OpenAI style, needs ``OpenAI-Beta: assistants=v2``) and under
``/openai`` (Azure style, needs an ``api-version`` query parameter instead)::

    POST /threads                       create thread
    GET  /threads/{thread_id}           retrieve thread
    POST /threads/{thread_id}           modify thread
    POST /threads/{thread_id}/runs      create run (starts queued)
    GET  /threads/{thread_id}/runs/{id} retrieve run
    POST /threads/{thread_id}/runs/{id} modify run
    GET  /v1/_harness/objects           every stored thread and run (no credentials needed)
    POST /v1/_harness/reset             back to the seeded state

Modify semantics (the real API's are unverified): ``metadata`` replaces the whole map;
``metadata: null`` or leaving it out changes nothing; ``tool_resources`` on a thread replaces
each kind it names and keeps the others. Nothing else ever changes on a modify.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import string
import threading
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from typing import Any, Literal
from urllib.parse import parse_qs

from pydantic import ValidationError

from harness.api.constants import ID_PREFIXES, RUN_LIFETIME
from harness.api.errors import ErrorObject, ErrorResponse, error_response, json_type_phrase
from harness.api.models import (
    CreateRunRequest,
    CreateThreadRequest,
    ModifyRunRequest,
    ModifyThreadRequest,
    RequestModel,
)
from harness.server.asgi import Receive, Scope, Send, read_body, respond

__all__ = [
    "Emulator",
    "EmulatorError",
    "RunningEmulator",
    "Store",
    "create_app",
    "describe_objects",
    "running_emulator",
]

JSON = dict[str, Any]
Flavor = Literal["openai", "azure"]

HARNESS_PREFIX = "/v1/_harness"
CREATED_AT_BASE = 1_717_200_000
"""Earliest created_at of an object created through the API (2024-06-01). The clock starts
after the newest seeded object and ticks 1 s per creation, so that recording the same calls
twice gives the same bytes."""
DEFAULT_MODEL = "gpt-4o"
DEFAULT_INSTRUCTIONS = "You are a helpful assistant."

# Texts marked unverified in the README: they follow public reports, not a live check.
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
AZURE_MISSING_KEY = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
MISSING_BETA = (
    "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again "
    "by setting the header 'OpenAI-Beta: assistants=v2'."
)
INVALID_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent "
    "was not valid JSON. If you have trouble figuring out how to fix this, please contact us "
    "through our help center at help.openai.com.)"
)


class EmulatorError(Exception):
    """An answer in the API's error envelope: raised by handlers, turned into a response."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorResponse.invalid_request(message, param=param, code=code).to_dict()
        self.headers = headers or {}


def _not_found(kind: str, object_id: str) -> EmulatorError:
    return EmulatorError(404, f"No {kind} found with id '{object_id}'.")


def _check_prefix(param: str, value: str, prefix: str) -> None:
    """A well-formed id is ``prefix`` and at least one more character; the message names
    the prefix without the underscore, as the API's does."""
    if not value.startswith(prefix) or len(value) == len(prefix):
        raise EmulatorError(
            400,
            f"Invalid '{param}': '{value}'. Expected an ID that begins with "
            f"'{prefix.rstrip('_')}'.",
            param=param,
            code="invalid_value",
        )


_RESOURCE_IDS = (
    ("code_interpreter", "file_ids", ID_PREFIXES["file"]),
    ("file_search", "vector_store_ids", ID_PREFIXES["vector_store"]),
)


def _check_resource_ids(resources: JSON | None) -> None:
    """File and vector store ids must look like ids (the API resolves them; an emulator can
    at least refuse ones that could never exist, such as ``""``)."""
    for kind, field, prefix in _RESOURCE_IDS:
        ids = ((resources or {}).get(kind) or {}).get(field) or []
        for index, value in enumerate(ids):
            if not value.startswith(prefix) or len(value) == len(prefix):
                param = f"tool_resources.{kind}.{field}[{index}]"
                raise EmulatorError(
                    400,
                    f"Invalid '{param}': '{value}'. Expected an ID that begins with '{prefix}'.",
                    param=param,
                    code="invalid_value",
                )


def _derived_seed(seed: int, *parts: str) -> int:
    """A stable integer seed from the app seed and some names (hash() is salted per process)."""
    digest = hashlib.sha256("\x00".join((str(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _IdSequence:
    """Deterministic ids (``thread_`` + 24 letters/digits, like the API's) for one app."""

    _ALPHABET = string.ascii_letters + string.digits

    def __init__(self, seed: int) -> None:
        self._random = random.Random(_derived_seed(seed, "created-ids"))

    def next(self, prefix: str) -> str:
        return prefix + "".join(self._random.choices(self._ALPHABET, k=24))


class Store:
    """Threads and runs as JSON-ready dicts, keyed by id. Every read-modify-write holds the lock.

    Objects are stored exactly as they go on the wire; handlers copy what they return, so a
    response never aliases stored state.
    """

    def __init__(self, seed: int = 0, *, adopt_unknown: bool | Container[str] = False) -> None:
        self.seed = seed
        self.adopt_unknown = adopt_unknown
        """Which unknown ids get an object instead of a 404: all (True), none, or these."""
        self.lock = threading.RLock()
        self.threads: dict[str, JSON] = {}
        self.runs: dict[str, JSON] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the seeded objects, with the created-id sequence and clock restarted."""
        threads, runs = (
            [json_copy(obj) for obj in objects] for objects in _seeded_objects(self.seed)
        )
        with self.lock:
            self.threads = {thread["id"]: thread for thread in threads}
            self.runs = {run["id"]: run for run in runs}
            self._ids = _IdSequence(self.seed)
            stamps = [int(obj["created_at"]) for obj in (*threads, *runs)]
            self._clock = max([CREATED_AT_BASE, *stamps])

    def snapshot(self) -> JSON:
        """Every stored object: ``{"threads": [...], "runs": [...]}`` (copies)."""
        with self.lock:
            return {
                "threads": [json_copy(thread) for thread in self.threads.values()],
                "runs": [json_copy(run) for run in self.runs.values()],
            }

    # ----------------------------------------------------------------- lookups

    def thread(self, thread_id: str) -> JSON:
        """The stored thread (adopted if unknown and adopting), else a 404."""
        with self.lock:
            thread = self.threads.get(thread_id)
            if thread is None:
                if not self._may_adopt(thread_id):
                    raise _not_found("thread", thread_id)
                thread = self.adopt(thread_id)
            return thread

    def run(self, thread_id: str, run_id: str) -> JSON:
        """The stored run on that thread; a run on another thread is as unknown as none."""
        with self.lock:
            self.thread(thread_id)
            run = self.runs.get(run_id)
            if run is None or run["thread_id"] != thread_id:
                if run is not None or not self._may_adopt(run_id):
                    raise _not_found("run", run_id)
                run = self.adopt(thread_id, run_id)
            return run

    def _may_adopt(self, object_id: str) -> bool:
        if isinstance(self.adopt_unknown, bool):
            return self.adopt_unknown
        return object_id in self.adopt_unknown

    def adopt(self, thread_id: str, run_id: str | None = None) -> JSON:
        """Make an unknown thread (and run on it) exist: consistent objects derived from the
        seed and the ids, so an id from another backend gets a meaningful answer. Returns the
        thread, or the run when ``run_id`` is given; known objects are left as they are."""
        with self.lock:
            thread = self.threads.get(thread_id)
            if thread is None:
                thread = self.threads[thread_id] = _adopted_thread(self.seed, thread_id)
            if run_id is None:
                return thread
            run = self.runs.get(run_id)
            if run is None:
                run = self.runs[run_id] = _adopted_run(self.seed, thread, run_id)
            return run

    # ----------------------------------------------------------------- changes

    def _tick(self, not_before: int = 0) -> int:
        """The next created_at: one second after the last one, never before ``not_before``."""
        self._clock = max(self._clock + 1, not_before)
        return self._clock

    def _new_id(self, prefix: str) -> str:
        while True:
            candidate = self._ids.next(prefix)
            if candidate not in self.threads and candidate not in self.runs:
                return candidate

    def create_thread(self, request: CreateThreadRequest) -> JSON:
        given = request.to_dict()
        _check_resource_ids(given.get("tool_resources"))
        with self.lock:
            thread: JSON = {
                "id": self._new_id(ID_PREFIXES["thread"]),
                "object": "thread",
                "created_at": self._tick(),
                "metadata": given.get("metadata") or {},
                "tool_resources": given.get("tool_resources") or {},
            }
            self.threads[thread["id"]] = thread
            return json_copy(thread)

    def create_run(self, thread_id: str, request: CreateRunRequest) -> JSON:
        with self.lock:
            thread = self.thread(thread_id)
            given = request.to_dict()
            created_at = self._tick(not_before=thread["created_at"])
            run: JSON = {
                "id": self._new_id(ID_PREFIXES["run"]),
                "object": "thread.run",
                "created_at": created_at,
                "assistant_id": request.assistant_id,
                "thread_id": thread_id,
                "status": "queued",
                "started_at": None,
                "expires_at": created_at + RUN_LIFETIME,
                "cancelled_at": None,
                "failed_at": None,
                "completed_at": None,
                "required_action": None,
                "last_error": None,
                "model": given.get("model") or DEFAULT_MODEL,
                "instructions": _instructions(given),
                "tools": given.get("tools") or [],
                "metadata": given.get("metadata") or {},
                "incomplete_details": None,
                "usage": None,
                "temperature": _or_default(given, "temperature", 1.0),
                "top_p": _or_default(given, "top_p", 1.0),
                "max_prompt_tokens": given.get("max_prompt_tokens"),
                "max_completion_tokens": given.get("max_completion_tokens"),
                "truncation_strategy": _or_default(
                    given, "truncation_strategy", {"type": "auto", "last_messages": None}
                ),
                "response_format": _or_default(given, "response_format", "auto"),
                "tool_choice": _or_default(given, "tool_choice", "auto"),
                "parallel_tool_calls": _or_default(given, "parallel_tool_calls", True),
            }
            self.runs[run["id"]] = run
            return json_copy(run)

    def modify_thread(self, thread_id: str, request: ModifyThreadRequest) -> JSON:
        given = request.to_dict()
        _check_resource_ids(given.get("tool_resources"))
        with self.lock:
            thread = self.thread(thread_id)
            if given.get("metadata") is not None:
                thread["metadata"] = given["metadata"]
            resources = given.get("tool_resources")
            if resources is not None:
                merged = dict(thread.get("tool_resources") or {})
                merged.update({k: v for k, v in resources.items() if v is not None})
                thread["tool_resources"] = merged
            return json_copy(thread)

    def modify_run(self, thread_id: str, run_id: str, request: ModifyRunRequest) -> JSON:
        with self.lock:
            run = self.run(thread_id, run_id)
            if request.metadata is not None:
                run["metadata"] = dict(request.metadata)
            return json_copy(run)


def json_copy(value: JSON) -> JSON:
    """A deep copy of a JSON-ready dict (faster than ``copy.deepcopy`` for plain data)."""
    copied: JSON = json.loads(json.dumps(value))
    return copied


def _or_default(given: JSON, name: str, default: Any) -> Any:
    value = given.get(name)
    return default if value is None else value


def _instructions(given: JSON) -> str:
    base = given.get("instructions") or DEFAULT_INSTRUCTIONS
    extra = given.get("additional_instructions")
    return f"{base}\n\n{extra}" if extra else base


# --------------------------------------------------------------------------- seeding


@functools.lru_cache(maxsize=8)
def _seeded_objects(seed: int) -> tuple[list[JSON], list[JSON]]:
    """The factory's variants as wire dicts: every run with the thread it belongs to.
    Cached (building them is most of a reset); callers copy before storing."""
    from harness.factory import RunFactory, ThreadFactory

    thread_factory = ThreadFactory(seed)
    threads = [thread.to_dict() for thread in thread_factory.variants()]
    runs: list[JSON] = []
    for run in RunFactory(seed).variants():
        runs.append(run.to_dict())
        # The run's own thread, created a minute before it.
        threads.append(thread_factory.build_dict(id=run.thread_id, created_at=run.created_at - 60))
    return threads, runs


def _adopted_thread(seed: int, thread_id: str) -> JSON:
    from harness.factory import ThreadFactory

    thread: JSON = ThreadFactory(_derived_seed(seed, thread_id)).build(id=thread_id).to_dict()
    return thread


def _adopted_run(seed: int, thread: JSON, run_id: str) -> JSON:
    from harness.api.models import Thread
    from harness.factory import RunFactory

    factory = RunFactory(_derived_seed(seed, thread["id"], run_id))
    run: JSON = factory.build(
        thread=Thread.model_validate(thread), status="completed", id=run_id
    ).to_dict()
    return run


# --------------------------------------------------------------------------- HTTP


Handler = Callable[["_Request"], JSON]


class _Request:
    """What a handler needs from one HTTP request: the ids in its path and its JSON body."""

    def __init__(self, store: Store, ids: list[str], body: bytes) -> None:
        self.store = store
        self.ids = ids
        self.raw_body = body

    @property
    def thread_id(self) -> str:
        return self.ids[0]

    @property
    def run_id(self) -> str:
        return self.ids[1]

    def parse(self, model: type[RequestModel]) -> Any:
        """The body validated against ``model``; a bad body becomes the API's 400."""
        if not self.raw_body.strip():
            data: object = {}
        else:
            try:
                data = json.loads(self.raw_body, parse_constant=_reject_constant)
            except (ValueError, RecursionError) as exc:
                raise EmulatorError(400, INVALID_JSON) from exc
        if not isinstance(data, dict):
            raise EmulatorError(
                400,
                f"Invalid type for body: expected an object, but got {json_type_phrase(data)} "
                "instead.",
                code="invalid_type",
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            envelope = error_response(exc)
            raise EmulatorError(
                400,
                envelope.error.message,
                param=envelope.error.param,
                code=envelope.error.code,
            ) from exc


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _create_thread(request: _Request) -> JSON:
    return request.store.create_thread(request.parse(CreateThreadRequest))


def _retrieve_thread(request: _Request) -> JSON:
    return json_copy(request.store.thread(request.thread_id))


def _modify_thread(request: _Request) -> JSON:
    return request.store.modify_thread(request.thread_id, request.parse(ModifyThreadRequest))


def _create_run(request: _Request) -> JSON:
    body: CreateRunRequest = request.parse(CreateRunRequest)
    _check_prefix("assistant_id", body.assistant_id, ID_PREFIXES["assistant"])
    if body.stream:
        raise EmulatorError(
            400, "The emulator does not stream runs; send stream: false.", param="stream"
        )
    return request.store.create_run(request.thread_id, body)


def _retrieve_run(request: _Request) -> JSON:
    return json_copy(request.store.run(request.thread_id, request.run_id))


def _modify_run(request: _Request) -> JSON:
    return request.store.modify_run(
        request.thread_id, request.run_id, request.parse(ModifyRunRequest)
    )


_ROUTES: dict[int, dict[str, Handler]] = {
    # Keyed by the number of path segments after the prefix: threads[/tid[/runs[/rid]]].
    1: {"POST": _create_thread},
    2: {"GET": _retrieve_thread, "POST": _modify_thread},
    3: {"POST": _create_run},
    4: {"GET": _retrieve_run, "POST": _modify_run},
}
_ID_PREFIXES = (("thread_id", ID_PREFIXES["thread"]), ("run_id", ID_PREFIXES["run"]))


_FLAVORS: tuple[tuple[str, Flavor], ...] = (("/v1/", "openai"), ("/openai/", "azure"))


def _match(path: str) -> tuple[Flavor, list[str]] | None:
    """``(flavor, segments)`` for a route path (``threads[/tid[/runs[/rid]]]``), else None."""
    found = [(flv, path[len(prefix) :]) for prefix, flv in _FLAVORS if path.startswith(prefix)]
    if not found:
        return None
    flavor, rest = found[0]
    parts = rest.split("/")
    if not 1 <= len(parts) <= 4 or parts[0] != "threads" or "" in parts:
        return None
    if len(parts) >= 3 and parts[2] != "runs":
        return None
    return flavor, parts


class Emulator:
    """The ASGI app. ``store`` holds its state; tests may inspect it directly."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        try:
            status, payload, headers = self.handle(scope, body)
        except Exception:  # a bug, never a client error: answer in the envelope, then re-raise
            await _respond(
                send,
                500,
                ErrorResponse(
                    error=ErrorObject(
                        message="The emulator failed on this request (a harness bug).",
                        type="server_error",
                        param=None,
                        code=None,
                    )
                ).to_dict(),
                {},
            )
            raise
        await _respond(send, status, payload, headers)

    def handle(self, scope: Scope, body: bytes) -> tuple[int, JSON, dict[str, str]]:
        """Status, JSON body and extra headers for one request."""
        method: str = scope["method"]
        path: str = scope["path"]
        try:
            if path.startswith(HARNESS_PREFIX + "/") or path == HARNESS_PREFIX:
                return 200, self._harness(method, path), {}
            matched = _match(path)
            if matched is None:
                raise EmulatorError(404, f"Invalid URL ({method} {path})")
            flavor, parts = matched
            ids = parts[1::2]
            routes = _ROUTES[len(parts)]
            handler = routes.get(method)
            if handler is None:
                raise EmulatorError(
                    405,
                    f"Method not allowed: {method} {path}. Allowed: {', '.join(routes)}.",
                    headers={"allow": ", ".join(routes)},
                )
            _authorize(flavor, scope)
            for (param, prefix), value in zip(_ID_PREFIXES, ids, strict=False):
                _check_prefix(param, value, prefix)
            return 200, handler(_Request(self.store, ids, body)), {}
        except EmulatorError as exc:
            return exc.status, exc.body, exc.headers

    def _harness(self, method: str, path: str) -> JSON:
        if path == HARNESS_PREFIX + "/objects" and method == "GET":
            return {"object": "harness.objects", **self.store.snapshot()}
        if path == HARNESS_PREFIX + "/reset" and method == "POST":
            self.store.reset()
            return {"object": "harness.reset", "reset": True}
        if path in (HARNESS_PREFIX + "/objects", HARNESS_PREFIX + "/reset"):
            allowed = "GET" if path.endswith("objects") else "POST"
            raise EmulatorError(
                405,
                f"Method not allowed: {method} {path}. Allowed: {allowed}.",
                headers={"allow": allowed},
            )
        raise EmulatorError(404, f"Invalid URL ({method} {path})")


def _authorize(flavor: Flavor, scope: Scope) -> None:
    """Any non-empty key is accepted; the key itself is never kept or echoed."""
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if flavor == "azure" and not any(v.strip() for v in query.get("api-version", [])):
        # Azure answers a missing api-version with 404 "Resource not found" (unverified).
        raise EmulatorError(404, "Resource not found", code="404")
    bearer = headers.get("authorization", "")
    scheme, _, token = bearer.partition(" ")
    has_key = (
        (scheme.lower() == "bearer" and token.strip() != "")
        or headers.get("api-key", "").strip() != ""
        or (flavor == "azure" and any(v.strip() for v in query.get("api-key", [])))
    )
    if not has_key:
        if flavor == "azure":
            raise EmulatorError(401, AZURE_MISSING_KEY, code="401")
        raise EmulatorError(401, MISSING_KEY)
    if flavor == "openai" and headers.get("openai-beta", "").replace(" ", "") != "assistants=v2":
        raise EmulatorError(400, MISSING_BETA)


async def _respond(send: Send, status: int, payload: JSON, headers: dict[str, str]) -> None:
    raw_headers = [
        (b"content-type", b"application/json"),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    await respond(send, status, raw_headers, json.dumps(payload).encode())


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(seed: int = 0, *, adopt_unknown: bool = False) -> Emulator:
    """A fresh emulator seeded with the factory's variants for ``seed``.

    With ``adopt_unknown``, a well-prefixed but unknown thread or run id is not a 404: a
    consistent object (deterministic from ``seed`` and the id; runs ``completed``) is created
    for it, so that recorded requests can be re-sent to a fresh emulator.
    """
    return Emulator(Store(seed, adopt_unknown=adopt_unknown))


# --------------------------------------------------------------------------- running


class RunningEmulator:
    """An emulator served on loopback: ``base_url`` (ends in ``/v1``) for ``openai.OpenAI``,
    ``app`` for inspecting state, and SDK clients that never retry."""

    API_KEY = "sk-test-not-a-real-key"

    def __init__(self, app: Emulator, root_url: str) -> None:
        self.app = app
        self.root_url = root_url
        self.base_url = f"{root_url}/v1"
        self.azure_endpoint = root_url

    @property
    def store(self) -> Store:
        return self.app.store

    def client(self, **options: Any) -> Any:
        """An ``openai.OpenAI`` client for this emulator (``openai`` must be installed)."""
        import openai

        options = {"api_key": self.API_KEY, "max_retries": 0, **options}
        return openai.OpenAI(base_url=self.base_url, **options)

    def async_client(self, **options: Any) -> Any:
        """An ``openai.AsyncOpenAI`` client for this emulator."""
        import openai

        options = {"api_key": self.API_KEY, "max_retries": 0, **options}
        return openai.AsyncOpenAI(base_url=self.base_url, **options)


@contextmanager
def running_emulator(
    seed: int = 0, *, adopt_unknown: bool = False, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningEmulator]:
    """A fresh emulator served in a background thread for the duration of the block."""
    from harness.server.serve import serve

    app = create_app(seed, adopt_unknown=adopt_unknown)
    with serve(app, host, port) as root_url:
        yield RunningEmulator(app, root_url)


def describe_objects(store: Store) -> str:
    """A table of the stored objects: one line per run, then threads that have no run."""
    snapshot = store.snapshot()
    rows = [("thread_id", "run_id", "status", "response_format")]
    with_runs: set[str] = set()
    for run in snapshot["runs"]:
        with_runs.add(run["thread_id"])
        rows.append((run["thread_id"], run["id"], run["status"], _format_kind(run)))
    rows.extend(
        (thread["id"], "-", "-", "-")
        for thread in snapshot["threads"]
        if thread["id"] not in with_runs
    )
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, row[3]]))
    return "\n".join(lines)


def _format_kind(run: JSON) -> str:
    value = run.get("response_format")
    if isinstance(value, dict):
        return str(value.get("type"))
    return "null" if value is None else str(value)
