"""The models: seed examples round-trip, limits hold at their boundaries, output matches the
official spec's schemas and parses in the official SDK's types."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from openai.types.beta import Thread as SdkThread
from openai.types.beta.threads import Run as SdkRun
from pydantic import ValidationError

from harness import (
    ErrorResponse,
    ModifyRunRequest,
    ModifyThreadRequest,
    Run,
    Thread,
    error_response,
    find_drift,
)
from harness.api.models import CreateRunRequest, ResponseModel
from tests.spec import spec_errors

SEEDS = Path(__file__).parent / "data" / "seeds"


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every top-level ``{...}`` in a document that parses as JSON."""
    found, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                with contextlib.suppress(ValueError):
                    found.append(json.loads(text[start : index + 1]))
    return found


def _seed_examples(kind: str) -> list[dict[str, Any]]:
    return [
        obj
        for path in sorted(SEEDS.iterdir())
        for obj in _json_objects(path.read_text(encoding="utf-8"))
        if obj.get("object") == kind
    ]


SEED_RUNS = _seed_examples("thread.run")
SEED_THREADS = _seed_examples("thread")


def test_seed_documents_hold_the_examples_we_expect() -> None:
    assert len(SEED_RUNS) >= 6
    assert len(SEED_THREADS) >= 2
    assert any(run["instructions"] is None for run in SEED_RUNS)
    assert any("tool_resources" in run for run in SEED_RUNS)


@pytest.mark.parametrize("example", SEED_RUNS, ids=lambda r: f"{r['id']}-{r['model']}")
def test_every_seed_run_round_trips(example: dict[str, Any]) -> None:
    run = Run.model_validate(example)
    assert run.to_dict() == example
    assert json.loads(run.to_json()) == example
    assert Run.model_validate_json(run.to_json()).to_dict() == example


@pytest.mark.parametrize("example", SEED_THREADS, ids=lambda t: t["id"])
def test_every_seed_thread_round_trips(example: dict[str, Any]) -> None:
    thread = Thread.model_validate(example)
    assert thread.to_dict() == example
    assert json.loads(thread.to_json()) == example


def test_round_trip_keeps_types_and_unknown_fields() -> None:
    data = dict(SEED_RUNS[0])
    data["brand_new_field"] = {"nested": [1, 2.5, None]}
    data["tools"] = [{"type": "function", "function": {"name": "f", "x_extra": True}}]
    run = Run.model_validate(data)
    assert run.to_dict() == data
    assert run.unknown_fields() == {
        "brand_new_field": {"nested": [1, 2.5, None]},
        "tools[0].function.x_extra": True,
    }
    assert isinstance(run.to_dict()["temperature"], float)


def test_response_types_are_strict() -> None:
    bad = {**SEED_RUNS[0], "created_at": "1699075072"}
    with pytest.raises(ValidationError, match="created_at"):
        Run.model_validate(bad)


# --------------------------------------------------------------------------- metadata limits


