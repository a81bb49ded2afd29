"""Seeded factories of consistent Run and Thread objects: ``RunFactory`` and ``ThreadFactory``.

Every object obeys :mod:`harness.api.rules` (timestamps, usage, required_action, ... follow the
status) and validates as :class:`~harness.api.models.Run` / :class:`~harness.api.models.Thread`.
Output depends only on the seed: each factory owns a private ``random.Random(seed)`` and a
private, seeded ``Faker`` used once, at construction, to fill pools of words and sentences
(calling Faker providers per object would be the bottleneck). ``created_at`` is a fixed epoch
plus a seeded offset, never the wall clock.

Overrides are given by field name. Shorthands expand to full, valid values:
``status="requires_action"``, ``response_format="json_schema"``, ``tool_choice="function"``
(names one of the run's functions), ``tools=["function", "code_interpreter"]``,
``last_error="rate_limit_exceeded"``, ``incomplete_details="max_prompt_tokens"``,
``truncation_strategy="last_messages"``, ``metadata=16`` (16 random pairs),
``thread=<Thread>`` (the run belongs to that thread), and for threads
``tool_resources="code_interpreter" | "file_search" | ["code_interpreter", "file_search"]``.
Other values are used as given; the factory fills in the rest consistently where it can and
raises :class:`FactoryError` (naming the field, the value and what is allowed) when the result
would break the API's rules.
"""

from __future__ import annotations

import gc
import json
import random
from base64 import b64encode
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from harness.api.constants import (
    EPOCH_BASE,
    EPOCH_SPAN,
    EXPIRABLE_STATUSES,
    ID_PREFIXES,
    INCOMPLETE_REASONS,
    LAST_ERROR_CODES,
    MAX_CODE_INTERPRETER_FILES,
    METADATA_MAX_KEYS,
    RESPONSE_FORMAT_KINDS,
    RUN_LIFETIME,
    RUN_STATUSES,
    TERMINAL_STATUSES,
    TERMINAL_TIMESTAMPS,
)
from harness.api.models import Run, Thread
from harness.api.rules import check_run, check_thread

__all__ = [
    "TOOL_CHOICE_KINDS",
    "TOOL_KINDS",
    "TOOL_RESOURCE_KINDS",
    "FactoryError",
    "RunFactory",
    "ThreadFactory",
    "run_variants",
    "thread_variants",
    "to_sdk",
    "variant_id",
]


TOOL_KINDS: tuple[str, ...] = ("code_interpreter", "file_search", "function")
TOOL_CHOICE_KINDS: tuple[str, ...] = (
    "none",
    "auto",
    "required",
    "function",
    "code_interpreter",
    "file_search",
)
"""``none``/``auto``/``required`` plus the three named forms (a tool choice naming that tool)."""
TOOL_RESOURCE_KINDS: tuple[str, ...] = ("code_interpreter", "file_search")

_B64_TO_ALNUM = bytes.maketrans(b"+/", b"Xq")
T = TypeVar("T")
_MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-4.1", "gpt-4.1-mini", "gpt-3.5-turbo")
_TEMPERATURES = tuple(round(i / 10, 1) for i in range(21))
_TOP_PS = tuple(round(i / 20, 2) for i in range(21))
_RANKERS = ("auto", "default_2024_08_21")
_JSON_TYPES = ("string", "integer", "number", "boolean")
_ERROR_MESSAGES = {
    "server_error": "Sorry, something went wrong.",
    "rate_limit_exceeded": "Rate limit reached for requests. Please try again later.",
    "invalid_prompt": "Invalid prompt: the prompt was flagged as potentially violating our policy.",
}
_REQUIRES_ACTION_CHOICES = ("auto", "required", "function")

