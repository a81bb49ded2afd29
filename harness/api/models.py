"""Pydantic models of the objects that modify-run and modify-thread touch.

Two kinds of model live here, because the API treats them differently:

* Response models (``Run``, ``Thread`` and their parts) accept what the real API returned,
  keep unknown fields (nothing is lost on a round trip) and can list them, so that a
  recorder can report schema drift. ``to_dict()`` gives back the JSON that was parsed.
* Request models (``ModifyRunRequest``, ``ModifyThreadRequest`` and the create requests the
  emulator needs) reject unknown fields and enforce the limits the API enforces, with the
  API's own error codes, so that :func:`error_response` can turn a validation error into the
  envelope the API would have answered with.

Types are strict (no ``"1"`` -> ``1`` coercion): a retyped field is drift, never silently fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "METADATA_MAX_KEYS",
    "METADATA_MAX_KEY_LENGTH",
    "METADATA_MAX_VALUE_LENGTH",
    "NAME_PATTERN",
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "CodeInterpreterTool",
    "CreateRunRequest",
    "CreateThreadRequest",
    "Drift",
    "ErrorObject",
    "ErrorResponse",
    "FileSearchOptions",
    "FileSearchRankingOptions",
    "FileSearchTool",
    "FunctionDefinition",
    "FunctionTool",
    "FunctionToolCall",
    "IncompleteDetails",
    "LastError",
    "Metadata",
    "ModifyRunRequest",
    "ModifyThreadRequest",
    "NamedToolChoice",
    "RequiredAction",
    "ResponseFormat",
    "ResponseFormatJsonObject",
    "ResponseFormatJsonSchema",
    "ResponseFormatText",
    "Run",
    "RunStatus",
    "Thread",
    "Tool",
    "ToolChoice",
    "ToolResources",
    "TruncationStrategy",
    "Usage",
    "error_response",
    "find_drift",
]

METADATA_MAX_KEYS = 16
METADATA_MAX_KEY_LENGTH = 64
METADATA_MAX_VALUE_LENGTH = 512
NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
MAX_TOOLS = 20
MAX_CODE_INTERPRETER_FILES = 20
MAX_VECTOR_STORES = 1
MIN_TOKEN_LIMIT = 256

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
RUN_STATUSES: tuple[RunStatus, ...] = (
    "queued",
    "in_progress",
    "requires_action",
    "cancelling",
    "cancelled",
    "failed",
    "completed",
    "incomplete",
    "expired",
)
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"cancelled", "failed", "completed", "incomplete", "expired"}
)


# --------------------------------------------------------------------------- metadata


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


def _check_metadata(value: object, info: ValidationInfo) -> dict[str, str]:
    """Enforce the API's metadata limits with the API's own messages and codes."""
    field = info.field_name or "metadata"
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "invalid_type",
            "Invalid type for '{param}': expected an object, but got {got} instead.",
            {"param": field, "got": json_type_phrase(value)},
        )
    if len(value) > METADATA_MAX_KEYS:
        raise PydanticCustomError(
            "object_above_max_properties",
            "Invalid '{param}': too many properties. Expected an object with at most "
            "{limit} properties, but got an object with {count} properties instead.",
            {"param": field, "limit": METADATA_MAX_KEYS, "count": len(value)},
        )
    for key, item in value.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise PydanticCustomError(
                "string_above_max_length",
                "Invalid '{param}': key too long. Expected a key with maximum length "
                "{limit}, but got a key with length {length} instead.",
                {"param": field, "limit": METADATA_MAX_KEY_LENGTH, "length": len(key)},
            )
        param = f"{field}.{key}"
        if not isinstance(item, str):
            raise PydanticCustomError(
                "invalid_type",
                "Invalid type for '{param}': expected a string, but got {got} instead.",
                {"param": param, "got": json_type_phrase(item)},
            )
        if len(item) > METADATA_MAX_VALUE_LENGTH:
            raise PydanticCustomError(
                "string_above_max_length",
                "Invalid '{param}': string too long. Expected a string with maximum length "
                "{limit}, but got a string with length {length} instead.",
                {"param": param, "limit": METADATA_MAX_VALUE_LENGTH, "length": len(item)},
            )
    return value


Metadata = Annotated[dict[str, str], PlainValidator(_check_metadata)]
"""Up to 16 string pairs; keys at most 64 characters, values at most 512."""


# --------------------------------------------------------------------------- base classes


class ResponseModel(BaseModel):
    """Accepts what the API returned and keeps fields it does not know."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict this object was parsed from (fields it never had stay absent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self, *, indent: int | None = None) -> str:
        """JSON text of :meth:`to_dict`."""
        return self.model_dump_json(by_alias=True, exclude_unset=True, indent=indent)

    def unknown_fields(self) -> dict[str, Any]:
        """Every field the models do not know, by dotted path (``tools[0].extra``)."""
        found: dict[str, Any] = {}
        _collect_unknown(self, "", found)
        return found


