"""Helper functions shared by the test modules (fixtures are in ``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

__all__ = ["invoke", "json_tree"]


def invoke(*args: str, exit_code: int = 0, env: dict[str, str] | None = None) -> Result:
    """Run the ``harness`` CLI in-process; assert its exit code and that it exited (click usage
    errors, ``sys.exit``) rather than raised: an uncaught exception also exits with 1, so
    ``exit_code == 1`` alone cannot tell a failed check from a crash."""
    from harness.cli import main

    result = CliRunner().invoke(main, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"harness {' '.join(args)} raised") from result.exception
    assert result.exit_code == exit_code, (result.exit_code, result.output, result.stderr)
    return result


def json_tree(root: Path) -> dict[str, bytes]:
    """Every ``*.json`` file below ``root`` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}
