"""Every malformed cassette in tests/data/malformed: exit 2 and one line naming the file, for
``verify`` and for ``replay`` startup, through the real console entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from tests.helpers import invoke

MALFORMED = Path(__file__).parent / "data" / "malformed"
CASES = sorted(MALFORMED.iterdir())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def _one_line_error(result_stderr: str, path: Path) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, result_stderr
    assert "Traceback" not in result_stderr
    assert path.name in lines[0]
    return lines[0]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
@pytest.mark.parametrize("command", ["verify", "replay", "regenerate"])
def test_malformed_input_exits_2_with_one_line(command: str, path: Path) -> None:
    result = invoke(command, str(path), exit_code=2)
    assert result.stdout == ""
    _one_line_error(result.stderr, path)


def test_vcrpy_cassette_says_what_it_is() -> None:
    path = MALFORMED / "vcrpy-cassette.yaml"
    result = CliRunner().invoke(main, ["verify", str(path)])
    line = _one_line_error(result.stderr, path)
    assert "vcrpy" in line and "re-record" in line


def test_json_error_names_the_line() -> None:
    path = MALFORMED / "truncated.json"
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert f"{path}:" in _one_line_error(result.stderr, path).split(": ", 1)[1]


def test_first_bad_file_in_a_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes((MALFORMED / "wrong-version.json").read_bytes())
    result = invoke("verify", str(tmp_path), exit_code=2)
    assert "a.json" in _one_line_error(result.stderr, tmp_path / "a.json")
    assert "version" in result.stderr


@pytest.mark.parametrize("command", ["verify", "replay", "regenerate"])
def test_missing_path_and_directory_without_cassettes(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    result = invoke(command, str(missing), exit_code=2)
    _one_line_error(result.stderr, missing)
    (tmp_path / "notes.txt").write_text("not a cassette\n")
    result = invoke(command, str(tmp_path), exit_code=2)
    assert "no cassette files" in _one_line_error(result.stderr, tmp_path)


def test_console_script_prints_no_traceback() -> None:
    """Through a real process, not click's runner: the exit code and stderr a shell sees."""
    path = MALFORMED / "binary-junk.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    _one_line_error(done.stderr, path)


def test_corpus_covers_what_a_server_cannot_send() -> None:
    names = {p.name for p in CASES}
    for case in (
        "deep-nesting.json",
        "huge-integer.json",
        "path-nul.json",
        "path-lone-surrogate.json",
        "body-lone-surrogate.json",
        "header-crlf.json",
        "header-non-ascii.json",
        "status-101.json",
        "status-204-with-body.json",
        "status-304-with-body.json",
    ):
        assert case in names


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("path-nul.json", "interactions[0].request.path"),
        ("path-lone-surrogate.json", "interactions[0].request.path"),
        ("header-crlf.json", "interactions[0].response.headers.x-note"),
        ("header-non-ascii.json", "interactions[0].response.headers.x-note"),
        ("body-lone-surrogate.json", "interactions[0].response.json"),
        ("status-101.json", "interactions[0].response.status"),
        ("status-204-with-body.json", "interactions[0].response"),
    ],
)
def test_unsendable_fields_are_named_when_loading(case: str, field: str) -> None:
    result = CliRunner().invoke(main, ["verify", str(MALFORMED / case)])
    assert result.exit_code == 2
    line = _one_line_error(result.stderr, MALFORMED / case)
    assert field in line


BAD_TARGETS = [
    "ftp://127.0.0.1:9",
    "127.0.0.1:9",
    "http://",
    "http://127.0.0.1:99999",
    "http://[::1",
    "http://FAKEuser:FAKEpassword@127.0.0.1:9",
    "http://127.0.0.1:9/v1?api-key=FAKEqueryKEY123",
    "http://127.0.0.1:9 /v1",
]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_bad_target_url_is_one_line_without_userinfo(target: str) -> None:
    # The target is checked before any cassette is read: a missing path would be named.
    result = CliRunner().invoke(
        main, ["regenerate", "no-such-dir", "--target", target], env={"OPENAI_API_KEY": "k"}
    )
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(result.stderr.splitlines()) == 1 and "--target" in line
    assert "FAKEpassword" not in line and "FAKEqueryKEY" not in line


@pytest.mark.parametrize("key", ["a b", "line\nbreak", "caf\u00e9"])
def test_key_a_header_cannot_carry_is_one_line_and_not_echoed(key: str) -> None:
    result = CliRunner().invoke(
        main,
        ["regenerate", "no-such-dir", "--target", "http://127.0.0.1:9"],
        env={"OPENAI_API_KEY": key},
    )
    assert result.exit_code == 2
    assert "no-such-dir" not in result.stderr  # the key was refused first
    assert len(result.stderr.splitlines()) == 1 and key not in result.stderr
