"""The cassette file: round trip, stable bytes, indexed lookup in recorded order, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cassette.format import (
    Cassette,
    CassetteError,
    Interaction,
    Request,
    Response,
    atomic_write_text,
    iter_cassette_files,
    match_key,
)
from harness.cassette.scrub import clean_request


def _interaction(
    body: dict[str, object], status: int = 200, path: str = "/v1/threads/t"
) -> Interaction:
    request = Request(method="POST", path=path, query=[("b", "2"), ("a", "1")])
    request.set_body(json.dumps(body).encode())
    response = Response(status=status, reason="OK", headers={"content-type": "application/json"})
    response.set_body(json.dumps({"n": status, "body": body}).encode())
    return Interaction(request, response)


def test_round_trip_is_byte_identical(tmp_path: Path) -> None:
    cassette = Cassette(interactions=[_interaction({"b": 1, "a": [1, 2]}), _interaction({})])
    path = cassette.save(tmp_path / "c.json")
    text = path.read_text()
    assert text.endswith("\n") and '"json": {' in text  # JSON bodies stored as data
    again = Cassette.load(path)
    assert again.dumps() == text
    assert again.interactions[0].request.query == [("b", "2"), ("a", "1")]


def test_bodies_json_text_binary_and_empty() -> None:
    message = Request()
    message.set_body(b"plain text")
    assert message.text == "plain text" and message.body_bytes == b"plain text"
    message.set_body(b"\xff\x00")
    assert message.base64 is not None and message.body_bytes == b"\xff\x00"
    message.set_body(b"")
    assert message.to_dict().keys() == {"method", "path", "query", "headers"}


def test_match_key_ignores_key_order_query_order_and_credential_values() -> None:
    a = Request(method="post", path="/x", query=[("a", "1"), ("api-key", "s1")])
    a.set_body(b'{"b": 1, "a": 2}')
    b = Request(method="POST", path="/x", query=[("api-key", "s2"), ("a", "1")])
    b.set_body(b'{"a":2,"b":1}')
    assert match_key(a) != match_key(b)
    # Credentials are made equal the way the plugin and the CLI look up: scrub the live request.
    assert match_key(clean_request(a)) == match_key(clean_request(b))


def test_identical_requests_play_in_recorded_order() -> None:
    first, second = _interaction({"same": 1}, 200), _interaction({"same": 1}, 201)
    cassette = Cassette(interactions=[first, second, _interaction({"other": 1})])
    probe = _interaction({"same": 1}).request
    assert cassette.play(probe) is first
    assert cassette.play(probe) is second
    assert cassette.play(probe) is None and cassette.has_recorded(probe)
    assert not cassette.all_played and len(cassette.unplayed()) == 1
    cassette.rewind()
    assert cassette.play(probe) is first


def test_append_keeps_the_index_current() -> None:
    cassette = Cassette()
    probe = _interaction({"k": 1}).request
    assert not cassette.can_play(probe)
    cassette.append(_interaction({"k": 1}))
    assert cassette.can_play(probe)


def test_nearest_prefers_same_path_then_similar_body() -> None:
    near = _interaction({"metadata": {"a": "1", "b": "2"}})
    far = _interaction({"metadata": {"a": "1", "b": "2"}}, path="/v1/other")
    cassette = Cassette(interactions=[far, near, _interaction({"zzz": [1, 2, 3, 4, 5, 6]})])
    assert cassette.nearest(_interaction({"metadata": {"a": "1", "b": "3"}}).request) is near


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "assistants-harness/cassette", "version": 1,\n "interactions": [}',
         ":2: not valid JSON"),
        (b'{"format": "other"}', "not a harness cassette"),
        (b'{"format": "assistants-harness/cassette", "version": 9, "interactions": []}',
         "version 9 is not supported"),
        (b'{"format": "assistants-harness/cassette", "version": 1, "interactions": '
         b'[{"request": {"method": "POST", "path": "x"}, "response": {"status": 200}}]}',
         "interactions[0].request.path must be a string starting with '/'"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)  # fmt: skip
def test_bad_files_are_one_line_naming_file_and_problem(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CassetteError) as caught:
        Cassette.load(path)
    text = str(caught.value)
    assert str(path) in text and message in text and "\n" not in text


def test_missing_file_and_directories(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="no such file"):
        Cassette.load(tmp_path / "missing.json")
    (tmp_path / "sub").mkdir()
    Cassette().save(tmp_path / "sub" / "b.json")
    Cassette().save(tmp_path / "a.json")
    (tmp_path / "sub" / ".b.json.123.tmp").write_text("torn")
    assert list(iter_cassette_files([tmp_path])) == [
        tmp_path / "a.json",
        tmp_path / "sub" / "b.json",
    ]
    with pytest.raises(CassetteError):
        list(iter_cassette_files([tmp_path / "nope"]))


def test_atomic_write_leaves_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.json"
    atomic_write_text(path, "old\n")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # the temp file was removed
