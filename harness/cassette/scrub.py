"""What never reaches disk: credentials, found by name, by shape and by value.

Three kinds of rule, each replacing the secret with a *named* placeholder
(``<REDACTED:authorization>``), so a cassette still shows that a credential was sent, and
where, without holding it:

* **Names**: a header, query parameter, JSON field (at any depth, any value type), form field
  or ``name=value`` pair whose name says it carries a credential (:func:`credential_name`).
* **Shapes**: strings that look like keys wherever they sit (``sk-...``, Bearer and Basic
  credentials, JWTs, AWS/Google/GitHub/Slack keys, private key blocks, ``user:pass@`` in URLs).
* **Values**: every value a name rule redacts is *learned* (:class:`Secrets`) and removed
  wherever it appears again in the same interaction and the later ones of the same cassette,
  whole or as a substring, plain or percent-encoded: an error message echoing the key, a
  ``location`` header, a JSON key.

The same rules drive :func:`find_credentials` and :meth:`Scrubber.findings`, the checks behind
``harness scan`` and ``harness verify``: a finding is exactly a place the scrubber would change.

Users extend the defaults with :class:`ScrubRules` (extra names and regular expressions) and
exempt a field with ``allow`` (its name no longer counts; key-shaped and learned values in it
are still removed).
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import gzip
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, quote_plus

from harness.cassette.format import Interaction, Message, Request

__all__ = [
    "PLACEHOLDER_PREFIX",
    "Finding",
    "ScrubRules",
    "Scrubber",
    "Secrets",
    "clean_interaction",
    "clean_request",
    "credential_name",
    "find_credentials",
    "is_placeholder",
    "is_volatile_header",
    "placeholder",
]

PLACEHOLDER_PREFIX = "<REDACTED:"
Context = Literal["header", "query", "field"]

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
# Query names that are credentials only as whole names (Google's ?key=, OAuth's ?code=).
CREDENTIAL_QUERY_KEYS = frozenset({"key", "sig", "code"})

# Words (after splitting a name on case and separators) that make it a credential name.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "credential",
        "credentials",
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "signature",
        "sig",
        "bearer",
        "privatekey",
        "accountkey",
        "jwt",
    }
)
# "key" is a credential after one of these ("apiKey", "AccountKey", "x-functions-key").
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "access",
        "secret",
        "private",
        "account",
        "shared",
        "subscription",
        "signing",
        "master",
        "client",
        "license",
        "app",
        "auth",
        "session",
        "functions",
        "function",
        "host",
        "admin",
        "encryption",
        "service",
        "openai",
        "azure",
        "goog",
        "portkey",
        "litellm",
    }
)
# "token" followed by these counts something ("token_count", "token_limit"); "tokens" plural
# counts usage ("max_tokens", "x-ratelimit-remaining-tokens") unless an auth word precedes it.
_TOKEN_MEASURES = frozenset({"count", "counts", "limit", "limits", "usage", "type", "budget"})
_TOKENS_QUALIFIERS = frozenset({"api", "access", "auth", "refresh", "bearer", "session", "id"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


@functools.lru_cache(maxsize=4096)
def credential_name(name: str, context: Context = "field") -> bool:
    """Whether a name (header, query parameter or body field) says its value is a credential.

    Any case and separator: ``apiKey``, ``openaiApiKey``, ``API_TOKEN``, ``x-api-tokens``,
    ``X-Amz-Signature``, ``X-Hub-Signature-256``, ``AccountKey``, ``pwd``, ``client_secret``.
    Headers additionally count any name with the word ``key``, ``session`` or ``auth``; query
    parameters the whole names ``key``, ``sig``, ``code``, ``se``, ``st``."""
    lowered = name.lower()
    if context == "header" and (
        lowered in CREDENTIAL_HEADERS or lowered.startswith(CREDENTIAL_HEADER_PREFIXES)
    ):
        return True
    if context == "query" and lowered in CREDENTIAL_QUERY_KEYS:
        return True
    if context == "field" and lowered in CREDENTIAL_HEADERS:
        return True
    words = _words(name)
    for number, word in enumerate(words):
        before = words[number - 1] if number else ""
        after = words[number + 1] if number + 1 < len(words) else ""
        if word == "token" and after in _TOKEN_MEASURES:
            continue
        if word in _SECRET_WORDS:
            return True
        if word in ("key", "keys") and (before in _KEY_QUALIFIERS or context == "header"):
            return True
        if word == "tokens" and before in _TOKENS_QUALIFIERS:
            return True
        if context == "header" and word == "session":
            return True
    # A body field named like a credential header (servers echo request headers).
    return context == "field" and "-" in lowered and credential_name(lowered, "header")


def placeholder(name: str) -> str:
    """The text that stands where a credential was: ``<REDACTED:name>``."""
    return f"{PLACEHOLDER_PREFIX}{name}>"


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is already a placeholder (scrubbing is idempotent)."""
    return value.startswith(PLACEHOLDER_PREFIX) and value.endswith(">")