_RUN_FIELDS = frozenset(Run.model_fields) | {"thread"}
_THREAD_FIELDS = frozenset(Thread.model_fields)
# Run fields whose override is read (and expanded) while generating, not copied at the end.
_RUN_EXPANDED = frozenset(
    {
        "status",
        "thread",
        "created_at",
        "started_at",
        "tools",
        "tool_choice",
        "response_format",
        "parallel_tool_calls",
        "max_prompt_tokens",
        "max_completion_tokens",
        "truncation_strategy",
        "last_error",
        "incomplete_details",
        "metadata",
        "cancelled_at",
        "failed_at",
        "completed_at",
        "expires_at",
        "usage",
        "required_action",
    }
)

Model = TypeVar("Model", Run, Thread)
Json = dict[str, Any]


class _Missing:
    """Marks an override that was not given (``None`` is a value an override can have)."""


_MISSING: Any = _Missing()


class FactoryError(ValueError):
    """An override the factory cannot honour: unknown field, bad value, or a contradiction."""


_Params = tuple[tuple[str, str], ...]
"""Parameter names and JSON types of a function or a JSON-schema response format."""
_Function = tuple[str, str, _Params, bool]
"""A function tool: name, description, parameters, strict."""
_Schema = tuple[str, str, _Params]
"""A json_schema response format: name, description, properties."""


@dataclass(frozen=True)
class _Pools:
    """Words and sentences drawn once from a seeded Faker; objects pick from them."""

    words: tuple[str, ...]
    sentences: tuple[str, ...]
    functions: tuple[_Function, ...]
    schemas: tuple[_Schema, ...]
    metadata_keys: tuple[str, ...]
    metadata_values: tuple[str, ...]


@lru_cache(maxsize=64)
def _pools(seed: int) -> _Pools:
    """Draw the pools from a Faker seeded with ``seed`` (about 5 ms, cached per seed)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    pick = fake.random  # the seeded Faker's own Random, for composing pool entries
    words = tuple(dict.fromkeys(w.lower() for w in fake.words(400) if w.isalpha()))
    verbs = ("get", "list", "create", "update", "delete", "search", "lookup", "send", "fetch")
    names = tuple(dict.fromkeys(f"{pick.choice(verbs)}_{pick.choice(words)}" for _ in range(80)))
    keys = tuple(dict.fromkeys(f"{pick.choice(words)}_{pick.choice(words)}" for _ in range(60)))

    def params() -> _Params:
        chosen = pick.sample(words, pick.randint(1, 3))
        return tuple((w, pick.choice(_JSON_TYPES)) for w in chosen)

    sentences = tuple(fake.sentence(nb_words=10) for _ in range(60))
    functions = tuple((n, pick.choice(sentences), params(), pick.random() < 0.5) for n in names)
    schemas = tuple((f"{w}_response", pick.choice(sentences), params()) for w in words[:40])
    values = tuple(
        [fake.user_name() for _ in range(20)]
        + [fake.uuid4() for _ in range(10)]
        + [fake.sentence(nb_words=5) for _ in range(10)]
        + list(words[-20:])
    )
    return _Pools(
        words=words,
        sentences=sentences,
        functions=functions,
        schemas=schemas,
        metadata_keys=keys,
        metadata_values=values,
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is built.

    A batch allocates many small acyclic objects and keeps them alive, which makes the
    collector rescan the growing list again and again (half the speed at 50,000 runs).
    Reference counting still frees everything; the collector is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plain(value: Any) -> Any:
    """Model instances given as override values become their JSON-ready dicts."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _short(value: object, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _allowed(values: Sequence[str]) -> str:
    return ", ".join(values)


