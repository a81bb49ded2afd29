"""What a vcrpy/pytest-recording user reaches for, at the level of the recording: the offline
allow-list, ``match_on`` with built-in parts and user matchers, ``allow_playback_repeats``,
``assert_all_played`` and the ``before_record_*`` hooks (end to end: test_plugin_parity.py)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.plugin import matching
from harness.plugin.config import CassetteConfig
from harness.plugin.matching import RequestMatcher, register_matcher
from harness.plugin.offline import AllowRule, NetworkBlockedError, OfflineGuard
from harness.plugin.recording import CassetteMissError, Recording


def _interaction(metadata: dict[str, str], path: str = "/v1/threads/thread_a") -> Interaction:
    request = Request(method="POST", path=path, headers={"x-tenant": "t1"})
    request.set_body(json.dumps({"metadata": metadata}).encode())
    response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
    thread = {"id": path.rsplit("/", 1)[-1], "object": "thread", "created_at": 1,
              "metadata": metadata, "tool_resources": {}}  # fmt: skip
    response.set_body(json.dumps(thread).encode())
    return Interaction(request, response)


def _live(
    metadata: dict[str, str], headers: dict[str, str] | None = None, path: str = "thread_a"
) -> Request:
    """A live request as the vcrpy adapter hands it over (the recording cleans it)."""
    request = Request(method="POST", path=f"/v1/threads/{path}", headers=headers or {})
    request.set_body(json.dumps({"metadata": metadata}).encode())
    return request


def _can_answer(recording: Recording, live: Request) -> bool:
    cleaned = recording.clean(live)
    assert cleaned is not None
    return recording.can_answer(cleaned)


def _answer(recording: Recording, live: Request) -> Response:
    cleaned = recording.clean(live)
    assert cleaned is not None
    return recording.answer(cleaned)


def _recording(tmp_path: Path, *interactions: Interaction, **config: Any) -> Recording:
    path = tmp_path / "c.json"
    Cassette(path=path, interactions=list(interactions)).save()
    return Recording.open(path, CassetteConfig(mode="none", **config), rerecord_command="pytest x")


# --------------------------------------------------------------------------- offline allow-list


@pytest.mark.parametrize(
    ("entry", "allowed", "refused"),
    [
        ("db.internal", [("db.internal", 5432), ("DB.internal", None)], [("db2.internal", 1)]),
        ("db.internal:5432", [("db.internal", 5432)], [("db.internal", 5433)]),
        ("10.0.0.0/8", [("10.1.2.3", 80)], [("11.0.0.1", 80), ("db.internal", 80)]),
        ("192.0.2.1:8080", [("192.0.2.1", 8080)], [("192.0.2.1", 8081), ("192.0.2.2", 8080)]),
        ("[2001:db8::1]:443", [("2001:db8::1", 443)], [("2001:db8::1", 80)]),
        ("2001:db8::/32", [("2001:db8::5", 1)], [("2001:db9::5", 1)]),
    ],
)
def test_allow_rule(entry: str, allowed: list[tuple[str, Any]], refused: list[tuple[str, Any]]):
    rule = AllowRule.parse(entry)
    assert all(rule.allows(host, port) for host, port in allowed)
    assert not any(rule.allows(host, port) for host, port in refused)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("db.internal:http", "port 'http' is not 1-65535"),
        ("db:0", "port '0' is not 1-65535"),
        ("", "expected HOST, HOST:PORT or CIDR"),
        ("10.0.0.0/33", "not an address or network"),
    ],
)
def test_bad_allow_entries_are_named(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AllowRule.parse(entry)
    with pytest.raises(ValueError, match=message):
        CassetteConfig(offline_allow=(entry,))


def test_guard_allows_listed_hosts_and_what_an_allowed_name_resolves_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Below the guard, fake socket calls record what got through (nothing is sent)."""
    reached: list[object] = []

    def fake_getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> Any:
        reached.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.5", port))]

    def fake_connect(sock: socket.socket, address: object) -> None:
        reached.append(address)

    monkeypatch.setattr(socket.socket, "connect", fake_connect)
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    guard = OfflineGuard(["db.internal:5432", "192.0.2.1"])
    guard.install()
    try:
        socket.getaddrinfo("db.internal", 5432)
        with socket.socket() as sock:
            sock.connect(("203.0.113.5", 5432))  # the address db.internal resolved to
            sock.connect(("192.0.2.1", 9))
        with socket.socket() as sock, pytest.raises(NetworkBlockedError, match=r"\.5:80: only"):
            sock.connect(("203.0.113.5", 80))  # resolved, but not on the allowed port
        with pytest.raises(NetworkBlockedError) as blocked:
            socket.getaddrinfo("api.example.invalid", 443)
    finally:
        guard.uninstall()
    assert reached == ["db.internal", ("203.0.113.5", 5432), ("192.0.2.1", 9)]
    assert "localhost, db.internal:5432, 192.0.2.1) is allowed" in str(blocked.value)
    assert "--offline-allow api.example.invalid:443" in str(blocked.value)