# --------------------------------------------------------------------------- shapes

_A = r"(?<![A-Za-z0-9])"  # ASCII-only word boundaries: non-ASCII bytes never hide a key
_Z = r"(?![A-Za-z0-9])"
_NAME = r"[A-Za-z][A-Za-z0-9_.-]{0,63}"


def _basic_ok(match: re.Match[str]) -> bool:
    try:
        decoded = base64.b64decode(match.group(1) + "==", validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded


# (placeholder name, regular expression, extra check). Documented one by one in README.md.
DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "private-key",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    ),
    ("userinfo", r"(?<=://)[^/\s:@\"'<>]+:[^/\s@\"'<>]+(?=@)"),
    ("openai-key", _A + r"sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{16,}"),
    (
        "bearer-token",
        r"(?i:"
        + _A
        + r"bearer\s+(?:[A-Za-z0-9._~+/=-]{12,}|(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{4,}))",
    ),
    ("openai-org", _A + r"org-[A-Za-z0-9]{16,}"),
    ("openai-project", _A + r"proj_[A-Za-z0-9]{16,}"),
    ("aws-access-key", _A + r"(?:AKIA|ASIA)[0-9A-Z]{16}" + _Z),
    ("google-api-key", _A + r"AIza[0-9A-Za-z_-]{35}" + _Z),
    ("jwt", _A + r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("portkey-key", _A + r"pk-[A-Za-z0-9_-]{16,}"),
    ("github-token", _A + r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})"),
    ("slack-token", _A + r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("stripe-key", _A + r"[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("huggingface-token", _A + r"hf_[A-Za-z0-9]{30,}"),
)
_BASIC = ("basic-auth", re.compile(r"(?i:" + _A + r"basic\s+([A-Za-z0-9+/]{6,}={0,2}))"))
# name=value (query strings in URLs, form bodies, connection strings) and "name": "value"
# (JSON inside text), where the name is a credential name.
_PAIR = re.compile(r"(?<![A-Za-z0-9_.-])(" + _NAME + r")(\s*=\s*)([^\s&;,\"'<>]+)")
_QUOTED_PAIR = re.compile(r"\"(" + _NAME + r")\"(\s*:\s*)\"((?:[^\"\\]|\\.)+)\"")


# --------------------------------------------------------------------------- values

_CACHE_SIZE = 8192
"""Entries a :class:`Scrubber` or :class:`Secrets` remembers (strings left unchanged, name
verdicts) before starting over."""
_FEW = 24
"""Up to this many learned values, :meth:`Secrets.redact` tests each before using its pattern."""
_CACHED_LENGTH = 256
"""Longer strings are not remembered: they rarely recur, and the memory stays under ~3 MB."""


@dataclass
class Secrets:
    """Credential values learned from one cassette's traffic, removed wherever they reappear.

    A value is learned when a name rule redacts it (and, for ``Bearer``/``Basic``/cookie
    headers, its parts). Only values of at least :attr:`MIN_LENGTH` characters with a digit,
    a symbol, mixed case or 16+ characters are learned: shorter or plain words
    (``default``) would take ordinary data with them."""

    MIN_LENGTH = 6
    values: dict[str, str] = field(default_factory=dict)
    """value -> placeholder name (add through :meth:`learn` once :meth:`redact` has run: it
    forgets the strings found free of the values known so far)"""
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _unchanged: set[str] = field(default_factory=set, repr=False)
    """Strings holding none of the values learned so far (emptied when one is learned)."""

    def learn(self, value: str, name: str) -> None:
        """Remember ``value`` (and its percent-encoded forms) as the credential ``name``."""
        value = value.strip()
        if not _secret_like(value) or is_placeholder(value) or value in self.values:
            return
        for form in {value, quote(value, safe=""), quote_plus(value, safe="")}:
            self.values.setdefault(form, name)
        self._pattern = None
        self._unchanged.clear()

    def learn_header(self, name: str, value: str) -> None:
        """Learn a credential header's value and the parts a server may echo on their own."""
        self.learn(value, name)
        scheme, _, rest = value.strip().partition(" ")
        if rest and scheme.lower() in ("bearer", "token", "basic", "digest", "apikey"):
            self.learn(rest, name)
            if scheme.lower() == "basic":
                try:
                    decoded = base64.b64decode(rest.strip() + "==").decode("utf-8")
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    decoded = ""
                user, _, password = decoded.partition(":")
                self.learn(decoded, name)
                self.learn(password, name)
                self.learn(user, name)
        if name in ("cookie", "set-cookie"):
            for part in value.split(";"):
                self.learn(part.partition("=")[2], name)

    def learn_json(self, data: Any, name: str) -> None:
        """Learn every string (and number) inside a value found under a credential name."""
        if isinstance(data, dict):
            for item in data.values():
                self.learn_json(item, name)
        elif isinstance(data, list):
            for item in data:
                self.learn_json(item, name)
        elif isinstance(data, str):
            self.learn(data, name)
        elif isinstance(data, (int, float)) and not isinstance(data, bool):
            self.learn(str(data), name)

    def redact(self, text: str) -> str:
        """``text`` with every learned value replaced by its placeholder."""
        if not self.values or len(text) < self.MIN_LENGTH or text in self._unchanged:
            return text
        if len(self.values) <= _FEW and not any(value in text for value in self.values):
            return text  # a few substring tests are cheaper than the combined pattern
        if self._pattern is None:
            ordered = sorted(self.values, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered)))
        redacted = self._pattern.sub(lambda m: placeholder(self.values[m.group(0)]), text)
        if redacted == text and len(text) <= _CACHED_LENGTH:
            if len(self._unchanged) >= _CACHE_SIZE:
                self._unchanged.clear()
            self._unchanged.add(text)
        return redacted


