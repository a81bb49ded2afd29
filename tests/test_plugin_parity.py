"""The switches and hooks a pytest-recording user reaches for, end to end: pytester runs
downstream test files that record the real SDK's traffic from the emulator over loopback HTTP
and replay it, and the plugin loads beside pytest-recording, pytest-vcr, pytest-socket and
pytest-xdist."""

from __future__ import annotations

import json
import re

import pytest

from harness.cassette.format import Cassette
from tests.helpers import DOWNSTREAM_COMMON

pytest.importorskip("openai")


pytestmark = pytest.mark.usefixtures("not_on_ci")


# --------------------------------------------------------------------------- hooks

HOOKS_CONFTEST = """
import pytest

SEEN = []


def before_request(request):
    SEEN.append(request.headers.get("authorization"))
    if request.path.endswith("/_harness/objects"):
        return None  # neither matched nor recorded: it goes to the server
    request.headers["x-edited-request"] = "1"
    return request


def before_response(response):
    if response.status == 404:
        return None  # the interaction is not recorded
    response.headers["x-edited"] = "1"
    response.headers["x-leak"] = "sk-proj-" + "F" * 40  # FAKE: scrubbed after the hook
    return response


@pytest.fixture(scope="session")
def cassette_config(cassette_config):
    return cassette_config.replace(
        before_record_request=before_request, before_record_response=before_response
    )
"""

HOOKS = """
import conftest


@pytest.mark.cassette
def test_hooks(harness_emulator, cassette):
    c = client(harness_emulator.base_url)
    thread = c.beta.threads.create()
    raw = c.beta.threads.with_raw_response.update(thread.id, metadata={"k": "v"})
    assert raw.parse().metadata == {"k": "v"}
    objects = httpx.get(f"{harness_emulator.base_url}/_harness/objects")
    assert objects.status_code == 200 and "x-edited" not in objects.headers  # a real answer
    if cassette.mode == "none":
        assert raw.headers["x-edited"] == "1"  # replayed: the edited response
    assert conftest.SEEN and set(conftest.SEEN) <= {None, "<REDACTED:authorization>"}


@pytest.mark.cassette
def test_dropped_404(harness_emulator):
    with pytest.raises(openai.NotFoundError):
        client(harness_emulator.base_url).beta.threads.update("thread_nothere", metadata={})
"""


def test_before_record_hooks_edit_and_drop_after_scrubbing(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOOKS_CONFTEST)
    pytester.makepyfile(test_hooks=DOWNSTREAM_COMMON + HOOKS)
    pytester.runpytest("-p", "no:randomly", "--cassette-mode=once").assert_outcomes(passed=2)
    directory = pytester.path / "cassettes" / "test_hooks"
    assert sorted(p.name for p in directory.iterdir()) == ["test_hooks.json"]  # 404 dropped
    text = (directory / "test_hooks.json").read_text()
    cassette = Cassette.from_bytes(text.encode())
    paths = [i.request.path.rsplit("/", 1)[-1][:7] for i in cassette.interactions]
    assert paths == ["threads", "thread_"]  # create, modify; the GET was dropped
    for interaction in cassette.interactions:
        assert interaction.request.headers["x-edited-request"] == "1"
        assert interaction.response.headers["x-edited"] == "1"
    assert "F" * 40 not in text and "sk-test-not-a-real-key" not in text

    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "-k", "not 404")
    replayed.assert_outcomes(passed=1, deselected=1)


# --------------------------------------------------------------------------- matching, playback

MATCH_CONFTEST = """
def metadata_keys(live, recorded):
    if "metadata" not in live.json:
        return live.json == recorded.json
    return sorted(live.json["metadata"]) == sorted(recorded.json["metadata"])


def broken(live, recorded):
    return live.json["no such field"]


def pytest_harness_matchers(config):
    return {"metadata_keys": metadata_keys, "broken": broken}
"""

