"""The API's error envelope, and the translation of a pydantic validation error into the
envelope (and message) the real API answers the same mistake with.

Kept apart from the models so that the emulator and the CLI can build error answers without
reading the model definitions, and so that every error wording lives in one module.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["ErrorObject", "ErrorResponse", "error_response", "json_type_phrase", "param_path"]


def json_type_phrase(value: object) -> str:
    """How the API names a JSON value's type in its error messages ("an integer")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class ErrorObject(BaseModel):
    """The ``error`` member of the API's error envelope."""

    model_config = ConfigDict(extra="allow")

    message: str
    type: str
    param: str | None
    code: str | None


class ErrorResponse(BaseModel):
    """``{"error": {"message", "type", "param", "code"}}``: every API error looks like this."""

    model_config = ConfigDict(extra="allow")

    error: ErrorObject

    @classmethod
    def invalid_request(
        cls, message: str, *, param: str | None = None, code: str | None = None
    ) -> ErrorResponse:
        """An ``invalid_request_error`` envelope."""
        return cls(
            error=ErrorObject(message=message, type="invalid_request_error", param=param, code=code)
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready envelope."""
        return self.model_dump(mode="json")


_UNION_TAGS: dict[str, frozenset[str]] = {
    "response_format": frozenset({"string", "text", "json_object", "json_schema"}),
    "tools[]": frozenset({"code_interpreter", "file_search", "function"}),
}


def _is_union_tag(previous: int | str | None, part: str) -> bool:
    if isinstance(previous, int):
        return part in _UNION_TAGS["tools[]"]
    return previous in _UNION_TAGS and part in _UNION_TAGS[str(previous)]


def param_path(loc: tuple[int | str, ...]) -> str:
    """``('tools', 0, 'function', 'function', 'name')`` -> ``tools[0].function.name``.

    Union members appear in pydantic's location as their tag (right after the union field)
    or as a type label (``NamedToolChoice``, ``literal['auto']``); neither is a field.
    """
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in part or part[:1].isupper():
            continue
        elif _is_union_tag(previous, part):
            previous = None
            continue
        else:
            path += f".{part}" if path else part
        previous = part
    return path


_TYPE_ERRORS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
}


def error_response(exc: ValidationError) -> ErrorResponse:
    """The envelope the API answers a request with when it fails these models (first error)."""
    errors = exc.errors(include_url=False)
    # The first field that failed; within it (a union tries every member) the most telling
    # error: the deepest, and not "should be 'auto'" when an object was sent.
    field = errors[0]["loc"][:1]
    err = max(
        (e for e in errors if e["loc"][:1] == field),
        key=lambda e: (
            len(e["loc"]),
            e["type"] != "literal_error" or isinstance(e.get("input"), str),
        ),
    )
    kind = err["type"]
    ctx = err.get("ctx") or {}
    param = ctx.get("param") or param_path(tuple(err["loc"])) or None
    value = err.get("input")
    if "param" in ctx:
        return ErrorResponse.invalid_request(err["msg"], param=param, code=kind)
    if kind == "extra_forbidden":
        return ErrorResponse.invalid_request(f"Unrecognized request argument supplied: {param}")
    if kind == "missing":
        return ErrorResponse.invalid_request(
            f"Missing required parameter: '{param}'.",
            param=param,
            code="missing_required_parameter",
        )
    if kind in _TYPE_ERRORS:
        return ErrorResponse.invalid_request(
            f"Invalid type for '{param}': expected {_TYPE_ERRORS[kind]}, "
            f"but got {json_type_phrase(value)} instead.",
            param=param,
            code="invalid_type",
        )
    if kind == "too_long":
        limit = ctx.get("max_length")
        length = len(value) if isinstance(value, list) else "?"
        return ErrorResponse.invalid_request(
            f"Invalid '{param}': array too long. Expected an array with maximum length {limit}, "
            f"but got an array with length {length} instead.",
            param=param,
            code="array_above_max_length",
        )
    if kind in ("greater_than_equal", "greater_than"):
        return ErrorResponse.invalid_request(
            f"Invalid '{param}': number below minimum value. Expected a value >= "
            f"{ctx.get('ge', ctx.get('gt'))}, but got {value} instead.",
            param=param,
            code="integer_below_min_value" if isinstance(value, int) else "decimal_below_min_value",
        )
    if kind in ("less_than_equal", "less_than"):
        return ErrorResponse.invalid_request(
            f"Invalid '{param}': number above maximum value. Expected a value <= "
            f"{ctx.get('le', ctx.get('lt'))}, but got {value} instead.",
            param=param,
            code="integer_above_max_value" if isinstance(value, int) else "decimal_above_max_value",
        )
    if kind == "string_pattern_mismatch":
        return ErrorResponse.invalid_request(
            f"Invalid '{param}': string does not match pattern. Expected a string that matches "
            f"the pattern '{ctx.get('pattern')}'.",
            param=param,
            code="invalid_value",
        )
    if kind in ("literal_error", "union_tag_invalid", "enum"):
        return ErrorResponse.invalid_request(
            f"Invalid value: {value!r}. {err['msg']}.", param=param, code="invalid_value"
        )
    return ErrorResponse.invalid_request(f"Invalid '{param}': {err['msg']}.", param=param)