def _secret_like(value: str) -> bool:
    if len(value) < Secrets.MIN_LENGTH:
        return False
    return (
        len(value) >= 16
        or any(c.isdigit() for c in value)
        or not value.isalnum()
        or (value.lower() != value and value.upper() != value)
    )


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class ScrubRules:
    """Extra rules on top of the built-in ones. All names are case-insensitive."""

    headers: frozenset[str] = frozenset()
    """Header names to redact (exact)."""
    query_params: frozenset[str] = frozenset()
    """Query parameter names to redact."""
    body_fields: frozenset[str] = frozenset()
    """JSON/form body field names (at any depth) to redact."""
    patterns: tuple[tuple[str, str], ...] = ()
    """``(placeholder name, regular expression)`` pairs redacted in every string."""
    allow: frozenset[str] = frozenset()
    """Names that never count as credential names (a false positive of the name rules);
    key-shaped and learned values under them are still removed."""

    @classmethod
    def from_options(
        cls,
        *,
        headers: Iterable[str] = (),
        query_params: Iterable[str] = (),
        body_fields: Iterable[str] = (),
        patterns: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        allow: Iterable[str] = (),
    ) -> ScrubRules:
        """Build rules from plain iterables (as they come from ini files or conftest)."""
        pairs = patterns.items() if isinstance(patterns, Mapping) else patterns
        return cls(
            headers=frozenset(h.lower() for h in headers),
            query_params=frozenset(q.lower() for q in query_params),
            body_fields=frozenset(b.lower() for b in body_fields),
            patterns=tuple((str(n), str(p)) for n, p in pairs),
            allow=frozenset(a.lower() for a in allow),
        )


