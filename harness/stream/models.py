"""The two stream-only objects, ``thread.message.delta`` and ``thread.run.step.delta``, as
response models (unknown fields kept and reported as drift, like every recorded object)."""

from __future__ import annotations

from typing import Any, Literal

from harness.api.models import ResponseModel

__all__ = ["MessageDelta", "RunStepDelta"]


class TextDelta(ResponseModel):
    value: str | None = None
    annotations: list[dict[str, Any]] | None = None


class ContentDelta(ResponseModel):
    index: int
    type: Literal["text", "image_file", "image_url", "refusal"]
    text: TextDelta | None = None
    image_file: dict[str, Any] | None = None
    image_url: dict[str, Any] | None = None
    refusal: str | None = None


class MessageDeltaBody(ResponseModel):
    role: Literal["user", "assistant"] | None = None
    content: list[ContentDelta] | None = None


class MessageDelta(ResponseModel):
    """Part of a message being streamed (``thread.message.delta``)."""

    id: str
    object: Literal["thread.message.delta"]
    delta: MessageDeltaBody


class FunctionDelta(ResponseModel):
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class ToolCallDelta(ResponseModel):
    index: int
    id: str | None = None
    type: Literal["function", "code_interpreter", "file_search"]
    function: FunctionDelta | None = None
    code_interpreter: dict[str, Any] | None = None
    file_search: dict[str, Any] | None = None


class StepDetailsDelta(ResponseModel):
    type: Literal["message_creation", "tool_calls"]
    message_creation: dict[str, Any] | None = None
    tool_calls: list[ToolCallDelta] | None = None


class RunStepDeltaBody(ResponseModel):
    step_details: StepDetailsDelta | None = None


class RunStepDelta(ResponseModel):
    """Part of a run step being streamed (``thread.run.step.delta``): tool calls so far."""

    id: str
    object: Literal["thread.run.step.delta"]
    delta: RunStepDeltaBody
