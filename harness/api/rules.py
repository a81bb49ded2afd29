"""The consistency rules of Run and Thread objects, written down once, as a checker.

The spec's JSON schema says which *shapes* are valid; it cannot say that a queued run has no
``completed_at`` or that ``total_tokens`` is the sum of the other two. These rules can. The
factory's output passes them, the emulator checks what it serves against them, and anyone can
run them over recorded data (``check_run(run)`` returns readable violations, empty when fine).

Decisions where the API documentation is silent (the same ones the factory makes):

* ``started_at`` is null exactly for a ``queued`` run (a run that ends before it starts is not
  modelled), and ``created_at <= started_at``.
* Exactly the terminal timestamp of the status is set: ``cancelled_at`` for cancelled,
  ``failed_at`` for failed, ``completed_at`` for completed; ``incomplete`` and ``expired`` runs
  carry none of the three. Each is ``>= started_at``.
* ``expires_at`` is set while the run can still expire (queued, in_progress, requires_action,
  cancelling), ``>= started_at`` (or ``created_at``), and null once terminal, expired included.
* ``usage`` is set exactly for terminal runs, with ``total_tokens = prompt + completion``.
* Token limits: a token count *reaches* its limit when it equals it. A run that reached a
  limit is ``incomplete`` with that limit as its ``incomplete_details.reason``; so usage never
  exceeds a limit, equals the reason's limit in an incomplete run, and stays below every other
  limit (an incomplete run names exactly one reason).
* ``required_action`` is set exactly for requires_action: at least one call, ids ``call_...``
  and unique, each naming a function tool of the run with JSON-object arguments; one call only
  when ``parallel_tool_calls`` is false; only the named function when ``tool_choice`` names one;
  never when ``tool_choice`` is ``none`` or names a built-in tool.
* ``last_error`` is set exactly for failed runs, ``incomplete_details`` (with a reason)
  exactly for incomplete ones.

Limits the models already validate (metadata sizes, tool counts, name patterns, numeric ranges)
are not repeated here: a mapping that breaks one comes back as a validation violation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from harness.api.constants import (
    EXPIRABLE_STATUSES,
    ID_PREFIXES,
    INCOMPLETE_REASONS,
    MIN_TOKEN_LIMIT,
    TERMINAL_STATUSES,
    TERMINAL_TIMESTAMPS,
)
from harness.api.models import (
    FunctionTool,
    NamedToolChoice,
    Run,
    Thread,
    ToolResources,
)

__all__ = [
    "InconsistentObjectError",
    "assert_consistent",
    "check_run",
    "check_thread",
]

M = TypeVar("M", Run, Thread)
_LIMIT_OF_REASON = {
    "max_prompt_tokens": "prompt_tokens",
    "max_completion_tokens": "completion_tokens",
}


class InconsistentObjectError(AssertionError):
    """Raised by :func:`assert_consistent`; the message lists every violation."""


def check_run(run: Run | Mapping[str, Any], *, thread: Thread | None = None) -> list[str]:
    """Every rule ``run`` breaks, one readable sentence each (empty when consistent).

    A mapping is validated into :class:`Run` first; validation errors come back as violations.
    With ``thread``, the run must also belong to it (id, and created no earlier than it).
    """
    parsed = _parse(Run, run)
    if isinstance(parsed, list):
        return parsed
    r = parsed
    out: list[str] = []
    _check_ids(r, out)
    _check_timestamps(r, out)
    _check_usage(r, out)
    _check_outcome(r, out)
    _check_tools(r, out)
    _check_required_action(r, out)
    _check_limits(r, out)
    if r.tool_resources is not None:
        _check_tool_resources(r.tool_resources, out)
    if thread is not None:
        if r.thread_id != thread.id:
            out.append(f"thread_id: {r.thread_id!r} is not the id of its thread {thread.id!r}")
        if r.created_at < thread.created_at:
            out.append(
                f"created_at: {r.created_at} is before its thread's created_at "
                f"{thread.created_at}; a run is created on an existing thread"
            )
    return out


def check_thread(thread: Thread | Mapping[str, Any]) -> list[str]:
    """Every rule ``thread`` breaks, one readable sentence each (empty when consistent)."""
    parsed = _parse(Thread, thread)
    if isinstance(parsed, list):
        return parsed
    out: list[str] = []
    _prefixed("id", parsed.id, ID_PREFIXES["thread"], out)
    if parsed.created_at < 0:
        out.append(f"created_at: {parsed.created_at} must be a Unix timestamp >= 0")
    if parsed.tool_resources is not None:
        _check_tool_resources(parsed.tool_resources, out)
    return out


def assert_consistent(obj: Run | Thread, *, thread: Thread | None = None) -> None:
    """Raise :class:`InconsistentObjectError` listing every violation of ``obj``, if any."""
    problems = check_thread(obj) if isinstance(obj, Thread) else check_run(obj, thread=thread)
    if problems:
        kind = type(obj).__name__
        ident = getattr(obj, "id", "?")
        raise InconsistentObjectError(
            f"{kind} {ident} breaks {len(problems)} rule(s): " + "; ".join(problems)
        )


# --------------------------------------------------------------------------- helpers


def _parse(model: type[M], obj: M | Mapping[str, Any]) -> M | list[str]:
    if isinstance(obj, model):
        return obj
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']} "
            f"(got {_short(e.get('input'))})"
            for e in exc.errors(include_url=False)
        ]


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _prefixed(field: str, value: str, prefix: str, out: list[str]) -> None:
    if not value.startswith(prefix) or len(value) == len(prefix):
        out.append(f"{field}: {value!r} must be an id that begins with {prefix!r}")


def _check_ids(r: Run, out: list[str]) -> None:
    _prefixed("id", r.id, ID_PREFIXES["run"], out)
    _prefixed("thread_id", r.thread_id, ID_PREFIXES["thread"], out)
    _prefixed("assistant_id", r.assistant_id, ID_PREFIXES["assistant"], out)


def _check_timestamps(r: Run, out: list[str]) -> None:
    status = r.status
    if r.created_at < 0:
        out.append(f"created_at: {r.created_at} must be a Unix timestamp >= 0")
    # A queued run has started_at null until it starts, or set when submitted tool outputs
    # queue a started run again (the API's own example of that answer).
    if r.started_at is None:
        if status != "queued":
            out.append(f"started_at: must be set once a run started (status {status!r})")
    elif r.started_at < r.created_at:
        out.append(f"started_at: {r.started_at} is before created_at {r.created_at}")
    start = r.started_at if r.started_at is not None else r.created_at
    for owner, field in TERMINAL_TIMESTAMPS.items():
        value = getattr(r, field)
        if status == owner:
            if value is None:
                out.append(f"{field}: must be set for a {status} run")
            elif value < start:
                out.append(f"{field}: {value} is before started_at/created_at {start}")
        elif value is not None:
            out.append(
                f"{field}: {value} is set but status is {status!r}; "
                f"only a {owner} run carries {field}"
            )
    if status in EXPIRABLE_STATUSES:
        if r.expires_at is None:
            out.append(f"expires_at: must be set for a {status} run (it can still expire)")
        elif r.expires_at < start:
            out.append(f"expires_at: {r.expires_at} is before started_at/created_at {start}")
    elif r.expires_at is not None:
        out.append(
            f"expires_at: {r.expires_at} is set but status is {status!r}; expires_at is null "
            f"once a run is terminal (set only for {', '.join(sorted(EXPIRABLE_STATUSES))})"
        )


def _check_usage(r: Run, out: list[str]) -> None:
    terminal = r.status in TERMINAL_STATUSES
    u = r.usage
    if u is None:
        if terminal:
            out.append(f"usage: must be set for a {r.status} run (terminal)")
        return
    if not terminal:
        out.append(f"usage: is set but status is {r.status!r}; usage is null until terminal")
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        if getattr(u, name) < 0:
            out.append(f"usage.{name}: {getattr(u, name)} must be >= 0")
    if u.total_tokens != u.prompt_tokens + u.completion_tokens:
        out.append(
            f"usage.total_tokens: {u.total_tokens} must equal prompt_tokens + completion_tokens "
            f"({u.prompt_tokens} + {u.completion_tokens})"
        )
    reason = r.incomplete_details.reason if r.incomplete_details is not None else None
    for limit_name, count_name in _LIMIT_OF_REASON.items():
        limit = getattr(r, limit_name)
        if limit is None:
            continue
        count = getattr(u, count_name)
        if r.status == "incomplete" and reason == limit_name:
            if count != limit:
                out.append(
                    f"usage.{count_name}: {count} must equal {limit_name} {limit} in a run "
                    f"incomplete because of {limit_name}"
                )
        elif count >= limit:
            out.append(
                f"usage.{count_name}: {count} must be below {limit_name} {limit} (reaching the "
                f"limit makes the run incomplete with reason {limit_name})"
            )


def _check_outcome(r: Run, out: list[str]) -> None:
    if r.status == "failed":
        if r.last_error is None:
            out.append("last_error: must be set for a failed run")
        elif not r.last_error.message:
            out.append("last_error.message: must not be empty")
    elif r.last_error is not None:
        out.append(f"last_error: is set but status is {r.status!r}; only a failed run has one")
    details = r.incomplete_details
    if r.status == "incomplete":
        if details is None or details.reason is None:
            out.append(
                "incomplete_details.reason: must be set for an incomplete run; "
                f"allowed: {', '.join(INCOMPLETE_REASONS)}"
            )
        elif getattr(r, details.reason) is None:
            out.append(
                f"incomplete_details.reason: {details.reason!r} but {details.reason} is null; "
                "a run can only reach a limit that is set"
            )
    elif details is not None:
        out.append(
            f"incomplete_details: is set but status is {r.status!r}; only an incomplete run has one"
        )


def _function_names(r: Run) -> list[str]:
    return [t.function.name for t in r.tools if isinstance(t, FunctionTool)]


def _check_tools(r: Run, out: list[str]) -> None:
    names = _function_names(r)
    if len(set(names)) != len(names):
        out.append(f"tools: function names must be unique (got {names})")
    choice = r.tool_choice
    if choice == "required" and not r.tools:
        out.append("tool_choice: 'required' needs at least one tool in tools (tools is empty)")
    elif isinstance(choice, NamedToolChoice):
        if choice.type == "function":
            forced = choice.function.name if choice.function is not None else None
            if forced not in names:
                out.append(
                    f"tool_choice: names function {forced!r}, which is not a function in tools "
                    f"(functions: {names})"
                )
        elif not any(t.type == choice.type for t in r.tools):
            out.append(f"tool_choice: names {choice.type!r}, but tools has no {choice.type} tool")


def _check_required_action(r: Run, out: list[str]) -> None:
    ra = r.required_action
    if r.status != "requires_action":
        if ra is not None:
            out.append(
                f"required_action: is set but status is {r.status!r}; only a requires_action "
                "run has one"
            )
        return
    if ra is None:
        out.append("required_action: must be set for a requires_action run")
        return
    choice = r.tool_choice
    if choice == "none" or (isinstance(choice, NamedToolChoice) and choice.type != "function"):
        shown = choice if isinstance(choice, str) else choice.type if choice else None
        out.append(
            f"tool_choice: {shown!r} cannot lead to requires_action (no function may be called)"
        )
    calls = ra.submit_tool_outputs.tool_calls
    if not calls:
        out.append("required_action.submit_tool_outputs.tool_calls: must hold at least one call")
    if not r.parallel_tool_calls and len(calls) > 1:
        out.append(
            f"required_action.submit_tool_outputs.tool_calls: {len(calls)} calls but "
            "parallel_tool_calls is false (one call at a time)"
        )
    names = _function_names(r)
    forced = (
        choice.function.name
        if isinstance(choice, NamedToolChoice) and choice.function is not None
        else None
    )
    seen: set[str] = set()
    for i, call in enumerate(calls):
        where = f"required_action.submit_tool_outputs.tool_calls[{i}]"
        _prefixed(f"{where}.id", call.id, ID_PREFIXES["tool_call"], out)
        if call.id in seen:
            out.append(f"{where}.id: {call.id!r} is not unique")
        seen.add(call.id)
        if call.function.name not in names:
            out.append(
                f"{where}.function.name: {call.function.name!r} is not a function in tools "
                f"(functions: {names})"
            )
        if forced is not None and call.function.name != forced:
            out.append(
                f"{where}.function.name: {call.function.name!r} but tool_choice forces {forced!r}"
            )
        try:
            args = json.loads(call.function.arguments)
        except ValueError:
            args = None
        if not isinstance(args, dict):
            out.append(
                f"{where}.function.arguments: {call.function.arguments!r} must be JSON object text"
            )


def _check_limits(r: Run, out: list[str]) -> None:
    for name in ("max_prompt_tokens", "max_completion_tokens"):
        value = getattr(r, name)
        if value is not None and value < MIN_TOKEN_LIMIT:
            out.append(f"{name}: {value} must be null or >= {MIN_TOKEN_LIMIT}")
    ts = r.truncation_strategy
    if ts is not None:
        if ts.type == "last_messages":
            if ts.last_messages is None:
                out.append(
                    "truncation_strategy.last_messages: must be set (>= 1) when type is "
                    "'last_messages'"
                )
        elif ts.last_messages is not None:
            out.append(
                f"truncation_strategy.last_messages: {ts.last_messages} must be null when type "
                f"is {ts.type!r}"
            )


def _check_tool_resources(tr: ToolResources, out: list[str]) -> None:
    ci = tr.code_interpreter
    if ci is not None and ci.file_ids is not None:
        if len(set(ci.file_ids)) != len(ci.file_ids):
            out.append("tool_resources.code_interpreter.file_ids: ids must be unique")
        for i, fid in enumerate(ci.file_ids):
            _prefixed(
                f"tool_resources.code_interpreter.file_ids[{i}]", fid, ID_PREFIXES["file"], out
            )
    fs = tr.file_search
    if fs is not None and fs.vector_store_ids is not None:
        for i, vid in enumerate(fs.vector_store_ids):
            _prefixed(
                f"tool_resources.file_search.vector_store_ids[{i}]",
                vid,
                ID_PREFIXES["vector_store"],
                out,
            )