MATCHING = """
VALUE = os.environ["TEST_VALUE"]
REPLAY = os.environ["TEST_PHASE"] == "replay"


def modify(base_url, times=1):
    c = client(base_url)
    thread = c.beta.threads.create()
    for _ in range(times):
        c.beta.threads.update(thread.id, metadata={"k": VALUE})


@pytest.mark.cassette(match_on=("method", "path", "metadata_keys"))
def test_keys_only(base_url):
    modify(base_url)


@pytest.mark.cassette(match_on=("method", "broken"))
def test_broken_matcher(base_url):
    modify(base_url)


@pytest.mark.cassette
def test_default_matching(base_url):
    modify(base_url)


@pytest.mark.cassette(allow_playback_repeats=True, match_on=("method", "path"))
def test_repeats(base_url):
    modify(base_url, times=3 if REPLAY else 1)


@pytest.mark.cassette(assert_all_played=True)
def test_all_played(base_url):
    modify(base_url, times=0 if REPLAY else 1)


@pytest.mark.cassette
def test_all_played_by_ini(base_url):
    modify(base_url, times=0 if REPLAY else 1)
"""


def test_match_on_repeats_and_assert_all_played(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(MATCH_CONFTEST)
    pytester.makepyfile(test_matching=DOWNSTREAM_COMMON + MATCHING)
    monkeypatch.setenv("TEST_VALUE", "recorded")
    monkeypatch.setenv("TEST_PHASE", "record")
    pytester.runpytest("-p", "no:randomly", "--cassette-mode=once").assert_outcomes(passed=6)

    monkeypatch.setenv("TEST_VALUE", "changed")
    monkeypatch.setenv("TEST_PHASE", "replay")
    replayed = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replayed.assert_outcomes(passed=3, failed=3)
    output = replayed.stdout.str()
    assert "matcher 'broken' raised KeyError: 'no such field' comparing POST /v1/threads" in output
    assert "FAILED test_matching.py::test_default_matching" in output
    assert "FAILED test_matching.py::test_all_played " in output
    assert re.search(r"1 of 2 recorded interaction\(s\) in .*test_all_played.json", output)
    assert re.search(r"#1: POST /v1/threads/thread_\w+\n", output)

    strict = pytester.runpytest(
        "-p", "no:randomly", "--cassette-mode=none", "-o", "cassette_assert_all_played=true",
        "-k", "by_ini",
    )  # fmt: skip
    strict.assert_outcomes(failed=1, deselected=5)
    strict.stdout.fnmatch_lines(["*were not played (assert_all_played)*"])


def test_unknown_matcher_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

@pytest.mark.cassette(match_on=("method", "nosuch"))
def test_x():
    pass
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*harness cassette configuration of test_bad.py::test_x: unknown matcher(s) 'nosuch'*"]
    )


# --------------------------------------------------------------------------- disable recording

DISABLE = """
@pytest.mark.cassette
def test_thread(harness_emulator, cassette):
    response = httpx.post(f"{harness_emulator.base_url}/threads", json={}, headers=HEADERS)
    print("ANSWER", json.dumps(response.json()["metadata"]), cassette is None)
"""


@pytest.mark.parametrize("flag", ["--harness-disable-recording", "--disable-recording"])
def test_disable_recording_makes_real_calls(pytester: pytest.Pytester, flag: str) -> None:
    """``--disable-recording`` is pytest-recording's (loaded here); it means the same."""
    pytester.makepyfile(test_disable="import json\n" + DOWNSTREAM_COMMON + DISABLE)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
    path = pytester.path / "cassettes" / "test_disable" / "test_thread.json"
    data = json.loads(path.read_text())
    data["interactions"][0]["response"]["json"]["metadata"] = {"from": "cassette"}
    path.write_text(json.dumps(data))
    before = path.read_bytes()

    replayed = pytester.runpytest("-p", "no:randomly", "-s", "--cassette-mode=none")
    replayed.stdout.fnmatch_lines(['*ANSWER {"from": "cassette"} False'])
    real = pytester.runpytest("-p", "no:randomly", "-s", "--cassette-mode=none", flag)
    real.assert_outcomes(passed=1)
    real.stdout.fnmatch_lines(["*ANSWER {} True"])  # the emulator answered; no cassette
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- names and help

OPTIONS = [
    "--harness-seed=N",
    "--cassette-mode={none,once,new_episodes,all,rewrite}, "
    "--harness-cassette-mode={none,once,new_episodes,all,rewrite}",
    "--cassette-dir=DIR, --harness-cassette-dir=DIR",
    "--harness-disable-recording",
    "--offline, --harness-offline",
    "--offline-allow=HOST[:PORT], --harness-offline-allow=HOST[:PORT]",
    "--harness-drift={warn,error,off}",
]  # fmt: skip
INI_KEYS = [
    "harness_seed", "cassette_mode", "cassette_dir", "harness_disable_recording",
    "harness_offline", "harness_offline_allow", "harness_drift", "cassette_scrub_headers",
    "cassette_scrub_query_params", "cassette_scrub_body_fields", "cassette_scrub_patterns",
    "cassette_assert_all_played", "cassette_allow_playback_repeats",
]  # fmt: skip


