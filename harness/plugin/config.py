"""How one test's cassette behaves: :class:`CassetteConfig`, its record and drift modes, and
the default mode (``none`` on CI)."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from harness.cassette.format import Request, Response
    from harness.cassette.scrub import Scrubber, ScrubRules
    from harness.plugin.matching import Matcher, RequestMatcher

__all__ = [
    "DEFAULT_MATCH_ON",
    "DRIFT_MODES",
    "RECORD_MODES",
    "BeforeRecordRequest",
    "BeforeRecordResponse",
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
DEFAULT_MATCH_ON: tuple[str, ...] = ("method", "path", "query", "body")
"""Exactly :func:`harness.cassette.format.match_key`, the key ``harness replay`` uses."""

BeforeRecordRequest = Callable[["Request"], "Request | None"]
BeforeRecordResponse = Callable[["Response"], "Response | None"]


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
    offline_allow: tuple[str, ...] = ()
    """``HOST[:PORT]`` / network entries allowed besides loopback under ``offline``."""
    scrub_headers: tuple[str, ...] = ()
    scrub_query_params: tuple[str, ...] = ()
    scrub_body_fields: tuple[str, ...] = ()
    scrub_allow: tuple[str, ...] = ()
    """Names the credential-name rules must not redact (their false positives)."""
    scrub_patterns: tuple[tuple[str, str], ...] = ()
    """``(placeholder name, regular expression)`` pairs."""
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    """The request parts that must be equal (:mod:`harness.plugin.matching`): built-in
    ``method``, ``path``, ``query``, ``uri``, ``body``, ``json``, or registered matcher names."""
    before_record_request: BeforeRecordRequest | None = None
    """``f(request) -> request | None``, called on the scrubbed request before it is saved and
    on every live request before it is matched; None: neither matched nor recorded (the call
    goes to the server, as in vcrpy)."""
    before_record_response: BeforeRecordResponse | None = None
    """``f(response) -> response | None``, called on the scrubbed response before it is saved;
    None: the interaction is not recorded."""
    allow_playback_repeats: bool = False
    """Once the recorded answers to a request are used up, replay the last one again."""
    assert_all_played: bool = False
    """Fail a test that passed but left loaded interactions unplayed (not in ``all`` or
    ``rewrite`` mode, which do not replay)."""

    def __post_init__(self) -> None:
        if self.mode not in RECORD_MODES:
            raise ValueError(f"cassette mode {self.mode!r} is not one of {', '.join(RECORD_MODES)}")
        if self.drift not in DRIFT_MODES:
            raise ValueError(f"drift mode {self.drift!r} is not one of {', '.join(DRIFT_MODES)}")
        for name in ("before_record_request", "before_record_response"):
            hook = getattr(self, name)
            if hook is not None and not callable(hook):
                raise ValueError(f"{name} must be a function or None, not {hook!r}")
        for name in (
            "scrub_headers",
            "scrub_query_params",
            "scrub_body_fields",
            "scrub_allow",
            "offline_allow",
        ):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            else:
                object.__setattr__(self, name, tuple(value))
        patterns: Any = self.scrub_patterns
        pairs = patterns.items() if isinstance(patterns, Mapping) else patterns
        object.__setattr__(self, "scrub_patterns", tuple((str(n), str(p)) for n, p in pairs))
        object.__setattr__(self, "cassette_dir", Path(self.cassette_dir))
        names: Any = self.match_on
        object.__setattr__(self, "match_on", (names,) if isinstance(names, str) else tuple(names))
        if self.offline_allow:
            from harness.plugin.offline import AllowRule

            for entry in self.offline_allow:
                AllowRule.parse(entry)  # a bad entry fails here, naming it

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

    def matcher(self, extra: Mapping[str, Matcher] | None = None) -> RequestMatcher:
        """``match_on`` resolved (``extra``: matchers from the ``pytest_harness_matchers``
        hook); an unknown name is a :class:`ValueError`."""
        from harness.plugin.matching import RequestMatcher

        return RequestMatcher.build(self.match_on, extra)

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


SCRUB_INI_KEYS: dict[str, str] = {
    "cassette_scrub_headers": "scrub_headers",
    "cassette_scrub_query_params": "scrub_query_params",
    "cassette_scrub_body_fields": "scrub_body_fields",
    "cassette_scrub_allow": "scrub_allow",
}
"""The pytest ini keys (``linelist``) that add scrub names, and the :class:`CassetteConfig` field
each fills: the plugin registers them, ``harness import`` / ``harness record`` read the same."""
SCRUB_PATTERNS_INI_KEY = "cassette_scrub_patterns"
"""The ini key of extra ``name = regex`` lines (:func:`scrub_pattern`)."""


def scrub_pattern(line: str) -> tuple[str, str]:
    """One ``name = regex`` line of :data:`SCRUB_PATTERNS_INI_KEY` as ``(name, regex)``;
    :class:`ValueError` names the key and what is wrong with the line."""
    import re

    name, sep, expr = line.partition("=")
    name, expr = name.strip(), expr.strip()
    if not sep or not name or not expr:
        raise ValueError(f"{SCRUB_PATTERNS_INI_KEY}: {line!r} is not 'name = regular expression'")
    try:
        re.compile(expr)
    except re.error as exc:
        raise ValueError(
            f"{SCRUB_PATTERNS_INI_KEY}: {expr!r} is not a regular expression ({exc})"
        ) from None
    return name, expr


@functools.lru_cache(maxsize=32)
def scrubber_for(config: CassetteConfig) -> Scrubber:
    """One scrubber per configuration (compiling its patterns once, not once per test)."""
    from harness.cassette.scrub import Scrubber

    return Scrubber(config.scrub_rules())


def default_mode(environ: Mapping[str, str] | None = None) -> RecordMode:
    """``none`` on CI (the ``CI`` environment variable set), ``once`` elsewhere."""
    value = (environ if environ is not None else os.environ).get("CI", "")
    return "none" if value.strip().lower() not in ("", "0", "false", "no") else "once"
