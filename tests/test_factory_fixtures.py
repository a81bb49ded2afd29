"""``register_factory``: fixtures that return built objects, overridden per test the pytest way
(parametrize ``run__status``, the ``harness_factory`` marker, a ``run__field`` fixture), linked
with ``fixture_ref``, parametrized over the variants, seeded from the session seed."""

from __future__ import annotations

import json
import re

import pytest

CONFTEST = """
from harness import RunFactory, ThreadFactory, fixture_ref, register_factory

register_factory(ThreadFactory, tool_resources="file_search")
register_factory(RunFactory, name="run", status="completed", thread=fixture_ref("thread"))
register_factory(RunFactory, name="other_run", status="completed")
register_factory(RunFactory, name="every_run", variants=True, metadata=16)
"""

TESTS = """
import json
import os

import pytest

from harness import Run, Thread, check_run

OUT = os.environ["FIXTURE_OUT"]


def record(request, run):
    with open(OUT, "a") as out:
        out.write(json.dumps({"test": request.node.name, "run": run.to_dict()}) + "\\n")


def test_defaults(request, run, thread, other_run):
    assert isinstance(run, Run) and isinstance(thread, Thread)
    assert run.status == "completed" and run.thread_id == thread.id
    assert thread.tool_resources.file_search is not None
    assert other_run.id != run.id  # each fixture has its own seed
    assert check_run(run, thread=thread) == []
    record(request, run)


@pytest.mark.parametrize("run__status", ["queued", "requires_action", "failed"])
def test_parametrized(request, run, run__status):
    assert run.status == run__status and check_run(run) == []
    record(request, run)


@pytest.mark.harness_factory("run", status="failed", last_error="rate_limit_exceeded")
def test_marker(run):
    assert run.status == "failed" and run.last_error.code == "rate_limit_exceeded"


@pytest.mark.harness_factory("run", status="failed")
@pytest.mark.parametrize("run__status", ["cancelled"])
def test_parametrize_beats_marker(run):
    assert run.status == "cancelled"


class TestFieldFixture:
    @pytest.fixture
    def run__metadata(self):
        return {"team": "billing"}

    def test_redefined(self, run):
        assert run.metadata == {"team": "billing"}


def test_every_variant(every_run):
    assert len(every_run.metadata) == 16 and check_run(every_run) == []


@pytest.mark.parametrize("run__status", ["queued", "expired"])
def test_with_run_variant(run_variant, run, run__status):
    assert run.status == run__status and run_variant.object == "thread.run"


@pytest.mark.parametrize("run__status", ["no_such_status"])
def test_bad_override(run):
    pass
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_register_factory_fixtures(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_fixtures=TESTS)
    out = pytester.path / "out.jsonl"
    monkeypatch.setenv("FIXTURE_OUT", str(out))
    result = _run(pytester, "-p", "no:randomly", "-v")
    # 1 + 3 + 1 + 1 + 1 + 36 variants + 36 x 2; the bad override is a setup error
    result.assert_outcomes(passed=1 + 3 + 1 + 1 + 1 + 36 + 72, errors=1)
    output = result.stdout.str()
    for line in (
        "test_parametrized[requires_action] PASSED",
        "test_every_variant[completed-json_schema] PASSED",
        "fixture 'run' of test_fixtures.py::test_bad_override[no_such_status]: status: "
        "'no_such_status' is not a run status; allowed: queued",
    ):
        assert line in output, line
    assert re.search(r"test_with_run_variant\[\S*cancelled-text\S*\] PASSED", output)
    assert "During handling" not in output
    first = out.read_text().splitlines()

    # Same session seed, same objects, whatever the order; another seed, other objects.
    out.unlink()
    _run(pytester, "-k", "defaults or parametrized")  # pytest-randomly on
    assert sorted(out.read_text().splitlines()) == sorted(first)
    out.unlink()
    _run(pytester, "--harness-seed=7", "-k", "defaults")
    other = json.loads(out.read_text())
    assert other["run"]["id"] != json.loads(first[0])["run"]["id"]
