"""Run steps (spec: RunStepObject) and the submit-tool-outputs / create-thread-and-run bodies."""

from __future__ import annotations

from typing import Any, Literal, get_args

from harness.api.models import (
    CreateThreadRequest,
    Metadata,
    RequestModel,
    ResponseModel,
    RunOptions,
    ToolResources,
    Usage,
)

__all__ = [
    "STEP_STATUSES",
    "STEP_TYPES",
    "TOOL_CALL_KINDS",
    "CreateThreadAndRunRequest",
    "RunStep",
    "SubmitToolOutputsRequest",
    "ToolOutput",
]

StepType = Literal["message_creation", "tool_calls"]
STEP_TYPES: tuple[StepType, ...] = get_args(StepType)
StepStatus = Literal["in_progress", "cancelled", "failed", "completed", "expired"]
STEP_STATUSES: tuple[StepStatus, ...] = get_args(StepStatus)
TOOL_CALL_KINDS: tuple[str, ...] = ("code_interpreter", "file_search", "function")
STEP_TIMESTAMPS: dict[str, str] = {
    "cancelled": "cancelled_at",
    "failed": "failed_at",
    "completed": "completed_at",
    "expired": "expired_at",
}
"""The timestamp a step in that status carries (and no other)."""
FILE_SEARCH_CONTENT_INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
"""The one value ``include[]`` takes on the run step routes."""


class StepError(ResponseModel):
    code: Literal["server_error", "rate_limit_exceeded"]
    message: str


class RunStep(ResponseModel):
    """One step of a run (``object: "thread.run.step"``), as the API returns it."""

    id: str
    object: Literal["thread.run.step"]
    created_at: int
    assistant_id: str
    thread_id: str
    run_id: str
    type: StepType
    status: StepStatus
    step_details: dict[str, Any]
    last_error: StepError | None = None
    expired_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    metadata: Metadata | None = None
    usage: Usage | None = None


class ToolOutput(RequestModel):
    tool_call_id: str | None = None
    output: str | None = None


class SubmitToolOutputsRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}/runs/{run_id}/submit_tool_outputs``."""

    tool_outputs: list[ToolOutput]
    stream: bool | None = None


class CreateThreadAndRunRequest(RunOptions):
    """Body of ``POST /threads/runs``: a thread (optional) and the run on it."""

    thread: CreateThreadRequest | None = None
    tool_resources: ToolResources | None = None
