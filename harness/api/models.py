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

from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from harness.api.constants import (
    MAX_CODE_INTERPRETER_FILES,
    MAX_TOOLS,
    MAX_VECTOR_STORES,
    METADATA_MAX_KEY_LENGTH,
    METADATA_MAX_KEYS,
    METADATA_MAX_VALUE_LENGTH,
    MIN_TOKEN_LIMIT,
    NAME_PATTERN,
    IncompleteReason,
    LastErrorCode,
    RunStatus,
)
from harness.api.errors import json_type_phrase

__all__ = [
    "CodeInterpreterTool",
    "CreateRunRequest",
    "CreateThreadRequest",
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
    "RunOptions",
    "Thread",
    "Tool",
    "ToolChoice",
    "ToolResources",
    "TruncationStrategy",
    "Usage",
]

# --------------------------------------------------------------------------- shared field types

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
"""A function or json_schema name."""
Temperature = Annotated[float, Field(ge=0, le=2)]
UnitInterval = Annotated[float, Field(ge=0, le=1)]
"""top_p and score_threshold: 0 to 1."""

# --------------------------------------------------------------------------- metadata


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


class SharedFieldsSet(set[str]):
    """A ``__pydantic_fields_set__`` shared by many response models of one class and shape.

    The factories give every object they build the shared set of its shape instead of a set
    each (:func:`share_fields_sets`): 40% less memory per built run and a third fewer objects
    for Python's garbage collector to scan. Sharing is safe because nothing can change the
    shared set: its mutators raise, copies and pickles of it are plain sets (so ``model_copy``
    adds to a private one), and :class:`ResponseModel` swaps in a private copy before an
    attribute assignment adds to it and before ``model_fields_set`` hands it out.
    """

    __slots__ = ()

    def _read_only(self, *args: object) -> Any:
        raise TypeError("a shared fields set is read-only (take model_fields_set instead)")

    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only

    def __reduce__(self) -> tuple[type[set[str]], tuple[list[str]]]:
        # copy.copy, copy.deepcopy (model_copy) and pickle all rebuild through this: a plain set
        return set, (list(self),)


_FIELDS_SET = "__pydantic_fields_set__"
_set_slot = object.__setattr__


class ResponseModel(BaseModel):
    """Accepts what the API returned and keeps fields it does not know."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic adds the name to the fields set: never to a shared one (SharedFieldsSet).
        fields_set = getattr(self, _FIELDS_SET, None)
        if fields_set.__class__ is SharedFieldsSet:
            _set_slot(self, _FIELDS_SET, set(fields_set))
        super().__setattr__(name, value)

    @property
    def model_fields_set(self) -> set[str]:
        """The names of the fields that were set (this object's own set, never a shared one)."""
        fields_set: set[str] = self.__pydantic_fields_set__
        if fields_set.__class__ is SharedFieldsSet:
            fields_set = set(fields_set)
            _set_slot(self, _FIELDS_SET, fields_set)
        return fields_set

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


_Shape = tuple[tuple[str, ...], "dict[int, SharedFieldsSet] | None"]
_SHAPES: dict[type, _Shape] = {}
"""Per class met: the fields that can hold a model, and its shared sets by size (``None``:
never shared)."""


def _shape(cls: type) -> _Shape:
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        return (), None

    def holds_model(tp: Any) -> bool:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return True
        return any(holds_model(arg) for arg in get_args(tp))

    nested = tuple(name for name, f in cls.model_fields.items() if holds_model(f.annotation))
    shared = issubclass(cls, ResponseModel) and not cls.model_config.get("validate_assignment")
    return nested, {} if shared else None


def share_fields_sets(model: BaseModel) -> None:
    """Replace the fields set of ``model`` and of every model inside it by the
    :class:`SharedFieldsSet` of its class and shape (equal sets only; others stay private).

    Only response models share: their ``__setattr__`` and ``model_fields_set`` unshare first.
    Models whose class validates on assignment keep their own sets, because pydantic-core
    adds to the set from Rust there, past :class:`SharedFieldsSet`'s guards.
    """
    cls = model.__class__
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _shape(cls)
    nested, by_size = shape
    if by_size is not None:
        fields_set = model.__pydantic_fields_set__
        shared = by_size.get(len(fields_set))
        if shared is None:
            shared = by_size[len(fields_set)] = SharedFieldsSet(fields_set)
        if shared == fields_set:
            _set_slot(model, _FIELDS_SET, shared)
    if nested:
        values = model.__dict__
        for name in nested:
            child = values.get(name)
            if child is None or child.__class__ is str:
                continue
            if child.__class__ is list:
                for item in child:
                    share_fields_sets(item)
            else:
                share_fields_sets(child)


class RequestModel(BaseModel):
    """Rejects unknown fields, as the spec's ``additionalProperties: false`` says."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The request body as it would go on the wire (only fields that were given)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# --------------------------------------------------------------------------- tools


class FunctionDefinition(ResponseModel):
    """A function an assistant may call."""

    name: Name
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FileSearchRankingOptions(ResponseModel):
    """Ranking options of the file search tool."""

    ranker: Literal["auto", "default_2024_08_21"] | None = None
    score_threshold: UnitInterval


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


def type_tag(value: Any) -> str | None:
    """The ``type`` of a tagged-union member, raw or parsed (the discriminator of every union)."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if isinstance(kind, str) else None


Tool = Annotated[
    Union[
        Annotated[CodeInterpreterTool, Tag("code_interpreter")],
        Annotated[FileSearchTool, Tag("file_search")],
        Annotated[FunctionTool, Tag("function")],
    ],
    Discriminator(type_tag),
]
"""One of the three tool types, told apart by ``type``."""
Tools = Annotated[list[Tool], Field(max_length=MAX_TOOLS)]


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

    name: Name
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
    return type_tag(value) or "unknown"


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


class LastError(ResponseModel):
    """Why a run failed."""

    code: LastErrorCode
    message: str


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
    tools: Tools = Field(default_factory=list)
    metadata: Metadata | None = None
    usage: Usage | None = None
    temperature: Temperature | None = None
    top_p: UnitInterval | None = None
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


class RunOptions(RequestModel):
    """What both run-creating bodies (create run, create thread and run) say about the run,
    enforcing the spec's numeric limits."""

    assistant_id: str
    model: str | None = None
    instructions: str | None = None
    tools: Tools | None = None
    metadata: Metadata | None = None
    temperature: Temperature | None = None
    top_p: UnitInterval | None = None
    stream: bool | None = None
    max_prompt_tokens: TokenLimit | None = None
    max_completion_tokens: TokenLimit | None = None
    truncation_strategy: TruncationStrategy | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None


class CreateRunRequest(RunOptions):
    """Body of ``POST /threads/{thread_id}/runs``."""

    additional_instructions: str | None = None
    additional_messages: list[dict[str, Any]] | None = None
    reasoning_effort: str | None = None
