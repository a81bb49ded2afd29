"""Scrubbing: every credential position becomes a named placeholder; cleaning is stable."""

from __future__ import annotations

import gzip
import json

import pytest

from harness.cassette.format import Interaction, Request, Response, match_key
from harness.cassette.scrub import (
    Scrubber,
    ScrubRules,
    Secrets,
    clean_interaction,
    clean_request,
    credential_name,
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


@pytest.mark.parametrize(
    "name",
    ["apiKey", "openaiApiKey", "api_token", "x-api-tokens", "pwd", "X-Amz-Signature",
     "X-Goog-Signature", "sig", "X-Hub-Signature-256", "AccountKey", "SharedAccessKey",
     "client_secret", "PASSWORD", "refresh_token", "privateKey", "Ocp-Apim-Subscription-Key"],
)  # fmt: skip
def test_credential_names_in_any_case_and_separator(name: str) -> None:
    assert credential_name(name, "field") and credential_name(name, "query")


@pytest.mark.parametrize(
    "name",
    ["max_tokens", "prompt_tokens", "total_tokens", "author", "token_count", "key", "keys",
     "monkey", "metadata", "thread_id", "x-ratelimit-remaining-tokens", "tool_choice"],
)  # fmt: skip
def test_ordinary_names_are_not_credentials(name: str) -> None:
    assert not credential_name(name, "field")


def test_key_counts_by_itself_only_in_query_and_headers() -> None:
    assert credential_name("key", "query") and credential_name("x-key", "header")
    assert not credential_name("key", "field")


def test_an_allowed_field_keeps_its_value_but_not_a_key_shape() -> None:
    scrubber = Scrubber(ScrubRules.from_options(allow=["token_budget_name", "password_hint"]))
    data = {"password_hint": "first pet", "other": {"password_hint": f"not {SECRET}"}}
    assert scrubber.scrub_json(data) == {
        "password_hint": "first pet",
        "other": {"password_hint": "not <REDACTED:openai-key>"},
    }
    assert Scrubber().scrub_json(data)["password_hint"] == "<REDACTED:password_hint>"


def test_non_string_values_under_credential_names_are_replaced_whole() -> None:
    data = {"token": 123456789, "secrets": ["a", "b"], "credentials": {"x": 1}, "api_key": None,
            "password": "", "auth": False}  # fmt: skip
    assert Scrubber().scrub_json(data) == {
        "token": "<REDACTED:token>",
        "secrets": "<REDACTED:secrets>",
        "credentials": "<REDACTED:credentials>",
        "api_key": None,
        "password": "",
        "auth": False,
    }


def test_a_secret_used_as_a_key_is_replaced_and_collisions_stay_distinct() -> None:
    other = "sk-" + "Z9y8X7w6" * 3
    cleaned = Scrubber().scrub_json({SECRET: 1, other: 2})
    assert cleaned == {"<REDACTED:openai-key>": 1, "<REDACTED:openai-key>#2": 2}


def test_learned_values_are_removed_wherever_they_reappear() -> None:
    secrets = Secrets()
    scrubber = Scrubber()
    headers = scrubber.scrub_headers({"x-tenant-key": "FAKEtenant42value"}, secrets)
    assert headers == {"x-tenant-key": "<REDACTED:x-tenant-key>"}
    text = "bad key FAKEtenant42value, see /x?k=FAKEtenant42value and FAKEtenant42value%2F"
    assert "FAKEtenant42" not in scrubber.scrub_text(text, secrets)
    assert scrubber.scrub_json({"FAKEtenant42value": 1}, secrets) == {"<REDACTED:x-tenant-key>": 1}


def test_plain_words_are_not_learned() -> None:
    secrets = Secrets()
    Scrubber().scrub_headers({"x-auth-mode": "default"}, secrets)
    assert secrets.values == {}
    assert Scrubber().scrub_text("the default value", secrets) == "the default value"


def test_binary_bodies_are_scanned_as_bytes_next_to_non_ascii() -> None:
    aws = "AKIA" + "ABCDEFGHIJKLMNOP"
    raw = b"\xe9" + aws.encode() + b"\xe9"
    cleaned = Scrubber().scrub_bytes(raw)
    assert aws.encode() not in cleaned and cleaned.startswith(b"\xe9<REDACTED:aws-access-key>")


@pytest.mark.parametrize("depth", [101, 400, 5000])
def test_a_body_deeper_than_the_limit_is_scrubbed_as_text(depth: int) -> None:
    """400 levels parse but would exhaust the stack while being copied and scrubbed; 5000 do not
    even parse. Both are kept as text, and the text rules still remove the key."""
    secret = "sk-live-FAKEDeepNestedSecret0123456789"
    body = "[" * depth + '{"password": "hunter2-Deep", "k": "' + secret + '"}' + "]" * depth
    request = Request(method="POST", path="/v1/threads", headers={"x-api-key": "abcdef-123456"})
    request.set_body(body.encode())
    response = Response(status=200, headers={"content-type": "application/json"})
    response.set_body(body.encode())
    assert not request.has_json and request.text == body
    cleaned = clean_interaction(Interaction(request, response))
    for message in (cleaned.request, cleaned.response):
        assert message.text is not None and message.text.startswith("[" * depth)
        assert secret not in message.text and "hunter2-Deep" not in message.text
        assert "<REDACTED:openai-key>" in message.text


def test_a_body_at_the_limit_stays_json() -> None:
    body = "[" * 99 + '{"password": "hunter2-Deep"}' + "]" * 99
    response = Response(status=200)
    response.set_body(body.encode())
    assert response.has_json
    assert "hunter2-Deep" not in json.dumps(clean_interaction(Interaction(Request(), response))
                                            .response.json)  # fmt: skip


def test_a_stream_event_deeper_than_the_limit_is_scrubbed_as_text() -> None:
    secret = "sk-live-FAKEDeepNestedSecret0123456789"
    data = "[" * 400 + '"' + secret + '"' + "]" * 400
    response = Response(status=200, headers={"content-type": "text/event-stream"})
    response.set_body(f"event: thread.message.delta\ndata: {data}\n\n".encode())
    assert response.events == [{"event": "thread.message.delta", "text": data}]
    cleaned = clean_interaction(Interaction(Request(), response)).response
    assert cleaned.events is not None and secret not in json.dumps(cleaned.events)
    assert cleaned.events[0]["text"].startswith("[" * 400)
