"""Messages: the response model, content parts and request bodies (spec: MessageObject,
CreateMessageRequest, ModifyMessageRequest)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, Discriminator, Field, Tag

from harness.api.models import Metadata, RequestModel, ResponseModel, type_tag

__all__ = [
    "ANNOTATION_KINDS",
    "CONTENT_KINDS",
    "MESSAGE_INCOMPLETE_REASONS",
    "MESSAGE_STATUSES",
    "Attachment",
    "CreateMessageRequest",
    "Message",
    "ModifyMessageRequest",
]

MessageStatus = Literal["in_progress", "incomplete", "completed"]
MESSAGE_STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)
MessageIncompleteReason = Literal[
    "content_filter", "max_tokens", "run_cancelled", "run_expired", "run_failed"
]
MESSAGE_INCOMPLETE_REASONS: tuple[MessageIncompleteReason, ...] = get_args(MessageIncompleteReason)
ContentKind = Literal["text", "image_file", "image_url", "refusal"]
CONTENT_KINDS: tuple[ContentKind, ...] = get_args(ContentKind)
ANNOTATION_KINDS: tuple[str, ...] = ("file_citation", "file_path")


class FileCitation(ResponseModel):
    file_id: str


class FilePath(ResponseModel):
    file_id: str


class FileCitationAnnotation(ResponseModel):
    type: Literal["file_citation"]
    text: str
    file_citation: FileCitation
    start_index: Annotated[int, Field(ge=0)]
    end_index: Annotated[int, Field(ge=0)]


class FilePathAnnotation(ResponseModel):
    type: Literal["file_path"]
    text: str
    file_path: FilePath
    start_index: Annotated[int, Field(ge=0)]
    end_index: Annotated[int, Field(ge=0)]


Annotation = Annotated[
    Union[
        Annotated[FileCitationAnnotation, Tag("file_citation")],
        Annotated[FilePathAnnotation, Tag("file_path")],
    ],
    Discriminator(type_tag),
]


class Text(ResponseModel):
    value: str
    annotations: list[Annotation]


class TextContent(ResponseModel):
    type: Literal["text"]
    text: Text


class ImageFileFields(BaseModel):
    """An image file part's fields, the same in a message and in a request's content."""

    file_id: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageUrlFields(BaseModel):
    """An image URL part's fields, the same in a message and in a request's content."""

    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageFile(ResponseModel, ImageFileFields):
    """A message's image file."""


class ImageFileContent(ResponseModel):
    type: Literal["image_file"]
    image_file: ImageFile


class ImageUrl(ResponseModel, ImageUrlFields):
    """A message's image URL."""


class ImageUrlContent(ResponseModel):
    type: Literal["image_url"]
    image_url: ImageUrl


class RefusalContent(ResponseModel):
    type: Literal["refusal"]
    refusal: str


Content = Annotated[
    Union[
        Annotated[TextContent, Tag("text")],
        Annotated[ImageFileContent, Tag("image_file")],
        Annotated[ImageUrlContent, Tag("image_url")],
        Annotated[RefusalContent, Tag("refusal")],
    ],
    Discriminator(type_tag),
]


class AttachmentTool(RequestModel):
    type: Literal["code_interpreter", "file_search"]


class Attachment(RequestModel):
    """A file attached to a message, and the tools it is added to."""

    file_id: str
    tools: list[AttachmentTool]


class MessageIncompleteDetails(ResponseModel):
    reason: MessageIncompleteReason


class Message(ResponseModel):
    """A message on a thread (``object: "thread.message"``), as the API returns it."""

    id: str
    object: Literal["thread.message"]
    created_at: int
    thread_id: str
    status: MessageStatus
    incomplete_details: MessageIncompleteDetails | None = None
    completed_at: int | None = None
    incomplete_at: int | None = None
    role: Literal["user", "assistant"]
    content: list[Content]
    assistant_id: str | None = None
    run_id: str | None = None
    attachments: list[dict[str, Any]] | None = None
    metadata: Metadata | None = None


class RequestImageFile(RequestModel, ImageFileFields):
    """An image file in a create-message body."""


class RequestImageUrl(RequestModel, ImageUrlFields):
    """An image URL in a create-message body."""


class RequestImageFilePart(RequestModel):
    type: Literal["image_file"]
    image_file: RequestImageFile


class RequestImageUrlPart(RequestModel):
    type: Literal["image_url"]
    image_url: RequestImageUrl


class RequestTextPart(RequestModel):
    type: Literal["text"]
    text: str


RequestContentPart = Annotated[
    Union[
        Annotated[RequestImageFilePart, Tag("image_file")],
        Annotated[RequestImageUrlPart, Tag("image_url")],
        Annotated[RequestTextPart, Tag("text")],
    ],
    Discriminator(type_tag),
]


class CreateMessageRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}/messages`` (and each of a thread's ``messages``)."""

    role: Literal["user", "assistant"]
    content: str | Annotated[list[RequestContentPart], Field(min_length=1)]
    attachments: list[Attachment] | None = None
    metadata: Metadata | None = None

    def content_parts(self) -> list[dict[str, Any]]:
        """The content as the message object carries it (text parts gain ``annotations``)."""
        if isinstance(self.content, str):
            return [{"type": "text", "text": {"value": self.content, "annotations": []}}]
        parts: list[dict[str, Any]] = []
        for part in self.content:
            if isinstance(part, RequestTextPart):
                parts.append({"type": "text", "text": {"value": part.text, "annotations": []}})
            else:
                parts.append(part.model_dump(mode="json", exclude_unset=True))
        return parts


class ModifyMessageRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}/messages/{message_id}``: only metadata changes."""

    metadata: Metadata | None = None