def _collect_unknown(value: object, path: str, found: dict[str, Any]) -> None:
    if isinstance(value, BaseModel):
        for name, extra in (value.model_extra or {}).items():
            found[f"{path}.{name}" if path else name] = extra
        for name in type(value).model_fields:
            child = getattr(value, name)
            alias = type(value).model_fields[name].alias or name
            _collect_unknown(child, f"{path}.{alias}" if path else alias, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect_unknown(item, f"{path}[{index}]", found)


class RequestModel(BaseModel):
    """Rejects unknown fields, as the spec's ``additionalProperties: false`` says."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The request body as it would go on the wire (only fields that were given)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# --------------------------------------------------------------------------- tools


class FunctionDefinition(ResponseModel):
    """A function an assistant may call."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FileSearchRankingOptions(ResponseModel):
    """Ranking options of the file search tool."""

    ranker: Literal["auto", "default_2024_08_21"] | None = None
    score_threshold: Annotated[float, Field(ge=0, le=1)]


class FileSearchOptions(ResponseModel):
    """Overrides for the file search tool."""

    max_num_results: Annotated[int, Field(ge=1, le=50)] | None = None
    ranking_options: FileSearchRankingOptions | None = None


class CodeInterpreterTool(ResponseModel):
    """``{"type": "code_interpreter"}``."""

    type: Literal["code_interpreter"]


class FileSearchTool(ResponseModel):
    """``{"type": "file_search", "file_search": {...}}``."""

    type: Literal["file_search"]
    file_search: FileSearchOptions | None = None


class FunctionTool(ResponseModel):
    """``{"type": "function", "function": {...}}``."""

    type: Literal["function"]
    function: FunctionDefinition


def _type_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) else None


Tool = Annotated[
    Union[
        Annotated[CodeInterpreterTool, Tag("code_interpreter")],
        Annotated[FileSearchTool, Tag("file_search")],
        Annotated[FunctionTool, Tag("function")],
    ],
    Discriminator(_type_tag),
]
"""One of the three tool types, told apart by ``type``."""


# --------------------------------------------------------------------------- tool choice


class ToolChoiceFunction(ResponseModel):
    """The function a named tool choice forces."""

    name: str


class NamedToolChoice(ResponseModel):
    """Forces one tool: ``{"type": "function", "function": {"name": ...}}`` or a built-in."""

    type: Literal["function", "code_interpreter", "file_search"]
    function: ToolChoiceFunction | None = None

    @model_validator(mode="after")
    def _function_needs_name(self) -> NamedToolChoice:
        if self.type == "function" and self.function is None:
            raise PydanticCustomError(
                "missing_required_parameter",
                "Missing required parameter: '{param}'.",
                {"param": "tool_choice.function"},
            )
        return self


ToolChoice = Union[Literal["none", "auto", "required"], NamedToolChoice]
"""``none`` / ``auto`` / ``required``, or a :class:`NamedToolChoice`."""


# --------------------------------------------------------------------------- response format


