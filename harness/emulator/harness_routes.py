"""The harness-only routes under ``/v1/_harness`` (no credentials): inspect, reset, steer.

GET    /v1/_harness/objects               every stored object by kind
POST   /v1/_harness/reset                 back to the seeded state (file scenarios stay)
GET    /v1/_harness/scenarios             the scenarios in force, in matching order
POST   /v1/_harness/scenarios             add scenarios (one, a list, or {"scenarios": [...]})
DELETE /v1/_harness/scenarios             drop the scenarios added at run time
POST   /v1/_harness/clock                 {"advance": seconds}: move the virtual clock
POST   /v1/_harness/runs/{run_id}/advance one tick of that run; answers its changes
"""

from __future__ import annotations

import json

from harness.emulator import lifecycle
from harness.emulator.errors import EmulatorError
from harness.emulator.scenarios import ScenarioError, parse_scenarios
from harness.emulator.store import JSON, Store

HARNESS_PREFIX = "/v1/_harness"

_ALLOWED = {
    "objects": ("GET",),
    "reset": ("POST",),
    "scenarios": ("GET", "POST", "DELETE"),
    "clock": ("POST",),
    "advance": ("POST",),
}


def handle(store: Store, method: str, path: str, body: bytes) -> JSON:
    parts = path[len(HARNESS_PREFIX) :].strip("/").split("/")
    name = parts[0]
    run_id = None
    if len(parts) == 3 and parts[0] == "runs" and parts[2] == "advance":
        name, run_id = "advance", parts[1]
    elif len(parts) != 1:
        name = ""
    allowed = _ALLOWED.get(name)
    if allowed is None:
        raise EmulatorError(404, f"Invalid URL ({method} {path})")
    if method not in allowed:
        raise EmulatorError(
            405,
            f"Method not allowed: {method} {path}. Allowed: {', '.join(allowed)}.",
            headers={"allow": ", ".join(allowed)},
        )
    if name == "objects":
        return {"object": "harness.objects", **store.snapshot()}
    if name == "reset":
        store.reset()
        return {"object": "harness.reset", "reset": True}
    if name == "scenarios":
        if method == "POST":
            try:
                added = parse_scenarios(_json(body), where="POST /v1/_harness/scenarios")
            except ScenarioError as exc:
                raise EmulatorError(400, str(exc), param="scenarios") from None
            with store.lock:
                store.scenarios.extend(added)
        elif method == "DELETE":
            with store.lock:
                store.scenarios.clear()
        with store.lock:
            every = [*store.scenarios, *store.base_scenarios]
            return {
                "object": "harness.scenarios",
                "data": [s.model_dump(mode="json", exclude_none=True) for s in every],
            }
    if name == "clock":
        data = _json(body)
        seconds = data.get("advance", 0) if isinstance(data, dict) else None
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise EmulatorError(
                400,
                f"Invalid 'advance': {seconds!r}. Expected a whole number of seconds >= 0.",
                param="advance",
            )
        changes = lifecycle.advance_clock(store, seconds)
        return {"object": "harness.clock", "now": store.clock, "changes": _changes(changes)}
    assert run_id is not None
    with store.lock:
        run = store.runs.get(run_id)
        if run is None:
            raise EmulatorError(404, f"No run found with id '{run_id}'.")
        changes = lifecycle.advance(store, run)
        return {"object": "harness.advance", "run": dict(run), "changes": _changes(changes)}


def _json(body: bytes) -> object:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise EmulatorError(400, "The body is not JSON.") from None


def _changes(changes: list[lifecycle.Change]) -> list[JSON]:
    return [{"event": c.event, "data": c.data} for c in changes]
