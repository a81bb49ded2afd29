"""Every malformed cassette in tests/data/malformed, opened by the pytest plugin: each test
fails with one line naming the file (no traceback), in replay and in record mode; and a
directory where the cassette should be written keeps the recording and says where."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("openai")

from harness.cassette.format import Cassette

MALFORMED = Path(__file__).parent / "data" / "malformed"
CASES = sorted(p for p in MALFORMED.iterdir() if p.is_file())

TESTS = """
import httpx
import pytest

NAMES = NAMES_HERE


@pytest.mark.parametrize("name", NAMES)
def test_case(request, name):
    request.node.add_marker(pytest.mark.cassette("broken/" + name))
    request.getfixturevalue("cassette")
    httpx.post("http://127.0.0.1:9/v1/threads/thread_abc", json={"metadata": {}})
"""


@pytest.fixture(autouse=True)
def _not_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)


@pytest.mark.parametrize("mode", ["none", "once", "new_episodes"])
def test_every_malformed_cassette_is_one_clear_failure(
    pytester: pytest.Pytester, mode: str
) -> None:
    broken = pytester.path / "cassettes" / "broken"
    broken.mkdir(parents=True)
    names = []
    for case in CASES:
        name = case.stem.replace(".", "_")
        shutil.copyfile(case, broken / f"{name}.json")
        names.append(name)
    pytester.makepyfile(test_broken=TESTS.replace("NAMES_HERE", repr(names)))
    result = pytester.runpytest("-p", "no:randomly", f"--cassette-mode={mode}")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == len(names), outcomes
    out = result.stdout.str()
    assert "Traceback" not in out
    for name in names:
        result.stdout.fnmatch_lines([f"*harness cassette: *broken/{name}.json*"])
    for case in CASES:  # left exactly as they were
        assert (broken / f"{case.stem.replace('.', '_')}.json").read_bytes() == case.read_bytes()


DIRECTORY = """
import openai
import pytest


@pytest.mark.cassette("blocked")
def test_records(harness_emulator):
    client = openai.OpenAI(api_key="sk-test-not-a-real-key", base_url=harness_emulator.base_url,
                           max_retries=0)
    assert client.beta.threads.create(metadata={"kept": "yes"}).metadata == {"kept": "yes"}
"""


def test_a_directory_in_the_way_fails_with_one_line_before_recording(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "cassettes" / "blocked.json").mkdir(parents=True)
    pytester.makepyfile(test_dir=DIRECTORY)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*harness cassette: *blocked.json: is a directory*"])
    assert "Traceback" not in result.stdout.str()


DEPTH = 3000  # parses (json.loads has no depth limit of its own here) but walks past the stack
SECRET = "sk-live-FAKEDeepNestedSecret0123456789"


def _deep_body() -> bytes:
    inner = '{"api_key": "' + SECRET + '", "n": 1}'
    return ("[" * DEPTH + inner + "]" * DEPTH).encode()


@pytest.fixture
def deep_server() -> Iterator[str]:
    """A loopback server answering every POST with a JSON body nested DEPTH levels deep."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            body = _deep_body()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


DEEP = """
import httpx
import pytest

BODY = BODY_HERE


@pytest.mark.cassette("deep")
def test_deep():
    answer = httpx.post("URL_HERE/v1/threads/thread_abc", content=BODY,
                        headers={"content-type": "application/json"})
    assert answer.status_code == 200
    assert answer.content.startswith(b"[[[")
"""


def test_a_deeply_nested_body_is_recorded_as_scrubbed_text_and_replays(
    pytester: pytest.Pytester, deep_server: str
) -> None:
    source = DEEP.replace("BODY_HERE", repr(_deep_body())).replace("URL_HERE", deep_server)
    pytester.makepyfile(test_deep=source)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "RecursionError" not in result.stdout.str()
    written = (pytester.path / "cassettes" / "deep.json").read_text()
    assert SECRET not in written
    assert "<REDACTED:" in written
    stored = Cassette.load(pytester.path / "cassettes" / "deep.json").interactions[0]
    for message in (stored.request, stored.response):
        assert not message.has_json and message.text is not None
        assert message.text.startswith("[[[") and SECRET not in message.text
    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none")
    replayed.assert_outcomes(passed=1)