class _Factory(Generic[Model]):
    """Seeding, the pools and the public build methods shared by both factories; each
    factory supplies ``_build(overrides) -> (model, JSON-ready dict)`` and ``variants()``."""

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise FactoryError(f"seed: {seed!r} must be an integer")
        self.seed = seed
        self._rng = random.Random(seed)
        self._pools = _pools(seed)
        self._random = self._rng.random
        self._randbytes = self._rng.randbytes

    def build(self, **overrides: Any) -> Model:
        """One object; overrides by field name (see the module docstring for shorthands)."""
        return self._build(overrides)[0]

    def build_dict(self, **overrides: Any) -> Json:
        """One object as a JSON-ready dict (already validated)."""
        return self._build(overrides)[1]

    def build_json(self, **overrides: Any) -> str:
        """One object as JSON text."""
        return json.dumps(self._build(overrides)[1])

    def build_sdk(self, **overrides: Any) -> Any:
        """One object as the official SDK's type (``openai.types.beta.threads.Run`` or
        ``openai.types.beta.Thread``)."""
        return to_sdk(self.build(**overrides))

    def batch(self, n: int, **overrides: Any) -> list[Model]:
        """``n`` objects with the same overrides."""
        with _gc_paused():
            return [self._build(overrides)[0] for _ in range(n)]

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Model, Json]:
        raise NotImplementedError

    # Fast pickers over the private Random (random.choice/sample/randrange cost several
    # times more, and the build loop is the hot path).
    def _pick(self, seq: Sequence[T]) -> T:
        return seq[int(self._random() * len(seq))]

    def _below(self, n: int) -> int:
        return int(self._random() * n)

    def _between(self, low: int, high: int) -> int:
        """An int in ``[low, high)``."""
        return low + int(self._random() * (high - low))

    def _run_of(self, seq: Sequence[T], count: int) -> Sequence[T]:
        """``count`` distinct items: a random window of a pool of distinct items."""
        start = int(self._random() * (len(seq) - count + 1))
        return seq[start : start + count]

    def _id(self, prefix: str) -> str:
        """``prefix`` + 24 random letters and digits, like the API's ids."""
        return prefix + b64encode(self._randbytes(18)).translate(_B64_TO_ALNUM).decode()

    def _metadata(self, count: int) -> dict[str, str]:
        if isinstance(count, bool) or not 0 <= count <= METADATA_MAX_KEYS:
            raise FactoryError(
                f"metadata: {count!r} keys asked for; allowed: 0 to {METADATA_MAX_KEYS} keys"
            )
        pools = self._pools
        return dict(
            zip(
                self._run_of(pools.metadata_keys, count),
                self._run_of(pools.metadata_values, count),
                strict=True,
            )
        )

    def _check_fields(
        self, kind: str, allowed: frozenset[str], overrides: Mapping[str, Any]
    ) -> None:
        unknown = sorted(set(overrides) - allowed)
        if unknown:
            raise FactoryError(
                f"unknown {kind} field(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {_allowed(sorted(allowed))}"
            )


