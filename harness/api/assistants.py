"""Assistants: the response model and the create/modify request bodies (spec: AssistantObject,
CreateAssistantRequest, ModifyAssistantRequest), plus the ``*.deleted`` answer and list pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from harness.api.models import (
    Metadata,
    RequestModel,
    ResponseFormat,
    ResponseModel,
    Tool,
    ToolResources,
)

__all__ = [
    "ASSISTANT_MAX_TOOLS",
    "Assistant",
    "CreateAssistantRequest",
    "DeletedObject",
    "ModifyAssistantRequest",
]

ASSISTANT_MAX_TOOLS = 128
"""An assistant takes up to 128 tools (a run's override up to 20)."""

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
Temperature = Annotated[float, Field(ge=0, le=2)]
TopP = Annotated[float, Field(ge=0, le=1)]


class Assistant(ResponseModel):
    """An assistant (``object: "assistant"``), as the API returns it."""

    id: str
    object: Literal["assistant"]
    created_at: int
    name: str | None = None
    description: str | None = None
    model: str
    instructions: str | None = None
    tools: list[Tool] = Field(default_factory=list)
    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    response_format: ResponseFormat | None = None


class ModifyAssistantRequest(RequestModel):
    """Body of ``POST /assistants/{assistant_id}``: every field optional."""

    model: str | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = (
        None
    )
    name: Annotated[str, Field(max_length=256)] | None = None
    description: Annotated[str, Field(max_length=512)] | None = None
    instructions: Annotated[str, Field(max_length=256_000)] | None = None
    tools: Annotated[list[Tool], Field(max_length=ASSISTANT_MAX_TOOLS)] | None = None
    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None
    temperature: Temperature | None = None
    top_p: TopP | None = None
    response_format: ResponseFormat | None = None


class CreateAssistantRequest(ModifyAssistantRequest):
    """Body of ``POST /assistants``: ``model`` is required."""

    model: str


class DeletedObject(ResponseModel):
    """``{"id", "object": "<kind>.deleted", "deleted": true}``."""

    id: str
    object: str
    deleted: bool

    @classmethod
    def of(cls, obj: dict[str, Any]) -> dict[str, Any]:
        """The deletion answer for a stored object (``thread`` -> ``thread.deleted``)."""
        return {"id": obj["id"], "object": f"{obj['object']}.deleted", "deleted": True}
