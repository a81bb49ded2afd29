"""Where a test's cassette lives: portable file names from test ids, and the path rule."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["MAX_NAME", "cassette_path", "safe_name"]

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


def cassette_path(
    cassette_dir: Path, module_path: Path, test_name: str, explicit: str | None = None
) -> Path:
    """``<dir>/<module stem>/<safe test name>.json``, or ``<dir>/<explicit>`` for a name given
    to the marker (``.json`` added if missing)."""
    if explicit:
        relative = Path(explicit)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(
                f"cassette name {explicit!r} must be a relative path inside the cassette dir"
            )
        return cassette_dir / (explicit if explicit.endswith(".json") else f"{explicit}.json")
    return cassette_dir / safe_name(module_path.stem) / f"{safe_name(test_name)}.json"