def _validated(model: type[Model], data: Json, overrides: Mapping[str, Any]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        raise FactoryError(
            f"{model.__name__} override rejected at {where}: {err['msg']} "
            f"(got {_short(err.get('input'))}; overrides: {', '.join(sorted(overrides))})"
        ) from None


# --------------------------------------------------------------------------- threads


class ThreadFactory(_Factory[Thread]):
    """Seeded, consistent :class:`Thread` objects (``ThreadFactory(seed=42).build()``)."""

    def variants(self, **overrides: Any) -> Iterator[Thread]:
        """Threads without and with each tool_resources kind, each with empty and full metadata.

        Ten threads: tool_resources null, ``{}``, code_interpreter only, file_search only,
        both; times metadata ``{}`` (with 1 file) and 16 keys (with the maximum 20 files).
        ``variant_id`` names each.
        """
        kind_sets: tuple[list[str] | None, ...] = (
            None,
            [],
            ["code_interpreter"],
            ["file_search"],
            list(TOOL_RESOURCE_KINDS),
        )
        for kinds, keys in product(kind_sets, (0, METADATA_MAX_KEYS)):
            files = MAX_CODE_INTERPRETER_FILES if keys else 1
            resources = None if kinds is None else self._tool_resources(kinds, files)
            yield self.build(**{"tool_resources": resources, "metadata": keys, **overrides})

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Thread, Json]:
        if overrides:
            self._check_fields("Thread", _THREAD_FIELDS, overrides)
        data = self._thread_dict({k: _plain(v) for k, v in overrides.items()})
        thread = _validated(Thread, data, overrides)
        if overrides:
            problems = check_thread(thread)
            if problems:
                raise FactoryError("Thread overrides break the API's rules: " + "; ".join(problems))
        return thread, data

    def _thread_dict(self, ov: Mapping[str, Any]) -> Json:
        if "tool_resources" in ov:
            resources = self._tool_resources(ov["tool_resources"])
        elif self._random() < 0.3:
            resources = None
        else:
            kinds = [k for k in TOOL_RESOURCE_KINDS if self._random() < 0.6]
            resources = self._tool_resources(kinds)
        metadata = ov.get("metadata", _MISSING)
        if metadata is _MISSING:
            metadata = self._metadata(self._pick((0, 0, 1, 2, 3, 5, METADATA_MAX_KEYS)))
        elif isinstance(metadata, int):
            metadata = self._metadata(metadata)
        data: Json = {
            "id": self._id(ID_PREFIXES["thread"]),
            "object": "thread",
            "created_at": EPOCH_BASE + self._below(EPOCH_SPAN),
            "tool_resources": resources,
            "metadata": metadata,
        }
        for key, value in ov.items():
            if key not in ("tool_resources", "metadata"):
                data[key] = value
        return data

    def _tool_resources(self, spec: Any, file_count: int | None = None) -> Json | None:
        if spec is None or isinstance(spec, dict):
            return spec
        kinds = [spec] if isinstance(spec, str) else list(spec)
        unknown = [k for k in kinds if k not in TOOL_RESOURCE_KINDS]
        if unknown:
            raise FactoryError(
                f"tool_resources: unknown kind(s) {unknown!r}; allowed: "
                f"{_allowed(TOOL_RESOURCE_KINDS)}, a list of them, a dict or None"
            )
        out: Json = {}
        if "code_interpreter" in kinds:
            count = file_count or self._pick((1, 2, 3, 5, MAX_CODE_INTERPRETER_FILES))
            out["code_interpreter"] = {
                "file_ids": [self._id(ID_PREFIXES["file"]) for _ in range(count)]
            }
        if "file_search" in kinds:
            out["file_search"] = {"vector_store_ids": [self._id(ID_PREFIXES["vector_store"])]}
        return out


# --------------------------------------------------------------------------- runs


