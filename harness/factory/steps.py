"""``RunStepFactory``: seeded run steps consistent with their run."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from harness.api.constants import EPOCH_BASE, EPOCH_SPAN
from harness.api.steps import STEP_STATUSES, STEP_TIMESTAMPS, STEP_TYPES, TOOL_CALL_KINDS, RunStep
from harness.factory.base import (
    FactoryError,
    Json,
    _allowed,
    _Factory,
    _plain,
    _validated,
)

_FIELDS = frozenset(RunStep.model_fields) | {"run", "tool_calls", "message_id"}
_EXPANDED = frozenset({"run", "tool_calls", "message_id", "type", "status"})
_STEP_ERRORS = {
    "server_error": "Sorry, something went wrong.",
    "rate_limit_exceeded": "Rate limit reached for requests. Please try again later.",
}


def _as_dict(value: Any) -> Json | None:
    if value is None or isinstance(value, dict):
        return value
    plain: Json = value.to_dict()
    return plain


class RunStepFactory(_Factory[RunStep]):
    """Seeded :class:`~harness.api.steps.RunStep` objects.

    Shorthands: ``run=<Run or dict>`` (ids and times from that run), ``type=``
    ``message_creation | tool_calls``, ``tool_calls=["function", "code_interpreter",
    "file_search"]`` (calls of those kinds, outputs filled once the step is completed),
    ``message_id=`` (the message a message_creation step made). The status sets exactly its
    timestamp, ``last_error`` for failed, ``usage`` once the step is no longer in progress.
    """

    def variants(self, **overrides: Any) -> Iterator[RunStep]:
        """Every type x status (10), tool_calls steps with every tool call kind."""
        for kind, status in product(STEP_TYPES, STEP_STATUSES):
            spec: Json = {"type": kind, "status": status}
            if kind == "tool_calls":
                spec["tool_calls"] = list(TOOL_CALL_KINDS)
            yield self.build(**{**spec, **overrides})

    def _build(self, overrides: Mapping[str, Any]) -> tuple[RunStep, Json]:
        if overrides:
            self._check_fields("RunStep", _FIELDS, overrides)
        ov = {k: _plain(v) for k, v in overrides.items()}
        run = _as_dict(ov.get("run"))
        kind = ov.get("type", "tool_calls" if "tool_calls" in ov else self._pick(STEP_TYPES))
        status = ov.get("status", "completed")
        for name, value, allowed in (
            ("type", kind, STEP_TYPES),
            ("status", status, STEP_STATUSES),
        ):
            if value not in allowed:
                raise FactoryError(
                    f"{name}: {value!r} is not allowed; allowed: {_allowed(allowed)}"
                )
        if run is not None:
            ids = (run["thread_id"], run["id"], run["assistant_id"])
            created_at = int(run.get("started_at") or run["created_at"])
        else:
            ids = (self._id("thread_"), self._id("run_"), self._id("asst_"))
            created_at = EPOCH_BASE + self._below(EPOCH_SPAN)
        created_at = ov.get("created_at", created_at)
        done = status != "in_progress"
        if kind == "message_creation":
            details: Json = {
                "type": "message_creation",
                "message_creation": {"message_id": ov.get("message_id") or self._id("msg_")},
            }
        else:
            kinds = ov.get("tool_calls", ["function"])
            details = {
                "type": "tool_calls",
                "tool_calls": [self._tool_call(k, done) for k in kinds]
                if all(isinstance(k, str) for k in kinds)
                else kinds,
            }
        end = created_at + self._between(1, 30)
        stamps = {field: None for field in STEP_TIMESTAMPS.values()}
        if status in STEP_TIMESTAMPS:
            stamps[STEP_TIMESTAMPS[status]] = end
        prompt, completion = self._between(20, 2_000), self._between(1, 500)
        code = self._pick(tuple(_STEP_ERRORS))
        data: Json = {
            "id": self._id("step_"),
            "object": "thread.run.step",
            "created_at": created_at,
            "assistant_id": ids[2],
            "thread_id": ids[0],
            "run_id": ids[1],
            "type": kind,
            "status": status,
            "step_details": details,
            "last_error": {"code": code, "message": _STEP_ERRORS[code]}
            if status == "failed"
            else None,
            **stamps,
            "metadata": {},
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            if done
            else None,
        }
        for key, value in ov.items():
            if key not in _EXPANDED:
                data[key] = value
        return _validated(RunStep, data, overrides), data

    def _tool_call(self, kind: str, done: bool) -> Json:
        call_id = self._id("call_")
        words = self._pools.words
        if kind == "function":
            name = self._pick(self._pools.functions)[0]
            arguments = json.dumps({self._pick(words): self._pick(words)})
            return {
                "id": call_id,
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": arguments,
                    "output": json.dumps({"result": self._pick(words)}) if done else None,
                },
            }
        if kind == "code_interpreter":
            outputs: list[Json] = []
            if done:
                outputs = [{"type": "logs", "logs": str(self._below(1000))}]
                if self._random() < 0.5:
                    outputs.append({"type": "image", "image": {"file_id": self._id("file-")}})
            return {
                "id": call_id,
                "type": "code_interpreter",
                "code_interpreter": {"input": f"print({self._below(1000)})", "outputs": outputs},
            }
        if kind == "file_search":
            results = [
                {
                    "file_id": self._id("file-"),
                    "file_name": f"{self._pick(words)}.pdf",
                    "score": self._below(100) / 100,
                }
                for _ in range(self._between(1, 3) if done else 0)
            ]
            return {
                "id": call_id,
                "type": "file_search",
                "file_search": {
                    "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
                    "results": results,
                },
            }
        raise FactoryError(
            f"tool_calls: {kind!r} is not a tool call kind; allowed: {_allowed(TOOL_CALL_KINDS)}"
        )
