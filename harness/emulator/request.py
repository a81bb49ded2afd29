"""What a handler gets for one HTTP request: the store, the path's ids, the parsed body."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from harness.api.errors import error_response, json_type_phrase
from harness.api.models import RequestModel
from harness.emulator.errors import INVALID_JSON, EmulatorError
from harness.emulator.store import Store


class Request:
    """One request as a handler sees it: ``ids`` are the path parameters by name."""

    def __init__(self, store: Store, ids: dict[str, str], body: bytes) -> None:
        self.store = store
        self.ids = ids
        self.raw_body = body

    @property
    def thread_id(self) -> str:
        return self.ids["thread_id"]

    @property
    def run_id(self) -> str:
        return self.ids["run_id"]

    def parse(self, model: type[RequestModel]) -> Any:
        """The body validated against ``model``; a bad body becomes the API's 400."""
        if not self.raw_body.strip():
            data: object = {}
        else:
            try:
                data = json.loads(self.raw_body, parse_constant=_reject_constant)
            except (ValueError, RecursionError) as exc:
                raise EmulatorError(400, INVALID_JSON) from exc
        if not isinstance(data, dict):
            raise EmulatorError(
                400,
                f"Invalid type for body: expected an object, but got {json_type_phrase(data)} "
                "instead.",
                code="invalid_type",
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            envelope = error_response(exc)
            raise EmulatorError(
                400,
                envelope.error.message,
                param=envelope.error.param,
                code=envelope.error.code,
            ) from exc


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")
