"""``AssistantFactory``: seeded, consistent Assistant objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from harness.api.assistants import Assistant
from harness.api.constants import EPOCH_BASE, EPOCH_SPAN, METADATA_MAX_KEYS, RESPONSE_FORMAT_KINDS
from harness.factory.base import (
    _MISSING,
    _MODELS,
    _TEMPERATURES,
    _TOP_PS,
    FactoryError,
    Json,
    _Factory,
    _plain,
    _validated,
)
from harness.factory.runs import RunFactory
from harness.factory.threads import ThreadFactory

_FIELDS = frozenset(Assistant.model_fields)
_TOOL_SETS: tuple[list[str], ...] = (
    [],
    ["code_interpreter"],
    ["file_search"],
    ["function"],
    ["code_interpreter", "file_search", "function", "function"],
)


class AssistantFactory(_Factory[Assistant]):
    """Seeded :class:`~harness.api.assistants.Assistant` objects
    (``AssistantFactory(seed=42).build(tools=["function"])``).

    Shorthands as for runs: ``tools=[kinds]``, ``response_format=<kind>``, ``metadata=<n>``,
    ``tool_resources=<kinds>``.
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self._runs = RunFactory(seed)
        self._threads = ThreadFactory(seed)

    def variants(self, **overrides: Any) -> Iterator[Assistant]:
        """Every tool set x response_format kind (20): names, instructions and metadata vary."""
        for i, (tools, fmt) in enumerate(product(_TOOL_SETS, RESPONSE_FORMAT_KINDS)):
            spec = {
                "tools": list(tools),
                "response_format": fmt,
                "metadata": (0, 2, METADATA_MAX_KEYS)[i % 3],
                "name": None if i % 4 == 3 else _MISSING,
            }
            yield self.build(**{k: v for k, v in spec.items() if v is not _MISSING}, **overrides)

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Assistant, Json]:
        if overrides:
            self._check_fields("Assistant", _FIELDS, overrides)
        ov = {k: _plain(v) for k, v in overrides.items()}
        tools = ov.get("tools", _MISSING)
        if tools is _MISSING:
            tools = self._pick(_TOOL_SETS)
        tool_list, _ = self._runs._tools_from(list(tools))
        fmt = ov.get("response_format", _MISSING)
        if fmt is _MISSING:
            fmt = self._pick(RESPONSE_FORMAT_KINDS)
        if isinstance(fmt, str):
            fmt = self._runs._response_format(fmt)
        metadata = ov.get("metadata", _MISSING)
        if metadata is _MISSING:
            metadata = self._metadata(self._pick((0, 0, 1, 2, METADATA_MAX_KEYS)))
        elif isinstance(metadata, int):
            metadata = self._metadata(metadata)
        resources = ov.get("tool_resources", _MISSING)
        if resources is _MISSING:
            kinds = [t["type"] for t in tool_list if t["type"] != "function"]
            resources = self._threads._tool_resources(kinds) if kinds else None
        elif not isinstance(resources, dict) and resources is not None:
            resources = self._threads._tool_resources(resources)
        words = self._pools.words
        data: Json = {
            "id": self._id("asst_"),
            "object": "assistant",
            "created_at": EPOCH_BASE + self._below(EPOCH_SPAN),
            "name": f"{self._pick(words).title()} {self._pick(words)} assistant",
            "description": self._pick(self._pools.sentences) if self._random() < 0.7 else None,
            "model": self._pick(_MODELS),
            "instructions": self._pick(self._pools.sentences),
            "tools": tool_list,
            "tool_resources": resources,
            "metadata": metadata,
            "temperature": self._pick(_TEMPERATURES),
            "top_p": self._pick(_TOP_PS),
            "response_format": fmt,
        }
        for key, value in ov.items():
            if key not in ("tools", "response_format", "metadata", "tool_resources"):
                data[key] = value
        if len(data["tools"]) > 128:
            raise FactoryError(f"tools: {len(data['tools'])} tools; an assistant takes at most 128")
        return _validated(Assistant, data, overrides), data
