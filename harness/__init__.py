"""assistants-harness: record, replay and generate OpenAI Assistants modify-run and
modify-thread traffic.

The public API is flat: everything a user needs is importable from ``harness``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
from harness.factory import (
    FactoryError,
    RunFactory,
    ThreadFactory,
    run_variants,
    thread_variants,
    to_sdk,
    variant_id,
)
from harness.rules import InconsistentObjectError, assert_consistent, check_run, check_thread

try:
    __version__ = version("assistants-harness")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Drift",
    "ErrorObject",
    "ErrorResponse",
    "FactoryError",
    "InconsistentObjectError",
    "RunFactory",
    "ThreadFactory",
    "assert_consistent",
    "check_run",
    "check_thread",
    "run_variants",
    "thread_variants",
    "to_sdk",
    "variant_id",
    "Metadata",
    "ModifyRunRequest",
    "ModifyThreadRequest",
    "Run",
    "Thread",
    "__version__",
    "error_response",
    "find_drift",
]
