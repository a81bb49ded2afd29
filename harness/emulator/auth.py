"""Credentials and the beta header, per flavor (OpenAI ``/v1`` or Azure ``/openai``)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qs

from harness.emulator.errors import AZURE_MISSING_KEY, MISSING_BETA, MISSING_KEY, EmulatorError
from harness.server.asgi import Scope

Flavor = Literal["openai", "azure"]
_READ = frozenset({b"authorization", b"api-key", b"openai-beta"})


def authorize(flavor: Flavor, scope: Scope) -> None:
    """Any non-empty key is accepted; the key itself is never kept or echoed."""
    headers = {}
    for name, value in scope.get("headers", ()):
        lowered = name.lower()
        if lowered in _READ:
            headers[lowered.decode("latin-1")] = value.decode("latin-1")
    raw_query = scope.get("query_string", b"")
    query = parse_qs(raw_query.decode("latin-1")) if raw_query else {}
    if flavor == "azure" and not any(v.strip() for v in query.get("api-version", [])):
        # Azure answers a missing api-version with 404 "Resource not found" (unverified).
        raise EmulatorError(404, "Resource not found", code="404")
    bearer = headers.get("authorization", "")
    scheme, _, token = bearer.partition(" ")
    has_key = (
        (scheme.lower() == "bearer" and token.strip() != "")
        or headers.get("api-key", "").strip() != ""
        or (flavor == "azure" and any(v.strip() for v in query.get("api-key", [])))
    )
    if not has_key:
        if flavor == "azure":
            raise EmulatorError(401, AZURE_MISSING_KEY, code="401")
        raise EmulatorError(401, MISSING_KEY)
    if flavor == "openai" and headers.get("openai-beta", "").replace(" ", "") != "assistants=v2":
        raise EmulatorError(400, MISSING_BETA)
