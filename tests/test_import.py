"""``harness import``: real vcrpy / pytest-recording / mitmproxy output in, harness cassettes
out, then replayed through the plugin offline with the official SDK.

vcrpy and pytest-recording record here, in the test, against the emulator (wrapped to compress
its responses where a case needs it). The HAR comes from mitmproxy's ``hardump``
(``scripts/make_har_fixture.py``); go-vcr files (no Go toolchain here) are written to the
structs in go-vcr's ``cassette.go`` from a real exchange with the emulator.
"""

from __future__ import annotations

import base64
import gzip
import json
import textwrap
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# pytester's in-process runs drop the modules first imported inside them; httpx's and httpx2's
# transports (httpcore, httpcore2) are imported lazily, so import them here, or later tests
# would see two copies of their exception classes.
import httpcore  # noqa: F401
import httpcore2  # noqa: F401
import httpx
import openai
import pytest
import yaml
from click.testing import CliRunner, Result

from harness.cassette.format import Cassette
from harness.cli import main
from harness.server.serve import serve

FAKE_KEY = "sk-proj-FAKEimportFAKEkeyFAKE000001"
FAKE_ORG = "org-FAKEimportFAKEorg0001"
DATA = Path(__file__).parent / "data" / "import"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

Compress = Callable[[bytes], bytes]
ENCODINGS: dict[str, Compress] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": lambda body: __import__("brotli").compress(body),
}


def compressing(app: Any, encoding: str) -> Any:
    """The emulator with every response body compressed (``content-encoding: encoding``)."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = ENCODINGS[encoding](b"".join(chunks))
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers += [
                (b"content-encoding", encoding.encode()),
                (b"content-length", b"%d" % len(body)),
            ]
            await send(
                {"type": "http.response.start", "status": start["status"], "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def sdk_traffic(base_url: str, thread_id: str, run_id: str) -> tuple[object, object]:
    """What every recording and every replay sends: create + modify a thread, modify a run."""
    client = openai.OpenAI(
        base_url=base_url, api_key=FAKE_KEY, organization=FAKE_ORG, max_retries=0
    )
    thread = client.beta.threads.create()
    updated = client.beta.threads.update(thread.id, metadata={"tier": "pro"})
    run = client.beta.threads.runs.update(run_id, thread_id=thread_id, metadata={"reviewed": "yes"})
    return updated.metadata, run.metadata


REPLAY_TEST = """
import openai, pytest

@pytest.mark.cassette({name!r})
def test_replays_imported_cassette():
    client = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk-test-FAKE-replay",
                           max_retries=0)
    thread = client.beta.threads.create()
    updated = client.beta.threads.update(thread.id, metadata={{"tier": "pro"}})
    run = client.beta.threads.runs.update({run_id!r}, thread_id={thread_id!r},
                                          metadata={{"reviewed": "yes"}})
    assert updated.metadata == {{"tier": "pro"}}
    assert run.metadata == {{"reviewed": "yes"}}
