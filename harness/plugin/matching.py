"""Which parts of a request decide that it matches a recorded one (``CassetteConfig.match_on``).

Built-in parts are *values* of a request, so a tuple of them is a dictionary key: the cassette
index stays O(1) whatever built-in parts are named. A user matcher is a function of two
requests (vcrpy's style), which no index can answer; it is tried only on the recorded requests
that already share the built-in parts, so naming ``("method", "path", "tenant")`` scans just the
requests with that method and path, and naming user matchers alone scans the whole cassette.

The default, ``("method", "path", "query", "body")``, is exactly
:func:`harness.cassette.format.match_key`, the key ``harness replay`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Union

from harness.cassette.format import Request, match_key
from harness.plugin.config import DEFAULT_MATCH_ON

__all__ = [
    "BUILTIN_PARTS",
    "DEFAULT_MATCH_ON",
    "Matcher",
    "MatcherError",
    "RequestMatcher",
    "register_matcher",
    "registered_matchers",
]

Matcher = Callable[[Request, Request], Union[bool, None]]
"""``matcher(live, recorded)``: False, or raising ``AssertionError`` (vcrpy's convention),
means the requests differ; True or None means they match. Both requests are scrubbed."""


class MatcherError(ValueError):
    """A user matcher raised something other than ``AssertionError``."""


def _query(request: Request) -> Hashable:
    return tuple(sorted(request.query))


BUILTIN_PARTS: Mapping[str, Callable[[Request], Hashable]] = {
    "method": lambda r: r.method.upper(),
    "path": lambda r: r.path,
    "query": _query,
    "uri": lambda r: (r.path, _query(r)),
    "body": lambda r: r.canonical_body(),
    "json": lambda r: r.canonical_body() if r.has_json else None,
}
"""``uri`` is path plus query (there is no scheme, host or port in a cassette); ``body`` is the
canonical body (JSON with sorted keys, else the text or base64); ``json`` compares JSON bodies
the same way and treats every non-JSON body as absent."""

_REGISTRY: dict[str, Matcher] = {}


def register_matcher(name: str, matcher: Matcher) -> Matcher:
    """Make ``matcher`` available as ``match_on=(..., name)`` for every test of the session.
    A built-in name, or a name already taken by another function, is a :class:`ValueError`."""
    if name in BUILTIN_PARTS:
        raise ValueError(f"matcher name {name!r} is built in; choose another name")
    if _REGISTRY.get(name, matcher) is not matcher:
        raise ValueError(f"matcher name {name!r} is already registered to another function")
    _REGISTRY[name] = matcher
    return matcher


def registered_matchers() -> Mapping[str, Matcher]:
    """The matchers registered with :func:`register_matcher`."""
    return dict(_REGISTRY)


def _differ(name: str, matcher: Matcher, live: Request, recorded: Request) -> bool:
    try:
        return matcher(live, recorded) is False
    except AssertionError:
        return True
    except Exception as exc:
        raise MatcherError(
            f"matcher {name!r} raised {type(exc).__name__}: {exc} comparing {live.method} "
            f"{live.path} with a recorded request; make it return False for requests it "
            "cannot compare"
        ) from exc


@dataclass(frozen=True)
class RequestMatcher:
    """``match_on`` resolved: the index key over the built-in parts, plus user matchers."""

    match_on: tuple[str, ...]
    key: Callable[[Request], Hashable]
    matchers: tuple[tuple[str, Matcher], ...]

    @classmethod
    def build(
        cls, match_on: Iterable[str], extra: Mapping[str, Matcher] | None = None
    ) -> RequestMatcher:
        """Resolve names against the built-in parts, ``extra`` (matchers from the
        ``pytest_harness_matchers`` hook) and the registry; an unknown name is a
        :class:`ValueError` listing what is known."""
        names = tuple(match_on)
        if not names:
            raise ValueError("match_on is empty; name at least one part, e.g. ('method', 'path')")
        known = {**_REGISTRY, **(extra or {})}
        unknown = [n for n in names if n not in BUILTIN_PARTS and n not in known]
        if unknown:
            raise ValueError(
                f"unknown matcher(s) {', '.join(map(repr, unknown))} in match_on; built in: "
                f"{', '.join(BUILTIN_PARTS)}; registered: {', '.join(sorted(known)) or 'none'} "
                "(harness.register_matcher(name, function) adds one)"
            )
        parts = [BUILTIN_PARTS[n] for n in names if n in BUILTIN_PARTS]
        if names == DEFAULT_MATCH_ON:
            key: Callable[[Request], Hashable] = match_key
        else:

            def key(request: Request) -> Hashable:
                return tuple(part(request) for part in parts)

        return cls(names, key, tuple((n, known[n]) for n in names if n not in BUILTIN_PARTS))

    def accepts(self, live: Request) -> Callable[[Request], bool] | None:
        """For a live request, the test a recorded request with the same key must also pass
        (None when only built-in parts are named: the key decides)."""
        if not self.matchers:
            return None
        return lambda recorded: not any(_differ(n, m, live, recorded) for n, m in self.matchers)
