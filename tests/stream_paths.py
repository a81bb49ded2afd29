"""Hand-written run paths for testing the stream renderer apart from the emulator: the
:class:`~harness.stream.events.Change` steps from a new run to a factory run as it ends (the
emulator's own paths come from ``harness.emulator.lifecycle``; its step object is reused here).
The path per outcome:

* every run: ``created`` (queued), ``queued``, ``in_progress``;
* ``completed`` / ``incomplete``: a ``message_creation`` step and its assistant message
  (created, in progress, the text, completed or incomplete), the step completed, the run;
* ``requires_action``: a ``tool_calls`` step gaining the run's required tool calls, the run;
* ``failed`` / ``expired``: the run; ``cancelled``: ``cancelling``, then the run.

After ``requires_action``, :func:`resumed_path` continues a run whose tool outputs were
submitted: the tool-call step completed with the outputs, then the path to its outcome.
"""

from __future__ import annotations

import hashlib
import string
from typing import Any

from harness.emulator.lifecycle import step_object
from harness.stream.events import Change

__all__ = ["child_id", "resumed_path", "run_path"]

JSON = dict[str, Any]
_ALPHABET = string.ascii_letters + string.digits
_UNSET_WHEN_RUNNING = (
    "cancelled_at",
    "failed_at",
    "completed_at",
    "required_action",
    "last_error",
    "incomplete_details",
    "usage",
)


def child_id(prefix: str, parent: str, kind: str) -> str:
    """A stable id (``msg_``/``step_`` + 24 letters/digits) for an object a run created."""
    digest = hashlib.sha256(f"{parent}\x00{kind}".encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(24):
        number, rest = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return prefix + "".join(chars)


def _run_at(final: JSON, status: str) -> JSON:
    run = dict(final, status=status)
    for name in _UNSET_WHEN_RUNNING:
        run[name] = None
    if status == "queued":
        run["started_at"] = None
    elif run.get("started_at") is None:
        run["started_at"] = final["created_at"]
    run["expires_at"] = final["created_at"] + 600
    return run


def _step(run: JSON, kind: str, details: JSON, at: int) -> JSON:
    return step_object(run, details, child_id("step_", run["id"], kind), at)


def _message(run: JSON, at: int) -> JSON:
    return {
        "id": child_id("msg_", run["id"], "message"),
        "object": "thread.message",
        "created_at": at,
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "run_id": run["id"],
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": [],
        "attachments": [],
        "metadata": {},
    }


def _step_usage(final: JSON) -> JSON | None:
    usage = final.get("usage")
    return dict(usage) if usage else None


def _outcome(final: JSON, text: str, at: int) -> list[Change]:
    status = final["status"]
    changes: list[Change] = []
    if status in ("completed", "incomplete"):
        message = _message(final, at)
        step = _step(
            final,
            "message_creation",
            {"type": "message_creation", "message_creation": {"message_id": message["id"]}},
            at,
        )
        ended = final.get("completed_at") or at
        finished: JSON = {"content": [{"type": "text", "text": {"value": text, "annotations": []}}]}
        if status == "completed":
            finished.update(status="completed", completed_at=ended)
        else:
            finished.update(
                status="incomplete", incomplete_at=at, incomplete_details={"reason": "max_tokens"}
            )
        part = {"index": 0, **finished["content"][0]}
        delta = {"id": message["id"], "object": "thread.message.delta"}
        done_message = dict(message, **finished)
        changes += [
            Change("thread.run.step.created", step),
            Change("thread.run.step.in_progress", step),
            Change("thread.message.created", message),
            Change("thread.message.in_progress", message),
            Change("thread.message.delta", {**delta, "delta": {"content": [part]}}),
            Change(f"thread.message.{done_message['status']}", done_message),
            Change(
                "thread.run.step.completed",
                dict(step, status="completed", completed_at=ended, usage=_step_usage(final)),
            ),
        ]
    elif status == "requires_action":
        calls = [
            {
                "id": call["id"],
                "type": "function",
                "function": {**call["function"], "output": None},
            }
            for call in final["required_action"]["submit_tool_outputs"]["tool_calls"]
        ]
        step = _step(final, "tool_calls", {"type": "tool_calls", "tool_calls": calls}, at)
        changes += [
            Change("thread.run.step.created", step),
            Change("thread.run.step.in_progress", step),
        ]
    elif status == "cancelled":
        changes.append(Change("thread.run.cancelling", _run_at(final, "cancelling")))
    changes.append(Change(f"thread.run.{status}", final))
    return changes


def run_path(final: JSON, *, text: str, thread: JSON | None = None) -> list[Change]:
    """The changes from a new run (on a new ``thread``, for create-and-run) to ``final``;
    ``text`` is what an assistant message says, streamed in deltas."""
    queued = _run_at(final, "queued")
    started = _run_at(final, "in_progress")
    changes = [Change("thread.created", thread)] if thread is not None else []
    changes += [
        Change("thread.run.created", queued),
        Change("thread.run.queued", queued),
        Change("thread.run.in_progress", started),
    ]
    if final["status"] not in ("queued", "in_progress"):
        changes += _outcome(final, text, started["started_at"])
    return changes


def resumed_path(waiting: JSON, outputs: dict[str, str], final: JSON, *, text: str) -> list[Change]:
    """After tool outputs were submitted to ``waiting`` (a run in ``requires_action``): its
    tool-call step completed with ``outputs`` (by call id), the run queued and in progress
    again, then the path to ``final``."""
    calls = [
        {
            "id": call["id"],
            "type": "function",
            "function": {**call["function"], "output": outputs.get(call["id"])},
        }
        for call in waiting["required_action"]["submit_tool_outputs"]["tool_calls"]
    ]
    step = _step(waiting, "tool_calls", {"type": "tool_calls", "tool_calls": calls}, 0)
    at = final.get("started_at") or waiting.get("started_at") or waiting["created_at"]
    step.update(created_at=waiting.get("started_at") or at, status="completed", completed_at=at)
    queued = dict(_run_at(final, "queued"), started_at=waiting.get("started_at"))
    started = _run_at(final, "in_progress")
    return [
        Change("thread.run.step.completed", step),
        Change("thread.run.queued", queued),
        Change("thread.run.in_progress", started),
        *_outcome(final, text, at),
    ]