class ResponseFormatText(ResponseModel):
    """``{"type": "text"}``."""

    type: Literal["text"]


class ResponseFormatJsonObject(ResponseModel):
    """``{"type": "json_object"}``."""

    type: Literal["json_object"]


class JsonSchemaFormat(ResponseModel):
    """The ``json_schema`` part of a structured-output response format."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class ResponseFormatJsonSchema(ResponseModel):
    """``{"type": "json_schema", "json_schema": {...}}``."""

    type: Literal["json_schema"]
    json_schema: JsonSchemaFormat


def _format_tag(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    return _type_tag(value) or "unknown"


ResponseFormat = Annotated[
    Union[
        # "none" is not in the spec; Portkey's documentation shows it. Accepted, reported as drift.
        Annotated[Literal["auto", "none"], Tag("string")],
        Annotated[ResponseFormatText, Tag("text")],
        Annotated[ResponseFormatJsonObject, Tag("json_object")],
        Annotated[ResponseFormatJsonSchema, Tag("json_schema")],
    ],
    Discriminator(_format_tag),
]
"""``"auto"``, or ``{type: text}`` / ``{type: json_object}`` / ``{type: json_schema, ...}``."""

RESPONSE_FORMAT_KINDS: tuple[str, ...] = ("auto", "text", "json_object", "json_schema")


# --------------------------------------------------------------------------- run parts


class FunctionCall(ResponseModel):
    """The function name and JSON arguments of a required tool call."""

    name: str
    arguments: str


class FunctionToolCall(ResponseModel):
    """A tool call the run waits on (``required_action.submit_tool_outputs.tool_calls[]``)."""

    id: str
    type: Literal["function"]
    function: FunctionCall


class SubmitToolOutputs(ResponseModel):
    """The tool calls whose outputs the run needs."""

    tool_calls: list[FunctionToolCall]


class RequiredAction(ResponseModel):
    """Set only while a run is ``requires_action``."""

    type: Literal["submit_tool_outputs"]
    submit_tool_outputs: SubmitToolOutputs


LastErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]
LAST_ERROR_CODES: tuple[LastErrorCode, ...] = (
    "server_error",
    "rate_limit_exceeded",
    "invalid_prompt",
)


class LastError(ResponseModel):
    """Why a run failed."""

    code: LastErrorCode
    message: str


IncompleteReason = Literal["max_completion_tokens", "max_prompt_tokens"]
INCOMPLETE_REASONS: tuple[IncompleteReason, ...] = ("max_completion_tokens", "max_prompt_tokens")


class IncompleteDetails(ResponseModel):
    """Which token limit ended an ``incomplete`` run."""

    reason: IncompleteReason | None = None


class Usage(ResponseModel):
    """Token counts of a run in a terminal state."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class TruncationStrategy(ResponseModel):
    """How the thread is truncated before the run."""

    type: Literal["auto", "last_messages"]
    last_messages: Annotated[int, Field(ge=1)] | None = None


class CodeInterpreterResources(ResponseModel):
    """Files the code interpreter can read (at most 20)."""

    file_ids: Annotated[list[str], Field(max_length=MAX_CODE_INTERPRETER_FILES)] | None = None


class FileSearchResources(ResponseModel):
    """The vector store file search reads (at most 1)."""

    vector_store_ids: Annotated[list[str], Field(max_length=MAX_VECTOR_STORES)] | None = None


class ToolResources(ResponseModel):
    """Resources made available to the tools of a thread (or, as the API returns, a run)."""

    code_interpreter: CodeInterpreterResources | None = None
    file_search: FileSearchResources | None = None


# --------------------------------------------------------------------------- objects


