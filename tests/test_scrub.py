"""Scrubbing: every credential position becomes a named placeholder; cleaning is stable."""

from __future__ import annotations

import gzip
import json

from harness.cassette.format import Interaction, Request, Response, match_key
from harness.cassette.scrub import (
    Scrubber,
    ScrubRules,
    clean_interaction,
    clean_request,
    find_credentials,
    is_volatile_header,
)

SECRET = "sk-proj-" + "A1b2C3d4" * 4


def _request() -> Request:
    request = Request(
        method="POST",
        path="/openai/threads/thread_a",
        query=[("api-version", "2024-05-01-preview"), ("api-key", "azure-secret-123")],
        headers={
            "Authorization": f"Bearer {SECRET}",
            "OpenAI-Organization": "org-abc",
            "X-Stainless-OS": "Linux",
            "User-Agent": "OpenAI/Python 3.54.0",
            "x-tenant": "tenant-7",
            "content-type": "application/json",
        },
    )
    body = {"metadata": {"note": f"key {SECRET}"}, "client_secret": "hunter2", "n": 1}
    request.set_body(json.dumps(body).encode())
    return request


def test_clean_interaction_redacts_every_position_and_drops_volatile_headers() -> None:
    response = Response(
        status=401,
        headers={"content-type": "application/json", "content-encoding": "gzip",
                 "set-cookie": "session=abc", "x-request-id": "req_1"},
    )  # fmt: skip
    echo = {"authorization": "Bearer abc", "x-api-key": "k", "cookie": "c=1"}
    echoed = {"error": {"message": f"Incorrect API key provided: {SECRET}"}, "echo": echo}
    response.set_body(gzip.compress(json.dumps(echoed).encode()))
    original = Interaction(_request(), response)
    cleaned = clean_interaction(original, Scrubber(ScrubRules.from_options(headers=["x-tenant"])))
    request = cleaned.request
    assert request.headers == {
        "authorization": "<REDACTED:authorization>",
        "openai-organization": "<REDACTED:openai-organization>",
        "x-tenant": "<REDACTED:x-tenant>",
        "content-type": "application/json",
    }
    assert request.query == [("api-version", "2024-05-01-preview"),
                             ("api-key", "<REDACTED:api-key>")]  # fmt: skip
    # The key was learned from the authorization header, so its echo is named after it.
    assert request.json == {"metadata": {"note": "key <REDACTED:authorization>"},
                            "client_secret": "<REDACTED:client_secret>", "n": 1}  # fmt: skip
    body = cleaned.response.json
    assert body["error"]["message"] == "Incorrect API key provided: <REDACTED:authorization>"
    assert set(body["echo"].values()) == {"<REDACTED:authorization>", "<REDACTED:x-api-key>",
                                          "<REDACTED:cookie>"}  # fmt: skip
    assert cleaned.response.headers == {"content-type": "application/json",
                                        "set-cookie": "<REDACTED:set-cookie>"}  # fmt: skip
    assert original.request.headers["Authorization"].endswith(SECRET)  # argument untouched
    text = json.dumps(cleaned.to_dict())
    assert SECRET not in text and "hunter2" not in text and "azure-secret" not in text
    assert find_credentials(cleaned.to_dict()) == []
    assert clean_interaction(cleaned).to_dict() == cleaned.to_dict()  # idempotent


def test_clean_request_matches_the_stored_request() -> None:
    stored = clean_interaction(Interaction(_request(), Response())).request
    live = _request()
    assert match_key(clean_request(live)) == match_key(stored)
    assert live.json["client_secret"] == "hunter2"  # not in place by default
    assert clean_request(live, in_place=True) is live and live.json["client_secret"] != "hunter2"


def test_usage_token_counts_are_not_credentials() -> None:
    data = {"usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
            "max_prompt_tokens": 256, "author": "someone"}  # fmt: skip
    assert Scrubber().scrub_json(data) == data
    assert not Scrubber().is_credential_header("x-ratelimit-remaining-tokens")


def test_find_credentials_names_where_without_the_secret() -> None:
    findings = find_credentials({"a": [{"api_key": "abcdef123"}, f"see {SECRET}"]})
    assert [f.where for f in findings] == ["$.a[0].api_key", "$.a[1]"]
    assert all(SECRET not in str(f) and "abcdef123" not in str(f) for f in findings)


def test_user_patterns_apply_everywhere() -> None:
    scrubber = Scrubber(ScrubRules.from_options(patterns={"tenant": r"tnt_[a-z0-9]{8}"}))
    assert scrubber.scrub_text("id tnt_abcd1234 here") == "id <REDACTED:tenant> here"


def test_volatile_headers() -> None:
    assert all(map(is_volatile_header, ["x-stainless-arch", "Date", "openai-processing-ms"]))
    assert not is_volatile_header("content-type")