def _error(model: type[Any], body: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(body)
    envelope = error_response(info.value).to_dict()
    assert spec_errors("ErrorResponse", envelope) == []
    return envelope["error"]  # type: ignore[no-any-return]


REQUESTS = [ModifyRunRequest, ModifyThreadRequest]


@pytest.mark.parametrize("model", REQUESTS)
def test_sixteen_keys_pass_seventeen_fail(model: type[Any]) -> None:
    sixteen = {f"k{i}": "v" for i in range(16)}
    assert model.model_validate({"metadata": sixteen}).to_dict() == {"metadata": sixteen}
    error = _error(model, {"metadata": {**sixteen, "k16": "v"}})
    assert error == {
        "message": "Invalid 'metadata': too many properties. Expected an object with at most "
        "16 properties, but got an object with 17 properties instead.",
        "type": "invalid_request_error",
        "param": "metadata",
        "code": "object_above_max_properties",
    }


@pytest.mark.parametrize("model", REQUESTS)
def test_key_of_64_passes_65_fails(model: type[Any]) -> None:
    model.model_validate({"metadata": {"k" * 64: "v"}})
    error = _error(model, {"metadata": {"k" * 65: "v"}})
    assert error["param"] == "metadata"
    assert error["code"] == "string_above_max_length"
    assert "maximum length 64" in error["message"] and "length 65" in error["message"]


@pytest.mark.parametrize("model", REQUESTS)
def test_value_of_512_passes_513_fails(model: type[Any]) -> None:
    model.model_validate({"metadata": {"actual": "v" * 512}})
    error = _error(model, {"metadata": {"actual": "v" * 513}})
    assert error == {
        "message": "Invalid 'metadata.actual': string too long. Expected a string with maximum "
        "length 512, but got a string with length 513 instead.",
        "type": "invalid_request_error",
        "param": "metadata.actual",
        "code": "string_above_max_length",
    }


def test_the_real_695_character_error_is_reproduced() -> None:
    error = _error(ModifyRunRequest, {"metadata": {"actual": "x" * 695}})
    assert error["message"] == (
        "Invalid 'metadata.actual': string too long. Expected a string with maximum length "
        "512, but got a string with length 695 instead."
    )


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        (1, "an integer"),
        (1.5, "a decimal"),
        (True, "a boolean"),
        (None, "null"),
        (["a"], "an array"),
        ({"a": "b"}, "an object"),
    ],
)
def test_non_string_values_fail(value: object, phrase: str) -> None:
    error = _error(ModifyRunRequest, {"metadata": {"k": value}})
    assert error["param"] == "metadata.k"
    assert error["code"] == "invalid_type"
    assert error["message"] == (
        f"Invalid type for 'metadata.k': expected a string, but got {phrase} instead."
    )


def test_metadata_that_is_not_an_object_fails() -> None:
    error = _error(ModifyRunRequest, {"metadata": ["a"]})
    assert (error["param"], error["code"]) == ("metadata", "invalid_type")


def test_metadata_null_is_a_valid_request() -> None:
    assert ModifyRunRequest.model_validate({"metadata": None}).to_dict() == {"metadata": None}
    assert ModifyRunRequest.model_validate({}).to_dict() == {}


@pytest.mark.parametrize("model", REQUESTS)
def test_requests_reject_unknown_fields(model: type[Any]) -> None:
    error = _error(model, {"metadata": {}, "status": "completed"})
    assert error["message"] == "Unrecognized request argument supplied: status"


# --------------------------------------------------------------------------- other limits


def _create(**fields: Any) -> dict[str, Any]:
    return _error(CreateRunRequest, {"assistant_id": "asst_a", **fields})


def _ok(**fields: Any) -> None:
    CreateRunRequest.model_validate({"assistant_id": "asst_a", **fields})


