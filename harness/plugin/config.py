"""How one test's cassette behaves: :class:`CassetteConfig`, its record and drift modes, and
the default mode (``none`` on CI)."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from harness.cassette.scrub import Scrubber, ScrubRules

__all__ = [
    "DRIFT_MODES",
    "RECORD_MODES",
    "CassetteConfig",
    "DriftMode",
    "RecordMode",
    "default_mode",
    "scrubber_for",
]

RecordMode = Literal["none", "once", "new_episodes", "all", "rewrite"]
DriftMode = Literal["warn", "error", "off"]
RECORD_MODES: tuple[RecordMode, ...] = get_args(RecordMode)
DRIFT_MODES: tuple[DriftMode, ...] = get_args(DriftMode)


@dataclass(frozen=True)
class CassetteConfig:
    """Everything that decides how one test's cassette behaves.

    The plugin builds the session default from options and ini keys; a project overrides the
    ``cassette_config`` fixture, and a test's ``@pytest.mark.cassette(**options)`` overrides
    single fields for that test.
    """

    mode: RecordMode = "once"
    cassette_dir: Path = Path("cassettes")
    drift: DriftMode = "warn"
    offline: bool = False
    """Refuse non-loopback connections while the test runs (``--offline`` does it for the
    whole session)."""
    scrub_headers: tuple[str, ...] = ()
    scrub_query_params: tuple[str, ...] = ()
    scrub_body_fields: tuple[str, ...] = ()
    scrub_allow: tuple[str, ...] = ()
    """Names the credential-name rules must not redact (their false positives)."""
    scrub_patterns: tuple[tuple[str, str], ...] = ()
    """``(placeholder name, regular expression)`` pairs."""

    def __post_init__(self) -> None:
        if self.mode not in RECORD_MODES:
            raise ValueError(f"cassette mode {self.mode!r} is not one of {', '.join(RECORD_MODES)}")
        if self.drift not in DRIFT_MODES:
            raise ValueError(f"drift mode {self.drift!r} is not one of {', '.join(DRIFT_MODES)}")
        for name in ("scrub_headers", "scrub_query_params", "scrub_body_fields", "scrub_allow"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
        patterns: Any = self.scrub_patterns
        pairs = patterns.items() if isinstance(patterns, Mapping) else patterns
        object.__setattr__(self, "scrub_patterns", tuple((str(n), str(p)) for n, p in pairs))
        object.__setattr__(self, "cassette_dir", Path(self.cassette_dir))

    def replace(self, **changes: Any) -> CassetteConfig:
        """A copy with ``changes``; an unknown name is a :class:`TypeError` naming it."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(
                f"unknown cassette option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return dataclasses.replace(self, **changes)

    def scrub_rules(self) -> ScrubRules:
        """The user's additions to the built-in scrub rules."""
        from harness.cassette.scrub import ScrubRules

        return ScrubRules.from_options(
            headers=self.scrub_headers,
            query_params=self.scrub_query_params,
            body_fields=self.scrub_body_fields,
            allow=self.scrub_allow,
            patterns=self.scrub_patterns,
        )


@functools.lru_cache(maxsize=32)
def scrubber_for(config: CassetteConfig) -> Scrubber:
    """One scrubber per configuration (compiling its patterns once, not once per test)."""
    from harness.cassette.scrub import Scrubber

    return Scrubber(config.scrub_rules())


def default_mode(environ: Mapping[str, str] | None = None) -> RecordMode:
    """``none`` on CI (the ``CI`` environment variable set), ``once`` elsewhere."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return "none" if value.strip().lower() not in ("", "0", "false", "no") else "once"
