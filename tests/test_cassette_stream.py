"""Reading a cassette one interaction at a time: the same interactions, index and errors as
reading it whole, whatever the layout and wherever the chunks are cut; the compact form answers
like the parsed one; scan's raw-text reading gives the lines ``str.splitlines`` gives."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cassette import reader
from harness.cassette.format import (
    Cassette,
    CassetteError,
    CassetteReader,
    Interaction,
    Request,
    Response,
)
from harness.plugin.config import CassetteConfig
from harness.plugin.recording import Recording
from harness.tools import verify

REPO = Path(__file__).parent.parent
SHIPPED = sorted((REPO / "cassettes").rglob("*.json"))
MALFORMED = sorted((REPO / "tests" / "data" / "malformed").iterdir())


def _interaction(n: int, path: str | None = None) -> Interaction:
    request = Request(method="POST", path=path or f"/v1/threads/thread_{n}")
    request.headers = {"content-type": "application/json"}
    request.json, request.has_json = {"metadata": {"n": str(n)}, "big": 10**20 + n}, True
    response = Response(status=200, reason="OK", headers={"content-type": "application/json"})
    response.json = {"id": f"thread_{n}", "note": "caf\u00e9 \u2603 \U0001f600", "n": n / 3}
    response.has_json = True
    return Interaction(request, response)


def _whole(path: Path) -> Cassette:
    return Cassette._from_text(path.read_text(encoding="utf-8"), path=path)


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut the file every few characters: values, numbers and escapes across every boundary."""
    monkeypatch.setattr(reader, "CHUNK", 7)
    monkeypatch.setattr(verify, "_CHUNK", 5)


@pytest.mark.usefixtures("tiny_chunks")
def test_streamed_load_equals_whole_load(tmp_path: Path) -> None:
    paths = [
        *SHIPPED[:5],
        Cassette(interactions=[_interaction(n) for n in range(30)]).save(tmp_path / "c.json"),
    ]
    for path in paths:
        streamed, whole = Cassette.load(path), _whole(path)
        assert streamed._interactions is None, "a valid file is read in the compact form"
        assert streamed.interaction_count == whole.interaction_count
        assert [streamed.interaction(n) for n in range(streamed.interaction_count)] == (
            whole.interactions
        )
        assert streamed.dumps() == path.read_text(encoding="utf-8")


@pytest.mark.usefixtures("tiny_chunks")
def test_any_key_order_minified_and_spaced_layouts(tmp_path: Path) -> None:
    items = [_interaction(n).to_dict() for n in range(3)]
    layouts = {
        "minified": json.dumps(
            {"version": 1, "interactions": items, "format": "assistants-harness/cassette"},
            separators=(",", ":"),
        ),
        "spaced": json.dumps(
            {
                "interactions": items,
                "note": [1, {"x": None}],
                "format": "assistants-harness/cassette",
                "version": 2,
            },
            indent="\t",
        ).replace(",", " ,\r\n "),
        "empty": '{"format":"assistants-harness/cassette","interactions":[ ],"version":1}',
    }
    for name, text in layouts.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        assert Cassette.load(path)._interactions is None, name
        assert Cassette.load(path).interactions == _whole(path).interactions, name
        reading = CassetteReader(path)
        assert [i for _, i in reading] == _whole(path).interactions
        assert reading.top == {k: v for k, v in json.loads(text).items() if k != "interactions"}, (
            name
        )


def test_a_key_given_twice_is_read_as_json_loads_reads_it(tmp_path: Path) -> None:
    first = json.dumps([_interaction(1).to_dict()])
    last = json.dumps([_interaction(2).to_dict(), _interaction(3).to_dict()])
    path = tmp_path / "twice.json"
    path.write_text(
        f'{{"format": "assistants-harness/cassette", "interactions": {first}, '
        f'"version": 1, "interactions": {last}}}'
    )
    assert Cassette.load(path).interactions == [_interaction(2), _interaction(3)]
    numbers = [number for number, _ in CassetteReader(path)]
    assert numbers == [0, 0, 1], "started again at 0, from the whole file"


