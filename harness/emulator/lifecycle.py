"""How a run moves: ``queued`` -> ``in_progress`` -> an outcome, on the store's virtual clock.

The seam (for streaming and anything else that narrates a run): every function here returns
the run's path as an ordered ``list[Change]``, one record per state change, in the order the
API's stream would report them. ``Change.event`` is the AssistantStreamEvent name
(``thread.run.created``, ``thread.run.queued``, ``thread.run.in_progress``,
``thread.run.step.created``, ``thread.message.delta``, ``thread.run.completed``, ...) and
``Change.data`` a copy of the object right after that change (for ``*.delta`` the delta
object). A stream is ``created(...)`` followed by ``settle(...)``: the same transitions a
polling client sees one tick at a time, so the two can never disagree.

* ``advance`` is one tick (each retrieve of a run is one): the next status of the run's plan.
* ``requires_action`` waits for ``submit_tool_outputs``; ``cancel`` makes a run
  ``cancelling`` and the next tick ``cancelled``; a run whose ``expires_at`` the clock passes
  is ``expired`` at its next tick (``advance_clock`` moves the clock).
* Only runs created through the API have a plan; seeded and adopted runs keep the status
  they were made in until cancelled or given tool outputs.

Every state a run reaches passes :func:`harness.api.rules.check_run`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.api.constants import TERMINAL_STATUSES
from harness.emulator.errors import EmulatorError
from harness.emulator.scenarios import Scenario, ToolCall
from harness.emulator.store import JSON, Store

__all__ = [
    "Change",
    "Plan",
    "advance",
    "advance_clock",
    "cancel",
    "created",
    "plan_run",
    "scenario_for",
    "settle",
    "step_object",
    "submit_tool_outputs",
]

AT_REST = frozenset({"requires_action", *TERMINAL_STATUSES})


class Change:
    """One state change: the stream event name and the object right after it. The object is
    kept as its JSON text (one dump, where a copy costs a dump and a load) and decoded when
    read; the ticks of a polling client never read it."""

    __slots__ = ("_text", "event")

    def __init__(self, event: str, data: JSON) -> None:
        self.event = event
        self._text = json.dumps(data)

    @property
    def data(self) -> JSON:
        """A fresh copy of the object as it was at this change."""
        decoded: JSON = json.loads(self._text)
        return decoded

    def __repr__(self) -> str:
        return f"Change({self.event!r}, {self._text})"


@dataclass
class Plan:
    """What a run still does: the statuses to reach, and what it says and calls on the way."""

    path: list[str]
    reply: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    last_error: JSON | None = None
    incomplete_reason: str | None = None
    tool_step: str | None = None


# --------------------------------------------------------------------------- planning


def scenario_for(store: Store, run: JSON) -> Scenario | None:
    """The first scenario that takes ``run`` (added ones before loaded ones), else None."""
    return next((s for s in (*store.scenarios, *store.base_scenarios) if s.match.takes(run)), None)


def plan_run(store: Store, run: JSON) -> Plan:
    """The plan of a new run: the first matching scenario, else the default path."""
    scenario = scenario_for(store, run) or Scenario()
    functions = _callable_functions(run)
    calls = scenario.tool_calls or _default_calls(run, functions)
    path: list[str]
    if scenario.path is not None:
        path = list(scenario.path)
    elif scenario.tool_calls or calls:
        path = ["in_progress", "requires_action", "in_progress", "completed"]
    else:
        path = ["in_progress", "completed"]
    if scenario.last_error is not None and scenario.path is None:
        path = ["in_progress", "failed"]
    if scenario.incomplete_reason is not None and scenario.path is None:
        path = ["in_progress", "incomplete"]
    if "requires_action" in path and not calls:
        raise EmulatorError(
            400,
            "The scenario's path has 'requires_action' but the run has no function tool to "
            "call; give the scenario tool_calls or the run a function tool.",
            param="tools",
        )
    error = scenario.last_error
    last_error = None
    if error is not None:
        last_error = {"code": error.code, "message": error.message or _ERROR_TEXTS[error.code]}
    reply = scenario.reply if scenario.reply is not None else store.reply_text()
    return Plan(path, reply, list(calls), last_error, scenario.incomplete_reason)


_ERROR_TEXTS = {
    "server_error": "Sorry, something went wrong.",
    "rate_limit_exceeded": "Rate limit reached for requests. Please try again later.",
    "invalid_prompt": "Invalid prompt: the prompt was flagged as potentially violating our policy.",
}


def _callable_functions(run: JSON) -> list[JSON]:
    """The function tools ``tool_choice`` lets the run call."""
    functions = [t["function"] for t in run.get("tools") or [] if t.get("type") == "function"]
    choice = run.get("tool_choice")
    if choice == "none":
        return []
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            return []
        name = (choice.get("function") or {}).get("name")
        return [f for f in functions if f.get("name") == name]
    return functions


def _default_calls(run: JSON, functions: list[JSON]) -> list[ToolCall]:
    chosen = functions if run.get("parallel_tool_calls", True) else functions[:1]
    return [
        ToolCall(name=f["name"], arguments=_arguments(f.get("parameters") or {})) for f in chosen
    ]


def _arguments(schema: JSON) -> JSON:
    """Arguments valid for a function's JSON-schema parameters (every property, typed)."""
    return {name: _example(prop) for name, prop in (schema.get("properties") or {}).items()}


