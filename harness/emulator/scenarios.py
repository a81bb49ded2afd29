"""Scenarios: what a run created on the emulator does, chosen by rules a test writes.

A scenario matches runs (``match``: ``assistant_id``, a ``metadata`` subset, a substring of
``instructions``; an empty match takes every run) and says what they do: ``path`` (the statuses
after ``queued``), the assistant's ``reply``, the ``tool_calls`` of ``requires_action``, the
``last_error`` of ``failed``, the ``incomplete_reason`` of ``incomplete``. The first matching
scenario wins; scenarios added at run time come before the ones a ``--scenario`` file loads.
The same JSON shape works everywhere: ``Store.add_scenario`` / ``Emulator.scenario(...)`` from
Python, ``harness emulate --scenario FILE`` (JSON or YAML), ``POST /v1/_harness/scenarios``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.api.constants import LastErrorCode

JSON = dict[str, Any]

PathStatus = Literal[
    "in_progress", "requires_action", "completed", "failed", "incomplete", "expired"
]
OUTCOMES: frozenset[str] = frozenset({"completed", "failed", "incomplete", "expired"})


class ScenarioError(ValueError):
    """A scenario that cannot be followed: the message names the field and what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Match(_Strict):
    """Which runs a scenario takes (every given condition must hold)."""

    assistant_id: str | None = None
    metadata: dict[str, str] | None = None
    instructions: str | None = None
    """A substring of the run's instructions."""

    def takes(self, run: JSON) -> bool:
        if self.assistant_id is not None and run.get("assistant_id") != self.assistant_id:
            return False
        metadata = run.get("metadata") or {}
        if self.metadata and any(metadata.get(k) != v for k, v in self.metadata.items()):
            return False
        return self.instructions is None or self.instructions in (run.get("instructions") or "")


class ToolCall(_Strict):
    """A function call the run asks for: ``arguments`` as an object or as JSON text."""

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


class ScenarioLastError(_Strict):
    code: LastErrorCode
    message: str | None = None


class Scenario(_Strict):
    """One rule: which runs (``match``) and what they do."""

    match: Match = Field(default_factory=Match)
    path: list[PathStatus] | None = None
    reply: str | None = None
    tool_calls: list[ToolCall] | None = None
    last_error: ScenarioLastError | None = None
    incomplete_reason: Literal["max_completion_tokens", "max_prompt_tokens"] | None = None

    @model_validator(mode="after")
    def _path_is_walkable(self) -> Scenario:
        path = self.path
        if path is None:
            return self
        if not path or path[0] != "in_progress":
            raise ValueError("path must start with 'in_progress' (the status after 'queued')")
        if path[-1] not in OUTCOMES:
            raise ValueError(f"path must end in an outcome: one of {', '.join(sorted(OUTCOMES))}")
        for index, status in enumerate(path[:-1]):
            if status in OUTCOMES:
                raise ValueError(f"path[{index}]: {status!r} ends the run; it can only be last")
            if status == "requires_action" and path[index + 1] != "in_progress":
                raise ValueError(
                    f"path[{index + 1}]: after 'requires_action' (and the tool outputs) a run "
                    "is 'in_progress' again"
                )
        return self


def parse_scenarios(data: object, *, where: str) -> list[Scenario]:
    """Scenarios from ``{"scenarios": [...]}``, a list, or one scenario object."""
    if isinstance(data, dict) and "scenarios" in data and set(data) == {"scenarios"}:
        data = data["scenarios"]
    items = data if isinstance(data, list) else [data]
    scenarios: list[Scenario] = []
    for index, item in enumerate(items):
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in err["loc"]) or "<scenario>"
            raise ScenarioError(
                f"{where}: scenario {index}, {field}: {err['msg']} (see README, Scenarios)"
            ) from None
    return scenarios


def load_scenarios(path: Path) -> list[Scenario]:
    """Scenarios from a JSON or YAML file (``.yaml``/``.yml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    import yaml

    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: not valid {path.suffix[1:] or 'JSON'}: {exc}") from None
    return parse_scenarios(data, where=str(path))


__all__ = [
    "Match",
    "Scenario",
    "ScenarioError",
    "ToolCall",
    "load_scenarios",
    "parse_scenarios",
]
