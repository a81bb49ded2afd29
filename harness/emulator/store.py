"""The emulator's state: threads and runs as wire-ready dicts, seeded from the factory."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import string
import threading
from collections.abc import Container
from typing import Any

from harness.api.constants import ID_PREFIXES, RUN_LIFETIME
from harness.api.models import (
    CreateRunRequest,
    CreateThreadRequest,
    ModifyRunRequest,
    ModifyThreadRequest,
)
from harness.emulator.errors import EmulatorError, not_found

JSON = dict[str, Any]

CREATED_AT_BASE = 1_717_200_000
"""Earliest created_at of an object created through the API (2024-06-01). The clock starts
after the newest seeded object and ticks 1 s per creation, so that recording the same calls
twice gives the same bytes."""
DEFAULT_MODEL = "gpt-4o"
DEFAULT_INSTRUCTIONS = "You are a helpful assistant."


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
                    raise not_found("thread", thread_id)
                thread = self.adopt(thread_id)
            return thread

    def run(self, thread_id: str, run_id: str) -> JSON:
        """The stored run on that thread; a run on another thread is as unknown as none."""
        with self.lock:
            self.thread(thread_id)
            run = self.runs.get(run_id)
            if run is None or run["thread_id"] != thread_id:
                if run is not None or not self._may_adopt(run_id):
                    raise not_found("run", run_id)
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