def _example(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return "value"
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    examples: dict[str, Any] = {"integer": 1, "number": 1.5, "boolean": True, "null": None}
    if kind == "array":
        return [_example(schema.get("items") or {"type": "string"})]
    if kind == "object":
        return _arguments(schema)
    return examples.get(str(kind), "value")


# --------------------------------------------------------------------------- transitions


def created(store: Store, run: JSON) -> list[Change]:
    """The changes of a run's creation (it is stored already)."""
    return [_change(run, "thread.run.created"), _change(run, "thread.run.queued")]


def advance(store: Store, run: JSON) -> list[Change]:
    """One tick of the run: its next status (nothing while at rest)."""
    with store.lock:
        plan = store.plans.get(run["id"])
        if plan is None or run["status"] in AT_REST:
            return []
        if run.get("expires_at") is not None and store.clock >= run["expires_at"]:
            return _finish(store, run, plan, "expired")
        if not plan.path:
            return []
        status = plan.path.pop(0)
        if status == "in_progress":
            now = store.tick()
            run["status"] = "in_progress"
            run["started_at"] = run["started_at"] or now
            return [_change(run, "thread.run.in_progress")]
        if status == "requires_action":
            return _require_action(store, run, plan)
        return _finish(store, run, plan, status)


def settle(store: Store, run: JSON) -> list[Change]:
    """Ticks until the run is at rest (terminal or requires_action): a stream's whole path."""
    changes: list[Change] = []
    while True:
        step = advance(store, run)
        if not step:
            return changes
        changes += step


def cancel(store: Store, run: JSON) -> list[Change]:
    """``cancelling`` now, ``cancelled`` at the next tick; the API's 400 for an ended run."""
    with store.lock:
        if run["status"] in TERMINAL_STATUSES or run["status"] == "cancelling":
            raise EmulatorError(400, f"Cannot cancel run with status '{run['status']}'.")
        plan = store.plans.get(run["id"]) or _plan_for_seeded(store, run)
        plan.path = ["cancelled"]
        run["status"] = "cancelling"
        if run["started_at"] is None:  # a queued run starts in order to cancel
            # a seeded run's expires_at can lie before the emulator's clock; stay inside it
            run["started_at"] = min(store.tick(), run["expires_at"] or store.clock)
        run["required_action"] = None
        return [_change(run, "thread.run.cancelling")]


def submit_tool_outputs(store: Store, run: JSON, outputs: list[JSON]) -> list[Change]:
    """Answer the run's tool calls (each exactly once): the tool step completes with the
    outputs and the run is ``in_progress`` again (its next tick is the outcome)."""
    with store.lock:
        if run["status"] != "requires_action":
            raise EmulatorError(
                400, f'Runs in status "{run["status"]}" do not accept tool outputs.'
            )
        calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
        expected = [call["id"] for call in calls]
        given = [o.get("tool_call_id") for o in outputs]
        placeholder = store.placeholder(run["id"], "run")
        if sorted(map(str, given)) != sorted(expected) and not placeholder:
            raise EmulatorError(
                400,
                f"Expected tool outputs for call_ids {expected}, got {given}.",
                param="tool_outputs",
            )
        answers = {o.get("tool_call_id"): o.get("output") or "" for o in outputs}
        plan = store.plans.get(run["id"]) or _plan_for_seeded(store, run)
        changes: list[Change] = []
        step = store.steps.get(plan.tool_step or "")
        now = store.tick()
        if step is not None:
            for call in step["step_details"]["tool_calls"]:
                call["function"]["output"] = answers.get(call["id"], "")
            _close_step(step, "completed", now, run)
            changes.append(_change(step, "thread.run.step.completed"))
        # Queued again, keeping started_at, as the API's own example answers; the next tick
        # (the plan's in_progress) resumes it.
        run["status"] = "queued"
        run["required_action"] = None
        changes.append(_change(run, "thread.run.queued"))
        return changes


def advance_clock(store: Store, seconds: int) -> list[Change]:
    """Move the virtual clock; every planned run past its ``expires_at`` expires."""
    with store.lock:
        store.clock += seconds
        changes: list[Change] = []
        for run_id in list(store.plans):
            run = store.runs.get(run_id)
            if run is None or run["status"] in TERMINAL_STATUSES:
                continue
            if run.get("expires_at") is not None and store.clock >= run["expires_at"]:
                changes += _finish(store, run, store.plans[run_id], "expired")
        return changes


# --------------------------------------------------------------------------- helpers


def _change(obj: JSON, event: str) -> Change:
    return Change(event, obj)


def _plan_for_seeded(store: Store, run: JSON) -> Plan:
    plan = Plan(["in_progress", "completed"], "Done.")
    store.plans[run["id"]] = plan
    return plan


def _new_step(store: Store, run: JSON, details: JSON) -> JSON:
    return store.add_step(step_object(run, details, store.new_id("step"), store.tick()))


def step_object(run: JSON, details: JSON, step_id: str, created_at: int) -> JSON:
    """A new, in-progress step of ``run`` with ``details`` (``type`` taken from them)."""
    return {
        "id": step_id,
        "object": "thread.run.step",
        "created_at": created_at,
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "run_id": run["id"],
        "type": details["type"],
        "status": "in_progress",
        "step_details": details,
        "last_error": None,
        "expired_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "metadata": {},
        "usage": None,
    }


def _require_action(store: Store, run: JSON, plan: Plan) -> list[Change]:
    calls: list[JSON] = [
        {
            "id": store.new_id("tool_call"),
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments_json()},
        }
        for call in plan.tool_calls
    ]
    step_calls = [
        {"id": c["id"], "type": "function", "function": {**c["function"], "output": None}}
        for c in calls
    ]
    step = _new_step(store, run, {"type": "tool_calls", "tool_calls": step_calls})
    plan.tool_step = step["id"]
    run["status"] = "requires_action"
    run["required_action"] = {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {"tool_calls": calls},
    }
    return [
        _change(step, "thread.run.step.created"),
        _change(step, "thread.run.step.in_progress"),
        _change(run, "thread.run.requires_action"),
    ]