def test_every_option_in_one_help_group_naming_its_ini_key(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == 0
    text = re.sub(r"\s+", " ", result.stdout.str())
    group = text.split("assistants-harness (ini-only keys:", 1)[1]
    group = re.split(r" [a-z-]+( \([^)]*\))?: --", group, maxsplit=1)[0]  # up to the next group
    for option in OPTIONS:
        # argparse 3.13 prints a shared metavar once, after the last alias
        names = [name.split("=", 1)[0] for name in option.split(", ")]
        assert all(f"{name}" in group for name in names), option
    for key in INI_KEYS:
        assert f" {key} (" in text, key  # pytest's ini list
        assert key in group, key  # named by its option's help or the group title


PREFIXED = """
@pytest.mark.harness_cassette
def test_prefixed(base_url, harness_cassette):
    thread = client(base_url).beta.threads.create()
    assert thread.object == "thread"
    assert len(harness_cassette.interactions) == 1


@pytest.mark.cassette
def test_short_names(base_url, cassette):
    assert client(base_url).beta.threads.create().object == "thread"
"""


def test_prefixed_aliases_and_short_names(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_names=DOWNSTREAM_COMMON + PREFIXED)
    recorded = pytester.runpytest(
        "-p", "no:randomly", "--harness-cassette-mode=once", "--harness-cassette-dir=recorded"
    )
    recorded.assert_outcomes(passed=2)
    names = sorted(p.name for p in (pytester.path / "recorded" / "test_names").iterdir())
    assert names == ["test_prefixed.json", "test_short_names.json"]
    for flags in (
        ["--harness-cassette-mode=none", "--harness-offline", "--harness-offline-allow=192.0.2.7"],
        ["--cassette-mode=none", "--offline", "--offline-allow=192.0.2.7"],
    ):
        replayed = pytester.runpytest("-p", "no:randomly", "--cassette-dir=recorded", *flags)
        replayed.assert_outcomes(passed=2)
    bad = pytester.runpytest("--offline", "--offline-allow=db:http")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*offline allow entry 'db:http': port 'http' is not 1-65535*"])


# --------------------------------------------------------------------------- other plugins

BESIDE = """
@pytest.mark.cassette
def test_harness_cassette(base_url):
    assert client(base_url).beta.threads.create().object == "thread"


@pytest.mark.vcr
def test_their_cassette(harness_emulator):
    assert client(harness_emulator.base_url).beta.threads.create().object == "thread"
"""


@pytest.mark.parametrize(
    ("other", "their_file"),
    [
        ("recording", "cassettes/test_beside/test_their_cassette.yaml"),  # pytest-recording
        ("vcr", "cassettes/test_their_cassette.yaml"),  # pytest-vcr
    ],
)
def test_loads_beside_vcr_plugins_pytest_socket_and_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, other: str, their_file: str
) -> None:
    """pytest-vcr and pytest-recording refuse each other, so each gets its own session; both
    sessions also run pytest-socket (restricting hosts) and xdist (two workers)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", f"-p no:{'vcr' if other == 'recording' else 'recording'}")
    pytester.makepyfile(test_beside=DOWNSTREAM_COMMON + BESIDE)
    their_mode = "--record-mode=once" if other == "recording" else "--vcr-record=once"
    common = ["-p", "no:randomly", "-n", "2", "--allow-hosts=127.0.0.1,::1", "--offline"]
    result = pytester.runpytest_subprocess(*common, their_mode, "--cassette-mode=once")
    result.assert_outcomes(passed=2)
    assert (pytester.path / "cassettes" / "test_beside" / "test_harness_cassette.json").is_file()
    assert (pytester.path / their_file).is_file()
    help_text = pytester.runpytest_subprocess("--help").stdout.str()
    assert "--cassette-mode" in help_text and "--allow-hosts" in help_text
    assert ("--record-mode" if other == "recording" else "--vcr-record") in help_text
