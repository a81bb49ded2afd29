"""What never reaches disk: credential headers, query keys, body fields and key-shaped strings.

Every rule replaces the secret with a *named* placeholder (``<REDACTED:authorization>``) so a
cassette still shows that a credential was sent, and where, without holding it. The same rules
drive :func:`find_credentials`, the check behind ``harness scan`` and ``harness verify``.

Users extend the defaults with :class:`ScrubRules` (extra header names, query keys, body
fields and regular expressions); the defaults cannot be switched off.
"""

from __future__ import annotations

import copy
import gzip
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.cassette.format import Interaction, Message, Request

__all__ = [
    "PLACEHOLDER_PREFIX",
    "Finding",
    "ScrubRules",
    "Scrubber",
    "clean_interaction",
    "clean_request",
    "find_credentials",
    "is_placeholder",
    "is_volatile_header",
    "placeholder",
]

PLACEHOLDER_PREFIX = "<REDACTED:"

# Named in ../shared/reference/wire.md: OpenAI, Azure, Portkey, astra-assistants, LiteLLM, others.
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "openai-organization",
        "openai-project",
        "api-key",
        "astra-api-token",
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "x-litellm-api-key",
        "x-api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
    }
)
CREDENTIAL_HEADER_PREFIXES = ("x-portkey-", "llm-param-", "embedding-param-")
# Any header whose name says it carries a credential ("tokens", plural, counts rate limits).
_CREDENTIAL_NAME_WORDS = re.compile(r"key|token(?!s)|secret|auth|cookie|session|passw|credential")

CREDENTIAL_QUERY_KEYS = frozenset({"api-key", "api_key", "apikey", "key", "sig", "code"})

# Body field names that hold credentials; deliberately not "*_tokens" (usage counts).
_CREDENTIAL_FIELD = re.compile(
    r"(?:^|[_-])(?:api[_-]?key|apikey|secret|client[_-]?secret|password|passwd|"
    r"access[_-]?token|refresh[_-]?token|auth[_-]?token|session[_-]?token|id[_-]?token|"
    r"bearer[_-]?token|authorization|credentials?|private[_-]?key|access[_-]?key(?:[_-]?id)?)"
    r"(?:$|[_-])|^token$",
    re.IGNORECASE,
)

# Strings that look like keys wherever they appear: header values, query values, bodies.
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("openai-key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}"),
    ("bearer-token", r"(?i)bearer\s+[A-Za-z0-9._~+/=-]{12,}"),
    ("openai-org", r"\borg-[A-Za-z0-9]{16,}"),
    ("openai-project", r"\bproj_[A-Za-z0-9]{16,}"),
    ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("portkey-key", r"\bpk-[A-Za-z0-9_-]{16,}"),
)


