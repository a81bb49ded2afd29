"""What a handler gets for one HTTP request: the store, the path's ids, query, parsed body."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import ValidationError

from harness.api.errors import error_response, json_type_phrase
from harness.api.models import RequestModel
from harness.emulator.errors import INVALID_JSON, EmulatorError
from harness.emulator.pages import PageQuery
from harness.emulator.store import Store

M = TypeVar("M", bound=RequestModel)


class Request:
    """One request as a handler sees it: ``ids`` are the path parameters by name."""

    def __init__(
        self,
        store: Store,
        ids: dict[str, str],
        body: bytes,
        query: dict[str, list[str]] | None = None,
    ) -> None:
        self.store = store
        self.ids = ids
        self.raw_body = body
        self.query = query or {}

    @property
    def thread_id(self) -> str:
        return self.ids["thread_id"]

    @property
    def run_id(self) -> str:
        return self.ids["run_id"]

    def page_query(self) -> PageQuery:
        return PageQuery.parse(self.query, lenient=self.store.lenient)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (empty body: ``{}``); the API's 400 otherwise."""
        if not self.raw_body.strip():
            return {}
        try:
            raw = self.raw_body
            data = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
        except (ValueError, RecursionError) as exc:
            raise EmulatorError(400, INVALID_JSON) from exc
        if not isinstance(data, dict):
            raise EmulatorError(
                400,
                f"Invalid type for body: expected an object, but got {json_type_phrase(data)} "
                "instead.",
                code="invalid_type",
            )
        return data

    def parse(self, model: type[M]) -> M:
        """The body validated against ``model``; a bad body becomes the API's 400."""
        return validate(model, self.json())


def validate(model: type[M], data: object, *, prefix: str = "") -> M:
    """``data`` validated against ``model``; the API's 400 (param under ``prefix``) if not."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        envelope = error_response(exc)
        param = envelope.error.param
        message = envelope.error.message
        if prefix:
            message = message.replace(f"'{param}'", f"'{prefix}{param}'") if param else message
            param = f"{prefix}{param}" if param else prefix.rstrip(".")
        raise EmulatorError(400, message, param=param, code=envelope.error.code) from exc


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
"""``json.loads`` with the same option builds a decoder per call; this one is shared."""