@dataclass(frozen=True)
class Finding:
    """A credential found where it should not be. Neither field holds the secret."""

    where: str
    kind: str
    preview: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} ({self.preview})"


_NEW_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"([^<>]*)>")


def _describe(before: str, after: str) -> tuple[str, str]:
    """``(kind, preview)`` of a change the scrubber made: the rule names and lengths only."""
    names = sorted(set(_NEW_PLACEHOLDER.findall(after)) - set(_NEW_PLACEHOLDER.findall(before)))
    kind = ", ".join(names) or "credential"
    return kind, f"{len(before)} characters"


@dataclass
class Scrubber:
    """Applies the built-in rules plus ``rules`` to headers, queries, bodies and strings.

    Stateless (one per configuration is shared); what a cassette teaches is passed in as a
    :class:`Secrets`."""

    rules: ScrubRules = field(default_factory=ScrubRules)

    def __post_init__(self) -> None:
        builtin = "|".join(f"(?P<p{n}>{expr})" for n, (_, expr) in enumerate(DEFAULT_PATTERNS))
        self._shapes = re.compile(builtin)
        self._shape_names = {f"p{n}": name for n, (name, _) in enumerate(DEFAULT_PATTERNS)}
        self._extra = [(name, re.compile(expr)) for name, expr in self.rules.patterns]
        # Strings the rules (pairs, shapes, extras) leave as they are and learn nothing from:
        # object keys, enum values and ids recur in every interaction, and a set lookup is
        # ~50x cheaper than the shape scan. Learned values are still replaced first.
        self._clean: set[str] = set()
        self._field_names: dict[str, bool] = {}

    # ----------------------------------------------------------------- names

    def _named(self, name: str, context: Context, extra: frozenset[str]) -> bool:
        lowered = name.lower()
        if lowered in self.rules.allow or name.startswith(PLACEHOLDER_PREFIX):
            return False
        return lowered in extra or credential_name(name, context)

    def is_credential_header(self, name: str) -> bool:
        """Whether a header of this name is redacted."""
        return self._named(name, "header", self.rules.headers)

    def is_credential_query_param(self, name: str) -> bool:
        """Whether a query parameter of this name is redacted."""
        return self._named(name, "query", self.rules.query_params) or (
            name.lower() in self.rules.body_fields
        )

    def is_credential_field(self, name: str) -> bool:
        """Whether a JSON or form body field of this name is redacted (also a field named like
        a credential header: servers echo request headers in error and debug bodies)."""
        known = self._field_names.get(name)
        if known is not None:
            return known
        lowered = name.lower()
        answer = self._named(name, "field", self.rules.body_fields) or (
            lowered in self.rules.headers and lowered not in self.rules.allow
        )
        if len(self._field_names) >= _CACHE_SIZE:
            self._field_names.clear()
        self._field_names[name] = answer
        return answer

    def _pair_name(self, name: str) -> bool:
        return self.is_credential_field(name) or self.is_credential_query_param(name)

    # ----------------------------------------------------------------- strings

    def scrub_text(self, text: str, secrets: Secrets | None = None) -> str:
        """Replace learned values, credential ``name=value`` pairs and key-shaped substrings
        with their placeholders. Values redacted by name are learned into ``secrets``."""
        if secrets is not None:
            text = secrets.redact(text)
        if text in self._clean:
            return text
        original = text
        if "=" in text or '"' in text:
            text = self._pairs(text, secrets)
        text = self._shapes.sub(self._shape_placeholder, text)
        if "asic" in text or "ASIC" in text:
            text = _BASIC[1].sub(
                lambda m: placeholder(_BASIC[0]) if _basic_ok(m) else m.group(0), text
            )
        for name, pattern in self._extra:
            text = pattern.sub(placeholder(name), text)
        if text == original and len(text) <= _CACHED_LENGTH:
            if len(self._clean) >= _CACHE_SIZE:
                self._clean.clear()
            self._clean.add(text)
        return text

    def _shape_placeholder(self, match: re.Match[str]) -> str:
        return placeholder(self._shape_names[match.lastgroup or ""])

    def _pairs(self, text: str, secrets: Secrets | None) -> str:
        def replace(match: re.Match[str]) -> str:
            name, sep, value = match.groups()
            if not self._pair_name(name) or is_placeholder(value):
                return match.group(0)
            if secrets is not None:
                secrets.learn(value, name.lower())
            quote_ = '"' if match.re is _QUOTED_PAIR else ""
            return f"{quote_}{name}{quote_}{sep}{quote_}{placeholder(name.lower())}{quote_}"

        return _QUOTED_PAIR.sub(replace, _PAIR.sub(replace, text))

    def _safe_name(self, name: str) -> str:
        """A placeholder name that cannot hold a secret itself."""
        lowered = name.lower()
        return lowered if self.scrub_text(lowered) == lowered else "credential"

    # ----------------------------------------------------------------- structures

    def scrub_headers(
        self, headers: Mapping[str, str], secrets: Secrets | None = None
    ) -> dict[str, str]:
        """Headers with credential values replaced (names kept, lower-cased)."""
        secrets = secrets if secrets is not None else Secrets()
        cleaned: dict[str, str] = {}
        for name, value in headers.items():
            lowered = name.lower()
            if self.is_credential_header(lowered):
                if not is_placeholder(value) and value:
                    secrets.learn_header(lowered, value)
                    value = placeholder(self._safe_name(lowered))
                cleaned[lowered] = value
            else:
                cleaned[lowered] = self.scrub_text(value, secrets)
        return cleaned

    def scrub_query(
        self, query: Iterable[tuple[str, str]], secrets: Secrets | None = None
    ) -> list[tuple[str, str]]:
        """Query pairs with credential values replaced (names too, if they hold a secret)."""
        secrets = secrets if secrets is not None else Secrets()
        cleaned = []
        for name, value in query:
            if self.is_credential_query_param(name) and value and not is_placeholder(value):
                secrets.learn(value, name.lower())
                value = placeholder(self._safe_name(name))
            else:
                value = self.scrub_text(value, secrets)
            cleaned.append((self.scrub_text(name, secrets), value))
        return cleaned

    def scrub_json(self, data: Any, secrets: Secrets | None = None) -> Any:
        """A copy of a JSON value with credential fields (any value type), key-shaped strings
        and learned values replaced, in object keys as well as values."""
        secrets = secrets if secrets is not None else Secrets()
        if isinstance(data, dict):
            cleaned: dict[str, Any] = {}
            for key, value in data.items():
                if self.is_credential_field(key) and _holds_value(value):
                    secrets.learn_json(value, key.lower())
                    value = placeholder(self._safe_name(key))
                else:
                    value = self.scrub_json(value, secrets)
                new_key = self.scrub_text(key, secrets)
                if new_key != key:
                    number = 2
                    base = new_key
                    while new_key in cleaned or new_key in data:
                        new_key, number = f"{base}#{number}", number + 1
                cleaned[new_key] = value
            return cleaned
        if isinstance(data, list):
            return [self.scrub_json(item, secrets) for item in data]
        if isinstance(data, str):
            return self.scrub_text(data, secrets)
        return data

    def scrub_bytes(self, raw: bytes, secrets: Secrets | None = None) -> bytes:
        """A binary body with the same rules applied to its ASCII-compatible parts."""
        text = raw.decode("latin-1")
        if secrets is not None and secrets.values:
            # A UTF-8 secret appears in latin-1 text as its bytes, one character each.
            as_bytes = Secrets()
            for value, name in secrets.values.items():
                as_bytes.values[value.encode("utf-8").decode("latin-1")] = name
            text = as_bytes.redact(text)
        return self.scrub_text(text).encode("latin-1")

    # ----------------------------------------------------------------- learning

    def learn_request(self, request: Request, secrets: Secrets) -> None:
        """Learn the credential values a request carries before anything is replaced, so
        they are removed from every part of it (and of its response), not only where they sit
        by name."""
        for name, value in request.headers.items():
            if self.is_credential_header(name) and value and not is_placeholder(value):
                secrets.learn_header(name.lower(), value)
        for name, value in request.query:
            if self.is_credential_query_param(name) and value and not is_placeholder(value):
                secrets.learn(value, name.lower())
        if request.has_json:
            self._learn_json(request.json, secrets)
        elif request.text is not None and "=" in request.text:
            for name, value in parse_qsl(request.text, keep_blank_values=False):
                if self._pair_name(name):
                    secrets.learn(value, name.lower())

    def _learn_json(self, data: Any, secrets: Secrets) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if self.is_credential_field(key):
                    secrets.learn_json(value, key.lower())
                else:
                    self._learn_json(value, secrets)
        elif isinstance(data, list):
            for item in data:
                self._learn_json(item, secrets)

    # ----------------------------------------------------------------- finding

    def findings(self, interaction: Interaction, secrets: Secrets | None = None) -> list[Finding]:
        """Every place :func:`clean_interaction` would change in an interaction (volatile
        headers and encodings aside): the scan is the scrubber, compared with its input."""
        secrets = secrets if secrets is not None else Secrets()
        request, response = interaction.request, interaction.response
        self.learn_request(request, secrets)
        found = self._diff_text(
            request.path, self.scrub_text(request.path, secrets), "request.path"
        )
        for (name, value), (new_name, new_value) in zip(
            request.query, self.scrub_query(request.query, secrets), strict=False
        ):
            where = f"request.query?{new_name}"
            found += self._diff_text(name, new_name, f"request.query[name {new_name}]")
            found += self._diff_text(value, new_value, where)
        found += self._message_findings(request, "request", secrets)
        found += self._message_findings(response, "response", secrets)
        return found

    def _message_findings(self, message: Message, where: str, secrets: Secrets) -> list[Finding]:
        found: list[Finding] = []
        cleaned = self.scrub_headers(message.headers, secrets)
        for name, value in message.headers.items():
            found += self._diff_text(
                value, cleaned[name.lower()], f"{where}.headers.{name.lower()}"
            )
        if message.has_json:
            found += self._diff_json(
                message.json, self.scrub_json(message.json, secrets), f"{where}.json"
            )
        elif message.text is not None:
            found += self._diff_text(
                message.text, self.scrub_text(message.text, secrets), f"{where}.text"
            )
        elif message.base64 is not None:
            raw = message.body_bytes
            found += self._diff_text(
                raw.decode("latin-1"),
                self.scrub_bytes(raw, secrets).decode("latin-1"),
                f"{where}.base64",
            )
        return found

    @staticmethod
    def _diff_text(before: str, after: str, where: str) -> list[Finding]:
        if before == after:
            return []
        kind, preview = _describe(before, after)
        return [Finding(where, kind, preview)]

    def _diff_json(self, before: Any, after: Any, where: str) -> list[Finding]:
        if before == after:
            return []
        if isinstance(before, dict) and isinstance(after, dict):
            found: list[Finding] = []
            for (key, value), (new_key, new_value) in zip(
                before.items(), after.items(), strict=False
            ):
                path = f"{where}.{new_key}"
                if new_key != key:
                    found.append(Finding(path, _describe(key, new_key)[0] + " (object key)",
                                         f"{len(key)} characters"))  # fmt: skip
                found += self._diff_json(value, new_value, path)
            return found
        if isinstance(before, list) and isinstance(after, list):
            found = []
            for number, (item, new_item) in enumerate(zip(before, after, strict=False)):
                found += self._diff_json(item, new_item, f"{where}[{number}]")
            return found
        if isinstance(before, str) and isinstance(after, str):
            return self._diff_text(before, after, where)
        kind = _describe("", after)[0] if isinstance(after, str) else "credential"
        return [Finding(where, kind, f"a {type(before).__name__} under a credential name")]

    def find_in_text(self, text: str, where: str) -> list[Finding]:
        """Where :meth:`scrub_text` would change ``text`` (placeholders are not findings)."""
        return self._diff_text(text, self.scrub_text(text), where)

    def find_in_json(self, data: Any, where: str) -> list[Finding]:
        """Where :meth:`scrub_json` would change ``data``."""
        return self._diff_json(data, self.scrub_json(data), where)