class Run(ResponseModel):
    """A run on a thread (``object: "thread.run"``), as the API returns it."""

    id: str
    object: Literal["thread.run"]
    created_at: int
    thread_id: str
    assistant_id: str
    status: RunStatus
    required_action: RequiredAction | None = None
    last_error: LastError | None = None
    expires_at: int | None = None
    started_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    incomplete_details: IncompleteDetails | None = None
    model: str
    # The spec says string; the API's own examples return null.
    instructions: str | None = None
    tools: Annotated[list[Tool], Field(max_length=MAX_TOOLS)] = Field(default_factory=list)
    metadata: Metadata | None = None
    usage: Usage | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    max_prompt_tokens: int | None = None
    max_completion_tokens: int | None = None
    truncation_strategy: TruncationStrategy | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool = True
    response_format: ResponseFormat | None = None
    # Not in the spec's RunObject; the API's documented example returns it.
    tool_resources: ToolResources | None = None


class Thread(ResponseModel):
    """A thread (``object: "thread"``), as the API returns it."""

    id: str
    object: Literal["thread"]
    created_at: int
    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None


# --------------------------------------------------------------------------- requests


class ModifyRunRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}/runs/{run_id}``: only metadata can change."""

    metadata: Metadata | None = None


class ModifyThreadRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}``."""

    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None


class CreateThreadRequest(RequestModel):
    """Body of ``POST /threads`` as far as the emulator needs it (messages are accepted, unused)."""

    messages: list[dict[str, Any]] | None = None
    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None


TokenLimit = Annotated[int, Field(ge=MIN_TOKEN_LIMIT)]


class CreateRunRequest(RequestModel):
    """Body of ``POST /threads/{thread_id}/runs``, enforcing the spec's numeric limits."""

    assistant_id: str
    model: str | None = None
    instructions: str | None = None
    additional_instructions: str | None = None
    additional_messages: list[dict[str, Any]] | None = None
    tools: Annotated[list[Tool], Field(max_length=MAX_TOOLS)] | None = None
    metadata: Metadata | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    stream: bool | None = None
    max_prompt_tokens: TokenLimit | None = None
    max_completion_tokens: TokenLimit | None = None
    truncation_strategy: TruncationStrategy | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    reasoning_effort: str | None = None


# --------------------------------------------------------------------------- errors


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


def _param_path(loc: tuple[int | str, ...]) -> str:
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
    param = ctx.get("param") or _param_path(tuple(err["loc"])) or None
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


# --------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class Drift:
    """One way a recorded object departs from the models: where, what value, and why."""

    path: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason} (value: {self.value!r})"


_SPEC_REQUIRED: dict[type[ResponseModel], tuple[str, ...]] = {
    Run: (
        "required_action",
        "last_error",
        "expires_at",
        "started_at",
        "cancelled_at",
        "failed_at",
        "completed_at",
        "instructions",
        "tools",
        "metadata",
        "usage",
        "incomplete_details",
        "max_prompt_tokens",
        "max_completion_tokens",
        "truncation_strategy",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
    ),
    Thread: ("tool_resources", "metadata"),
}


def find_drift(model: type[ResponseModel], data: object) -> list[Drift]:
    """Every departure of ``data`` from ``model``: mistyped or invalid values, unknown fields,
    missing spec-required fields, and values the models tolerate but the spec does not."""
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        return [
            Drift(_param_path(tuple(e["loc"])) or "<root>", e.get("input"), e["msg"])
            for e in exc.errors(include_url=False)
        ]
    drifts = [
        Drift(path, value, "unknown field") for path, value in parsed.unknown_fields().items()
    ]
    for name in _SPEC_REQUIRED.get(model, ()):
        if name not in parsed.model_fields_set:
            drifts.append(Drift(name, None, "required by the spec but missing"))
    if isinstance(parsed, Run):
        if parsed.response_format == "none":
            drifts.append(Drift("response_format", "none", "not a value the spec allows"))
        for name in ("max_prompt_tokens", "max_completion_tokens"):
            limit = getattr(parsed, name)
            if limit is not None and limit < MIN_TOKEN_LIMIT:
                drifts.append(Drift(name, limit, f"below the spec's minimum of {MIN_TOKEN_LIMIT}"))
    return drifts
