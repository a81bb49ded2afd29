"""The recorder's pieces without pytester: names, configuration, saving under a lock, miss
messages, the offline guard, and the vcrpy patches against a real loopback server."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from harness.api.drift import response_drift
from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.plugin._vcr import Patches, request_from_vcr
from harness.plugin.config import CassetteConfig, default_mode
from harness.plugin.ledger import SessionLedger
from harness.plugin.naming import cassette_path, legacy_cassette_path, safe_name
from harness.plugin.offline import NetworkBlockedError, OfflineGuard, is_loopback
from harness.plugin.recording import CassetteMissError, CassetteSaveError, Recording
from harness.server.serve import serve


def _interaction(metadata: dict[str, str], path: str = "/v1/threads/thread_a") -> Interaction:
    request = Request(method="POST", path=path)
    request.set_body(json.dumps({"metadata": metadata}).encode())
    response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
    thread = {"id": path.rsplit("/", 1)[-1], "object": "thread", "created_at": 1,
              "metadata": metadata, "tool_resources": {}}  # fmt: skip
    response.set_body(json.dumps(thread).encode())
    return Interaction(request, response)


# --------------------------------------------------------------------------- names


def test_safe_name_sanitizes_parametrize_ids_and_truncates_with_a_hash() -> None:
    assert safe_name("TestA::test_x[a/b c-1]") == "TestA.test_x-a_b_c-1"
    long = "test_" + "x" * 200
    short = safe_name(long)
    assert len(short) == 80 and short != safe_name(long + "y")
    assert safe_name(long) == short  # stable


def test_cassette_path_default_and_explicit(tmp_path: Path) -> None:
    module = Path("tests/test_mod.py")
    expected = tmp_path / "tests" / "test_mod" / "test_y-1.json"
    assert cassette_path(tmp_path, module, "test_y[1]") == expected
    rooted = cassette_path(tmp_path, Path("/repo/tests/a/test_mod.py"), "t", rootdir=Path("/repo"))
    assert rooted == tmp_path / "tests" / "a" / "test_mod" / "t.json"
    outside = cassette_path(tmp_path, Path("/elsewhere/test_mod.py"), "t", rootdir=Path("/repo"))
    assert outside == tmp_path / "test_mod" / "t.json"
    assert legacy_cassette_path(tmp_path, module, "t") == tmp_path / "test_mod" / "t.json"
    assert cassette_path(tmp_path, module, "t", "shared/one") == tmp_path / "shared" / "one.json"
    with pytest.raises(ValueError, match="relative path inside"):
        cassette_path(tmp_path, module, "t", "../escape")


def test_default_mode_follows_ci() -> None:
    assert default_mode({}) == "once"
    assert default_mode({"CI": "true"}) == "none"
    assert default_mode({"CI": "false"}) == "once"


def test_config_rejects_unknown_modes_and_options() -> None:
    with pytest.raises(ValueError, match="cassette mode 'sometimes'"):
        CassetteConfig(mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"unknown cassette option.*scrub_header\b"):
        CassetteConfig().replace(scrub_header="x")
    config = CassetteConfig().replace(scrub_headers="x-tenant", scrub_patterns={"t": "tnt_\\w+"})
    assert config.scrub_headers == ("x-tenant",)
    assert config.scrub_rules().patterns == (("t", "tnt_\\w+"),)


# --------------------------------------------------------------------------- saving


def test_concurrent_saves_to_one_file_merge_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    config = CassetteConfig(mode="new_episodes")
    recordings = []
    for n in range(8):
        recording = Recording.open(path, config, rerecord_command="")
        recording.recorded.append(_interaction({"n": str(n)}))
        recordings.append(recording)
    threads = [threading.Thread(target=r.save) for r in recordings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = Cassette.load(path).interactions
    assert sorted(i.request.json["metadata"]["n"] for i in saved) == [str(n) for n in range(8)]


def test_rewrite_replaces_once_per_session_then_merges(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    Cassette(path=path, interactions=[_interaction({"old": "1"})]).save()
    ledger = SessionLedger()
    try:
        for n in range(2):
            recording = Recording.open(
                path, CassetteConfig(mode="rewrite"), rerecord_command="", ledger=ledger
            )
            assert recording.loaded.interactions == []
            recording.recorded.append(_interaction({"new": str(n)}))
            recording.save()
    finally:
        ledger.remove()  # an in-memory ledger: nothing to remove, but harmless
    metadata = [i.request.json["metadata"] for i in Cassette.load(path).interactions]
    assert metadata == [{"new": "0"}, {"new": "1"}]
    # A new session (a new ledger) replaces the file again.
    recording = Recording.open(path, CassetteConfig(mode="rewrite"), rerecord_command="")
    recording.recorded.append(_interaction({"newer": "2"}))
    recording.save()
    assert [i.request.json["metadata"] for i in Cassette.load(path).interactions] == [
        {"newer": "2"}
    ]


def test_a_file_that_cannot_be_written_keeps_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    recording = Recording.open(path, CassetteConfig(), rerecord_command="")
    recording.recorded.append(_interaction({"kept": "yes"}))
    path.mkdir()  # a directory appeared where the cassette goes
    with pytest.raises(CassetteSaveError) as caught:
        recording.save()
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    kept = Path(message.split(" were kept in ")[1].split(": fix")[0])
    try:
        assert Cassette.load(kept).interactions[0].request.json == {"metadata": {"kept": "yes"}}
    finally:
        kept.unlink()


def test_nothing_recorded_writes_nothing(tmp_path: Path) -> None:
    recording = Recording.open(tmp_path / "c.json", CassetteConfig(), rerecord_command="")
    assert recording.save() is None and not (tmp_path / "c.json").exists()


# --------------------------------------------------------------------------- real HTTP


async def _thread_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    metadata = json.loads(body or b"{}").get("metadata", {})
    thread = {"id": scope["path"].rsplit("/", 1)[-1], "object": "thread", "created_at": 1,
              "metadata": metadata, "tool_resources": {}}  # fmt: skip
    headers = [(b"content-type", b"application/json"), (b"date", b"today")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(thread).encode()})


def test_patches_record_then_replay_httpx2_and_explain_a_miss(tmp_path: Path) -> None:
    httpx2 = pytest.importorskip("httpx2")
    path = tmp_path / "c.json"
    patches = Patches()
    with serve(_thread_app) as url:
        recording = Recording.open(path, CassetteConfig(mode="once"), rerecord_command="RR")
        with patches.active(recording), httpx2.Client() as client:
            reply = client.post(f"{url}/v1/threads/thread_a", json={"metadata": {"k": "v"}})
        assert reply.json()["metadata"] == {"k": "v"}
        recording.save()
    stored = Cassette.load(path).interactions
    assert len(stored) == 1 and "date" not in stored[0].response.headers

    replay = Recording.open(path, CassetteConfig(mode="none"), rerecord_command="RR")
    with patches.active(replay), httpx2.Client() as client:
        again = client.post("http://127.0.0.1:9/v1/threads/thread_a", json={"metadata": {"k": "v"}})
        assert again.json() == reply.json() and replay.all_played
        with pytest.raises(CassetteMissError) as caught:
            client.post("http://127.0.0.1:9/v1/threads/thread_a", json={"metadata": {"k": "v"}})
    assert "already been played" in str(caught.value) and "RR" in str(caught.value)


# --------------------------------------------------------------------------- drift


def _drift(interaction: Interaction) -> list[str]:
    request, response = interaction.request, interaction.response
    found = response_drift(request.method, request.path, response.status, response.json)
    return [str(d) for d in found]


def test_drift_only_for_responses_that_return_a_run_or_thread() -> None:
    good = _interaction({"a": "b"})
    assert _drift(good) == []
    bad = _interaction({"a": "b"})
    assert bad.response.json is not None
    bad.response.json["created_at"] = "yesterday"
    assert _drift(bad) == [
        "response.json.created_at: Input should be a valid integer (value: 'yesterday')"
    ]
    listing = _interaction({"a": "b"}, path="/v1/threads/thread_a/messages")
    listing.response.json = {"whatever": True}
    assert _drift(listing) == []
    deleted = _interaction({"a": "b"})
    deleted.request.method = "DELETE"
    deleted.response.json = {"id": "thread_a", "object": "thread.deleted", "deleted": True}
    assert _drift(deleted) == []


# --------------------------------------------------------------------------- offline


def test_is_loopback() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["192.0.2.1", "example.invalid", "10.0.0.1", "::ffff:1.2.3.4"]))


def test_offline_guard_refuses_before_the_real_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    reached: list[object] = []

    def fake_create_connection(address: object, *args: object, **kwargs: object) -> None:
        reached.append(address)

    def fake_getaddrinfo(host: object, *args: object, **kwargs: object) -> list[object]:
        reached.append(host)
        return []

    def fake_connect(sock: socket.socket, address: object) -> None:
        reached.append(address)

    monkeypatch.setattr(socket.socket, "connect", fake_connect)
    monkeypatch.setattr(socket, "create_connection", fake_create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    guard = OfflineGuard()
    guard.install()
    try:
        with pytest.raises(NetworkBlockedError, match=r"blocked connect to 192\.0\.2\.1:443"):
            socket.create_connection(("192.0.2.1", 443))
        with pytest.raises(NetworkBlockedError, match=r"name lookup to api\.example\.invalid"):
            socket.getaddrinfo("api.example.invalid", 443)
        socket.getaddrinfo("localhost", 80)
        with socket.socket() as sock, pytest.raises(NetworkBlockedError):
            sock.connect(("192.0.2.1", 9))
    finally:
        guard.uninstall()
    assert reached == ["localhost"]
    assert socket.getaddrinfo is fake_getaddrinfo
    assert len(guard.blocked) == 3


@pytest.mark.parametrize(
    ("mode", "existed", "answer"),
    [
        ("none", True, "replay"),
        ("none", False, "miss"),
        ("once", True, "replay"),
        ("once", False, "record"),
        ("new_episodes", True, "replay"),
        ("new_episodes", False, "record"),
        ("all", True, "record"),
        ("rewrite", True, "record"),
    ],
)
def test_record_modes(tmp_path: Path, mode: str, existed: bool, answer: str) -> None:
    from vcr.request import Request as VcrRequest

    path = tmp_path / "c.json"
    if existed:
        Cassette(path=path, interactions=[_interaction({"k": "v"})]).save()
    config = CassetteConfig().replace(mode=mode)
    recording = Recording.open(path, config, rerecord_command="")
    live = VcrRequest(
        "POST", "https://any.host:8443/v1/threads/thread_a", b'{"metadata":{"k":"v"}}', {}
    )
    request = recording.clean(request_from_vcr(live, headers=False))
    if answer == "miss":
        with pytest.raises(CassetteMissError, match="file does not exist"):
            recording.can_answer(request)
        return
    assert recording.can_answer(request) is (answer == "replay")
    assert recording.can_record is not (mode in ("none", "once") and existed)
