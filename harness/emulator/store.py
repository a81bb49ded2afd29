"""The emulator's state: every object as the wire-ready dict it is served as, keyed by id.

Flat dicts hold each kind by id (``assistants``, ``threads``, ``runs``, ``messages``,
``steps``; their keys interned on the way in, see :func:`compact`); an
:class:`~harness.emulator.pages.Index` per parent keeps each list's order (``assistant_list``,
``thread_messages[thread_id]``, ``thread_runs[thread_id]``, ``run_steps[run_id]``), so lists
page in O(page). Every read-modify-write holds ``lock``; the app serializes a response under
it (and ``Emulator.handle`` copies), so a response never aliases stored state.

The store starts seeded with the factory's variants (a run in every status x response_format,
each on its thread). Ids and timestamps come from a per-store seeded sequence and a virtual
clock (one second per creation or run transition), so recording the same calls twice gives
the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import string
import sys
import threading
from collections.abc import Container, Iterator
from contextlib import contextmanager
from typing import Any

from harness.api.constants import ID_PREFIXES
from harness.emulator.errors import EmulatorError, not_found
from harness.emulator.pages import Index

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


def check_resource_ids(resources: JSON | None, *, where: str = "tool_resources") -> None:
    """File and vector store ids must look like ids (the API resolves them; an emulator can
    at least refuse ones that could never exist, such as ``""``)."""
    for kind, field, prefix in _RESOURCE_IDS:
        ids = ((resources or {}).get(kind) or {}).get(field) or []
        for index, value in enumerate(ids):
            if not value.startswith(prefix) or len(value) == len(prefix):
                param = f"{where}.{kind}.{field}[{index}]"
                raise EmulatorError(
                    400,
                    f"Invalid '{param}': '{value}'. Expected an ID that begins with '{prefix}'.",
                    param=param,
                    code="invalid_value",
                )


def derived_seed(seed: int, *parts: str) -> int:
    """A stable integer seed from the app seed and some names (hash() is salted per process)."""
    digest = hashlib.sha256("\x00".join((str(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _IdSequence:
    """Deterministic ids (``thread_`` + 24 letters/digits, like the API's) for one app."""

    _ALPHABET = string.ascii_letters + string.digits

    def __init__(self, seed: int) -> None:
        self._random = random.Random(derived_seed(seed, "created-ids"))

    def next(self, prefix: str) -> str:
        return prefix + "".join(self._random.choices(self._ALPHABET, k=24))


class Store:
    """Every object of one emulator, with the lock, id sequence and virtual clock."""

    def __init__(
        self,
        seed: int = 0,
        *,
        adopt_unknown: bool | Container[str] = False,
        lenient: bool = False,
    ) -> None:
        self.seed = seed
        self.adopt_unknown = adopt_unknown
        """Which unknown ids get an object instead of a 404: all (True), none, or these."""
        self.lenient = lenient
        """Serve placeholder ids (``"thread_id"``, file id ``"string"``) as the SDK's own
        resource tests send them: any non-empty id is well-formed, unknown ones are adopted,
        a placeholder run is a fresh ``requires_action`` run on every request (so cancel and
        tool outputs always apply), a placeholder thread never has an active run, unknown
        list cursors are ignored and ``limit`` is clamped. Off by default."""
        self.lock = threading.RLock()
        self.plans: dict[str, Any] = {}
        """run id -> its lifecycle plan (only runs created through the API progress)."""
        self.scenarios: list[Any] = []
        """Scenarios added at run time (cleared by reset); ``base_scenarios`` survive it."""
        self.base_scenarios: list[Any] = []
        self.reset()

    def reset(self) -> None:
        """Back to the seeded objects, with the created-id sequence and clock restarted."""
        threads, runs = (
            [json_copy(obj) for obj in objects] for objects in _seeded_objects(self.seed)
        )
        with self.lock:
            self.assistants: dict[str, JSON] = {}
            self.assistant_list = Index()
            self.threads: dict[str, JSON] = {thread["id"]: thread for thread in threads}
            self.runs: dict[str, JSON] = {}
            self.thread_runs: dict[str, Index] = {}
            self.messages: dict[str, JSON] = {}
            self.thread_messages: dict[str, Index] = {}
            self.steps: dict[str, JSON] = {}
            self.run_steps: dict[str, Index] = {}
            for run in runs:
                self.add_run(run)
            self.plans = {}
            self.scenarios = []
            self._ids = _IdSequence(self.seed)
            self._replies: Any = None
            stamps = [int(obj["created_at"]) for obj in (*threads, *runs)]
            self.clock = max([CREATED_AT_BASE, *stamps])

    def snapshot(self) -> JSON:
        """Every stored object by kind (copies)."""
        with self.lock:
            return {
                "assistants": [json_copy(obj) for obj in self.assistants.values()],
                "threads": [json_copy(obj) for obj in self.threads.values()],
                "runs": [json_copy(obj) for obj in self.runs.values()],
                "messages": [json_copy(obj) for obj in self.messages.values()],
                "steps": [json_copy(obj) for obj in self.steps.values()],
            }

    @contextmanager
    def scenario(self, **fields: Any) -> Iterator[Any]:
        """A scenario for the runs created inside the block (it matches before the others)."""
        from harness.emulator.scenarios import Scenario

        added = Scenario.model_validate(fields)
        with self.lock:
            self.scenarios.insert(0, added)
        try:
            yield added
        finally:
            with self.lock:
                if added in self.scenarios:
                    self.scenarios.remove(added)

    # ----------------------------------------------------------------- clock and ids

    def tick(self, not_before: int = 0) -> int:
        """The next timestamp: one second after the last one, never before ``not_before``."""
        self.clock = max(self.clock + 1, not_before)
        return self.clock

    def reply_text(self) -> str:
        """The next seeded assistant reply. One factory per store, drawing in sequence: a
        factory per run (seeded from its id) would draw Faker's pools anew, ~20 ms a run."""
        if self._replies is None:
            from harness.factory import MessageFactory

            self._replies = MessageFactory(self.seed)
        text: str = self._replies.reply_text()
        return text

    def new_id(self, kind: str) -> str:
        prefix = ID_PREFIXES[kind]
        while True:
            candidate = self._ids.next(prefix)
            if kind == "tool_call" or candidate not in self._table(kind):
                return candidate

    def _table(self, kind: str) -> dict[str, JSON]:
        tables: dict[str, dict[str, JSON]] = {
            "assistant": self.assistants,
            "thread": self.threads,
            "run": self.runs,
            "message": self.messages,
            "step": self.steps,
        }
        return tables[kind]

    # ----------------------------------------------------------------- adding

    def add_assistant(self, assistant: JSON) -> JSON:
        self.assistants[assistant["id"]] = compact(assistant)
        self.assistant_list.add(assistant["id"])
        return assistant

    def add_thread(self, thread: JSON) -> JSON:
        self.threads[thread["id"]] = compact(thread)
        return thread

    def add_run(self, run: JSON) -> JSON:
        self.runs[run["id"]] = compact(run)
        self.thread_runs.setdefault(run["thread_id"], Index()).add(run["id"])
        return run

    def add_message(self, message: JSON) -> JSON:
        self.messages[message["id"]] = compact(message)
        self.thread_messages.setdefault(message["thread_id"], Index()).add(message["id"])
        return message

    def add_step(self, step: JSON) -> JSON:
        self.steps[step["id"]] = compact(step)
        self.run_steps.setdefault(step["run_id"], Index()).add(step["id"])
        return step

    # ----------------------------------------------------------------- lookups

    def assistant(self, assistant_id: str) -> JSON:
        with self.lock:
            found = self.assistants.get(assistant_id)
            if found is None:
                if not self.may_adopt(assistant_id):
                    raise not_found("assistant", assistant_id)
                found = self.add_assistant(_adopted_assistant(self.seed, assistant_id))
            return found

    def thread(self, thread_id: str) -> JSON:
        """The stored thread (adopted if unknown and adopting), else a 404."""
        with self.lock:
            thread = self.threads.get(thread_id)
            if thread is None:
                if not self.may_adopt(thread_id):
                    raise not_found("thread", thread_id)
                thread = self.adopt(thread_id)
            return thread

    def run(self, thread_id: str, run_id: str) -> JSON:
        """The stored run on that thread; a run on another thread is as unknown as none."""
        with self.lock:
            self.thread(thread_id)
            run = self.runs.get(run_id)
            if self.placeholder(run_id, "run"):
                if run is not None:
                    self.runs.pop(run_id)
                    self.thread_runs[run["thread_id"]].remove(run_id)
                return self.add_run(_adopted_run(self.seed, self.threads[thread_id], run_id, True))
            if run is None or run["thread_id"] != thread_id:
                if run is not None or not self.may_adopt(run_id):
                    raise not_found("run", run_id)
                run = self.adopt(thread_id, run_id)
            return run

    def message(self, thread_id: str, message_id: str) -> JSON:
        with self.lock:
            thread = self.thread(thread_id)
            message = self.messages.get(message_id)
            if message is None or message["thread_id"] != thread_id:
                if message is not None or not self.may_adopt(message_id):
                    raise not_found("message", message_id)
                message = self.add_message(_adopted_message(self.seed, thread, message_id))
            return message

    def step(self, thread_id: str, run_id: str, step_id: str) -> JSON:
        with self.lock:
            run = self.run(thread_id, run_id)
            step = self.steps.get(step_id)
            if step is None or step["run_id"] != run_id:
                if step is not None or not self.may_adopt(step_id):
                    raise not_found("run step", step_id)
                step = self.add_step(_adopted_step(self.seed, run, step_id))
            return step

    def placeholder(self, object_id: str, kind: str) -> bool:
        """In lenient mode, an id not shaped like the API's (its prefix and 24 letters or
        digits, e.g. ``"run_id"``) is a placeholder: it names a fresh object on every
        request, free of the state of earlier ones."""
        prefix = ID_PREFIXES[kind]
        rest = object_id[len(prefix) :]
        real = object_id.startswith(prefix) and len(rest) == 24 and rest.isalnum()
        return self.lenient and not real

    def may_adopt(self, object_id: str) -> bool:
        if self.lenient:
            return True
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
                thread = self.add_thread(_adopted_thread(self.seed, thread_id))
            if run_id is None:
                return thread
            run = self.runs.get(run_id)
            if run is None:
                run = self.add_run(_adopted_run(self.seed, thread, run_id))
            return run

    # ----------------------------------------------------------------- removing

    def delete_thread(self, thread_id: str) -> JSON:
        """Remove the thread with its runs, their steps and its messages."""
        with self.lock:
            thread = self.thread(thread_id)
            del self.threads[thread_id]
            for run_id in (self.thread_runs.pop(thread_id, None) or Index()).ids():
                self.runs.pop(run_id, None)
                self.plans.pop(run_id, None)
                for step_id in (self.run_steps.pop(run_id, None) or Index()).ids():
                    self.steps.pop(step_id, None)
            for message_id in (self.thread_messages.pop(thread_id, None) or Index()).ids():
                self.messages.pop(message_id, None)
            return thread

    def delete_message(self, thread_id: str, message_id: str) -> JSON:
        with self.lock:
            message = self.message(thread_id, message_id)
            del self.messages[message_id]
            self.thread_messages[thread_id].remove(message_id)
            return message

    def delete_assistant(self, assistant_id: str) -> JSON:
        with self.lock:
            assistant = self.assistant(assistant_id)
            del self.assistants[assistant_id]
            self.assistant_list.remove(assistant_id)
            return assistant

    # ----------------------------------------------------------------- queries

    def active_run(self, thread_id: str) -> JSON | None:
        """The thread's newest run if it is still active (queued .. cancelling); never on a
        placeholder thread."""
        if self.placeholder(thread_id, "thread"):
            return None
        index = self.thread_runs.get(thread_id)
        newest = index.newest() if index is not None else None
        run = self.runs.get(newest) if newest is not None else None
        if run is not None and run["status"] in _ACTIVE and run["id"] in self.plans:
            return run
        return None


_ACTIVE = frozenset({"queued", "in_progress", "requires_action", "cancelling"})


def compact(value: Any) -> Any:
    """``value`` with the keys of every dict in it interned, in place (order and identity
    kept), and returned. Decoded JSON has a string of its own for every key: interned, 100,000
    stored runs share one of each field name (~3 KB less per thread+run+message)."""
    if isinstance(value, dict):
        if not all(sys.intern(key) is key for key in value):
            items = list(value.items())
            value.clear()
            value.update((sys.intern(key), item) for key, item in items)
        for item in value.values():
            if isinstance(item, (dict, list)):
                compact(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                compact(item)
    return value


def json_copy(value: JSON) -> JSON:
    """A deep copy of a JSON-ready dict (faster than ``copy.deepcopy`` for plain data)."""
    copied: JSON = json.loads(json.dumps(value))
    return copied


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

    thread: JSON = ThreadFactory(derived_seed(seed, thread_id)).build(id=thread_id).to_dict()
    return thread


def _adopted_run(seed: int, thread: JSON, run_id: str, waiting: bool = False) -> JSON:
    """A ``completed`` run (``waiting``: one in ``requires_action``, for placeholders)."""
    from harness.api.models import Thread
    from harness.factory import RunFactory

    factory = RunFactory(derived_seed(seed, thread["id"], run_id))
    status = "requires_action" if waiting else "completed"
    run: JSON = factory.build(
        thread=Thread.model_validate(thread), status=status, id=run_id
    ).to_dict()
    return run


def _adopted_assistant(seed: int, assistant_id: str) -> JSON:
    from harness.factory import AssistantFactory

    return AssistantFactory(derived_seed(seed, assistant_id)).build_dict(id=assistant_id)


def _adopted_message(seed: int, thread: JSON, message_id: str) -> JSON:
    from harness.factory import MessageFactory

    factory = MessageFactory(derived_seed(seed, thread["id"], message_id))
    return factory.build_dict(
        id=message_id, thread_id=thread["id"], created_at=thread["created_at"], role="user"
    )


def _adopted_step(seed: int, run: JSON, step_id: str) -> JSON:
    from harness.factory import RunStepFactory

    factory = RunStepFactory(derived_seed(seed, run["id"], step_id))
    return factory.build_dict(id=step_id, run=run, status="completed")
