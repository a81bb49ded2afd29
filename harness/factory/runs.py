"""``RunFactory``: seeded, consistent Run objects in any status."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from itertools import product
from typing import Any, cast

from harness.api.constants import (
    EPOCH_BASE,
    EPOCH_SPAN,
    EXPIRABLE_STATUSES,
    ID_PREFIXES,
    INCOMPLETE_REASONS,
    LAST_ERROR_CODES,
    METADATA_MAX_KEYS,
    RESPONSE_FORMAT_KINDS,
    RUN_LIFETIME,
    RUN_STATUSES,
    TERMINAL_STATUSES,
    TERMINAL_TIMESTAMPS,
)
from harness.api.models import Run, Thread, share_fields_sets
from harness.api.rules import check_run
from harness.factory.base import (
    _ERROR_MESSAGES,
    _MISSING,
    _MODELS,
    _RANKERS,
    _REQUIRES_ACTION_CHOICES,
    _RUN_EXPANDED,
    _RUN_FIELDS,
    _TEMPERATURES,
    _TOP_PS,
    TOOL_CHOICE_KINDS,
    TOOL_KINDS,
    FactoryError,
    Json,
    _allowed,
    _Factory,
    _Function,
    _plain,
    _validated,
)

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
        return self._made(*self._prepared(overrides))

    def _maker(self, overrides: Mapping[str, Any]) -> Callable[[], Run]:
        prepared = self._prepared(overrides)
        if prepared[0]:
            return lambda: self._made(*prepared)[0]
        # No overrides: nothing to check per run, so the loop calls the generator and the
        # validator directly (three Python-level calls fewer per run, 4% of a batch).
        run_dict, validate = self._run_dict, Run.__pydantic_validator__.validate_python
        empty: Json = {}

        def make() -> Run:
            run = cast(Run, validate(run_dict(empty, None)))
            share_fields_sets(run)
            return run

        return make

    def _prepared(self, overrides: Mapping[str, Any]) -> tuple[Mapping[str, Any], Thread | None]:
        """The overrides checked and made plain, and the thread they name."""
        if not overrides:
            return overrides, None
        self._check_fields("Run", _RUN_FIELDS, overrides)
        thread = overrides.get("thread")
        if thread is not None and not isinstance(thread, Thread):
            raise FactoryError(f"thread: {thread!r} must be a harness.Thread (or None)")
        return {k: v if k == "thread" else _plain(v) for k, v in overrides.items()}, thread

    def _made(self, overrides: Mapping[str, Any], thread: Thread | None) -> tuple[Run, Json]:
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
