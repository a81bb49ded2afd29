"""Where a test's cassette lives: portable file names from test ids, and the path rule."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["MAX_NAME", "cassette_path", "legacy_cassette_path", "module_key", "safe_name"]

MAX_NAME = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(name: str, limit: int = MAX_NAME) -> str:
    """``name`` as a portable file name: unsafe runs become ``_``, parametrize brackets
    become ``-``, and a name over ``limit`` is cut and suffixed with a short hash."""
    readable = name.replace("::", ".").replace("[", "-").rstrip("]")
    readable = _UNSAFE.sub("_", readable).strip("._") or "cassette"
    if len(readable) <= limit:
        return readable
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{readable[: limit - 9]}-{digest}"


def module_key(module_path: Path, rootdir: Path | None = None) -> Path:
    """A test module's directory under the cassette dir: its path relative to ``rootdir``
    without ``.py`` (``tests/a/test_x.py`` -> ``tests/a/test_x``), each part a safe name, so
    two modules with one name never share cassettes. A module outside the rootdir (or given
    relative with no rootdir) is keyed on the path as given."""
    relative = module_path
    if rootdir is not None and module_path.is_absolute():
        try:
            relative = module_path.relative_to(rootdir)
        except ValueError:
            relative = Path(module_path.name)
    parts = [safe_name(part) for part in relative.with_suffix("").parts if part not in ("/", "")]
    return Path(*parts) if parts else Path("cassette")


def cassette_path(
    cassette_dir: Path,
    module_path: Path,
    test_name: str,
    explicit: str | None = None,
    *,
    rootdir: Path | None = None,
) -> Path:
    """``<dir>/<module key>/<safe test name>.json`` (see :func:`module_key`), or
    ``<dir>/<explicit>`` for a name given to the marker (``.json`` added if missing)."""
    if explicit:
        relative = Path(explicit)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(
                f"cassette name {explicit!r} must be a relative path inside the cassette dir"
            )
        return cassette_dir / (explicit if explicit.endswith(".json") else f"{explicit}.json")
    return cassette_dir / module_key(module_path, rootdir) / f"{safe_name(test_name)}.json"


def legacy_cassette_path(cassette_dir: Path, module_path: Path, test_name: str) -> Path:
    """Where versions up to 0.1 kept a test's cassette: keyed on the module's stem only."""
    return cassette_dir / safe_name(module_path.stem) / f"{safe_name(test_name)}.json"
