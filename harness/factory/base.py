"""The factories' shared base: seeding, word pools, overrides, the public build methods.

Every object obeys :mod:`harness.api.rules` and validates as its model. Output depends only on
the seed: each factory owns a private ``random.Random(seed)`` and a private, seeded ``Faker``
used once, at construction, to fill pools of words and sentences (calling Faker providers per
object would be the bottleneck). ``created_at`` is a fixed epoch plus a seeded offset, never the
wall clock.
"""

from __future__ import annotations

import gc
import json
import random
from binascii import b2a_base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from harness.api.constants import METADATA_MAX_KEYS
from harness.api.models import ResponseModel, Run, Thread, share_fields_sets
from harness.factory.sdk import to_sdk

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

Model = TypeVar("Model", bound=ResponseModel)
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
        self._getrandbits = self._rng.getrandbits

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
        """``n`` objects with the same overrides (checked once, not per object)."""
        make = self._maker(overrides)
        with _gc_paused():
            return [make() for _ in range(n)]

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Model, Json]:
        raise NotImplementedError

    def _maker(self, overrides: Mapping[str, Any]) -> Callable[[], Model]:
        """Builds one object per call with ``overrides`` (a factory may check them once here)."""
        return lambda: self._build(overrides)[0]

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
        """``prefix`` + 24 random letters and digits, like the API's ids.

        The bytes are ``Random.randbytes(18)``'s (documented as ``getrandbits(n * 8)`` to
        little-endian bytes) and the text ``b64encode``'s, minus two Python-level calls each.
        """
        raw = self._getrandbits(144).to_bytes(18, "little")
        return prefix + b2a_base64(raw, newline=False).translate(_B64_TO_ALNUM).decode()

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
    try:  # model_validate without its wrapper's argument handling (a tenth of a build)
        built = cast(Model, model.__pydantic_validator__.validate_python(data))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        raise FactoryError(
            f"{model.__name__} override rejected at {where}: {err['msg']} "
            f"(got {_short(err.get('input'))}; overrides: {', '.join(sorted(overrides))})"
        ) from None
    share_fields_sets(built)
    return built