class RunFactory(_Factory[Run]):
    """Seeded, consistent :class:`Run` objects (``RunFactory(seed=42).build(status="failed")``)."""

    def variants(self, **overrides: Any) -> Iterator[Run]:
        """Runs covering every status x response_format kind (36), in that order.

        Across them every tool_choice form, tool type, ``last_error`` code, incomplete reason
        and truncation strategy appears at least once, as do empty and 16-key metadata.
        Overrides apply to every run (e.g. ``thread=``); status and response_format cannot
        be overridden here (filter the result instead).
        """
        for name in ("status", "response_format"):
            if name in overrides:
                raise FactoryError(
                    f"{name}: variants() covers every {name}; filter its result instead of "
                    f"overriding {name}={overrides[name]!r}"
                )
        tool_sets: tuple[list[str], ...] = (
            [],
            ["code_interpreter"],
            ["file_search"],
            ["function"],
            ["code_interpreter", "file_search", "function", "function"],
        )
        for i, (status, fmt) in enumerate(product(RUN_STATUSES, RESPONSE_FORMAT_KINDS)):
            k = RESPONSE_FORMAT_KINDS.index(fmt)
            choice = TOOL_CHOICE_KINDS[i % len(TOOL_CHOICE_KINDS)]
            if status == "requires_action" and choice not in _REQUIRES_ACTION_CHOICES:
                choice = "function"
            tools = list(tool_sets[i % len(tool_sets)])
            needed = "function" if choice in ("function", "required") else choice
            if status == "requires_action":
                needed = "function"
            if needed in TOOL_KINDS and needed not in tools:
                tools.append(needed)
            spec: dict[str, Any] = {
                "status": status,
                "response_format": fmt,
                "tool_choice": choice,
                "tools": tools,
                "truncation_strategy": ("auto", "last_messages")[i % 2],
                "metadata": (0, 2, METADATA_MAX_KEYS)[i % 3],
                "parallel_tool_calls": k != 1,
            }
            if status == "failed":
                spec["last_error"] = LAST_ERROR_CODES[k % len(LAST_ERROR_CODES)]
            if status == "incomplete":
                spec["incomplete_details"] = INCOMPLETE_REASONS[k % len(INCOMPLETE_REASONS)]
            yield self.build(**{**spec, **overrides})

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Run, Json]:
        thread = None
        if overrides:
            self._check_fields("Run", _RUN_FIELDS, overrides)
            thread = overrides.get("thread")
            if thread is not None and not isinstance(thread, Thread):
                raise FactoryError(f"thread: {thread!r} must be a harness.Thread (or None)")
            overrides = {k: v if k == "thread" else _plain(v) for k, v in overrides.items()}
        data = self._run_dict(overrides, thread)
        run = _validated(Run, data, overrides)
        if overrides:
            problems = check_run(run, thread=thread)
            if problems:
                raise FactoryError("Run overrides break the API's rules: " + "; ".join(problems))
        return run, data

    # The hot path: plain dicts and the private Random only.
    def _run_dict(self, ov: Mapping[str, Any], thread: Thread | None) -> Json:
        pools = self._pools
        status = ov["status"] if "status" in ov else self._pick(RUN_STATUSES)
        if status not in RUN_STATUSES:
            raise FactoryError(
                f"status: {status!r} is not a run status; allowed: {_allowed(RUN_STATUSES)}"
            )
        if thread is not None:
            thread_id = thread.id
            created_at = ov.get("created_at", thread.created_at + self._below(3_600))
        else:
            thread_id = self._id(ID_PREFIXES["thread"])
            created_at = ov.get("created_at", EPOCH_BASE + self._below(EPOCH_SPAN))

        # tools and tool_choice: the choice decides which tools must exist
        choice_ov = ov.get("tool_choice", _MISSING)
        choice_kind: str | None = None
        if choice_ov is _MISSING and "tools" not in ov:
            choice_kind = self._pick(
                _REQUIRES_ACTION_CHOICES if status == "requires_action" else TOOL_CHOICE_KINDS
            )
        elif isinstance(choice_ov, str):
            if choice_ov not in TOOL_CHOICE_KINDS:
                raise FactoryError(
                    f"tool_choice: {choice_ov!r} is not a tool choice; allowed: "
                    f"{_allowed(TOOL_CHOICE_KINDS)}, a named-tool dict or None"
                )
            choice_kind = choice_ov
        forced_name: str | None = None
        if isinstance(choice_ov, dict):
            function = choice_ov.get("function")
            if choice_ov.get("type") == "function" and isinstance(function, dict):
                forced_name = function.get("name")
        if "tools" in ov:
            tools, functions = self._tools_from(ov["tools"], forced_name)
            if choice_ov is _MISSING:
                choice_kind = self._pick(_choices_for(status, tools, functions))
        else:
            wanted = []
            if choice_kind in ("code_interpreter", "file_search"):
                wanted.append(choice_kind)
            if status == "requires_action" or choice_kind in ("function", "required"):
                wanted.append("function")
            tools, functions = self._random_tools(wanted, forced_name)
        if choice_kind is None:
            tool_choice = choice_ov
        elif choice_kind == "function":
            if not functions:
                raise FactoryError(
                    "tool_choice: 'function' names a function tool, but tools has none; "
                    "add a function tool or choose another tool_choice"
                )
            tool_choice = {"type": "function", "function": {"name": self._pick(functions)[0]}}
            forced_name = tool_choice["function"]["name"]
        elif choice_kind in ("code_interpreter", "file_search"):
            tool_choice = {"type": choice_kind}
        else:
            tool_choice = choice_kind

        fmt = ov.get("response_format", _MISSING)
        if fmt is _MISSING:
            fmt = self._pick(RESPONSE_FORMAT_KINDS)
        if isinstance(fmt, str):
            fmt = self._response_format(fmt)
        parallel = ov.get("parallel_tool_calls")
        if parallel is None:
            parallel = self._random() < 0.7

        # token limits, consistent with the reason an incomplete run stopped
        reason: str | None = None
        details = ov.get("incomplete_details", _MISSING)
        if status == "incomplete":
            if details is _MISSING:
                # a limit overridden to null cannot be the one reached
                reachable = [r for r in INCOMPLETE_REASONS if ov.get(r, 0) is not None]
                reason = self._pick(reachable or INCOMPLETE_REASONS)
            elif isinstance(details, str):
                reason = details
            elif isinstance(details, dict):
                reason = details.get("reason")
        if reason is not None and reason not in INCOMPLETE_REASONS:
            raise FactoryError(
                f"incomplete_details: reason {reason!r} is not allowed; allowed: "
                f"{_allowed(INCOMPLETE_REASONS)}"
            )
        max_prompt = ov.get("max_prompt_tokens", _MISSING)
        if max_prompt is _MISSING:
            max_prompt = (
                self._between(256, 32_768)
                if reason == "max_prompt_tokens" or self._random() < 0.6
                else None
            )
        max_completion = ov.get("max_completion_tokens", _MISSING)
        if max_completion is _MISSING:
            max_completion = (
                self._between(256, 8_192)
                if reason == "max_completion_tokens" or self._random() < 0.6
                else None
            )

        truncation = ov.get("truncation_strategy", _MISSING)
        if truncation is _MISSING:
            truncation = "last_messages" if self._random() < 0.3 else "auto"
        if truncation == "auto":
            truncation = {"type": "auto", "last_messages": None}
        elif truncation == "last_messages":
            truncation = {"type": "last_messages", "last_messages": self._between(1, 50)}
        elif isinstance(truncation, str):
            raise FactoryError(
                f"truncation_strategy: {truncation!r} is not a strategy; allowed: auto, "
                "last_messages, a dict or None"
            )

        # timestamps
        started_at = ov.get("started_at", _MISSING)
        if started_at is _MISSING:
            started_at = None if status == "queued" else created_at + self._below(30)
        start = started_at if isinstance(started_at, int) else created_at
        stamps: dict[str, int | None] = {}
        own = TERMINAL_TIMESTAMPS.get(status)
        for field in ("cancelled_at", "failed_at", "completed_at"):
            stamps[field] = ov.get(field, start + self._between(1, 300) if field == own else None)
        expires_at = ov.get(
            "expires_at", created_at + RUN_LIFETIME if status in EXPIRABLE_STATUSES else None
        )

        usage = ov.get("usage", _MISSING)
        if usage is _MISSING:
            usage = None
            if status in TERMINAL_STATUSES:
                usage = self._usage(reason, max_prompt, max_completion)

        if status == "requires_action" and "required_action" not in ov:
            required_action: Json | None = self._required_action(functions, forced_name, parallel)
        else:
            required_action = ov.get("required_action")

        last_error = ov.get("last_error", _MISSING)
        if last_error is _MISSING:
            last_error = self._pick(LAST_ERROR_CODES) if status == "failed" else None
        if isinstance(last_error, str):
            if last_error not in LAST_ERROR_CODES:
                raise FactoryError(
                    f"last_error: code {last_error!r} is not allowed; allowed: "
                    f"{_allowed(LAST_ERROR_CODES)}, a dict or None"
                )
            last_error = {"code": last_error, "message": _ERROR_MESSAGES[last_error]}
        if details is _MISSING or isinstance(details, str):
            details = {"reason": reason} if reason is not None else None

        metadata = ov.get("metadata", _MISSING)
        if metadata is _MISSING:
            metadata = self._metadata(self._pick((0, 0, 1, 2, 3, 5, METADATA_MAX_KEYS)))
        elif isinstance(metadata, int):
            metadata = self._metadata(metadata)

        # Keys in Run's field order, so that this dict and ``Run.to_dict()`` serialise alike.
        data: Json = {
            "id": self._id(ID_PREFIXES["run"]),
            "object": "thread.run",
            "created_at": created_at,
            "thread_id": thread_id,
            "assistant_id": self._id(ID_PREFIXES["assistant"]),
            "status": status,
            "required_action": required_action,
            "last_error": last_error,
            "expires_at": expires_at,
            "started_at": started_at,
            "cancelled_at": stamps["cancelled_at"],
            "failed_at": stamps["failed_at"],
            "completed_at": stamps["completed_at"],
            "incomplete_details": details,
            "model": self._pick(_MODELS),
            "instructions": self._pick(pools.sentences),
            "tools": tools,
            "metadata": metadata,
            "usage": usage,
            "temperature": self._pick(_TEMPERATURES),
            "top_p": self._pick(_TOP_PS),
            "max_prompt_tokens": max_prompt,
            "max_completion_tokens": max_completion,
            "truncation_strategy": truncation,
            "tool_choice": tool_choice,
            "parallel_tool_calls": parallel,
            "response_format": fmt,
        }
        for key, value in ov.items():
            if key not in _RUN_EXPANDED:
                data[key] = value
        return data

    @staticmethod
    def _function_tool(spec: _Function) -> Json:
        name, description, params, strict = spec
        return {
            "type": "function",
            "function": {
                "name": name,
                "description": description,
                "parameters": {
                    "type": "object",
                    "properties": {w: {"type": t} for w, t in params},
                    "required": [params[0][0]],
                },
                "strict": strict,
            },
        }

    def _file_search_tool(self) -> Json:
        if self._random() < 0.5:
            return {"type": "file_search"}
        return {
            "type": "file_search",
            "file_search": {
                "max_num_results": self._between(1, 51),
                "ranking_options": {
                    "ranker": self._pick(_RANKERS),
                    "score_threshold": self._pick(_TOP_PS),
                },
            },
        }

    def _random_tools(
        self, wanted: list[str], forced_name: str | None
    ) -> tuple[list[Json], list[_Function]]:
        kinds = [
            k for k in ("code_interpreter", "file_search") if k in wanted or self._random() < 0.3
        ]
        count = self._pick((0, 0, 1, 1, 2, 3))
        if "function" in wanted or forced_name is not None:
            count = max(count, 1)
        return self._tools_from(kinds + ["function"] * count, forced_name)

    def _tools_from(
        self, spec: Any, forced_name: str | None = None
    ) -> tuple[list[Json], list[_Function]]:
        if not isinstance(spec, list):
            raise FactoryError(f"tools: {spec!r} must be a list of tools or tool kinds")
        pool = self._pools.functions
        tools: list[Json] = []
        functions: list[_Function] = []
        taken: set[str] = set()
        for item in spec:
            if item == "function":
                if forced_name and forced_name not in taken:
                    base = self._pick(pool)
                    function = (forced_name, base[1], base[2], base[3])
                else:
                    function = self._pick(pool)
                    while function[0] in taken:
                        function = self._pick(pool)
                taken.add(function[0])
                functions.append(function)
                tools.append(self._function_tool(function))
            elif item == "code_interpreter":
                tools.append({"type": "code_interpreter"})
            elif item == "file_search":
                tools.append(self._file_search_tool())
            elif isinstance(item, dict):
                tools.append(item)
                fn = item.get("function")
                if item.get("type") == "function" and isinstance(fn, dict):
                    name = str(fn.get("name"))
                    props = (fn.get("parameters") or {}).get("properties") or {}
                    functions.append((name, "", tuple((p, "string") for p in props), False))
                    taken.add(name)
            else:
                raise FactoryError(
                    f"tools: item {item!r} is not a tool; allowed: a tool dict or one of "
                    f"{_allowed(TOOL_KINDS)}"
                )
        return tools, functions

    def _response_format(self, kind: str) -> Json | str:
        if kind == "auto":
            return "auto"
        if kind in ("text", "json_object"):
            return {"type": kind}
        if kind != "json_schema":
            raise FactoryError(
                f"response_format: {kind!r} is not a response format kind; allowed: "
                f"{_allowed(RESPONSE_FORMAT_KINDS)}, a dict or None"
            )
        name, description, params = self._pick(self._pools.schemas)
        return {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "description": description,
                "schema": {
                    "type": "object",
                    "properties": {w: {"type": t} for w, t in params},
                    "required": [w for w, _ in params],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }

    def _usage(self, reason: str | None, max_prompt: Any, max_completion: Any) -> Json:
        if reason == "max_prompt_tokens" and isinstance(max_prompt, int):
            prompt = max_prompt
        else:
            prompt = self._between(1, max_prompt if isinstance(max_prompt, int) else 8_000)
        if reason == "max_completion_tokens" and isinstance(max_completion, int):
            completion = max_completion
        else:
            completion = self._between(
                0, max_completion if isinstance(max_completion, int) else 4_000
            )
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _required_action(
        self,
        functions: list[_Function],
        forced_name: str | None,
        parallel: bool,
    ) -> Json:
        if not functions:
            raise FactoryError(
                "status: 'requires_action' needs a function tool to call, but tools has none"
            )
        if forced_name is not None:
            functions = [f for f in functions if f[0] == forced_name] or functions
        count = self._between(1, 4) if parallel else 1
        calls = []
        for _ in range(count):
            name, _, params, _ = self._pick(functions)
            args = {p: self._argument(t) for p, t in params}
            calls.append(
                {
                    "id": self._id(ID_PREFIXES["tool_call"]),
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(args)},
                }
            )
        return {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}

    def _argument(self, json_type: str) -> Any:
        if json_type == "integer":
            return self._below(1000)
        if json_type == "number":
            return self._below(10_000) / 100
        if json_type == "boolean":
            return self._random() < 0.5
        return self._pick(self._pools.words)


