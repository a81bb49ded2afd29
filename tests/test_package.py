"""The package as a user meets it: console script, ``python -m``, plugin registration, typing."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest

import harness


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_console_script_reports_the_version() -> None:
    script = Path(sys.executable).with_name("harness")
    result = _run(str(script), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"harness, version {version('assistants-harness')}"


def test_python_dash_m_runs_the_cli() -> None:
    result = _run(sys.executable, "-m", "harness", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = _run(sys.executable, "-m", "harness", "no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_plugin_is_registered_through_pytest11() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("harness") == "harness.plugin"


def test_markers_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.cassette*"])


def test_package_ships_py_typed() -> None:
    assert (Path(harness.__file__).parent / "py.typed").is_file()


def test_public_names_are_importable_from_the_top() -> None:
    for name in harness.__all__:
        assert getattr(harness, name) is not None, name
    assert set(harness.__all__) == {*harness._EXPORTS, "__version__"}


def test_importing_the_plugin_loads_only_what_start_up_needs() -> None:
    """pytest imports the plugin in every session of every project that has the package
    installed: vcrpy, pydantic, the factory or the emulator load only when a test asks."""
    code = (
        "import sys, pytest, harness.plugin\n"
        "heavy = ('vcr', 'pydantic', 'faker', 'httpx', 'httpx2', 'click', 'uvicorn', 'yaml')\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.startswith('harness') or m.split('.')[0] in heavy))\n"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        ["harness", "harness.plugin", "harness.plugin.config", "harness.plugin.fixtures"]
    )


def test_a_bad_seed_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("--harness-seed", "abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --harness-seed * must be an integer, got 'abc'"])
    assert "Traceback" not in result.stderr.str()