def _outcome(action: Callable[[], object]) -> str:
    try:
        action()
    except CassetteError as exc:
        return str(exc)
    return "read"


@pytest.mark.usefixtures("tiny_chunks")
@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_files_give_the_whole_reading_error(path: Path) -> None:
    expected = _outcome(lambda: Cassette.from_bytes(path.read_bytes(), path=path))
    assert _outcome(lambda: Cassette.load(path)) == expected
    assert _outcome(lambda: list(CassetteReader(path))) == expected


@pytest.mark.usefixtures("tiny_chunks")
def test_every_truncation_is_the_whole_reading_error(tmp_path: Path) -> None:
    text = Cassette(interactions=[_interaction(0), _interaction(1)]).dumps()
    path = tmp_path / "cut.json"
    for cut in sorted(random.Random(5).sample(range(len(text) - 2), 60)):
        path.write_text(text[:cut], encoding="utf-8")
        with pytest.raises(CassetteError) as whole:
            _whole(path)
        with pytest.raises(CassetteError) as streamed:
            Cassette.load(path)
        assert str(streamed.value) == str(whole.value)
        with pytest.raises(CassetteError):
            list(CassetteReader(path))


def test_compact_form_answers_like_the_parsed_form(tmp_path: Path) -> None:
    interactions = [_interaction(n) for n in range(6)] + [
        _interaction(9, "/v1/threads/same") for _ in range(3)
    ]
    path = Cassette(interactions=interactions).save(tmp_path / "c.json")
    compact, parsed = Cassette.load(path), Cassette.load(path)
    parsed.interactions  # noqa: B018  (parse them all)
    assert compact.nearest_number(_interaction(7).request) == parsed.nearest_number(
        _interaction(7).request
    )  # no path matches: the most similar body of all
    for cassette in (compact, parsed):
        probe = _interaction(4).request
        probe.json = {"metadata": {"n": "4"}, "big": 1}
        assert cassette.nearest_number(probe) == 4
        assert [cassette.play_number(cassette.key(interactions[6].request)) for _ in range(4)] == [
            6,
            7,
            8,
            None,
        ]
        assert cassette.has_recorded(interactions[6].request)
        assert not cassette.can_play(interactions[6].request)
        assert cassette.play(interactions[2].request) == interactions[2]
        assert cassette.unplayed_numbers() == [0, 1, 3, 4, 5]
        assert cassette.unplayed() == [interactions[n] for n in (0, 1, 3, 4, 5)]
        cassette.rewind()
        assert cassette.play(interactions[7].request) == interactions[6]
    assert compact._interactions is None, "nothing above parsed the whole cassette"


def test_recording_played_is_read_back_in_order(tmp_path: Path) -> None:
    interactions = [_interaction(n) for n in range(4)]
    path = Cassette(interactions=interactions).save(tmp_path / "c.json")
    recording = Recording.open(path, CassetteConfig(mode="none", drift="off"), rerecord_command="")
    for n in (2, 0, 3):
        assert recording.can_answer(interactions[n].request)
        assert recording.answer(interactions[n].request) == interactions[n].response
    assert recording.played == [interactions[2], interactions[0], interactions[3]]
    assert recording.play_count == 3 and not recording.all_played
    assert "#1: POST /v1/threads/thread_1" in recording.explain_unplayed()


@pytest.mark.usefixtures("tiny_chunks")
@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_raw_lines_are_splitlines(tmp_path: Path, encoding: str) -> None:
    pieces = ["a", "bc", "\r", "\n", "\r\n", "\u2028", "\x0c", "caf\u00e9", "", "\x85", "zz"]
    if encoding == "latin-1":
        pieces.append("\xff")  # not UTF-8: read one byte per character
    rng = random.Random(7)
    for _ in range(40):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(30)))
        path = tmp_path / "raw.txt"
        raw = text.encode("utf-8" if encoding == "utf-8" else "latin-1", "replace")
        path.write_bytes(raw)
        chosen = "utf-8" if verify._is_utf8(path) else "latin-1"
        assert list(verify._lines(path, chosen)) == raw.decode(chosen).splitlines()