# --------------------------------------------------------------------------- helpers


def _choices_for(status: str, tools: list[Json], functions: list[_Function]) -> list[str]:
    """The tool_choice kinds consistent with these tools (and with requires_action)."""
    kinds = {tool.get("type") for tool in tools}
    allowed = ["auto"]
    if status != "requires_action":
        allowed.append("none")
        allowed += [k for k in ("code_interpreter", "file_search") if k in kinds]
    if tools and (functions or status != "requires_action"):
        allowed.append("required")
    if functions:
        allowed.append("function")
    return allowed


def run_variants(seed: int = 0) -> list[Run]:
    """``RunFactory(seed).variants()`` as a list, for ``pytest.mark.parametrize``."""
    return list(RunFactory(seed).variants())


def thread_variants(seed: int = 0) -> list[Thread]:
    """``ThreadFactory(seed).variants()`` as a list, for ``pytest.mark.parametrize``."""
    return list(ThreadFactory(seed).variants())


def variant_id(obj: Run | Thread) -> str:
    """A readable test id: ``completed-json_schema`` for a run, ``code_interpreter-meta16``
    for a thread (unique within one ``variants()`` sequence)."""
    if isinstance(obj, Run):
        fmt = obj.response_format
        kind = fmt if isinstance(fmt, str) or fmt is None else fmt.type
        return f"{obj.status}-{kind}"
    if obj.tool_resources is None:
        resources = "no_resources"
    else:
        kinds = [k for k in TOOL_RESOURCE_KINDS if getattr(obj.tool_resources, k) is not None]
        resources = "+".join(kinds) or "empty_resources"
    return f"{resources}-meta{len(obj.metadata or {})}"


def to_sdk(obj: Run | Thread) -> Any:
    """The official SDK's type for ``obj`` (``openai.types.beta.threads.Run`` or
    ``openai.types.beta.Thread``); needs the ``openai`` package."""
    try:
        if isinstance(obj, Run):
            from openai.types.beta.threads import Run as SdkRun

            return SdkRun.model_validate(obj.to_dict())
        from openai.types.beta import Thread as SdkThread

        return SdkThread.model_validate(obj.to_dict())
    except ImportError as exc:
        raise ImportError(
            "to_sdk needs the official SDK: pip install openai (it is not a runtime dependency)"
        ) from exc