def _holds_value(value: Any) -> bool:
    """Whether a value under a credential name is something to redact (not null, a flag, an
    empty string/container, or a placeholder)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return bool(value) and not is_placeholder(value)
    if isinstance(value, (dict, list)):
        return bool(value)
    return True


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
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return
    raw = message.body_bytes
    if not raw:
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


def _clean_message(message: Message, scrubber: Scrubber, secrets: Secrets) -> None:
    _decoded(message)
    kept = {k.lower(): v for k, v in message.headers.items() if not is_volatile_header(k)}
    message.headers = scrubber.scrub_headers(kept, secrets)
    if message.has_json:
        message.json = scrubber.scrub_json(message.json, secrets)
    elif message.text is not None:
        message.text = scrubber.scrub_text(message.text, secrets)
    elif message.events is not None:
        message.events = scrubber.scrub_json(message.events, secrets)
    elif message.base64 is not None:
        raw = message.body_bytes
        cleaned = scrubber.scrub_bytes(raw, secrets)
        if cleaned != raw:
            message.base64 = base64.b64encode(cleaned).decode("ascii")


def _clean_request(request: Request, scrubber: Scrubber, secrets: Secrets) -> None:
    scrubber.learn_request(request, secrets)
    request.path = scrubber.scrub_text(request.path, secrets)
    request.query = scrubber.scrub_query(request.query, secrets)
    _clean_message(request, scrubber, secrets)


def clean_interaction(
    interaction: Interaction,
    scrubber: Scrubber | None = None,
    secrets: Secrets | None = None,
    *,
    in_place: bool = False,
) -> Interaction:
    """What goes to disk: bodies decoded, volatile headers dropped, every credential replaced
    by its placeholder, in requests and responses. ``secrets`` carries what earlier
    interactions of the same cassette taught (and learns from this one); without it only this
    interaction's values are learned. Returns a new interaction; the argument is left as it
    was unless ``in_place`` (for one built only to be stored)."""
    scrubber = scrubber or Scrubber()
    secrets = secrets if secrets is not None else Secrets()
    request = interaction.request if in_place else copy.deepcopy(interaction.request)
    response = interaction.response if in_place else copy.deepcopy(interaction.response)
    _clean_request(request, scrubber, secrets)
    _clean_message(response, scrubber, secrets)
    return Interaction(request, response)


def clean_request(
    request: Request,
    scrubber: Scrubber | None = None,
    *,
    in_place: bool = False,
    secrets: Secrets | None = None,
) -> Request:
    """A live request as it would be stored (see :func:`clean_interaction`). Matching compares
    the cleaned live request with the stored one, so a request carrying a credential in its
    query or body still matches the recording that holds the placeholder:
    ``cassette.play(clean_request(request, scrubber))`` is how the plugin (and the CLI) look up.
    ``in_place`` cleans ``request`` itself (for a request built only to be looked up)."""
    scrubber = scrubber or Scrubber()
    cleaned = request if in_place else copy.deepcopy(request)
    _clean_request(cleaned, scrubber, secrets if secrets is not None else Secrets())
    return cleaned