def _function(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def test_token_limits_are_null_or_at_least_256() -> None:
    _ok(max_prompt_tokens=256, max_completion_tokens=None)
    error = _create(max_prompt_tokens=255)
    assert (error["param"], error["code"]) == ("max_prompt_tokens", "integer_below_min_value")
    assert _create(max_completion_tokens=100)["param"] == "max_completion_tokens"


def test_at_most_twenty_tools() -> None:
    _ok(tools=[_function(f"f{i}") for i in range(20)])
    error = _create(tools=[_function(f"f{i}") for i in range(21)])
    assert (error["param"], error["code"]) == ("tools", "array_above_max_length")


def test_function_names_follow_the_pattern() -> None:
    _ok(tools=[_function("a" * 64)])
    assert _create(tools=[_function("a" * 65)])["param"] == "tools[0].function.name"
    assert _create(tools=[_function("has space")])["code"] == "invalid_value"


def test_truncation_last_messages_at_least_one() -> None:
    _ok(truncation_strategy={"type": "last_messages", "last_messages": 1})
    error = _create(truncation_strategy={"type": "last_messages", "last_messages": 0})
    assert error["param"] == "truncation_strategy.last_messages"


def test_temperature_and_top_p_ranges() -> None:
    _ok(temperature=2, top_p=1)
    assert _create(temperature=2.01)["param"] == "temperature"
    assert _create(top_p=1.01)["param"] == "top_p"
    assert _create(top_p=-0.1)["param"] == "top_p"


def test_thread_tool_resources_limits() -> None:
    ok = {
        "code_interpreter": {"file_ids": [f"file-{i}" for i in range(20)]},
        "file_search": {"vector_store_ids": ["vs_1"]},
    }
    ModifyThreadRequest.model_validate({"tool_resources": ok})
    too_many_files = {"code_interpreter": {"file_ids": [f"file-{i}" for i in range(21)]}}
    error = _error(ModifyThreadRequest, {"tool_resources": too_many_files})
    assert error["param"] == "tool_resources.code_interpreter.file_ids"
    two_stores = {"file_search": {"vector_store_ids": ["vs_1", "vs_2"]}}
    error = _error(ModifyThreadRequest, {"tool_resources": two_stores})
    assert error["param"] == "tool_resources.file_search.vector_store_ids"


def test_json_schema_response_format_name_pattern() -> None:
    good = {"type": "json_schema", "json_schema": {"name": "answer_v1"}}
    _ok(response_format=good)
    bad = {"type": "json_schema", "json_schema": {"name": "no spaces allowed"}}
    assert _create(response_format=bad)["param"] == "response_format.json_schema.name"


def test_named_function_tool_choice_needs_the_function() -> None:
    _ok(tool_choice={"type": "function", "function": {"name": "f"}})
    _ok(tool_choice={"type": "file_search"})
    assert _create(tool_choice={"type": "function"})["code"] == "missing_required_parameter"


# --------------------------------------------------------------------------- spec and SDK

RESPONSE_FORMATS: list[Any] = [
    "auto",
    {"type": "text"},
    {"type": "json_object"},
    {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "description": "d",
            "schema": {"type": "object"},
            "strict": True,
        },
    },
]
TOOL_CHOICES: list[Any] = [
    "none",
    "auto",
    "required",
    {"type": "function", "function": {"name": "lookup"}},
    {"type": "code_interpreter"},
    {"type": "file_search"},
]
TOOLS = [
    {"type": "code_interpreter"},
    {
        "type": "file_search",
        "file_search": {
            "max_num_results": 5,
            "ranking_options": {"ranker": "auto", "score_threshold": 0.5},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "d",
            "parameters": {"type": "object"},
            "strict": False,
        },
    },
]


def _model_built_runs() -> list[Run]:
    """Runs built through the models covering every response_format and tool_choice form,
    a required action, a last error, incomplete details and both truncation strategies."""
    base = {**SEED_RUNS[0], "instructions": "Be brief.", "required_action": None, "tools": TOOLS}
    base.pop("tool_resources")
    runs = [
        Run.model_validate({**base, "response_format": fmt, "tool_choice": choice})
        for fmt in RESPONSE_FORMATS
        for choice in TOOL_CHOICES
    ]
    runs.append(
        Run.model_validate(
            {
                **base,
                "status": "requires_action",
                "completed_at": None,
                "usage": None,
                "required_action": {
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "lookup", "arguments": '{"q": 1}'},
                            }
                        ]
                    },
                },
                "truncation_strategy": {"type": "last_messages", "last_messages": 3},
            }
        )
    )
    runs.append(
        Run.model_validate(
            {
                **base,
                "status": "failed",
                "completed_at": None,
                "failed_at": 1699075073,
                "last_error": {"code": "rate_limit_exceeded", "message": "slow down"},
            }
        )
    )
    runs.append(
        Run.model_validate(
            {
                **base,
                "status": "incomplete",
                "incomplete_details": {"reason": "max_prompt_tokens"},
            }
        )
    )
    return runs


@pytest.mark.parametrize("run", _model_built_runs(), ids=lambda r: f"{r.status}")
def test_serialised_runs_validate_against_the_spec(run: Run) -> None:
    assert spec_errors("RunObject", run.to_dict()) == []


def test_serialised_threads_validate_against_the_spec() -> None:
    for example in SEED_THREADS:
        full = {"tool_resources": {}, **example}
        assert spec_errors("ThreadObject", Thread.model_validate(full).to_dict()) == []
    full = {
        "id": "thread_a",
        "object": "thread",
        "created_at": 1,
        "metadata": {"a": "b"},
        "tool_resources": {
            "code_interpreter": {"file_ids": ["file-a"]},
            "file_search": {"vector_store_ids": ["vs_a"]},
        },
    }
    assert spec_errors("ThreadObject", Thread.model_validate(full).to_dict()) == []


