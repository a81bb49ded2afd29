"""The consistency checker: it accepts everything the factory makes and every documented
example, and it catches each family of broken object (so passing it means something)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from harness import (
    InconsistentObjectError,
    Run,
    RunFactory,
    Thread,
    ThreadFactory,
    assert_consistent,
    check_run,
    check_thread,
)
from tests.test_models import SEED_RUNS, SEED_THREADS

Json = dict[str, Any]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_ten_thousand_random_runs_per_seed_are_consistent(seed: int) -> None:
    factory = RunFactory(seed)
    problems = {run.id: check_run(run) for run in factory.batch(10_000)}
    assert {rid: p for rid, p in problems.items() if p} == {}
    statuses = {run.status for run in RunFactory(seed).batch(500)}
    assert len(statuses) == 9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_threads_and_all_variants_are_consistent(seed: int) -> None:
    threads = ThreadFactory(seed).batch(2_000)
    assert [p for t in threads if (p := check_thread(t))] == []
    variants = list(RunFactory(seed).variants())
    assert [p for r in variants if (p := check_run(r))] == []
    assert [p for t in ThreadFactory(seed).variants() if (p := check_thread(t))] == []


def test_documented_examples_pass_and_the_broken_one_is_caught() -> None:
    """The API reference's examples are consistent; the seed set also holds a queued run
    carrying completed_at, usage and last_error (what Prism serves), which must fail."""
    good = [r for r in SEED_RUNS if r["id"].startswith("run_")]
    assert len(good) >= 4
    assert [check_run(r) for r in good] == [[] for _ in good]
    assert all(check_thread(t) == [] for t in SEED_THREADS)
    prism_like = next(r for r in SEED_RUNS if r["status"] == "queued")
    problems = " | ".join(check_run(prism_like))
    for field in ("completed_at", "usage", "last_error", "max_prompt_tokens"):
        assert field in problems


# --------------------------------------------------------------------------- broken objects


def _run(status: str, seed: int = 7, **overrides: Any) -> Json:
    """A consistent run of ``status`` as a dict, to break by hand."""
    data = RunFactory(seed).build_dict(status=status, **overrides)
    assert check_run(data) == []
    return copy.deepcopy(data)


def _violations(data: Json, **kwargs: Any) -> str:
    problems = check_run(data, **kwargs)
    assert problems, "the checker accepted a broken run"
    return " | ".join(problems)


BREAKS: list[tuple[str, str, Callable[[Json], object], str]] = [
    # family, status, how to break it, field the message must name
    ("ids", "completed", lambda d: d.update(id="xyz_1"), "id:"),
    ("ids", "completed", lambda d: d.update(thread_id="thr_1"), "thread_id:"),
    ("ids", "completed", lambda d: d.update(assistant_id="assistant_1"), "assistant_id:"),
    ("started", "in_progress", lambda d: d.update(started_at=None), "started_at:"),
    ("order", "completed", lambda d: d.update(started_at=d["created_at"] - 5), "started_at:"),
    ("order", "completed", lambda d: d.update(completed_at=d["started_at"] - 1), "completed_at:"),
    ("terminal", "queued", lambda d: d.update(completed_at=d["created_at"] + 9), "completed_at:"),
    ("terminal", "failed", lambda d: d.update(failed_at=None), "failed_at:"),
    ("terminal", "incomplete", lambda d: d.update(cancelled_at=d["started_at"]), "cancelled_at:"),
    ("expires", "completed", lambda d: d.update(expires_at=d["created_at"] + 600), "expires_at:"),
    ("expires", "queued", lambda d: d.update(expires_at=None), "expires_at:"),
    ("usage", "queued", lambda d: d.update(usage=_usage(1, 2)), "usage:"),
    ("usage", "completed", lambda d: d.update(usage=None), "usage:"),
    ("usage", "completed", lambda d: d["usage"].update(total_tokens=-1), "usage.total_tokens:"),
    (
        "usage",
        "completed",
        lambda d: d.update(max_completion_tokens=300, usage=_usage(10, 300)),
        "usage.completion_tokens:",
    ),
    ("last_error", "failed", lambda d: d.update(last_error=None), "last_error:"),
    (
        "last_error",
        "completed",
        lambda d: d.update(last_error={"code": "server_error", "message": "x"}),
        "last_error:",
    ),
    ("incomplete", "incomplete", lambda d: d.update(incomplete_details=None), "incomplete_details"),
    (
        "incomplete",
        "completed",
        lambda d: d.update(incomplete_details={"reason": "max_prompt_tokens"}),
        "incomplete_details:",
    ),
    (
        "incomplete",
        "incomplete",
        lambda d: d.update(
            incomplete_details={"reason": "max_completion_tokens"},
            max_completion_tokens=1000,
            usage=_usage(10, 999),
        ),
        "usage.completion_tokens:",
    ),
    (
        "incomplete",
        "incomplete",
        lambda d: d.update(
            incomplete_details={"reason": "max_prompt_tokens"}, max_prompt_tokens=None
        ),
        "incomplete_details.reason:",
    ),
    (
        "required_action",
        "requires_action",
        lambda d: d.update(required_action=None),
        "required_action:",
    ),
    (
        "required_action",
        "completed",
        lambda d: d.update(required_action=_action("f")),
        "required_action:",
    ),
    (
        "required_action",
        "requires_action",
        lambda d: _calls(d)[0]["function"].update(name="not_a_tool"),
        ".function.name:",
    ),
    (
        "required_action",
        "requires_action",
        lambda d: _calls(d)[0]["function"].update(arguments="[1, 2]"),
        ".function.arguments:",
    ),
    (
        "required_action",
        "requires_action",
        lambda d: _calls(d)[0]["function"].update(arguments="{not json"),
        ".function.arguments:",
    ),
    ("required_action", "requires_action", lambda d: _calls(d)[0].update(id="tool_1"), ".id:"),
    ("required_action", "requires_action", lambda d: d.update(tool_choice="none"), "tool_choice:"),
    (
        "tool_choice",
        "completed",
        lambda d: d.update(tools=[], tool_choice="required"),
        "tool_choice:",
    ),
    (
        "tool_choice",
        "completed",
        lambda d: d.update(tools=[], tool_choice={"type": "file_search"}),
        "tool_choice:",
    ),
    (
        "tool_choice",
        "completed",
        lambda d: d.update(tool_choice={"type": "function", "function": {"name": "nope"}}),
        "tool_choice:",
    ),
    (
        "limits",
        "completed",
        lambda d: d.update(max_prompt_tokens=255, usage=_usage(1, 1)),
        "max_prompt_tokens:",
    ),
    ("limits", "completed", lambda d: d.update(temperature=2.5), "temperature"),
    ("limits", "completed", lambda d: d.update(top_p=1.5), "top_p"),
    (
        "limits",
        "completed",
        lambda d: d.update(tools=[{"type": "code_interpreter"}] * 21, tool_choice="auto"),
        "tools",
    ),
    (
        "limits",
        "completed",
        lambda d: d.update(truncation_strategy={"type": "last_messages", "last_messages": None}),
        "truncation_strategy.last_messages:",
    ),
    (
        "limits",
        "completed",
        lambda d: d.update(truncation_strategy={"type": "auto", "last_messages": 3}),
        "truncation_strategy.last_messages:",
    ),
    (
        "metadata",
        "completed",
        lambda d: d.update(metadata={f"k{i}": "v" for i in range(17)}),
        "metadata",
    ),
    ("metadata", "completed", lambda d: d.update(metadata={"k": "v" * 513}), "metadata"),
]


def _usage(prompt: int, completion: int) -> Json:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _action(name: str) -> Json:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": "{}"}}
    return {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [call]}}


def _calls(data: Json) -> list[Json]:
    calls: list[Json] = data["required_action"]["submit_tool_outputs"]["tool_calls"]
    return calls


@pytest.mark.parametrize(
    ("family", "status", "breaker", "field"),
    BREAKS,
    ids=[f"{b[0]}-{i}" for i, b in enumerate(BREAKS)],
)
def test_checker_fails_on_hand_broken_runs(
    family: str, status: str, breaker: Callable[[Json], object], field: str
) -> None:
    data = _run(status, tool_choice="auto" if status != "requires_action" else "function")
    breaker(data)
    assert field in _violations(data)


def test_parallel_tool_calls_false_allows_one_call() -> None:
    data = _run("requires_action", tools=["function"], parallel_tool_calls=True, seed=3)
    first = _calls(data)[0]
    data["required_action"]["submit_tool_outputs"]["tool_calls"] = [
        first,
        {**first, "id": "call_second"},
    ]
    assert check_run(data) == []
    data["parallel_tool_calls"] = False
    assert "parallel_tool_calls is false" in _violations(data)


def test_forced_function_is_the_only_one_called() -> None:
    data = _run("requires_action", tools=["function", "function"], tool_choice="function")
    forced = data["tool_choice"]["function"]["name"]
    other = next(t["function"]["name"] for t in data["tools"] if t["function"]["name"] != forced)
    _calls(data)[0]["function"]["name"] = other
    assert "tool_choice forces" in _violations(data)


def test_run_must_belong_to_the_thread_given() -> None:
    thread = ThreadFactory(1).build()
    run = RunFactory(1).build(thread=thread)
    assert check_run(run, thread=thread) == []
    other = ThreadFactory(2).build()
    assert "thread_id:" in _violations(run.to_dict(), thread=other)
    early = Thread.model_validate({**thread.to_dict(), "created_at": run.created_at + 1})
    assert "created_at:" in _violations(run.to_dict(), thread=early)


def test_thread_checker_catches_bad_ids_and_limits() -> None:
    good = ThreadFactory(4).build_dict(tool_resources=["code_interpreter", "file_search"])
    assert check_thread(good) == []
    cases: list[tuple[Callable[[Json], object], str]] = [
        (lambda d: d.update(id="th_1"), "id:"),
        (lambda d: d["tool_resources"]["code_interpreter"].update(file_ids=["f_1"]), "file_ids[0]"),
        (
            lambda d: d["tool_resources"]["code_interpreter"].update(
                file_ids=[f"file-{i}" for i in range(21)]
            ),
            "file_ids",
        ),
        (
            lambda d: d["tool_resources"]["file_search"].update(vector_store_ids=["vs_1", "vs_2"]),
            "vector_store_ids",
        ),
        (
            lambda d: d["tool_resources"]["file_search"].update(vector_store_ids=["store_1"]),
            "vector_store_ids[0]",
        ),
        (lambda d: d.update(metadata={f"k{i}": "v" for i in range(17)}), "metadata"),
        (lambda d: d.update(created_at=-1), "created_at"),
    ]
    for breaker, field in cases:
        data = copy.deepcopy(good)
        breaker(data)
        problems = check_thread(data)
        assert problems and field in " | ".join(problems), (field, problems)


def test_assert_consistent_raises_with_every_violation() -> None:
    run = RunFactory(5).build(status="queued")
    assert_consistent(run)
    broken = Run.model_validate(
        {**run.to_dict(), "completed_at": run.created_at + 1, "usage": _usage(1, 1)}
    )
    with pytest.raises(InconsistentObjectError) as info:
        assert_consistent(broken)
    assert "completed_at" in str(info.value)
    assert "usage" in str(info.value)
    assert isinstance(info.value, AssertionError)


def test_mapping_that_fails_validation_is_reported_not_raised() -> None:
    problems = check_run({"id": "run_1", "object": "thread.run"})
    assert problems
    assert any(p.startswith("status:") for p in problems)
    assert json.dumps(problems)


def test_limits_the_models_enforce_come_back_as_validation_violations() -> None:
    """Limits the models validate (metadata, tools, names, ranges) are not re-checked by a rule
    that could never fire: a mapping breaking one is reported through validation."""
    data = _run("completed")
    data["metadata"] = {f"k{i}": "v" for i in range(17)}
    data["temperature"] = 3
    problems = check_run(data)
    assert any(p.startswith("metadata:") for p in problems), problems
    assert any(p.startswith("temperature:") for p in problems), problems
