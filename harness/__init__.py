"""assistants-harness: record, replay and generate OpenAI Assistants traffic.

The public API is flat: everything a user needs is importable from ``harness``. The names are
loaded lazily (PEP 562), so a pytest session that merely has the plugin installed imports
none of the models, the factory or the emulator until something asks for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.api.drift import Drift, find_drift
    from harness.api.errors import ErrorObject, ErrorResponse, error_response
    from harness.api.models import Metadata, ModifyRunRequest, ModifyThreadRequest, Run, Thread
    from harness.api.rules import (
        InconsistentObjectError,
        assert_consistent,
        check_run,
        check_thread,
    )
    from harness.emulator import Emulator, RunningEmulator, create_app, running_emulator
    from harness.factory import (
        FactoryError,
        RunFactory,
        ThreadFactory,
        run_variants,
        thread_variants,
        to_sdk,
        variant_id,
    )
    from harness.plugin.config import CassetteConfig
    from harness.plugin.recording import HarnessDriftWarning
    from harness.plugin.unpatched import HarnessUnpatchedWarning
    from harness.server.replay import ReplayApp
    from harness.tools.verify import Problem, Report, scan_paths, verify_paths

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("Metadata", "ModifyRunRequest", "ModifyThreadRequest", "Run", "Thread"),
        "harness.api.models",
    ),
    **dict.fromkeys(("Drift", "find_drift"), "harness.api.drift"),
    **dict.fromkeys(("ErrorObject", "ErrorResponse", "error_response"), "harness.api.errors"),
    **dict.fromkeys(
        ("InconsistentObjectError", "assert_consistent", "check_run", "check_thread"),
        "harness.api.rules",
    ),
    **dict.fromkeys(
        ("Emulator", "RunningEmulator", "create_app", "running_emulator"), "harness.emulator"
    ),
    **dict.fromkeys(
        (
            "FactoryError",
            "RunFactory",
            "ThreadFactory",
            "run_variants",
            "thread_variants",
            "to_sdk",
            "variant_id",
        ),
        "harness.factory",
    ),
    "CassetteConfig": "harness.plugin.config",
    "HarnessDriftWarning": "harness.plugin.recording",
    "HarnessUnpatchedWarning": "harness.plugin.unpatched",
    "ReplayApp": "harness.server.replay",
    **dict.fromkeys(("Problem", "Report", "scan_paths", "verify_paths"), "harness.tools.verify"),
}

__all__ = [
    "CassetteConfig",
    "Drift",
    "Emulator",
    "ErrorObject",
    "ErrorResponse",
    "FactoryError",
    "HarnessDriftWarning",
    "HarnessUnpatchedWarning",
    "InconsistentObjectError",
    "Metadata",
    "ModifyRunRequest",
    "ModifyThreadRequest",
    "Problem",
    "ReplayApp",
    "Report",
    "Run",
    "RunFactory",
    "RunningEmulator",
    "Thread",
    "ThreadFactory",
    "__version__",
    "assert_consistent",
    "check_run",
    "check_thread",
    "create_app",
    "error_response",
    "find_drift",
    "run_variants",
    "running_emulator",
    "scan_paths",
    "thread_variants",
    "to_sdk",
    "variant_id",
    "verify_paths",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assistants-harness")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
