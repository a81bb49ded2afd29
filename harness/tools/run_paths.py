"""The scenario behind each run a cassette recorded, read back from the recorded answers.

``harness regenerate`` re-sends a cassette's requests to a fresh emulator, which would walk
every run down its default path. A flow recorded under a scenario (``harness synthesize``'s
flows, or a test that chose ``failed`` with a ``last_error`` through the emulator's
``scenario``) would then come back changed. :func:`recorded_scenarios` reads, for each request
that created a run, what that run did in the recorded answers (JSON bodies, list pages and
stream events alike) and turns it into a :class:`~harness.emulator.scenarios.Scenario`:

- ``path``: the statuses the run showed after ``queued``, in order (a run the client cancelled
  keeps the default path; cancelling is the client's request, not the run's path);
- ``tool_calls``: the function calls of its first ``requires_action``, arguments verbatim;
- ``last_error`` (``failed``) and ``incomplete_reason`` (``incomplete``);
- ``reply``: the text of the assistant message the run wrote, where an answer shows it;
- ``stream_error``: the message of an ``error`` event that cut the run's creation stream.

What a cassette does not show (a status no answer caught, a reply never read) stays the
emulator's default, so a flow regenerates byte-identically when its answers show the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from harness.cassette.format import Cassette, Response
from harness.emulator.scenarios import Scenario

__all__ = ["recorded_scenarios"]

JSON = dict[str, Any]

_CREATES_RUN = re.compile(r"/threads(?:/[^/]+)?/runs$")
_NOT_ON_PATH = frozenset({"queued", "cancelling", "cancelled"})
_OUTCOMES = ("completed", "failed", "incomplete", "expired")
_FOLLOW_PATH = frozenset({"path", "last_error", "incomplete_reason"})


@dataclass
class _Run:
    statuses: list[str] = field(default_factory=list)
    tool_calls: list[JSON] | None = None
    last_error: JSON | None = None
    incomplete_reason: str | None = None
    reply: str | None = None
    stream_error: str | None = None

    def saw(self, run: JSON) -> None:
        status = run.get("status")
        if isinstance(status, str) and (not self.statuses or self.statuses[-1] != status):
            self.statuses.append(status)
        action = run.get("required_action")
        if self.tool_calls is None and isinstance(action, dict):
            calls = (action.get("submit_tool_outputs") or {}).get("tool_calls")
            if isinstance(calls, list):
                self.tool_calls = [c.get("function") or {} for c in calls if isinstance(c, dict)]
        if isinstance(run.get("last_error"), dict):
            self.last_error = run["last_error"]
        details = run.get("incomplete_details")
        if isinstance(details, dict) and isinstance(details.get("reason"), str):
            self.incomplete_reason = details["reason"]

    def scenario(self) -> Scenario:
        fields: JSON = {}
        path = self._path()
        if path is not None:
            fields["path"] = path
        if self.tool_calls:
            fields["tool_calls"] = [
                {"name": c.get("name", ""), "arguments": c.get("arguments", "")}
                for c in self.tool_calls
            ]
        if self.last_error is not None and path is not None and path[-1] == "failed":
            fields["last_error"] = {
                "code": self.last_error.get("code"),
                "message": self.last_error.get("message"),
            }
        if self.incomplete_reason is not None and path is not None and path[-1] == "incomplete":
            fields["incomplete_reason"] = self.incomplete_reason
        for name in ("reply", "stream_error"):
            if getattr(self, name) is not None:
                fields[name] = getattr(self, name)
        without_path = {k: v for k, v in fields.items() if k not in _FOLLOW_PATH}
        for attempt in (fields, without_path):
            try:
                return Scenario.model_validate(attempt)
            except ValidationError:  # not a path the emulator can walk: its default instead
                continue
        return Scenario()

    def _path(self) -> list[str] | None:
        """The statuses after ``queued``, if they end in an outcome (else None: the default)."""
        if "cancelling" in self.statuses or "cancelled" in self.statuses:
            return None
        path = [s for s in self.statuses if s not in _NOT_ON_PATH]
        walked: list[str] = []
        for status in path:
            if walked and walked[-1] == status:
                continue
            if status != "in_progress" and (not walked or walked[-1] == "requires_action"):
                walked.append("in_progress")  # a status between two answers nobody saw
            walked.append(status)
        return walked if walked and walked[-1] in _OUTCOMES else None


def _objects(response: Response) -> Iterator[tuple[str | None, JSON]]:
    """``(stream event name or None, object)`` for every object an answer shows."""
    if response.events is not None:
        for event in response.events:
            data = event.get("data")
            if isinstance(data, dict):
                yield str(event.get("event")), data
        return
    body = response.json if response.has_json else None
    if isinstance(body, dict):
        if body.get("object") == "list" and isinstance(body.get("data"), list):
            for item in body["data"]:
                if isinstance(item, dict):
                    yield None, item
        else:
            yield None, body


def _text(message: JSON) -> str | None:
    for part in message.get("content") or []:
        if isinstance(part, dict) and part.get("type") == "text":
            value = (part.get("text") or {}).get("value")
            if isinstance(value, str) and value:
                return value
    return None


def _created_run(response: Response) -> str | None:
    for _, item in _objects(response):
        if item.get("object") == "thread.run" and isinstance(item.get("id"), str):
            return str(item["id"])
    return None


def recorded_scenarios(cassette: Cassette) -> dict[int, Scenario]:
    """For each interaction that created a run (by its number), that run's scenario."""
    created: dict[int, str] = {}
    runs: dict[str, _Run] = {}
    for number, interaction in enumerate(cassette.interactions):
        request, response = interaction.request, interaction.response
        if request.method == "POST" and _CREATES_RUN.search(request.path):
            run_id = _created_run(response) if 200 <= response.status < 300 else None
            if run_id is not None and run_id not in runs:
                created[number] = run_id
                runs[run_id] = _Run()
                errors = [data for event, data in _objects(response) if event == "error"]
                if errors and isinstance(errors[0].get("message"), str):
                    runs[run_id].stream_error = errors[0]["message"]
        for event, item in _objects(response):
            kind = item.get("object")
            if kind == "thread.run" and item.get("id") in runs:
                runs[item["id"]].saw(item)
            elif (
                kind == "thread.message"
                and item.get("run_id") in runs
                and item.get("role") == "assistant"
                and event in (None, "thread.message.completed")
            ):
                text = _text(item)
                if text is not None:
                    runs[item["run_id"]].reply = text
    return {number: runs[run_id].scenario() for number, run_id in created.items()}
