"""Facts about the Assistants API, each stated once: statuses, enumerations, limits, id
prefixes and the clock the generated data lives on.

The models, the rules, the factory and the emulator all read these; a ``Literal`` type is the
one statement of an enumeration and its tuple is derived from it (``typing.get_args``).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "EPOCH_BASE",
    "EPOCH_SPAN",
    "EXPIRABLE_STATUSES",
    "ID_PREFIXES",
    "INCOMPLETE_REASONS",
    "LAST_ERROR_CODES",
    "MAX_CODE_INTERPRETER_FILES",
    "MAX_TOOLS",
    "MAX_VECTOR_STORES",
    "METADATA_MAX_KEYS",
    "METADATA_MAX_KEY_LENGTH",
    "METADATA_MAX_VALUE_LENGTH",
    "MIN_TOKEN_LIMIT",
    "NAME_PATTERN",
    "RESPONSE_FORMAT_KINDS",
    "RUN_LIFETIME",
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "TERMINAL_TIMESTAMPS",
    "IncompleteReason",
    "LastErrorCode",
    "RunStatus",
]

# --------------------------------------------------------------------------- enumerations

RunStatus = Literal[
    "queued",
    "in_progress",
    "requires_action",
    "cancelling",
    "cancelled",
    "failed",
    "completed",
    "incomplete",
    "expired",
]
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)

TERMINAL_TIMESTAMPS: dict[str, str] = {
    "cancelled": "cancelled_at",
    "failed": "failed_at",
    "completed": "completed_at",
}
"""The one terminal timestamp each status carries (statuses not listed carry none)."""

TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"cancelled", "failed", "completed", "incomplete", "expired"}
)
EXPIRABLE_STATUSES: frozenset[str] = frozenset(RUN_STATUSES) - TERMINAL_STATUSES
"""Statuses in which a run can still expire, so ``expires_at`` is set."""

LastErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]
LAST_ERROR_CODES: tuple[LastErrorCode, ...] = get_args(LastErrorCode)

IncompleteReason = Literal["max_completion_tokens", "max_prompt_tokens"]
INCOMPLETE_REASONS: tuple[IncompleteReason, ...] = get_args(IncompleteReason)

RESPONSE_FORMAT_KINDS: tuple[str, ...] = ("auto", "text", "json_object", "json_schema")
"""``"auto"`` and the ``type`` of each response format object."""

# --------------------------------------------------------------------------- limits

METADATA_MAX_KEYS = 16
METADATA_MAX_KEY_LENGTH = 64
METADATA_MAX_VALUE_LENGTH = 512
NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
"""Function and json_schema names."""
MAX_TOOLS = 20
MAX_CODE_INTERPRETER_FILES = 20
MAX_VECTOR_STORES = 1
MIN_TOKEN_LIMIT = 256
"""The smallest ``max_prompt_tokens`` / ``max_completion_tokens`` a run accepts."""

# --------------------------------------------------------------------------- ids and time

ID_PREFIXES: dict[str, str] = {
    "run": "run_",
    "thread": "thread_",
    "assistant": "asst_",
    "tool_call": "call_",
    "message": "msg_",
    "step": "step_",
    "file": "file-",
    "vector_store": "vs_",
}
"""The prefix every id of each kind carries, as the real API's ids do."""

RUN_LIFETIME = 600
"""Seconds from creation until a run expires (``expires_at = created_at + 600``)."""

EPOCH_BASE = 1_704_067_200
"""2024-01-01T00:00:00Z: every generated ``created_at`` lies in the half year after it."""
EPOCH_SPAN = 182 * 86_400
