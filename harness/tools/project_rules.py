"""The project's own scrub rules for the CLI: the pytest ini keys the plugin reads.

A project adds scrub rules with the ini keys ``cassette_scrub_headers``,
``cassette_scrub_query_params``, ``cassette_scrub_body_fields``, ``cassette_scrub_allow`` and
``cassette_scrub_patterns`` (``name = regex`` lines), in whatever file pytest reads them from.
``harness import`` and ``harness record`` scrub with the same rules: :func:`project_scrubber`
finds the configuration file as pytest does (from the current directory upwards, the first of
``pytest.toml``, ``.pytest.toml``, ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml`` with
``[tool.pytest]`` / ``[tool.pytest.ini_options]``, ``tox.ini`` with ``[pytest]``,
``setup.cfg`` with ``[tool:pytest]``), or reads the one given (``--config-file``, as pytest's
``-c``), and builds the scrubber the plugin would (:func:`harness.plugin.config.scrubber_for`).
The ``cassette_config`` fixture and ``before_record_*`` hooks are Python in a conftest and are
not run by the CLI.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cassette.scrub import Scrubber

__all__ = ["ProjectRules", "ProjectRulesError", "project_scrubber"]


class ProjectRulesError(Exception):
    """The project's scrub configuration cannot be used (one line naming file and key)."""


@dataclass(frozen=True)
class ProjectRules:
    """The scrubber to use and where its extra rules came from (None: built-in rules only)."""

    scrubber: Scrubber
    source: Path | None = None
    count: int = 0
    """How many extra names and patterns the file adds."""

    def describe(self) -> str | None:
        if self.source is None:
            return None
        return f"scrub rules from {self.source} ({self.count} added to the built-in ones)"


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - pytest depends on tomli there
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectRulesError(f"{path}: not valid TOML ({exc})") from None
    return data


def _ini(path: Path, section: str) -> dict[str, Any] | None:
    import iniconfig

    try:
        parsed = iniconfig.IniConfig(str(path))
    except iniconfig.ParseError as exc:
        raise ProjectRulesError(f"{path}: not a valid ini file ({exc})") from None
    if section not in parsed:
        return None
    return dict(parsed[section].items())


def _section(path: Path) -> dict[str, Any] | None:
    """The pytest configuration ``path`` holds, as pytest looks for it (None: none there)."""
    name = path.name
    if name in ("pytest.toml", ".pytest.toml"):
        return dict(_toml(path).get("pytest") or {})
    if name in ("pytest.ini", ".pytest.ini"):
        return _ini(path, "pytest") or {}
    if name == "setup.cfg" or path.suffix == ".cfg":
        return _ini(path, "tool:pytest")
    if path.suffix == ".ini":
        return _ini(path, "pytest")
    document = _toml(path)
    tool = (document.get("tool") or {}).get("pytest")
    if isinstance(tool, dict):
        options = tool.get("ini_options")
        merged = {k: v for k, v in tool.items() if k != "ini_options"}
        if isinstance(options, dict):
            merged.update(options)
        return merged
    if name != "pyproject.toml" and isinstance(document.get("pytest"), dict):
        return dict(document["pytest"])
    return None


_DISCOVERED = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)


def _discover(start: Path) -> tuple[Path, dict[str, Any]] | None:
    for directory in (start, *start.parents):
        for name in _DISCOVERED:
            candidate = directory / name
            if candidate.is_file():
                section = _section(candidate)
                if section is not None:
                    return candidate, section
    return None


def _lines(value: object, path: Path, key: str) -> list[str]:
    """An ini ``linelist``: a list (TOML) or one name per line."""
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise ProjectRulesError(f"{path}: {key} must be a list of strings or lines of text")


def project_scrubber(
    config_file: str | Path | None = None, start: Path | None = None
) -> ProjectRules:
    """The scrubber for the project at ``start`` (default: the current directory), or the one
    ``config_file`` configures."""
    from harness.plugin.config import (
        SCRUB_INI_KEYS,
        SCRUB_PATTERNS_INI_KEY,
        CassetteConfig,
        scrub_pattern,
        scrubber_for,
    )

    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ProjectRulesError(f"{path}: no such configuration file; check --config-file")
        section = _section(path)
        if section is None:
            raise ProjectRulesError(f"{path}: holds no pytest configuration section")
        found: tuple[Path, dict[str, Any]] | None = (path, section)
    else:
        found = _discover((start or Path.cwd()).resolve())
    if found is None:
        return ProjectRules(Scrubber())
    path, section = found
    fields: dict[str, Any] = {
        field: tuple(_lines(section[key], path, key))
        for key, field in SCRUB_INI_KEYS.items()
        if key in section
    }
    try:
        patterns = [
            scrub_pattern(line)
            for line in _lines(
                section.get(SCRUB_PATTERNS_INI_KEY, []), path, SCRUB_PATTERNS_INI_KEY
            )
        ]
    except ValueError as exc:
        raise ProjectRulesError(f"{path}: {exc}") from None
    fields["scrub_patterns"] = tuple(patterns)
    count = sum(len(v) for v in fields.values())
    if not count:
        return ProjectRules(Scrubber())
    return ProjectRules(scrubber_for(CassetteConfig(**fields)), path, count)
