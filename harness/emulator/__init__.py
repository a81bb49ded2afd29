"""A stateful, in-memory, Assistants-compatible backend (a plain ASGI app) to record from.

It answers the two modify endpoints and just enough around them (create/retrieve thread and
run) for a realistic test, with the API's error envelope and status codes. It starts seeded
with the factory's variants (a run in every status x response_format, each on its thread),
so a run in any status can be modified without creating it.

Routes, under ``/v1`` (OpenAI style, needs ``OpenAI-Beta: assistants=v2``) and under
``/openai`` (Azure style, needs an ``api-version`` query parameter instead)::

    POST /threads                       create thread
    GET  /threads/{thread_id}           retrieve thread
    POST /threads/{thread_id}           modify thread
    POST /threads/{thread_id}/runs      create run (starts queued)
    GET  /threads/{thread_id}/runs/{id} retrieve run
    POST /threads/{thread_id}/runs/{id} modify run
    GET  /v1/_harness/objects           every stored thread and run (no credentials needed)
    POST /v1/_harness/reset             back to the seeded state

Modify semantics (the real API's are unverified): ``metadata`` replaces the whole map;
``metadata: null`` or leaving it out changes nothing; ``tool_resources`` on a thread replaces
each kind it names and keeps the others. Nothing else ever changes on a modify.
"""

from harness.emulator.app import Emulator, create_app
from harness.emulator.errors import (
    AZURE_MISSING_KEY,
    INVALID_JSON,
    MISSING_BETA,
    MISSING_KEY,
    EmulatorError,
)
from harness.emulator.harness_routes import HARNESS_PREFIX
from harness.emulator.running import RunningEmulator, describe_objects, running_emulator
from harness.emulator.scenarios import Scenario, ScenarioError
from harness.emulator.store import Store, json_copy

__all__ = [
    "AZURE_MISSING_KEY",
    "HARNESS_PREFIX",
    "INVALID_JSON",
    "MISSING_BETA",
    "MISSING_KEY",
    "Emulator",
    "EmulatorError",
    "RunningEmulator",
    "Scenario",
    "ScenarioError",
    "Store",
    "create_app",
    "describe_objects",
    "json_copy",
    "running_emulator",
]