def placeholder(name: str) -> str:
    """The text that stands where a credential was: ``<REDACTED:name>``."""
    return f"{PLACEHOLDER_PREFIX}{name}>"


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is already a placeholder (scrubbing is idempotent)."""
    return value.startswith(PLACEHOLDER_PREFIX) and value.endswith(">")


@dataclass(frozen=True)
class ScrubRules:
    """Extra rules on top of the built-in ones. All names are case-insensitive."""

    headers: frozenset[str] = frozenset()
    """Header names to redact (exact)."""
    query_params: frozenset[str] = frozenset()
    """Query parameter names to redact and to ignore when matching."""
    body_fields: frozenset[str] = frozenset()
    """JSON body field names (at any depth) to redact."""
    patterns: tuple[tuple[str, str], ...] = ()
    """``(placeholder name, regular expression)`` pairs redacted in every string."""

    @classmethod
    def from_options(
        cls,
        *,
        headers: Iterable[str] = (),
        query_params: Iterable[str] = (),
        body_fields: Iterable[str] = (),
        patterns: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    ) -> ScrubRules:
        """Build rules from plain iterables (as they come from ini files or conftest)."""
        pairs = patterns.items() if isinstance(patterns, Mapping) else patterns
        return cls(
            headers=frozenset(h.lower() for h in headers),
            query_params=frozenset(q.lower() for q in query_params),
            body_fields=frozenset(b.lower() for b in body_fields),
            patterns=tuple((str(n), str(p)) for n, p in pairs),
        )


@dataclass(frozen=True)
class Finding:
    """A credential found where it should not be. ``preview`` never holds the secret."""

    where: str
    kind: str
    preview: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} ({self.preview})"


def _preview(secret: str) -> str:
    return f"{secret[:4]}... ({len(secret)} characters)"


@dataclass
class Scrubber:
    """Applies the built-in rules plus ``rules`` to headers, queries, bodies and strings."""

    rules: ScrubRules = field(default_factory=ScrubRules)

    def __post_init__(self) -> None:
        self._patterns = [
            (name, re.compile(expr)) for name, expr in (*DEFAULT_PATTERNS, *self.rules.patterns)
        ]

    # ----------------------------------------------------------------- what counts as secret

    def is_credential_header(self, name: str) -> bool:
        """Whether a header of this name is redacted."""
        lowered = name.lower()
        return (
            lowered in CREDENTIAL_HEADERS
            or lowered in self.rules.headers
            or lowered.startswith(CREDENTIAL_HEADER_PREFIXES)
            or bool(_CREDENTIAL_NAME_WORDS.search(lowered))
        )

    def is_credential_query_param(self, name: str) -> bool:
        """Whether a query parameter of this name is redacted (and ignored when matching)."""
        lowered = name.lower()
        return (
            lowered in CREDENTIAL_QUERY_KEYS
            or lowered in self.rules.query_params
            or bool(_CREDENTIAL_NAME_WORDS.search(lowered))
        )

    def is_credential_field(self, name: str) -> bool:
        """Whether a JSON body field of this name is redacted. A field named like a credential
        header (``cookie``, or hyphenated like ``x-session-id``) counts too: servers echo request
        headers in error and debug bodies."""
        lowered = name.lower()
        return (
            lowered in self.rules.body_fields
            or bool(_CREDENTIAL_FIELD.search(name))
            or lowered in CREDENTIAL_HEADERS
            or lowered in self.rules.headers
            or ("-" in lowered and self.is_credential_header(lowered))
        )

    # ----------------------------------------------------------------- scrubbing

    def scrub_text(self, text: str) -> str:
        """Replace every key-shaped substring with its placeholder."""
        for name, pattern in self._patterns:
            if pattern.search(text):
                text = pattern.sub(placeholder(name), text)
        return text

    def scrub_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers with credential values replaced (names kept, lower-cased)."""
        cleaned: dict[str, str] = {}
        for name, value in headers.items():
            lowered = name.lower()
            if self.is_credential_header(lowered) and not is_placeholder(value):
                cleaned[lowered] = placeholder(lowered)
            else:
                cleaned[lowered] = self.scrub_text(value)
        return cleaned

    def scrub_query(self, query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Query pairs with credential values replaced."""
        return [
            (k, placeholder(k.lower()) if self.is_credential_query_param(k) else self.scrub_text(v))
            for k, v in query
        ]

    def scrub_json(self, data: Any) -> Any:
        """A copy of a JSON value with credential fields and key-shaped strings replaced."""
        if isinstance(data, dict):
            return {
                key: (
                    placeholder(key.lower())
                    if self.is_credential_field(key)
                    and isinstance(value, str)
                    and not is_placeholder(value)
                    else self.scrub_json(value)
                )
                for key, value in data.items()
            }
        if isinstance(data, list):
            return [self.scrub_json(item) for item in data]
        if isinstance(data, str):
            return self.scrub_text(data)
        return data

    # ----------------------------------------------------------------- finding

    def find_in_text(self, text: str, where: str) -> list[Finding]:
        """Key-shaped substrings in ``text`` (placeholders are not findings)."""
        found = []
        for name, pattern in self._patterns:
            for match in pattern.finditer(text):
                if not is_placeholder(match.group(0)):
                    found.append(Finding(where, name, _preview(match.group(0))))
        return found

    def find_in_json(self, data: Any, where: str) -> list[Finding]:
        """Credential fields with real values and key-shaped strings anywhere in ``data``."""
        found: list[Finding] = []
        if isinstance(data, dict):
            for key, value in data.items():
                path = f"{where}.{key}"
                if (
                    self.is_credential_field(key)
                    and isinstance(value, str)
                    and value
                    and not (is_placeholder(value))
                ):
                    found.append(Finding(path, f"credential field '{key}'", _preview(value)))
                else:
                    found.extend(self.find_in_json(value, path))
        elif isinstance(data, list):
            for index, item in enumerate(data):
                found.extend(self.find_in_json(item, f"{where}[{index}]"))
        elif isinstance(data, str):
            found.extend(self.find_in_text(data, where))
        return found

    def find_in_headers(self, headers: Mapping[str, str], where: str) -> list[Finding]:
        """Credential headers with real values, and key-shaped header values."""
        found: list[Finding] = []
        for name, value in headers.items():
            path = f"{where}.{name.lower()}"
            if self.is_credential_header(name) and value and not is_placeholder(value):
                found.append(Finding(path, f"credential header '{name.lower()}'", _preview(value)))
            else:
                found.extend(self.find_in_text(value, path))
        return found

    def find_in_query(self, query: Iterable[tuple[str, str]], where: str) -> list[Finding]:
        """Credential query parameters with real values, and key-shaped query values."""
        found: list[Finding] = []
        for name, value in query:
            path = f"{where}?{name}"
            if self.is_credential_query_param(name) and value and not is_placeholder(value):
                found.append(Finding(path, f"credential query parameter '{name}'", _preview(value)))
            else:
                found.extend(self.find_in_text(value, path))
        return found


def find_credentials(data: Any, where: str = "", rules: ScrubRules | None = None) -> list[Finding]:
    """Key-shaped strings and credential fields anywhere in a JSON-like value."""
    return Scrubber(rules or ScrubRules()).find_in_json(data, where or "$")


# --------------------------------------------------------------------------- normalising

# Headers that change between machines, runs or connections; dropped so re-recording the same
# traffic gives a byte-identical cassette.
VOLATILE_HEADERS = frozenset(
    {
        "user-agent",
        "date",
        "host",
        "connection",
        "keep-alive",
        "content-length",
        "transfer-encoding",
        "content-encoding",
        "accept-encoding",
        "x-request-id",
        "request-id",
        "apim-request-id",
        "openai-processing-ms",
        "x-envoy-upstream-service-time",
        "cf-ray",
        "cf-cache-status",
        "alt-svc",
        "server",
        "server-timing",
        "strict-transport-security",
        "via",
        "x-timing",
        "retry-after-ms",
    }
)
VOLATILE_HEADER_PREFIXES = ("x-stainless-", "x-ratelimit-", "x-ms-", "x-amz-", "x-cache")


def is_volatile_header(name: str) -> bool:
    """Whether a header is dropped from cassettes because it varies from run to run."""
    lowered = name.lower()
    return lowered in VOLATILE_HEADERS or lowered.startswith(VOLATILE_HEADER_PREFIXES)


def _decoded(message: Message) -> None:
    """Decode a gzip/deflate body in place, so the cassette stores readable data."""
    encoding = message.headers.get("content-encoding", "").lower()
    raw = message.body_bytes
    if not raw or encoding not in ("gzip", "x-gzip", "deflate"):
        return
    try:
        if encoding == "deflate":
            try:
                content = zlib.decompress(raw)
            except zlib.error:
                content = zlib.decompress(raw, -zlib.MAX_WBITS)
        else:
            content = gzip.decompress(raw)
    except (OSError, zlib.error, EOFError):
        return
    message.set_body(content)


def _clean_message(message: Message, scrubber: Scrubber) -> None:
    _decoded(message)
    kept = {k.lower(): v for k, v in message.headers.items() if not is_volatile_header(k)}
    message.headers = scrubber.scrub_headers(kept)
    if message.has_json:
        message.json = scrubber.scrub_json(message.json)
    elif message.text is not None:
        message.text = scrubber.scrub_text(message.text)
    elif message.events is not None:
        message.events = scrubber.scrub_json(message.events)


def clean_interaction(interaction: Interaction, scrubber: Scrubber | None = None) -> Interaction:
    """What goes to disk: bodies decoded, volatile headers dropped, every credential replaced
    by its placeholder (headers, query, JSON fields, key-shaped strings), in requests and
    responses. Returns a new interaction; the argument is left as it was."""
    scrubber = scrubber or Scrubber()
    request = copy.deepcopy(interaction.request)
    response = copy.deepcopy(interaction.response)
    _clean_message(request, scrubber)
    _clean_message(response, scrubber)
    request.query = scrubber.scrub_query(request.query)
    return Interaction(request, response)


def clean_request(
    request: Request, scrubber: Scrubber | None = None, *, in_place: bool = False
) -> Request:
    """A live request as it would be stored (see :func:`clean_interaction`). Matching compares
    the cleaned live request with the stored one, so a request carrying a credential in its
    query or body still matches the recording that holds the placeholder:
    ``cassette.play(clean_request(request, scrubber))`` is how the plugin (and the CLI) look up.
    ``in_place`` cleans ``request`` itself (for a request built only to be looked up)."""
    scrubber = scrubber or Scrubber()
    cleaned = request if in_place else copy.deepcopy(request)
    _clean_message(cleaned, scrubber)
    cleaned.query = scrubber.scrub_query(cleaned.query)
    return cleaned
