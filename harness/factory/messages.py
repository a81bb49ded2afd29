"""``MessageFactory``: seeded Message objects consistent with their thread and run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from harness.api.constants import EPOCH_BASE, EPOCH_SPAN, METADATA_MAX_KEYS
from harness.api.messages import CONTENT_KINDS, MESSAGE_STATUSES, Message
from harness.factory.base import (
    _MISSING,
    FactoryError,
    Json,
    _allowed,
    _Factory,
    _plain,
    _validated,
)

_FIELDS = frozenset(Message.model_fields) | {"thread", "run", "text", "annotations"}
_EXPANDED = frozenset(
    {"thread", "run", "text", "annotations", "content", "status", "role", "metadata"}
)
_DETAILS = ("auto", "low", "high")


def _as_dict(value: Any) -> Json | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    plain: Json = value.to_dict()
    return plain


class MessageFactory(_Factory[Message]):
    """Seeded :class:`~harness.api.messages.Message` objects.

    Shorthands: ``thread=<Thread or dict>`` and ``run=<Run or dict>`` (an assistant message
    of that run: thread, assistant and run ids, created during the run), ``text="..."`` (the
    first text part's value), ``content=["text", "image_file", "image_url", "refusal"]``
    (parts of those kinds), ``annotations=True`` (text parts cite files), ``metadata=<n>``.
    The status sets ``completed_at`` / ``incomplete_at`` / ``incomplete_details``.
    """

    def variants(self, **overrides: Any) -> Iterator[Message]:
        """Every content kind x status, as user and assistant messages, with annotations and
        attachments in some (24)."""
        for i, (kind, status) in enumerate(product(CONTENT_KINDS, MESSAGE_STATUSES)):
            for role in ("user", "assistant"):
                spec: Json = {
                    "content": [kind] if kind != "text" else ["text", "text"],
                    "status": status,
                    "role": role,
                    "annotations": kind == "text" and role == "assistant",
                    "metadata": (0, 2, METADATA_MAX_KEYS)[i % 3],
                }
                if role == "user" and i % 2 == 0:
                    spec["attachments"] = [
                        {"file_id": self._id("file-"), "tools": [{"type": "code_interpreter"}]}
                    ]
                yield self.build(**{**spec, **overrides})

    def _build(self, overrides: Mapping[str, Any]) -> tuple[Message, Json]:
        if overrides:
            self._check_fields("Message", _FIELDS, overrides)
        ov = {k: _plain(v) for k, v in overrides.items()}
        run = _as_dict(ov.get("run"))
        thread = _as_dict(ov.get("thread"))
        status = ov.get("status", "completed")
        if status not in MESSAGE_STATUSES:
            raise FactoryError(
                f"status: {status!r} is not a message status; allowed: {_allowed(MESSAGE_STATUSES)}"
            )
        role = ov.get("role", "assistant" if run is not None else self._pick(("user", "assistant")))
        if run is not None:
            thread_id = run["thread_id"]
            created_at = int(run.get("started_at") or run["created_at"])
        elif thread is not None:
            thread_id = thread["id"]
            created_at = int(thread["created_at"]) + self._below(3_600)
        else:
            thread_id = self._id("thread_")
            created_at = EPOCH_BASE + self._below(EPOCH_SPAN)
        created_at = ov.get("created_at", created_at)
        content = ov.get("content", _MISSING)
        if content is _MISSING or (
            isinstance(content, list) and all(isinstance(c, str) for c in content)
        ):
            kinds = ["text"] if content is _MISSING else content
            content = [self._part(k, bool(ov.get("annotations"))) for k in kinds]
            if "text" in ov:
                texts = [p for p in content if p["type"] == "text"]
                if not texts:
                    raise FactoryError("text: given, but content has no text part")
                texts[0]["text"]["value"] = ov["text"]
                texts[0]["text"]["annotations"] = []
        elif isinstance(content, str):
            content = [{"type": "text", "text": {"value": content, "annotations": []}}]
        metadata = ov.get("metadata", _MISSING)
        if metadata is _MISSING:
            metadata = self._metadata(self._pick((0, 0, 0, 1, 2)))
        elif isinstance(metadata, int):
            metadata = self._metadata(metadata)
        end = created_at + self._between(1, 30)
        assistant_id = None
        run_id = None
        if role == "assistant":
            assistant_id = run["assistant_id"] if run is not None else self._id("asst_")
            run_id = run["id"] if run is not None else self._id("run_")
        data: Json = {
            "id": self._id("msg_"),
            "object": "thread.message",
            "created_at": created_at,
            "thread_id": thread_id,
            "status": status,
            "incomplete_details": {"reason": "max_tokens"} if status == "incomplete" else None,
            "completed_at": end if status == "completed" else None,
            "incomplete_at": end if status == "incomplete" else None,
            "role": role,
            "content": content,
            "assistant_id": assistant_id,
            "run_id": run_id,
            "attachments": [],
            "metadata": metadata,
        }
        for key, value in ov.items():
            if key not in _EXPANDED:
                data[key] = value
        return _validated(Message, data, overrides), data

    def _part(self, kind: str, annotated: bool) -> Json:
        if kind == "text":
            value = " ".join(self._pick(self._pools.sentences) for _ in range(self._between(1, 4)))
            annotations: list[Json] = []
            if annotated:
                for offset, tag in enumerate(("file_citation", "file_path")):
                    marker = f"【{offset}†source】"
                    start = len(value)
                    value += " " + marker
                    annotations.append(
                        {
                            "type": tag,
                            "text": marker,
                            tag: {"file_id": self._id("file-")},
                            "start_index": start + 1,
                            "end_index": start + 1 + len(marker),
                        }
                    )
            return {"type": "text", "text": {"value": value, "annotations": annotations}}
        if kind == "image_file":
            return {
                "type": "image_file",
                "image_file": {"file_id": self._id("file-"), "detail": self._pick(_DETAILS)},
            }
        if kind == "image_url":
            word = self._pick(self._pools.words)
            return {
                "type": "image_url",
                "image_url": {"url": f"https://example.com/{word}.png", "detail": "auto"},
            }
        if kind == "refusal":
            return {"type": "refusal", "refusal": "I'm sorry, I can't help with that request."}
        raise FactoryError(
            f"content: {kind!r} is not a content kind; allowed: {_allowed(CONTENT_KINDS)}"
        )

    def reply_text(self) -> str:
        """A seeded assistant reply (one to three sentences)."""
        return " ".join(self._pick(self._pools.sentences) for _ in range(self._between(1, 4)))
