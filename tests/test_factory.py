"""The factory: variants cover what they promise, every object matches the official spec and
parses in the official SDK, output depends only on the seed, overrides expand or fail clearly."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openai.types.beta import Thread as SdkThread
from openai.types.beta.threads import Run as SdkRun

from harness import (
    FactoryError,
    Run,
    RunFactory,
    Thread,
    ThreadFactory,
    check_run,
    check_thread,
    run_variants,
    thread_variants,
    to_sdk,
    variant_id,
)
from harness.api.constants import (
    EPOCH_BASE,
    EPOCH_SPAN,
    INCOMPLETE_REASONS,
    LAST_ERROR_CODES,
    RESPONSE_FORMAT_KINDS,
    RUN_STATUSES,
)
from harness.cli import main
from harness.factory import TOOL_CHOICE_KINDS
from tests.helpers import invoke
from tests.spec import spec_validator

RUN_VARIANTS = run_variants(3)
THREAD_VARIANTS = thread_variants(3)
REPO = Path(__file__).resolve().parent.parent


def _choice_kind(run: Run) -> str:
    choice = run.to_dict()["tool_choice"]
    return choice if isinstance(choice, str) else choice["type"]


def _format_kind(run: Run) -> str:
    fmt = run.to_dict()["response_format"]
    return fmt if isinstance(fmt, str) else fmt["type"]


# --------------------------------------------------------------------------- variants


def test_run_variants_cover_every_status_format_and_option() -> None:
    pairs = [(r.status, _format_kind(r)) for r in RUN_VARIANTS]
    assert sorted(pairs) == sorted((s, f) for s in RUN_STATUSES for f in RESPONSE_FORMAT_KINDS)
    assert len({variant_id(r) for r in RUN_VARIANTS}) == len(RUN_VARIANTS) == 36
    dumps = [r.to_dict() for r in RUN_VARIANTS]
    assert {_choice_kind(r) for r in RUN_VARIANTS} == set(TOOL_CHOICE_KINDS)
    assert {t["type"] for d in dumps for t in d["tools"]} == {
        "code_interpreter",
        "file_search",
        "function",
    }
    assert any(d["tools"] == [] for d in dumps)
    assert {d["last_error"]["code"] for d in dumps if d["last_error"]} == set(LAST_ERROR_CODES)
    assert {d["incomplete_details"]["reason"] for d in dumps if d["incomplete_details"]} == set(
        INCOMPLETE_REASONS
    )
    assert {d["truncation_strategy"]["type"] for d in dumps} == {"auto", "last_messages"}
    assert {len(d["metadata"]) for d in dumps} >= {0, 16}
    assert {d["parallel_tool_calls"] for d in dumps} == {True, False}
    assert all(d["thread_id"].startswith("thread_") for d in dumps)
    assert all(check_run(r) == [] for r in RUN_VARIANTS)


def test_thread_variants_cover_each_tool_resource_kind_and_metadata_size() -> None:
    dumps = [t.to_dict() for t in THREAD_VARIANTS]
    resources = [d["tool_resources"] for d in dumps]
    assert None in resources and {} in resources
    for kind in ("code_interpreter", "file_search"):
        assert any(r and kind in r for r in resources)
        assert any(r is not None and kind not in r for r in resources)
    assert any(r and len(r) == 2 for r in resources)
    assert {len(d["metadata"]) for d in dumps} == {0, 16}
    assert (
        max(
            len(r["code_interpreter"]["file_ids"])
            for r in resources
            if r and "code_interpreter" in r
        )
        == 20
    )
    assert len({variant_id(t) for t in THREAD_VARIANTS}) == len(THREAD_VARIANTS) == 10
    assert all(check_thread(t) == [] for t in THREAD_VARIANTS)


def test_variants_on_one_thread_belong_to_it() -> None:
    thread = ThreadFactory(8).build()
    runs = list(RunFactory(8).variants(thread=thread))
    assert len(runs) == 36
    assert all(r.thread_id == thread.id and r.created_at >= thread.created_at for r in runs)
    assert all(check_run(r, thread=thread) == [] for r in runs)
    with pytest.raises(FactoryError, match="status"):
        list(RunFactory(8).variants(status="completed"))


# --------------------------------------------------------------------------- spec and SDK


def _sample_runs() -> Iterator[Run]:
    yield from RUN_VARIANTS
    yield from RunFactory(11).batch(300)


def test_every_run_matches_the_spec_run_object() -> None:
    validator = spec_validator("RunObject")
    errors = {r.id: [e.message for e in validator.iter_errors(r.to_dict())] for r in _sample_runs()}
    assert {k: v for k, v in errors.items() if v} == {}


def test_every_thread_matches_the_spec_thread_object() -> None:
    validator = spec_validator("ThreadObject")
    threads = [*THREAD_VARIANTS, *ThreadFactory(11).batch(300)]
    errors = {t.id: [e.message for e in validator.iter_errors(t.to_dict())] for t in threads}
    assert {k: v for k, v in errors.items() if v} == {}


def test_spec_validator_is_not_vacuous() -> None:
    bad = RUN_VARIANTS[0].to_dict()
    bad["max_prompt_tokens"] = 12
    bad["status"] = "paused"
    messages = [e.message for e in spec_validator("RunObject").iter_errors(bad)]
    assert len(messages) == 2


def _same_fields(ours: dict[str, Any], sdk: dict[str, Any]) -> None:
    assert set(ours) == set(sdk)
    for key, value in ours.items():
        assert sdk[key] == value, key


def test_every_object_parses_in_the_official_sdk_types_field_by_field() -> None:
    for run in _sample_runs():
        sdk = SdkRun.model_validate(run.to_dict())
        _same_fields(run.to_dict(), sdk.model_dump(mode="json", by_alias=True, exclude_unset=True))
        assert isinstance(to_sdk(run), SdkRun)
    for thread in [*THREAD_VARIANTS, *ThreadFactory(12).batch(100)]:
        sdk_thread = SdkThread.model_validate(thread.to_dict())
        dumped = sdk_thread.model_dump(mode="json", by_alias=True, exclude_unset=True)
        _same_fields(thread.to_dict(), dumped)
    assert isinstance(ThreadFactory(1).build_sdk(), SdkThread)
    assert RunFactory(1).build_sdk(status="failed").last_error is not None


def test_to_sdk_without_openai_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("openai", "openai.types", "openai.types.beta", "openai.types.beta.threads"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match="pip install openai"):
        to_sdk(RUN_VARIANTS[0])


# --------------------------------------------------------------------------- output forms


def test_dict_json_and_model_forms_agree() -> None:
    as_model = RunFactory(21).batch(200)
    factory = RunFactory(21)
    as_dict = [factory.build_dict() for _ in range(200)]
    factory = RunFactory(21)
    as_json = [factory.build_json() for _ in range(200)]
    assert [json.dumps(r.to_dict()) for r in as_model] == [json.dumps(d) for d in as_dict]
    assert [json.dumps(d) for d in as_dict] == as_json
    assert [Run.model_validate_json(j) for j in as_json] == as_model
    thread = ThreadFactory(21).build_json()
    assert Thread.model_validate_json(thread).to_dict() == json.loads(thread)


def test_created_at_comes_from_the_seed_not_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    before = RunFactory(5).build_json()
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    assert RunFactory(5).build_json() == before
    stamps = [r.created_at for r in RunFactory(5).batch(500)]
    stamps += [t.created_at for t in ThreadFactory(5).batch(500)]
    assert all(EPOCH_BASE <= stamp < EPOCH_BASE + EPOCH_SPAN + 3_600 for stamp in stamps)


def test_global_random_state_does_not_matter() -> None:
    def sample() -> str:
        runs = RunFactory(99)
        threads = ThreadFactory(99)
        out = []
        for i in range(50):
            random.seed(i)
            out.append(runs.build_json())
            out.append(threads.build_json())
            random.random()
        return "\n".join(out)

    random.seed(1)
    first = sample()
    random.seed(2)
    assert sample() == first
    assert RunFactory(100).build_json() != RunFactory(99).build_json()


_SCRIPT = textwrap.dedent(
    """
    import json, random, sys
    from harness import RunFactory, ThreadFactory
    random.seed(int(sys.argv[2]))
    seed = int(sys.argv[1])
    runs = [r.to_dict() for r in RunFactory(seed).batch(300)]
    runs += [r.to_dict() for r in RunFactory(seed).variants()]
    threads = [t.to_dict() for t in ThreadFactory(seed).variants()]
    sys.stdout.write(json.dumps([runs, threads]))
    """
)


def _generate_in_subprocess(seed: int, global_seed: int, hash_seed: str) -> bytes:
    env = {"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(seed), str(global_seed)],
        check=True,
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=60,
    ).stdout


@pytest.mark.slow
def test_same_seed_gives_identical_bytes_in_new_processes() -> None:
    first = _generate_in_subprocess(42, 1, "1")
    again = _generate_in_subprocess(42, 2, "2")
    other = _generate_in_subprocess(43, 1, "1")
    assert len(first) > 100_000
    assert first == again
    assert first != other
    in_process = json.loads(first)[0][0]
    assert in_process == RunFactory(42).build().to_dict()


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize("kind", RESPONSE_FORMAT_KINDS)
def test_response_format_shorthand_expands_to_a_valid_object(kind: str) -> None:
    run = RunFactory(1).build(response_format=kind)
    fmt = run.to_dict()["response_format"]
    if kind == "auto":
        assert fmt == "auto"
    else:
        assert fmt["type"] == kind
    if kind == "json_schema":
        assert fmt["json_schema"]["name"]
        assert fmt["json_schema"]["schema"]["type"] == "object"


@pytest.mark.parametrize("status", RUN_STATUSES)
def test_status_override_builds_a_consistent_run(status: str) -> None:
    runs = RunFactory(2).batch(200, status=status)
    assert {r.status for r in runs} == {status}
    assert [p for r in runs if (p := check_run(r))] == []


def test_shorthands_and_dependent_fields_follow_overrides() -> None:
    factory = RunFactory(6)
    run = factory.build(
        status="incomplete", incomplete_details="max_completion_tokens", max_completion_tokens=300
    )
    assert run.usage is not None and run.usage.completion_tokens == 300
    failed = factory.build(status="failed", last_error="rate_limit_exceeded")
    assert failed.last_error is not None and failed.last_error.code == "rate_limit_exceeded"
    named = factory.build(
        tool_choice={"type": "function", "function": {"name": "lookup_x"}}, status="requires_action"
    )
    assert named.required_action is not None
    calls = named.required_action.submit_tool_outputs.tool_calls
    assert {c.function.name for c in calls} == {"lookup_x"}
    assert all(
        c.id.startswith("call_") and isinstance(json.loads(c.function.arguments), dict)
        for c in calls
    )
    one = factory.build(status="requires_action", parallel_tool_calls=False)
    assert one.required_action is not None
    assert len(one.required_action.submit_tool_outputs.tool_calls) == 1
    full = factory.build(metadata=16, tools=["function", "code_interpreter"])
    assert full.metadata is not None and len(full.metadata) == 16
    assert [t.type for t in full.tools] == ["function", "code_interpreter"]
    truncated = factory.build(truncation_strategy="last_messages")
    assert truncated.truncation_strategy is not None
    assert truncated.truncation_strategy.last_messages is not None
    threads = ThreadFactory(6)
    assert (
        threads.build(tool_resources="file_search")
        .to_dict()["tool_resources"]["file_search"]["vector_store_ids"][0]
        .startswith("vs_")
    )
    assert threads.build(metadata={"a": "b"}).metadata == {"a": "b"}


def test_plain_field_overrides_are_used_as_given() -> None:
    run = RunFactory(1).build(
        model="gpt-x",
        instructions="Be brief.",
        temperature=0.5,
        id="run_custom",
        status="completed",
    )
    assert (run.model, run.instructions, run.temperature, run.id) == (
        "gpt-x",
        "Be brief.",
        0.5,
        "run_custom",
    )


@pytest.mark.parametrize(
    ("factory", "overrides", "names"),
    [
        (RunFactory, {"status": "paused"}, ["status", "'paused'", "queued"]),
        (RunFactory, {"metadata": {f"k{i}": "v" for i in range(17)}}, ["metadata", "17", "16"]),
        (RunFactory, {"metadata": 17}, ["metadata", "17", "16"]),
        (ThreadFactory, {"metadata": {f"k{i}": "v" for i in range(17)}}, ["metadata", "17"]),
        (RunFactory, {"colour": "red"}, ["colour", "allowed"]),
        (ThreadFactory, {"status": "queued"}, ["status", "allowed"]),
        (
            RunFactory,
            {"status": "queued", "completed_at": 1_704_067_300},
            ["completed_at", "queued"],
        ),
        (RunFactory, {"status": "completed", "usage": None}, ["usage", "completed"]),
        (
            RunFactory,
            {"status": "requires_action", "tools": ["code_interpreter"]},
            ["requires_action", "function"],
        ),
        (RunFactory, {"tool_choice": "required", "tools": []}, ["tool_choice", "required"]),
        (RunFactory, {"tool_choice": "sometimes"}, ["tool_choice", "'sometimes'", "allowed"]),
        (RunFactory, {"response_format": "yaml"}, ["response_format", "'yaml'", "json_schema"]),
        (RunFactory, {"max_prompt_tokens": 100}, ["max_prompt_tokens", "100", "256"]),
        (RunFactory, {"temperature": 3.0}, ["temperature", "3.0"]),
        (RunFactory, {"status": "failed", "last_error": "oops"}, ["last_error", "'oops'"]),
        (RunFactory, {"tools": ["calculator"]}, ["tools", "'calculator'"]),
        (RunFactory, {"thread": "thread_1"}, ["thread", "Thread"]),
        (ThreadFactory, {"tool_resources": "web"}, ["tool_resources", "'web'"]),
    ],
)
def test_bad_overrides_raise_naming_the_field(
    factory: type[RunFactory] | type[ThreadFactory], overrides: dict[str, Any], names: list[str]
) -> None:
    with pytest.raises(FactoryError) as info:
        factory(1).build(**overrides)
    assert isinstance(info.value, ValueError)
    for name in names:
        assert name in str(info.value), (name, str(info.value))


def test_run_on_a_thread() -> None:
    thread = ThreadFactory(4).build()
    runs = RunFactory(4).batch(100, thread=thread, status="requires_action")
    assert all(r.thread_id == thread.id and r.created_at >= thread.created_at for r in runs)
    assert [p for r in runs if (p := check_run(r, thread=thread))] == []
    with pytest.raises(FactoryError, match="thread_id"):
        RunFactory(4).build(thread=thread, thread_id="thread_other")


# --------------------------------------------------------------------------- CLI


def _runs_from_jsonl(text: str) -> list[Run]:
    return [Run.model_validate_json(line) for line in text.splitlines()]


def test_cli_generates_runs_and_threads() -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "generate",
            "run",
            "--count",
            "3",
            "--format",
            "jsonl",
            "--seed",
            "5",
            "--status",
            "failed",
        ],
    )
    assert result.exit_code == 0, result.output
    runs = _runs_from_jsonl(result.stdout)
    assert [r.status for r in runs] == ["failed"] * 3
    assert (
        result.stdout
        == runner.invoke(
            main,
            [
                "generate",
                "run",
                "-n",
                "3",
                "--format",
                "jsonl",
                "--seed",
                "5",
                "--status",
                "failed",
            ],
        ).stdout
    )
    variants = runner.invoke(main, ["generate", "run", "--all-variants", "--seed", "3"])
    assert variants.exit_code == 0
    parsed = [Run.model_validate(d) for d in json.loads(variants.stdout)]
    assert [r.to_dict() for r in parsed] == [r.to_dict() for r in RUN_VARIANTS]
    some = runner.invoke(
        main,
        [
            "generate",
            "run",
            "--all-variants",
            "--response-format",
            "json_schema",
            "--format",
            "jsonl",
        ],
    )
    assert len(some.stdout.splitlines()) == 9
    threads = runner.invoke(main, ["generate", "thread", "--all-variants", "--format", "jsonl"])
    assert len([Thread.model_validate_json(x) for x in threads.stdout.splitlines()]) == 10


def test_cli_writes_output_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out" / "runs.json"
    result = invoke("generate", "run", "-n", "4", "-o", str(target))
    assert result.stdout == ""
    assert len([Run.model_validate(d) for d in json.loads(target.read_text())]) == 4
    assert [p.name for p in target.parent.iterdir()] == ["runs.json"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["generate", "run", "--status", "bogus"], "--status"),
        (["generate", "run", "--response-format", "xml"], "--response-format"),
        (["generate", "run", "--count", "0"], "--count"),
        (["generate", "run", "--count", "many"], "--count"),
        (["generate", "run", "--format", "csv"], "--format"),
        (["generate", "vector_store"], "'vector_store'"),
        (["generate", "thread", "--status", "queued"], "--status"),
        (["generate", "run", "--all-variants", "--count", "2"], "--all-variants"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(args: list[str], named: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named.lower() in lines[0].lower()
    assert "Traceback" not in result.stderr


def test_cli_in_a_real_subprocess() -> None:
    harness = Path(sys.executable).parent / "harness"
    done = subprocess.run(
        [str(harness), "generate", "run", "--count", "3", "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    runs = _runs_from_jsonl(done.stdout)
    assert len(runs) == 3
    assert all(check_run(r) == [] for r in runs)
    bad = subprocess.run(
        [str(harness), "generate", "run", "--status", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr


# --------------------------------------------------------------------------- pytest fixtures


_FIXTURE_TESTS = """
import json, pathlib, random

