"""Server-sent events: the encoder writes what the API writes, the decoder reads any chunking,
and cassettes store a stream as readable, scrubbed events that give the same bytes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai._streaming import SSEDecoder as SDKDecoder

from harness.cassette.format import Cassette, CassetteError, Interaction, Request, Response
from harness.cassette.scrub import clean_interaction
from harness.stream.sse import (
    ServerSentEvent,
    SSEDecoder,
    decode,
    encode,
    entry_from_event,
    event_from_entry,
)

BODY = (
    b'event: thread.run.created\ndata: {"id":"run_1","object":"thread.run"}\n\n'
    b'event: thread.message.delta\ndata: {"id":"msg_1","delta":{"content":[]}}\n\n'
    b"event: done\ndata: [DONE]\n\n"
)


def _stream_response(body: bytes = BODY) -> Response:
    response = Response(status=200, reason="OK", headers={"content-type": "text/event-stream"})
    response.set_body(body)
    return response


def test_encode_is_the_api_wire_form() -> None:
    event = ServerSentEvent("thread.run.created", '{"id":"run_1"}')
    assert encode(event) == b'event: thread.run.created\ndata: {"id":"run_1"}\n\n'
    assert encode(ServerSentEvent(None, "a\nb")) == b"data: a\ndata: b\n\n"


def test_decoder_gives_the_same_events_for_every_split_of_the_body() -> None:
    whole = decode(BODY)
    assert [e.event for e in whole] == ["thread.run.created", "thread.message.delta", "done"]
    for cut in range(1, len(BODY)):
        decoder = SSEDecoder()
        events = [*decoder.feed(BODY[:cut]), *decoder.feed(BODY[cut:]), *decoder.finish()]
        assert events == whole, cut


def test_decoder_reads_what_the_sdk_reads() -> None:
    body = b": comment\r\nevent: x\r\ndata: one\r\ndata:two\r\nfoo: bar\r\n\r\ndata: {}\n\nevent: y"
    for cut in range(len(body) + 1):
        decoder = SSEDecoder()
        ours = [*decoder.feed(body[:cut]), *decoder.feed(body[cut:]), *decoder.finish()]
        theirs = list(SDKDecoder().iter_bytes(iter([body[:cut], body[cut:]])))
        assert [(e.event, e.data) for e in ours] == [(e.event, e.data) for e in theirs], cut


def test_cassette_entry_keeps_json_as_data_and_other_data_as_text() -> None:
    events = decode(BODY)
    entries = [entry_from_event(e) for e in events]
    assert entries[0] == {
        "event": "thread.run.created",
        "data": {"id": "run_1", "object": "thread.run"},
    }
    assert entries[2] == {"event": "done", "text": "[DONE]"}
    assert [event_from_entry(e, "x") for e in entries] == events
    with pytest.raises(ValueError, match=r"x needs exactly one of 'data'"):
        event_from_entry({"event": "done"}, "x")
    with pytest.raises(ValueError, match=r"x\.data must be a JSON object or array"):
        event_from_entry({"event": "e", "data": 3}, "x")


def test_stream_response_round_trips_through_a_file(tmp_path: Path) -> None:
    response = _stream_response()
    assert response.events is not None and response.body_bytes == BODY
    cassette = Cassette(interactions=[Interaction(Request(path="/v1/threads/t/runs"), response)])
    path = cassette.save(tmp_path / "c.json")
    text = path.read_text()
    stored = json.loads(text)
    assert stored["version"] == 2
    assert stored["interactions"][0]["response"]["events"][1]["event"] == "thread.message.delta"
    again = Cassette.load(path)
    replayed = decode(again.interactions[0].response.body_bytes)
    assert [(e.event, e.data if e.event == "done" else e.json()) for e in replayed] == [
        (e.event, e.data if e.event == "done" else e.json()) for e in decode(BODY)
    ]
    assert again.dumps() == text
    assert Cassette.from_bytes(again.dumps().encode()).interactions[0].response.body_bytes == (
        again.interactions[0].response.body_bytes
    )


def test_a_cassette_without_streams_is_still_version_1_and_old_files_load(tmp_path: Path) -> None:
    response = Response(status=200, headers={"content-type": "application/json"})
    response.set_body(b'{"id": "thread_1"}')
    cassette = Cassette(interactions=[Interaction(Request(path="/v1/threads/t"), response)])
    assert json.loads(cassette.dumps())["version"] == 1
    old = tmp_path / "old.json"
    old.write_text(cassette.dumps())
    assert Cassette.load(old).interactions[0].response.json == {"id": "thread_1"}


def test_stream_events_are_scrubbed_like_any_body() -> None:
    leaked = (
        b'event: thread.run.created\ndata: {"api_key":"x",'
        b'"note":"sk-proj-FAKE0123456789abcdefghij"}\n\n'
    )
    cleaned = clean_interaction(Interaction(Request(), _stream_response(leaked)))
    assert cleaned.response.events == [
        {
            "event": "thread.run.created",
            "data": {"api_key": "<REDACTED:api_key>", "note": "<REDACTED:openai-key>"},
        }
    ]


@pytest.mark.parametrize(
    ("events", "version", "problem"),
    [
        ([{"event": "x"}], 2, "interactions[0].response.events[0] needs exactly one of"),
        ("nope", 2, "interactions[0].response.events must be a list"),
        ([{"event": "x", "text": "t", "extra": 1}], 2, "has unknown key(s) extra"),
        ([{"event": "x", "text": "t"}], 1, 'need "version": 2'),
    ],
)
def test_malformed_stream_names_file_and_interaction(
    tmp_path: Path, events: object, version: int, problem: str
) -> None:
    document = {
        "format": "assistants-harness/cassette",
        "version": version,
        "interactions": [
            {
                "request": {"method": "POST", "path": "/v1/threads/t/runs"},
                "response": {"status": 200, "events": events},
            }
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CassetteError) as caught:
        Cassette.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message
