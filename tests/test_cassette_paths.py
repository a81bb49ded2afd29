"""Cassettes are keyed on the test module's path from the rootdir, so same-named modules in
two directories never share (and silently merge) a cassette; cassettes at the old location
(the module's name only) are still found, with a warning that says how to move them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import DOWNSTREAM_COMMON

pytestmark = pytest.mark.usefixtures("not_on_ci")

MODULE = (
    DOWNSTREAM_COMMON
    + """
@pytest.mark.cassette
def test_m(base_url):
    client = openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=base_url, max_retries=0)
    thread = client.beta.threads.create(metadata={"from": "WHERE"})
    assert client.beta.threads.retrieve(thread.id).metadata == {"from": "WHERE"}
"""
)
ARGS = ("-p", "no:randomly", "--import-mode=importlib")


def _project(pytester: pytest.Pytester) -> None:
    for where in ("a", "b"):
        directory = pytester.path / "tests" / where
        directory.mkdir(parents=True)
        (directory / "test_x.py").write_text(MODULE.replace("WHERE", where))


def _recorded_metadata(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text())
    return data["interactions"][0]["request"]["json"]["metadata"]


def test_same_named_modules_get_their_own_cassettes(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.runpytest(*ARGS).assert_outcomes(passed=2)
    root = pytester.path / "cassettes" / "tests"
    assert _recorded_metadata(root / "a" / "test_x" / "test_m.json") == {"from": "a"}
    assert _recorded_metadata(root / "b" / "test_x" / "test_m.json") == {"from": "b"}
    assert not (pytester.path / "cassettes" / "test_x").exists()
    pytester.runpytest(*ARGS, "--cassette-mode=none", "--offline").assert_outcomes(passed=2)


def test_cassettes_at_the_old_location_are_used_with_a_warning_saying_how_to_move_them(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    (pytester.path / "tests" / "b" / "test_x.py").unlink()
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)
    new = pytester.path / "cassettes" / "tests" / "a" / "test_x"
    old = pytester.path / "cassettes" / "test_x"
    new.rename(old)

    result = pytester.runpytest(*ARGS, "--cassette-mode=none", "--offline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*HarnessCassetteMovedWarning: harness: cassettes of tests/a/test_x.py found at the "
            "old location cassettes/test_x/ *; using them. Move them (from the rootdir): "
            "mkdir -p cassettes/tests/a && git mv cassettes/test_x cassettes/tests/a/test_x"
        ]
    )
    assert result.stdout.str().count("HarnessCassetteMovedWarning") == 1
    assert not new.exists() and (old / "test_m.json").is_file()