# --------------------------------------------------------------------------- matching


def test_match_on_builtin_parts_keeps_an_index(tmp_path: Path) -> None:
    recording = _recording(tmp_path, _interaction({"k": "recorded"}), match_on=("method", "path"))
    assert recording.matcher.accepts(Request()) is None  # no user function: the key decides
    assert _can_answer(recording, _live({"k": "something else"}))
    assert _answer(recording, _live({"k": "x"})).json["id"] == "thread_a"

    strict = _recording(tmp_path, _interaction({"k": "recorded"}))  # the default
    with pytest.raises(CassetteMissError, match="What differs"):
        _can_answer(strict, _live({"k": "something else"}))


def test_json_part_and_uri_part() -> None:
    text = Request(method="POST", path="/p", query=[("b", "2"), ("a", "1")])
    text.set_body(b"not json")
    other = Request(method="POST", path="/p", query=[("a", "1"), ("b", "2")])
    other.set_body(b"other text")
    matcher = RequestMatcher.build(("uri", "json"))
    assert matcher.key(text) == matcher.key(other)  # query order and non-JSON bodies ignored
    assert RequestMatcher.build(("uri", "body")).key(text) != RequestMatcher.build(
        ("uri", "body")
    ).key(other)


def test_user_matchers_by_name_scan_only_the_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matching, "_REGISTRY", {})  # this test's registrations end with it
    calls: list[str] = []

    def same_keys(live: Request, recorded: Request) -> bool:
        calls.append(recorded.path)
        return sorted(live.json["metadata"]) == sorted(recorded.json["metadata"])

    def same_tenant(live: Request, recorded: Request) -> None:
        assert live.headers.get("x-tenant") == recorded.headers.get("x-tenant")  # vcrpy style

    register_matcher("test_same_keys", same_keys)
    register_matcher("test_same_keys", same_keys)  # the same function again is fine
    with pytest.raises(ValueError, match="already registered"):
        register_matcher("test_same_keys", same_tenant)
    with pytest.raises(ValueError, match="built in"):
        register_matcher("path", same_keys)

    interactions = [_interaction({"a": "1"}, "/v1/threads/thread_b"), _interaction({"k": "1"})]
    recording = Recording.open(
        _save(tmp_path, interactions),
        CassetteConfig(mode="none", match_on=("method", "path", "test_same_keys", "tenant")),
        rerecord_command="",
        matchers={"tenant": same_tenant},  # as the pytest_harness_matchers hook offers them
    )
    assert _can_answer(recording, _live({"k": "other value"}, {"x-tenant": "t1"}))
    assert calls == ["/v1/threads/thread_a"]  # thread_b has another path: never compared
    with pytest.raises(CassetteMissError):
        _can_answer(recording, _live({"k": "v"}, {"x-tenant": "t2"}))
    with pytest.raises(CassetteMissError):
        _can_answer(recording, _live({"other": "v"}, {"x-tenant": "t1"}))


def _save(tmp_path: Path, interactions: list[Interaction]) -> Path:
    path = tmp_path / "c.json"
    Cassette(path=path, interactions=interactions).save()
    return path


def test_unknown_matcher_is_named_with_what_is_known(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown matcher\(s\) 'headers' in match_on; built in"):
        _recording(tmp_path, match_on=("method", "headers"))


# --------------------------------------------------------------------------- playback


def test_allow_playback_repeats_replays_the_last_answer(tmp_path: Path) -> None:
    first, second = _interaction({"k": "v"}), _interaction({"k": "v"})
    second.response.headers["x-which"] = "second"
    repeats = _recording(tmp_path, first, second, allow_playback_repeats=True)
    answers = [_answer(repeats, _live({"k": "v"})) for _ in range(4)]
    assert [a.headers.get("x-which") for a in answers] == [None] + ["second"] * 3
    assert repeats.play_count == 4 and repeats.all_played

    once = _recording(tmp_path, first)
    _answer(once, _live({"k": "v"}))
    with pytest.raises(CassetteMissError, match="allow_playback_repeats=True replays"):
        _can_answer(once, _live({"k": "v"}))


def test_explain_unplayed(tmp_path: Path) -> None:
    recording = _recording(
        tmp_path, _interaction({"k": "v"}), _interaction({}, "/v1/threads/thread_z")
    )
    _answer(recording, _live({"k": "v"}))
    message = recording.explain_unplayed()
    assert "1 of 2 recorded interaction(s)" in message
    assert "#1: POST /v1/threads/thread_z" in message
    _answer(recording, _live({}, path="thread_z"))
    assert recording.explain_unplayed() == ""


def test_config_rejects_a_hook_that_is_not_a_function() -> None:
    with pytest.raises(ValueError, match="before_record_request must be a function"):
        CassetteConfig(before_record_request="drop")  # type: ignore[arg-type]
    assert CassetteConfig(match_on="path").match_on == ("path",)  # type: ignore[arg-type]