def _record(request, value):
    out = pathlib.Path(request.config.rootpath) / "seen.jsonl"
    with out.open("a") as fh:
        fh.write(json.dumps({"id": request.node.nodeid, "value": value}) + "\\n")

def test_a(request, run_factory, thread_factory):
    random.random()
    _record(request, [run_factory.build_json(), thread_factory.build_json()])

def test_b(request, run_factory):
    _record(request, run_factory.build_json())

def test_c(request, run_factory):
    _record(request, run_factory.build_json())
"""


def _seen(pytester: pytest.Pytester, *args: str) -> dict[str, Any]:
    seen = pytester.path / "seen.jsonl"
    if seen.exists():
        seen.unlink()
    # In-process and without hypothesis's plugin (its import dominates an inline run).
    result = pytester.runpytest("-p", "no:hypothesispytest", *args)
    result.assert_outcomes(passed=3)
    return {(row := json.loads(line))["id"]: row["value"] for line in seen.read_text().splitlines()}


def test_factory_fixtures_are_seeded_per_test_and_ignore_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_seeded=_FIXTURE_TESTS)
    plain = _seen(pytester, "-p", "no:randomly")
    shuffled = _seen(pytester, "-p", "randomly", "-p", "no:cacheprovider", "--randomly-seed=12345")
    other_order = _seen(pytester, "-p", "randomly", "--randomly-seed=999")
    assert plain == shuffled == other_order
    assert plain["test_seeded.py::test_b"] != plain["test_seeded.py::test_c"]
    reseeded = _seen(pytester, "-p", "no:randomly", "--harness-seed", "7")
    assert reseeded != plain
    assert reseeded == _seen(pytester, "-p", "no:randomly", "--harness-seed=7")
    pytester.makeini("[pytest]\nharness_seed = 7\n")
    assert _seen(pytester, "-p", "no:randomly") == reseeded


@pytest.mark.slow
def test_variant_parametrization_has_readable_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_variants="""
        import pytest
        from harness import check_run, check_thread, run_variants, variant_id

        def test_run(run_variant):
            assert check_run(run_variant) == []

        def test_thread(thread_variant):
            assert check_thread(thread_variant) == []

        @pytest.mark.parametrize("run_variant", run_variants(5)[:2], ids=variant_id)
        def test_explicit(run_variant):
            assert run_variant.status == "queued"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=36 + 10 + 2)
    result.stdout.fnmatch_lines(
        [
            "*test_run?requires_action-auto? PASSED*",
            "*test_run?completed-json_schema? PASSED*",
            "*test_thread?code_interpreter+file_search-meta16? PASSED*",
            "*test_explicit?queued-text? PASSED*",
        ]
    )


@pytest.mark.parametrize(
    "tools", [[], ["code_interpreter"], ["file_search"], ["function"], ["function", "file_search"]]
)
def test_tools_override_alone_gets_a_matching_tool_choice(tools: list[str]) -> None:
    for seed in range(60):
        for status in RUN_STATUSES:
            if status == "requires_action" and "function" not in tools:
                continue
            run = RunFactory(seed).build(tools=tools, status=status)
            assert [t.type for t in run.tools] == tools
            assert check_run(run) == []


def test_incomplete_reason_follows_the_limit_left_set() -> None:
    for seed in range(40):
        run = RunFactory(seed).build(status="incomplete", max_prompt_tokens=None)
        assert run.incomplete_details is not None
        assert run.incomplete_details.reason == "max_completion_tokens"
    with pytest.raises(FactoryError, match="max_completion_tokens is null"):
        RunFactory(1).build(status="incomplete", max_prompt_tokens=None, max_completion_tokens=None)