def _words(text: str | None) -> int:
    return len((text or "").split())


def _usage(store: Store, run: JSON, completion: int, reason: str | None) -> JSON:
    """Token counts from word counts, below every limit, at the limit a reason names."""
    index = store.thread_messages.get(run["thread_id"])
    prompt = _words(run.get("instructions")) + 1
    for message_id in index.ids() if index is not None else []:
        for part in store.messages[message_id]["content"]:
            prompt += _words((part.get("text") or {}).get("value"))
    counts = {"prompt_tokens": prompt, "completion_tokens": completion}
    for limit_field, count_field in (
        ("max_prompt_tokens", "prompt_tokens"),
        ("max_completion_tokens", "completion_tokens"),
    ):
        limit = run.get(limit_field)
        if reason == limit_field:
            counts[count_field] = int(limit or 0)
        elif isinstance(limit, int):
            counts[count_field] = min(counts[count_field], limit - 1)
    return {**counts, "total_tokens": counts["prompt_tokens"] + counts["completion_tokens"]}


def _close_step(step: JSON, status: str, now: int, run: JSON) -> None:
    step["status"] = status
    step[f"{status}_at"] = now
    if step["usage"] is None:
        usage = run.get("usage") or {"prompt_tokens": 1, "completion_tokens": 1}
        prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
        step["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def _finish(store: Store, run: JSON, plan: Plan, status: str) -> list[Change]:
    """The run ends in ``status``: a reply for completed/incomplete, open steps closed."""
    changes: list[Change] = []
    reason = None
    if status == "incomplete":
        reason = plan.incomplete_reason or (
            "max_prompt_tokens" if run.get("max_prompt_tokens") else "max_completion_tokens"
        )
        if run.get(reason) is None:
            run[reason] = 256  # the limit an incomplete run reached must exist (documented)
    if status in ("completed", "incomplete"):
        changes += _reply(store, run, plan, status, reason)
    now = store.tick()
    run["usage"] = _usage(store, run, _words(plan.reply), reason)
    step_status = {"expired": "expired", "cancelled": "cancelled", "failed": "failed"}.get(status)
    if step_status is not None:
        for step_id in (store.run_steps.get(run["id"]) or _empty()).ids():
            step = store.steps[step_id]
            if step["status"] == "in_progress":
                _close_step(step, step_status, now, run)
                if step_status == "failed":
                    step["last_error"] = {
                        "code": "server_error",
                        "message": _ERROR_TEXTS["server_error"],
                    }
                changes.append(_change(step, f"thread.run.step.{step_status}"))
    run["status"] = status
    run["required_action"] = None
    run["expires_at"] = None
    run["started_at"] = run["started_at"] or now
    if status in ("completed", "failed", "cancelled"):
        run[f"{status}_at"] = now
    if status == "failed":
        run["last_error"] = plan.last_error or {
            "code": "server_error",
            "message": _ERROR_TEXTS["server_error"],
        }
    if status == "incomplete":
        run["incomplete_details"] = {"reason": reason}
    store.plans.pop(run["id"], None)
    changes.append(_change(run, f"thread.run.{status}"))
    return changes


def _reply(store: Store, run: JSON, plan: Plan, status: str, reason: str | None) -> list[Change]:
    message: JSON = {
        "id": store.new_id("message"),
        "object": "thread.message",
        "created_at": store.tick(),
        "thread_id": run["thread_id"],
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": [],
        "assistant_id": run["assistant_id"],
        "run_id": run["id"],
        "attachments": [],
        "metadata": {},
    }
    step = _new_step(
        store,
        run,
        {"type": "message_creation", "message_creation": {"message_id": message["id"]}},
    )
    store.add_message(message)
    changes = [
        _change(step, "thread.run.step.created"),
        _change(step, "thread.run.step.in_progress"),
        _change(message, "thread.message.created"),
        _change(message, "thread.message.in_progress"),
    ]
    part = {"type": "text", "text": {"value": plan.reply, "annotations": []}}
    delta = {
        "id": message["id"],
        "object": "thread.message.delta",
        "delta": {"content": [{"index": 0, **part}]},
    }
    changes.append(Change("thread.message.delta", delta))
    now = store.tick()
    message["content"] = [part]
    if status == "completed":
        message["status"] = "completed"
        message["completed_at"] = now
    else:
        message["status"] = "incomplete"
        message["incomplete_at"] = now
        message["incomplete_details"] = {"reason": "max_tokens"}
    changes.append(_change(message, f"thread.message.{message['status']}"))
    run["usage"] = _usage(store, run, _words(plan.reply), reason)
    _close_step(step, "completed", now, run)
    changes.append(_change(step, "thread.run.step.completed"))
    return changes


def _empty() -> Any:
    from harness.emulator.pages import Index

    return Index()
