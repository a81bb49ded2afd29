"""JSON-schema validators for the official spec's schemas (the copy in ``tests/data``).

The spec is OpenAPI 3.1 but still carries 3.0-style ``nullable: true`` in places (RunObject's
nullable timestamps and objects, and ``allOf: [{$ref}, {nullable: true}]``). A 3.1 validator
ignores that keyword, which would reject the ``null`` values the API really returns, so it is
translated into ``anyOf [..., null]`` here.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "data" / "openai-assistants-subset.yaml"
FULL_SPEC_PATH = Path(__file__).parent / "data" / "openai-assistants.yaml"
"""Every operation and stream event (``AssistantStreamEvent`` and the objects it carries)."""


def _translate_nullable(node: Any) -> Any:
    if isinstance(node, dict):
        parts = node.get("allOf")
        if isinstance(parts, list) and {"nullable": True} in parts:
            # ``allOf: [{$ref: X}, {nullable: true}]`` means "X or null".
            rest = [part for part in parts if part != {"nullable": True}]
            node = {**node, "allOf": rest, "nullable": True}
        node = {key: _translate_nullable(value) for key, value in node.items()}
        if node.pop("nullable", False) is True:
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_translate_nullable(item) for item in node]
    return node


@cache
def _spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return _translate_nullable(copy.deepcopy(raw))  # type: ignore[no-any-return]


def spec_validator(name: str, *, full: bool = False) -> Draft202012Validator:
    """A validator for ``#/components/schemas/<name>`` with every ``$ref`` resolvable
    (``full``: from the full official spec, every Assistants schema)."""
    spec = _spec(FULL_SPEC_PATH if full else SPEC_PATH)
    registry: Registry = Registry().with_resource(
        "spec.json", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"spec.json#/components/schemas/{name}"}, registry=registry
    )


def spec_errors(name: str, instance: object, *, full: bool = False) -> list[str]:
    """Every way ``instance`` fails schema ``name``, as ``path: message`` lines."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in _cached_validator(name, full).iter_errors(instance)
    ]


@cache
def _cached_validator(name: str, full: bool) -> Draft202012Validator:
    return spec_validator(name, full=full)


def stream_event_errors(event: str | None, data: str) -> list[str]:
    """How one server-sent event fails the full spec's ``AssistantStreamEvent``."""
    try:
        value: object = json.loads(data)
    except ValueError:
        value = data
    return spec_errors("AssistantStreamEvent", {"event": event, "data": value}, full=True)
