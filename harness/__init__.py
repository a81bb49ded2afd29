"""assistants-harness: record, replay and generate OpenAI Assistants modify-run and
modify-thread traffic.

The public API is flat: everything a user needs is importable from ``harness``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
from harness.models import (
    Drift,
    ErrorObject,
    ErrorResponse,
    Metadata,
    ModifyRunRequest,
    ModifyThreadRequest,
    Run,
    Thread,
    error_response,
    find_drift,
)
from harness.recorder import CassetteConfig, HarnessDriftWarning
from harness.replay import ReplayApp
from harness.rules import InconsistentObjectError, assert_consistent, check_run, check_thread
from harness.verify import Problem, Report, scan_paths, verify_paths

try:
    __version__ = version("assistants-harness")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "CassetteConfig",
    "Drift",
    "Emulator",
    "ErrorObject",
    "ErrorResponse",
    "FactoryError",
    "HarnessDriftWarning",
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