"""


def replay_offline(pytester: pytest.Pytester, cassette: Path, seeded: tuple[str, str]) -> None:
    """Replay ``cassette`` through the plugin, offline, with the official SDK."""
    pytester.makepyfile(
        test_replay_imported=REPLAY_TEST.format(
            name=cassette.stem, thread_id=seeded[0], run_id=seeded[1]
        )
    )
    result = pytester.runpytest(
        "-p",
        "no:randomly",
        "--cassette-mode=none",
        "--offline",
        f"--cassette-dir={cassette.parent}",
    )
    result.assert_outcomes(passed=1)


@pytest.fixture
def seeded(harness_emulator: Any) -> tuple[str, str]:
    run = harness_emulator.store.snapshot()["runs"][0]
    return run["thread_id"], run["id"]


def run_import(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["import", *map(str, args)])


def assert_clean(path: Path, check: str = "verify") -> None:
    text = path.read_text()
    assert "FAKEimport" not in text and "FAKEmitmproxy" not in text
    verified = CliRunner().invoke(main, [check, str(path)])
    assert verified.exit_code == 0, verified.output


# --------------------------------------------------------------------------- vcrpy


@pytest.fixture
def served(harness_emulator: Any) -> Iterator[Callable[[str], str]]:
    """Start the emulator behind a compressing wrapper: ``served("gzip")`` is a base URL."""
    stack: list[Any] = []

    def start(encoding: str) -> str:
        app = (
            harness_emulator.app
            if encoding == "identity"
            else compressing(harness_emulator.app, encoding)
        )
        context = serve(app)
        stack.append(context)
        return context.__enter__() + "/v1"

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


VCRPY_CASES = [
    ("yaml", True, "identity"),
    ("yaml", True, "gzip"),
    ("yaml", False, "gzip"),
    ("yaml", False, "deflate"),
    ("yaml", False, "br"),
    ("json", True, "gzip"),
    ("json", False, "identity"),
]


@pytest.mark.parametrize(
    ("serializer", "decode", "encoding"),
    VCRPY_CASES,
    ids=[f"{s}-{'decoded' if d else 'raw'}-{e}" for s, d, e in VCRPY_CASES],
)
def test_vcrpy_cassette_imports_and_replays(
    serializer: str,
    decode: bool,
    encoding: str,
    served: Callable[[str], str],
    seeded: tuple[str, str],
    pytester: pytest.Pytester,
    tmp_path: Path,
) -> None:
    import vcr

    source = tmp_path / f"recorded.{serializer}"
    recorder = vcr.VCR(serializer=serializer, decode_compressed_response=decode, record_mode="all")
    with recorder.use_cassette(str(source)):
        sdk_traffic(served(encoding), *seeded)
    if not decode and encoding != "identity":
        assert "!!binary" in source.read_text()  # vcrpy stored the compressed bytes

    out = tmp_path / "out"
    result = run_import(source, "-o", out)
    assert result.exit_code == 0, result.output
    imported = out / "recorded.json"
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("written") and "(vcrpy): 3 kept, 0 skipped" in first_line
    assert "credentials removed: authorization x3, openai-organization x3" in result.stdout
    assert_clean(imported)
    cassette = Cassette.load(imported)
    bodies = [i.response.json for i in cassette.interactions]
    assert bodies[1]["metadata"] == {"tier": "pro"} and bodies[2]["id"] == seeded[1]
    assert all("content-encoding" not in i.response.headers for i in cassette.interactions)
    assert all(
        not k.startswith("x-stainless") for i in cassette.interactions for k in i.request.headers
    )

    before = imported.read_bytes()
    again = run_import(source, "-o", out)
    assert again.stdout.startswith("unchanged") and imported.read_bytes() == before

    replay_offline(pytester, imported, seeded)


def test_vcrpy_old_layout_yaml_and_json_import(tmp_path: Path) -> None:
    """The pre-1.0 layout (bare list, protocol/host/port/path, header lines), in the form of
    vcrpy's own migration fixtures: vcrpy 9 refuses these files, the import reads them."""
    old_yaml = tmp_path / "old.yaml"
    old_yaml.write_text(
        textwrap.dedent(
            """\
            - request: !!python/object:vcr.request.Request
                body: '{"metadata": {"k": "v"}}'
                headers: !!python/object/apply:__builtin__.frozenset
                - - !!python/tuple [authorization, Bearer sk-FAKEimportFAKEoldFAKEold1]
                  - !!python/tuple [content-type, application/json]
                host: api.openai.com
                method: POST
                path: /v1/threads/thread_abc
                port: 443
                protocol: https
              response:
                body: {string: !!python/unicode "{\\"id\\": \\"thread_abc\\",
                  \\"object\\": \\"thread\\"}"}
                headers: [!!python/unicode "content-type: application/json\\r\\n",
                  !!python/unicode "date: Mon, 21 Apr 2014 23:06:09 GMT\\r\\n"]
                status: {code: 200, message: OK}
            """
        )
    )
    old_json = tmp_path / "old_json.json"
    old_json.write_text(
        json.dumps(
            [
                {
                    "request": {
                        "body": None,
                        "protocol": "http",
                        "method": "GET",
                        "headers": {"accept": "*/*", "api-key": "FAKEimport-azure-key"},
                        "host": "localhost",
                        "path": "/v1/threads/thread_abc?api-version=1",
                        "port": 8080,
                    },
                    "response": {
                        "status": {"message": "OK", "code": 200},
                        "headers": ["content-type: application/json\r\n", "server: x\r\n"],
                        "body": {"string": '{"id": "thread_abc"}'},
                    },
                }
            ]
        )
    )
    import vcr

    with pytest.raises(ValueError, match="older version"):
        vcr.VCR().use_cassette(str(old_json)).__enter__()
    result = run_import(old_yaml, old_json, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "credentials removed: authorization x1" in result.stdout
    assert "credentials removed: api-key x1" in result.stdout
    assert "    drift: interaction 0: response.json.created_at: Field required" in result.stdout
    first = Cassette.load(tmp_path / "out" / "old.json").interactions[0]
    assert (first.request.path, first.request.json) == (
        "/v1/threads/thread_abc",
        {"metadata": {"k": "v"}},
    )
    assert first.response.json == {"id": "thread_abc", "object": "thread"}
    second = Cassette.load(tmp_path / "out" / "old_json.json").interactions[0]
    assert second.request.query == [("api-version", "1")]
    assert_clean(tmp_path / "out" / "old.json", "scan")


def test_vcrpy_base64_string_body_and_event_stream_stay_readable(tmp_path: Path) -> None:
    events = 'event: thread.run.created\ndata: {"id": "run_abc"}\n\nevent: done\ndata: [DONE]\n\n'
    source = tmp_path / "stream.yaml"
    source.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "interactions": [
                    {
                        "request": {
                            "method": "POST",
                            "uri": "https://api.openai.com/v1/threads/thread_abc/runs",
                            "body": '{"assistant_id": "asst_abc", "stream": true}',
                            "headers": {"Authorization": ["Bearer sk-FAKEimportFAKEstreamFAKE1"]},
                        },
                        "response": {
                            "status": {"code": 200, "message": "OK"},
                            "headers": {"Content-Type": ["text/event-stream"]},
                            "body": {"base64_string": base64.b64encode(events.encode()).decode()},
                        },
                    }
                ],
            }
        )
    )
    result = run_import(source, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    response = Cassette.load(tmp_path / "out" / "stream.json").interactions[0].response
    assert response.events == [
        {"event": "thread.run.created", "data": {"id": "run_abc"}},
        {"event": "done", "text": "[DONE]"},
    ]  # a stream is stored one readable event per entry


# --------------------------------------------------------------------------- pytest-recording

RECORDED_WITH_PYTEST_RECORDING = """
import os
import openai
import pytest

BASE_URL = os.environ["IMPORT_TEST_BASE_URL"]


def client():
    return openai.OpenAI(base_url=BASE_URL, api_key="{key}", organization="{org}", max_retries=0)


@pytest.fixture(scope="module")
def vcr_config():
    return {{"filter_headers": ["authorization"], "match_on": ["method", "path", "body"]}}


@pytest.mark.vcr
def test_tag_thread():
    thread = client().beta.threads.create()
    updated = client().beta.threads.update(thread.id, metadata={{"tier": "pro"}})
    assert updated.metadata == {{"tier": "pro"}}


class TestRuns:
    @pytest.mark.vcr
    @pytest.mark.parametrize("value", ["yes", "no"])
    def test_review(self, value):
        run = client().beta.threads.runs.update(
            "{run_id}", thread_id="{thread_id}", metadata={{"reviewed": value}}
        )
        assert run.metadata == {{"reviewed": value}}
"""


def _readme_migration_diff() -> tuple[str, str]:
    """The README's worked migration diff, as the text it removes and the text it puts there."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme.split("## Migrating from vcrpy / pytest-recording", 1)[1]
    diff = section.split("```diff\n", 1)[1].split("```", 1)[0]
    before, after = [], []
    for line in diff.splitlines():
        mark, text = line[:1], line[1:]
        if mark in (" ", ""):
            before.append(text)
            after.append(text)
        elif mark == "-":
            before.append(text)
        elif mark == "+":
            after.append(text)
    return "\n".join(before) + "\n", "\n".join(after) + "\n"


def test_pytest_recording_layout_maps_to_the_plugin_layout(
    pytester: pytest.Pytester,
    harness_emulator: Any,
    seeded: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worked migration of the README: record with pytest-recording, import the
    cassettes directory, switch the markers, replay offline with the harness plugin."""
    monkeypatch.setenv("IMPORT_TEST_BASE_URL", harness_emulator.base_url)
    source = RECORDED_WITH_PYTEST_RECORDING.format(
        key=FAKE_KEY, org=FAKE_ORG, thread_id=seeded[0], run_id=seeded[1]
    )
    pytester.makepyfile(test_migrate=source)
    pytester.runpytest("-p", "no:randomly", "--record-mode=once").assert_outcomes(passed=3)
    recorded = sorted(
        p.relative_to(pytester.path).as_posix() for p in pytester.path.rglob("*.yaml")
    )
    assert recorded == [
        "cassettes/test_migrate/TestRuns.test_review[no].yaml",
        "cassettes/test_migrate/TestRuns.test_review[yes].yaml",
        "cassettes/test_migrate/test_tag_thread.yaml",
    ]

    result = run_import(pytester.path / "cassettes", "-o", pytester.path / "cassettes")
    assert result.exit_code == 0, result.output
    imported = sorted(
        p.relative_to(pytester.path).as_posix() for p in pytester.path.rglob("*.json")
    )
    assert imported == [
        "cassettes/test_migrate/TestRuns.test_review-no.json",
        "cassettes/test_migrate/TestRuns.test_review-yes.json",
        "cassettes/test_migrate/test_tag_thread.json",
    ]

    before, after = _readme_migration_diff()
    assert before in source, "the README's worked migration no longer matches this test file"
    migrated = (
        source.replace(before, after)
        .replace("@pytest.mark.vcr", "@pytest.mark.cassette")
        .replace('os.environ["IMPORT_TEST_BASE_URL"]', '"http://127.0.0.1:9/v1"')
    )
    assert "vcr_config" not in migrated and "def cassette_config" in migrated
    pytester.makepyfile(test_migrate=migrated)
    replayed = pytester.runpytest(
        "-p", "no:randomly", "-p", "no:recording", "--cassette-mode=none", "--offline"
    )
    replayed.assert_outcomes(passed=3)


# --------------------------------------------------------------------------- go-vcr


def _go_exchange(base_url: str, method: str, path: str, body: str) -> dict[str, Any]:
    """One real exchange with the emulator, as go-vcr's recorder sees it."""
    headers = {
        "Authorization": f"Bearer {FAKE_KEY}",
        "Content-Type": "application/json",
        "Openai-Beta": "assistants=v2",
        "User-Agent": "Go-http-client/1.1",
    }
    answer = httpx.request(method, base_url + path, headers=headers, content=body)
    return {
        "url": base_url + path,
        "method": method,
        "body": body,
        "headers": {k: [v] for k, v in headers.items()},
        "status": f"{answer.status_code} {answer.reason_phrase}",
        "code": answer.status_code,
        "response_headers": {k.title(): [v] for k, v in answer.headers.items()},
        "response_body": answer.text,
    }


def _go_vcr(version: str, exchanges: list[dict[str, Any]]) -> str:
    """A go-vcr file: ``v1`` (the first release: no code, no duration), ``v2`` (version 1 with
    code and duration) or ``v4`` (version 2, the current format with id, proto ...)."""
    interactions = []
    for number, ex in enumerate(exchanges):
        request: dict[str, Any] = {
            "body": ex["body"],
            "form": {},
            "headers": ex["headers"],
            "url": ex["url"],
            "method": ex["method"],
        }
        response: dict[str, Any] = {
            "body": ex["response_body"],
            "headers": ex["response_headers"],
            "status": ex["status"],
        }
        if version != "v1":
            response["code"] = ex["code"]
        if version == "v2":
            response["duration"] = "1.284ms"
        if version == "v4":
            host = ex["url"].split("/")[2]
            request = {
                "proto": "HTTP/1.1",
                "proto_major": 1,
                "proto_minor": 1,
                "content_length": len(ex["body"]),
                "transfer_encoding": [],
                "trailer": {},
                "host": host,
                "remote_addr": "",
                "request_uri": "",
                **request,
            }
            response = {
                "proto": "HTTP/1.1",
                "proto_major": 1,
                "proto_minor": 1,
                "transfer_encoding": [],
                "trailer": {},
                "content_length": -1,
                "uncompressed": True,
                **response,
                "duration": "2.086618375s",
            }
            interactions.append({"id": number, "request": request, "response": response})
        else:
            interactions.append({"request": request, "response": response})
    document = {"version": 2 if version == "v4" else 1, "interactions": interactions}
    return "---\n" + yaml.safe_dump(document, sort_keys=False)


@pytest.mark.parametrize("version", ["v1", "v2", "v4"])
def test_go_vcr_cassette_imports_and_replays(
    version: str,
    harness_emulator: Any,
    seeded: tuple[str, str],
    pytester: pytest.Pytester,
    tmp_path: Path,
) -> None:
    base = harness_emulator.base_url
    created = _go_exchange(base, "POST", "/threads", "{}")
    thread_id = json.loads(created["response_body"])["id"]
    exchanges = [
        created,
        _go_exchange(base, "POST", f"/threads/{thread_id}", '{"metadata":{"tier":"pro"}}'),
        _go_exchange(
            base,
            "POST",
            f"/threads/{seeded[0]}/runs/{seeded[1]}",
            '{"metadata":{"reviewed":"yes"}}',
        ),
    ]
    source = tmp_path / "fixtures" / f"go_{version}.yaml"
    source.parent.mkdir()
    source.write_text(_go_vcr(version, exchanges))
    out = tmp_path / "out"
    result = run_import(tmp_path / "fixtures", "-o", out)
    assert result.exit_code == 0, result.output
    assert "(go-vcr): 3 kept, 0 skipped" in result.stdout
    assert "credentials removed: authorization x3" in result.stdout
    imported = out / f"go_{version}.json"
    assert_clean(imported)
    assert Cassette.load(imported).interactions[1].response.reason == "OK"
    replay_offline(pytester, imported, seeded)


# --------------------------------------------------------------------------- HAR


def test_har_from_mitmproxy_imports_and_replays(
    pytester: pytest.Pytester, seeded: tuple[str, str], tmp_path: Path
) -> None:
    source = DATA / "mitmproxy.har"
    assert json.loads(source.read_text())["log"]["creator"]["name"] == "mitmproxy"
    result = run_import(source, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "(HAR): 3 kept, 0 skipped" in result.stdout
    assert "credentials removed: authorization x3, openai-organization x3" in result.stdout
    imported = tmp_path / "mitmproxy.json"
    assert_clean(imported)
    replay_offline(pytester, imported, seeded)


def _har_entry(
    url: str,
    status: int,
    *,
    request: dict[str, Any] | None = None,
    content: dict[str, Any] | None = None,
    headers: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return {
        "startedDateTime": "2025-01-01T00:00:00.000Z",
        "time": 1,
        "request": {
            "method": "POST",
            "url": url,
            "httpVersion": "HTTP/2",
            "cookies": [],
            "headers": [
                {"name": ":authority", "value": "api.openai.com"},
                {"name": "authorization", "value": f"Bearer {FAKE_KEY}"},
            ],
            "queryString": [],
            "headersSize": -1,
            "bodySize": -1,
            **(request or {}),
        },
        "response": {
            "status": status,
            "statusText": "OK" if status else "",
            "httpVersion": "HTTP/2",
            "cookies": [],
            "headers": headers or [],
            "content": content or {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }


def test_har_entries_written_to_the_spec(tmp_path: Path) -> None:
    """HAR 1.2 as browsers write it: base64 content, form params, gzip-labelled but decoded
    content, and entries that cannot be imported (blocked, websocket, body not saved)."""
    run = {"id": "run_abc", "object": "thread.run", "metadata": {"k": "v"}}
    entries = [
        _har_entry(
            "https://api.openai.com/v1/threads/thread_abc/runs/run_abc",
            200,
            request={
                "postData": {"mimeType": "application/json", "text": '{"metadata":{"k":"v"}}'}
            },
            headers=[
                {"name": "content-encoding", "value": "br"},
                {"name": "content-type", "value": "application/json"},
            ],
            content={
                "size": 60,
                "mimeType": "application/json",
                "encoding": "base64",
                "text": base64.b64encode(json.dumps(run).encode()).decode(),
            },
        ),
        _har_entry(
            "https://example.test/login?x=1",
            200,
            request={
                "postData": {
                    "mimeType": "application/x-www-form-urlencoded",
                    "params": [
                        {"name": "user", "value": "a"},
                        {"name": "password", "value": "FAKEimport-pw"},
                    ],
                }
            },
            content={"size": 2, "mimeType": "text/plain", "text": "ok"},
        ),
        _har_entry("https://api.openai.com/v1/threads/thread_abc", 0),
        _har_entry("wss://api.openai.com/v1/realtime", 101),
        _har_entry(
            "https://api.openai.com/v1/threads/thread_abc",
            200,
            content={"size": 120, "mimeType": "application/json"},
        ),
    ]
    source = tmp_path / "browser.har"
    source.write_text(
        json.dumps(
            {
                "log": {
                    "version": "1.2",
                    "creator": {"name": "test", "version": "1"},
                    "entries": entries,
                }
            }
        )
    )
    result = run_import(source, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "(HAR): 2 kept, 3 skipped" in lines[0]
    assert (
        "    skipped interaction 2: no HTTP response (status 0: failed, blocked or aborted)"
        in lines
    )
    assert "    skipped interaction 3: not an HTTP request (URL scheme 'wss')" in lines
    assert any(
        line.startswith("    skipped interaction 4: response body not saved") for line in lines
    )
    cassette = Cassette.load(tmp_path / "out" / "browser.json")
    first, second = cassette.interactions
    assert first.response.json == run and ":authority" not in first.request.headers
    assert second.request.query == [("x", "1")]
    # a form body's credential-named field is scrubbed as the recorder scrubs it
    assert second.request.text == "user=a&password=<REDACTED:password>"
    assert "FAKEimport-pw" not in (tmp_path / "out" / "browser.json").read_text()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "broken.yaml",
            "interactions:\n- request: {method: GET\n",
            "broken.yaml:3:1: not valid YAML",
        ),
        ("broken.json", '{"interactions": [', "broken.json:1:19: not valid JSON"),
        (
            "broken.har",
            '{"log": {"entries": [{"request": {"method": "GET"}, "response": {"status": 200}}]}}',
            "broken.har: log.entries[0].request.url: missing; is this really a HAR file?",
        ),
        (
            "nourl.yaml",
            "version: 1\ninteractions:\n- request: {method: GET}\n"
            "  response: {status: {code: 200}}\n",
            "nourl.yaml: interactions[0].request.uri: missing; is this really a vcrpy file?",
        ),
        (
            "other.yaml",
            "just: a mapping\n",
            "other.yaml: not a vcrpy, pytest-recording, go-vcr or HAR file",
        ),
        (
            "evil.yaml",
            "!!python/object/apply:os.system ['true']\n",
            "evil.yaml:1:1: not valid YAML",
        ),
        ("binary.yaml", "\udcff", "binary.yaml: byte 0: not UTF-8 text"),
    ],
)
def test_unreadable_input_is_one_line_naming_file_and_position_exit_2(
    name: str, content: str, expected: str, tmp_path: Path
) -> None:
    good = tmp_path / "src" / "a_good.yaml"
    good.parent.mkdir()
    good.write_text("version: 1\ninteractions: []\n")
    bad = tmp_path / "src" / name
    bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run_import(tmp_path / "src", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("harness import: ") and expected in lines[0], lines[0]
    assert not (tmp_path / "out").exists()  # nothing written when any input is bad


def test_dry_run_writes_nothing_and_harness_cassettes_are_left_alone(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "empty.yaml").write_text("version: 1\ninteractions: []\n")
    (source / "mine.json").write_text(Cassette().dumps())
    result = run_import(source, "-o", tmp_path / "out", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"would write  {source / 'empty.yaml'} -> {tmp_path / 'out' / 'empty.json'} (vcrpy): "
        "0 kept, 0 skipped",
        f"not imported {source / 'mine.json'}: already a harness cassette",
    ]
    assert not (tmp_path / "out").exists()
    (source / "vcr.json").write_text('{"version": 1, "interactions": []}')
    clash = run_import(source, "-o", source)
    assert clash.exit_code == 2
    assert "vcr.json: would be overwritten by its import; choose -o DIR" in clash.stderr


def test_pytest_recording_paths_map_to_the_plugin_key_for_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.plugin.naming import cassette_path
    from harness.tools.importers import destination

    monkeypatch.chdir(tmp_path)  # the rootdir
    recorded = tmp_path / "tests" / "api" / "cassettes" / "test_runs" / "TestRuns.test_x[a].yaml"
    recorded.parent.mkdir(parents=True)
    recorded.write_text("version: 1\ninteractions: []\n")
    out = tmp_path / "cassettes"
    expected = cassette_path(
        out, tmp_path / "tests" / "api" / "test_runs.py", "TestRuns::test_x[a]", rootdir=tmp_path
    )
    assert destination(recorded, tmp_path / "tests", out) == expected
    assert expected == out / "tests" / "api" / "test_runs" / "TestRuns.test_x-a.json"
    result = run_import("tests", "-o", "cassettes")
    assert result.exit_code == 0, result.output
    assert expected.is_file()


# --------------------------------------------------------------------------- project rules

PROJECT_RULES = """
[tool.pytest.ini_options]
cassette_scrub_headers = ["x-customer-ref"]
cassette_scrub_body_fields = ["ssn"]
cassette_scrub_patterns = ["employee = EMP-[0-9]{6}"]
"""


def _record_with_private_data(base_url: str, thread_id: str, source: Path) -> None:
    import vcr

    client = openai.OpenAI(
        base_url=base_url,
        api_key=FAKE_KEY,
        max_retries=0,
        default_headers={"x-customer-ref": "cust-4417-priv"},
    )
    with vcr.VCR(record_mode="all").use_cassette(str(source)):
        client.beta.threads.update(
            thread_id, metadata={"ssn": "078-05-1120", "note": "for EMP-123456"}
        )


def test_import_scrubs_with_the_projects_ini_rules_as_the_plugin_does(
    served: Callable[[str], str],
    seeded: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PROJECT_RULES)
    source = tmp_path / "private.yaml"
    _record_with_private_data(served("identity"), seeded[0], source)
    private = ("cust-4417-priv", "078-05-1120", "EMP-123456")
    assert all(value in source.read_text() for value in private)

    monkeypatch.chdir(tmp_path)  # no pytest configuration here or above: built-in rules only
    plain = run_import(source, "-o", tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    assert "scrub rules from" not in plain.stderr
    assert all(value in (tmp_path / "plain" / "private.json").read_text() for value in private)

    monkeypatch.chdir(project / "tests")  # found upwards, as pytest finds it
    result = run_import(source, "-o", project / "cassettes")
    assert result.exit_code == 0, result.output
    assert f"scrub rules from {project / 'pyproject.toml'} (3 added" in result.stderr
    text = (project / "cassettes" / "private.json").read_text()
    assert not any(value in text for value in private)  # request and echoed response alike
    for placeholder in ("x-customer-ref", "ssn", "employee"):
        assert f"<REDACTED:{placeholder}>" in text
    assert_clean(project / "cassettes" / "private.json")


@pytest.mark.parametrize(
    ("ini", "expected"),
    [
        (
            "[pytest]\ncassette_scrub_patterns = no separator\n",
            "is not 'name = regular expression'",
        ),
        ("[pytest]\ncassette_scrub_patterns = bad = (\n", "is not a regular expression"),
    ],
)
def test_a_bad_project_rule_is_one_line_naming_the_file_exit_2(
    ini: str, expected: str, tmp_path: Path
) -> None:
    config = tmp_path / "pytest.ini"
    config.write_text(ini)
    source = tmp_path / "in.har"
    source.write_text(json.dumps({"log": {"version": "1.2", "entries": []}}))
    result = run_import(source, "-o", tmp_path / "out", "--config-file", config)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"harness import: {config}: ")
    assert expected in lines[0]
    assert not (tmp_path / "out").exists()