def test_serialised_requests_validate_against_the_spec() -> None:
    body = {"metadata": {"user_id": "user_abc123"}}
    assert spec_errors("ModifyRunRequest", ModifyRunRequest.model_validate(body).to_dict()) == []
    body_thread = {
        "metadata": {"a": "b"},
        "tool_resources": {"file_search": {"vector_store_ids": ["vs_1"]}},
    }
    assert (
        spec_errors(
            "ModifyThreadRequest", ModifyThreadRequest.model_validate(body_thread).to_dict()
        )
        == []
    )


def test_the_spec_validator_is_not_vacuous() -> None:
    # The API's own examples return instructions: null, which the spec's schema forbids.
    assert any("instructions" in e for e in spec_errors("RunObject", SEED_RUNS[0]))
    assert spec_errors("ModifyRunRequest", {"metadata": {}, "extra": 1})


@pytest.mark.parametrize("obj", _model_built_runs(), ids=lambda r: r.status)
def test_runs_validate_in_the_official_sdk(obj: Run) -> None:
    data = obj.to_dict()
    sdk = SdkRun.model_validate(data)
    assert sdk.model_dump(mode="json", by_alias=True, exclude_unset=True) == data


@pytest.mark.parametrize("example", SEED_RUNS, ids=lambda r: f"{r['id']}-{r['model']}")
def test_seed_runs_parse_as_the_sdk_parses_responses(example: dict[str, Any]) -> None:
    # The SDK builds responses without validation (construct), which is how it accepts the
    # API's own `instructions: null`; strict validation in its types would reject that.
    data = Run.model_validate(example).to_dict()
    sdk = SdkRun.construct(**data)
    assert sdk.model_dump(mode="json", by_alias=True, exclude_unset=True) == data
    assert sdk.status == example["status"]


@pytest.mark.parametrize("example", SEED_THREADS, ids=lambda t: t["id"])
def test_threads_parse_in_the_official_sdk(example: dict[str, Any]) -> None:
    data = Thread.model_validate(example).to_dict()
    assert SdkThread.model_validate(data).model_dump(mode="json", exclude_unset=True) == data


# --------------------------------------------------------------------------- drift


def test_drift_lists_unknown_mistyped_and_missing_fields() -> None:
    assert find_drift(Run, _model_built_runs()[0].to_dict()) == []
    unknown = {**_model_built_runs()[0].to_dict(), "reasoning": {"effort": "low"}}
    drift = find_drift(Run, unknown)
    assert [(d.path, d.reason) for d in drift] == [("reasoning", "unknown field")]
    mistyped = {
        **_model_built_runs()[0].to_dict(),
        "usage": {"prompt_tokens": "12", "completion_tokens": 1, "total_tokens": 13},
    }
    drift = find_drift(Run, mistyped)
    assert [d.path for d in drift] == ["usage.prompt_tokens"]
    assert drift[0].value == "12"
    missing = _model_built_runs()[0].to_dict()
    del missing["usage"]
    assert [d.path for d in find_drift(Run, missing)] == ["usage"]


def test_drift_flags_values_tolerated_but_not_in_the_spec() -> None:
    portkey = next(r for r in SEED_RUNS if r["response_format"] == "none")
    paths = {d.path for d in find_drift(Run, portkey)}
    assert paths == {"response_format", "max_prompt_tokens", "max_completion_tokens"}


def test_error_envelope_model() -> None:
    envelope = ErrorResponse.invalid_request("No thread found with id 'thread_x'.")
    assert envelope.to_dict() == {
        "error": {
            "message": "No thread found with id 'thread_x'.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }
    assert ErrorResponse.model_validate(envelope.to_dict()) == envelope


def test_every_response_model_keeps_extras() -> None:
    def walk(cls: type[Any]) -> set[type[Any]]:
        seen = {cls}
        for sub in cls.__subclasses__():
            seen |= walk(sub)
        return seen

    for cls in walk(ResponseModel):
        assert cls.model_config.get("extra") == "allow", cls
