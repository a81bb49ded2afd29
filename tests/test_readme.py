"""Every Python snippet in README.md runs, so the README cannot drift from the code.

A snippet whose first line is a comment naming a file (``# tests/test_threads.py``,
``# conftest.py``) is that file of a downstream project: all of them are written into one
pytester project, which records (against the emulator) and then replays offline as CI would,
after the README's ``harness synthesize`` command. Every other snippet is executed as it is.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.helpers import invoke

README = Path(__file__).resolve().parent.parent / "README.md"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python\n(?P<code>.*?)^(?P=indent)```", re.S | re.M)
_FILE_HEADER = re.compile(r"#\s*(?P<file>[\w/.-]+\.py)\b")


def _snippets() -> list[tuple[int, str]]:
    text = README.read_text()
    found = []
    for match in _FENCE.finditer(text):
        indent = match["indent"]
        lines = [line.removeprefix(indent) for line in match["code"].splitlines()]
        found.append((text.count("\n", 0, match.start()) + 1, "\n".join(lines) + "\n"))
    return found


def _file_of(code: str) -> str | None:
    header = _FILE_HEADER.match(code)
    return header["file"] if header else None


SNIPPETS = _snippets()
STANDALONE = [(line, code) for line, code in SNIPPETS if _file_of(code) is None]
FILES = {_file_of(code): code for _, code in SNIPPETS if _file_of(code) is not None}


def test_the_readme_has_snippets_of_both_kinds() -> None:
    assert len(STANDALONE) >= 3
    assert {"tests/test_threads.py", "conftest.py"} <= set(FILES)


@pytest.mark.parametrize(("line", "code"), STANDALONE, ids=[f"line{n}" for n, _ in STANDALONE])
def test_standalone_snippet_runs(line: int, code: str) -> None:
    exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "readme_snippet"})


def _synthesize_commands() -> list[list[str]]:
    return [
        shlex.split(line.split("#", 1)[0])[1:]
        for line in README.read_text().splitlines()
        if line.startswith("harness synthesize ")
    ]


@pytest.mark.usefixtures("not_on_ci")
def test_downstream_project_snippets_record_then_replay_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, code in FILES.items():
        target = pytester.path / str(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
    monkeypatch.chdir(pytester.path)
    commands = _synthesize_commands()
    assert commands, "the README shows how to synthesize cassettes"
    for args in commands:
        invoke(*args)

    recorded = pytester.runpytest("-p", "no:randomly")
    recorded.assert_outcomes(passed=len(FILES) - 1)
    assert (
        pytester.path / "cassettes" / "tests" / "test_threads" / "test_tag_thread.json"
    ).is_file()

    monkeypatch.setenv("CI", "true")
    replayed = pytester.runpytest("-p", "no:randomly", "--offline")
    replayed.assert_outcomes(passed=len(FILES) - 1)


def test_ci_runs_the_readme_set_up_commands_verbatim() -> None:
    text = README.read_text()
    set_up = text.split("## Set-up", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in set_up.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    ci = (README.parent / ".ci" / "run").read_text().splitlines()
    for command in commands:
        assert command in ci, f".ci/run does not run the README's {command!r} verbatim"
