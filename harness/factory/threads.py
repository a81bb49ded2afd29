"""``ThreadFactory``: seeded, consistent Thread objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from harness.api.constants import (
    EPOCH_BASE,
    EPOCH_SPAN,
    ID_PREFIXES,
    MAX_CODE_INTERPRETER_FILES,
    METADATA_MAX_KEYS,
)
from harness.api.models import Thread
from harness.api.rules import check_thread
from harness.factory.base import (
    _MISSING,
    _THREAD_FIELDS,
    TOOL_RESOURCE_KINDS,
    FactoryError,
    Json,
    _allowed,
    _Factory,
    _plain,
    _validated,
)


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
