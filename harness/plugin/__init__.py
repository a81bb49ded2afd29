"""The pytest plugin (registered through the ``pytest11`` entry point as ``harness``).

One option group, one ini key per option, small fixtures. Heavy imports (vcrpy, the factory)
happen inside fixtures, so a test session that never uses them pays nothing.
Names are prefixed or distinct so the plugin loads beside pytest-recording and pytest-xdist.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.plugin.config import (
    DRIFT_MODES,
    RECORD_MODES,
    SCRUB_INI_KEYS,
    SCRUB_PATTERNS_INI_KEY,
    CassetteConfig,
    default_mode,
    scrub_pattern,
)
from harness.plugin.fixtures import *  # noqa: F403  (fixtures are registered by being module attributes)
from harness.plugin.fixtures import session_seed

if TYPE_CHECKING:
    from harness.plugin._vcr import Patches
    from harness.plugin.ledger import SessionLedger
    from harness.plugin.matching import Matcher
    from harness.plugin.offline import OfflineGuard
    from harness.plugin.recording import Recording

MARKERS = (
    "cassette(name=None, **options): record/replay this test's HTTP traffic in a harness "
    "cassette; keyword options override the cassette configuration for this test.",
    "harness_cassette(name=None, **options): the cassette marker under a prefixed name.",
    "harness_factory(name, **overrides): field overrides for the register_factory fixture "
    "'name' in this test.",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every option in one ``harness`` group; each names its ini key. Options without the
    ``--harness-`` prefix have a prefixed alias, for sessions where another plugin uses the
    short name."""
    group = parser.getgroup(
        "harness",
        "assistants-harness (ini-only keys: cassette_scrub_headers, cassette_scrub_query_params, "
        "cassette_scrub_body_fields, cassette_scrub_allow, cassette_scrub_patterns, "
        "cassette_assert_all_played, "
        "cassette_allow_playback_repeats)",
    )
    group.addoption(
        "--harness-seed",
        default=None,
        metavar="N",
        help="Session seed of the factory fixtures (run_factory, register_factory fixtures, "
        "run_variant). Default 0. ini: harness_seed.",
    )
    group.addoption(
        "--cassette-mode",
        "--harness-cassette-mode",
        choices=RECORD_MODES,
        default=None,
        help="Record mode for harness cassettes: none (replay only), once (record if the file "
        "is missing), new_episodes, all, rewrite (re-record from scratch). Default: once, or "
        "none when the CI environment variable is set. ini: cassette_mode.",
    )
    group.addoption(
        "--cassette-dir",
        "--harness-cassette-dir",
        default=None,
        metavar="DIR",
        help="Directory of harness cassettes (default: <rootdir>/cassettes). ini: cassette_dir.",
    )
    group.addoption(
        "--harness-disable-recording",
        action="store_true",
        default=None,
        help="Run tests marked cassette with no cassette at all: real HTTP calls, nothing read "
        "or written; the cassette fixture is None. ini: harness_disable_recording.",
    )
    group.addoption(
        "--offline",
        "--harness-offline",
        action="store_true",
        default=None,
        help="Refuse every connection and DNS lookup that is not to loopback (127.0.0.1, ::1, "
        "localhost) or an --offline-allow entry. ini: harness_offline.",
    )
    group.addoption(
        "--offline-allow",
        "--harness-offline-allow",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="Also allow HOST (a name, an address or a network such as 10.0.0.0/8; [IPV6]:PORT "
        "for a port) under --offline; repeatable. ini: harness_offline_allow (one per line).",
    )
    group.addoption(
        "--harness-drift",
        choices=DRIFT_MODES,
        default=None,
        help="Modify-run/thread responses that depart from the models: warn (default), "
        "error (fail the test) or off. ini: harness_drift.",
    )
    parser.addini("harness_seed", "Session seed for the factory fixtures.", default="0")
    parser.addini("cassette_mode", "Default harness cassette record mode.", default="")
    parser.addini("cassette_dir", "Harness cassette directory, relative to the rootdir.")
    parser.addini(
        "harness_disable_recording", "No cassettes: real calls.", type="bool", default=False
    )
    parser.addini("harness_offline", "Refuse non-loopback connections.", type="bool", default=False)
    parser.addini(
        "harness_offline_allow", "HOST[:PORT] lines allowed under --offline.", type="linelist"
    )
    parser.addini("harness_drift", "warn, error or off for model drift.", default="warn")
    parser.addini("cassette_scrub_headers", "Extra header names to redact.", type="linelist")
    parser.addini("cassette_scrub_query_params", "Extra query names to redact.", type="linelist")
    parser.addini("cassette_scrub_body_fields", "Extra JSON fields to redact.", type="linelist")
    parser.addini(
        "cassette_scrub_allow", "Names never redacted by the name rules.", type="linelist"
    )
    parser.addini(
        "cassette_scrub_patterns",
        "Extra 'name = regex' lines; matching strings are redacted everywhere.",
        type="linelist",
    )
    parser.addini(
        "cassette_assert_all_played",
        "Fail a test that left recorded interactions unplayed.",
        type="bool",
        default=False,
    )
    parser.addini(
        "cassette_allow_playback_repeats",
        "Replay a recorded response again once its identical requests are used up.",
        type="bool",
        default=False,
    )


class HarnessHookSpecs:
    """Hooks a plugin or ``conftest.py`` may implement."""

    @pytest.hookspec(firstresult=True)
    def pytest_harness_cassette_config(
        self, config: CassetteConfig, request: pytest.FixtureRequest
    ) -> CassetteConfig | None:
        """Adjust one test's cassette configuration (after ``cassette_config``, before the
        marker's options): return a new :class:`harness.CassetteConfig`, or None to keep it.
        A plugin sets ``before_record_request``/``before_record_response``/``match_on`` here."""

    def pytest_harness_matchers(self, config: pytest.Config) -> Mapping[str, Matcher] | None:
        """Matchers a plugin or ``conftest.py`` offers to ``match_on`` by name (``{name:
        function(live, recorded) -> bool}``); every implementation's names are merged. Asked
        for each test that opens a cassette (a conftest's apply below its directory)."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register :class:`HarnessHookSpecs`."""
    pluginmanager.add_hookspecs(HarnessHookSpecs)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers so ``pytest --markers`` lists them and --strict-markers passes."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    session_seed(config)  # a bad seed is a usage error now, not a fixture error later
    _configure_cassettes(config)


# --------------------------------------------------------------------------- cassettes

RECORDING_KEY = pytest.StashKey["Recording"]()
_PATCHES_KEY = pytest.StashKey["Patches"]()
_DEFAULT_CONFIG_KEY = pytest.StashKey["CassetteConfig"]()
_LEDGER_KEY = pytest.StashKey["SessionLedger"]()
_OFFLINE_KEY = pytest.StashKey["OfflineGuard"]()
_TEST_OFFLINE_KEY = pytest.StashKey["OfflineGuard"]()
_LEGACY_WARNED_KEY = pytest.StashKey["set[Path]"]()


def _session_config(config: pytest.Config) -> CassetteConfig:
    """The session's default cassette configuration from options, ini keys and CI."""
    mode = config.getoption("cassette_mode") or config.getini("cassette_mode") or default_mode()
    directory = config.getoption("cassette_dir") or config.getini("cassette_dir") or "cassettes"
    try:
        patterns = [scrub_pattern(line) for line in config.getini(SCRUB_PATTERNS_INI_KEY)]
    except ValueError as exc:
        raise pytest.UsageError(f"ini key {exc}") from None
    scrub_names: dict[str, Any] = {
        field: tuple(config.getini(key)) for key, field in SCRUB_INI_KEYS.items()
    }
    try:
        return CassetteConfig(
            mode=mode,
            cassette_dir=Path(config.rootpath, directory),
            drift=config.getoption("harness_drift") or config.getini("harness_drift"),
            offline=bool(config.getoption("offline") or config.getini("harness_offline")),
            offline_allow=_offline_allow(config),
            assert_all_played=config.getini("cassette_assert_all_played"),
            allow_playback_repeats=config.getini("cassette_allow_playback_repeats"),
            scrub_patterns=tuple(patterns),
            **scrub_names,
        )
    except ValueError as exc:
        raise pytest.UsageError(f"harness cassette configuration: {exc}") from None


def _offline_allow(config: pytest.Config) -> tuple[str, ...]:
    """``--offline-allow`` entries, then the ini key's lines."""
    return (*config.getoption("offline_allow"), *config.getini("harness_offline_allow"))


def recording_disabled(config: pytest.Config) -> bool:
    """``--harness-disable-recording`` (ini ``harness_disable_recording``); pytest-recording's
    ``--disable-recording``, when that plugin is loaded, means the same here."""
    return bool(
        config.getoption("harness_disable_recording")
        or config.getini("harness_disable_recording")
        or config.getoption("disable_recording", False)
    )


def _configure_cassettes(config: pytest.Config) -> None:
    default = config.stash[_DEFAULT_CONFIG_KEY] = _session_config(config)
    config.stash[_LEDGER_KEY] = _session_ledger(config)
    if default.offline:
        from harness.plugin.offline import OfflineGuard

        guard = OfflineGuard(default.offline_allow)
        guard.install()
        config.stash[_OFFLINE_KEY] = guard
        config.add_cleanup(guard.uninstall)


def _cassette_marker(node: pytest.Item | pytest.Collector) -> pytest.Mark | None:
    return node.get_closest_marker("cassette") or node.get_closest_marker("harness_cassette")


def _session_ledger(config: pytest.Config) -> SessionLedger:
    """One ledger per session: xdist workers get the controller's id (``workerinput``)."""
    from harness.plugin.ledger import SessionLedger

    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "harness_session" in workerinput:
        return SessionLedger(workerinput["harness_session"])
    if not config.pluginmanager.hasplugin("xdist"):
        return SessionLedger()
    ledger = SessionLedger.shared()
    config.add_cleanup(ledger.remove)
    config.pluginmanager.register(_XdistSession(ledger), "harness-xdist-session")
    return ledger


class _XdistSession:
    """Hands the controller's session id to every xdist worker."""

    def __init__(self, ledger: SessionLedger) -> None:
        self.ledger = ledger

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["harness_session"] = self.ledger.session_id or ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``cassette`` uses the ``cassette`` fixture, set up before its others
    (so traffic from its function-scoped fixtures is recorded too)."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "cassette" not in names and _cassette_marker(item):
            names.insert(0, "cassette")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a test with the harness's own message when a request missed its cassette, drift
    was found in error mode, ``--offline`` refused a connection (HTTP clients wrap these
    errors in their own: the SDK reports "Connection error."), or a passing test left
    interactions unplayed under ``assert_all_played``."""
    guard = item.config.stash.get(_OFFLINE_KEY, None) or item.stash.get(_TEST_OFFLINE_KEY, None)
    blocked_before = len(guard.blocked) if guard else 0
    failure: BaseException | None = None
    result: object = None
    try:
        result = yield
    except BaseException as exc:
        failure = exc
    problem = _harness_problem(item, guard, blocked_before, passed=failure is None)
    if problem:
        pytest.fail(problem, pytrace=False)
    if failure is not None:
        raise failure
    return result


def _harness_problem(
    item: pytest.Item, guard: OfflineGuard | None, blocked: int, *, passed: bool
) -> str:
    if guard is not None and len(guard.blocked) > blocked:
        return guard.blocked[blocked]
    recording = item.stash.get(RECORDING_KEY, None)
    if recording is None:
        return ""
    if recording.misses:
        return recording.misses[0]
    if recording.drift_errors:
        return "harness drift (--harness-drift=error):\n" + "\n".join(recording.drift_errors)
    if passed and recording.config.assert_all_played:
        return recording.explain_unplayed()
    return ""


@pytest.fixture(scope="session")
def harness_cassette_config(pytestconfig: pytest.Config) -> CassetteConfig:
    """The session's cassette configuration from options and ini keys (the prefixed name;
    ``cassette_config`` starts from it)."""
    return pytestconfig.stash[_DEFAULT_CONFIG_KEY]


@pytest.fixture(scope="session")
def cassette_config(harness_cassette_config: object) -> object:
    """The cassette configuration for every test; override it in ``conftest.py`` (return a
    :class:`harness.CassetteConfig`, e.g. ``cassette_config.replace(...)``, or a dict
    of the fields to change). Overriding ``harness_cassette_config`` works the same."""
    return harness_cassette_config


def _test_config(request: pytest.FixtureRequest, base: object) -> tuple[CassetteConfig, str | None]:
    default = request.config.stash[_DEFAULT_CONFIG_KEY]
    if isinstance(base, Mapping):
        config = default.replace(**base)
    elif isinstance(base, CassetteConfig):
        config = base
    else:
        raise TypeError(
            f"cassette_config returned {type(base).__name__}; return a CassetteConfig or a dict"
        )
    adjusted = request.config.hook.pytest_harness_cassette_config(config=config, request=request)
    if adjusted is not None:
        config = adjusted
    name: str | None = None
    marker = _cassette_marker(request.node)
    if marker is not None:
        if len(marker.args) > 1 or (marker.args and not isinstance(marker.args[0], str)):
            raise TypeError("@pytest.mark.cassette takes at most one positional arg, the name")
        name = marker.args[0] if marker.args else marker.kwargs.get("name")
        options = {k: v for k, v in marker.kwargs.items() if k != "name"}
        if options:
            config = config.replace(**options)
    # An explicit --cassette-mode on the command line wins over conftest and markers.
    command_line_mode = request.config.getoption("cassette_mode")
    if command_line_mode and command_line_mode != config.mode:
        config = config.replace(mode=command_line_mode)
    return config, name


def _patches(config: pytest.Config) -> Patches:
    """The session's vcrpy patches, built when the first cassette opens (importing vcrpy)."""
    patches = config.stash.get(_PATCHES_KEY, None)
    if patches is None:
        from harness.plugin._vcr import Patches

        patches = config.stash[_PATCHES_KEY] = Patches()
    return patches


def _legacy_fallback(
    config: pytest.Config, cassette_dir: Path, module: Path, test_name: str, path: Path
) -> Path:
    """``path``, or the cassette at the location older versions used (the module's stem
    only), with a warning, once per directory and session, saying how to move them."""
    from harness.plugin.naming import legacy_cassette_path
    from harness.plugin.recording import HarnessCassetteMovedWarning

    old = legacy_cassette_path(cassette_dir, module, test_name)
    if old == path or not old.is_file():
        return path
    warned = config.stash.setdefault(_LEGACY_WARNED_KEY, set())
    if old.parent not in warned:
        warned.add(old.parent)
        root = config.rootpath
        source, target = (os.path.relpath(p, root) for p in (old.parent, path.parent))
        warnings.warn(
            HarnessCassetteMovedWarning(
                f"harness: cassettes of {os.path.relpath(module, root)} found at the old "
                f"location {source}/ (keyed on the module name only, which same-named modules "
                f"in other directories would share); using them. Move them (from the rootdir): "
                f"mkdir -p {os.path.dirname(target) or '.'} && git mv {source} {target}"
            ),
            stacklevel=2,
        )
    return old


def _open_recording(request: pytest.FixtureRequest, base: object) -> Recording | str:
    """This test's recording, or a one-line message naming what is wrong."""
    from harness.cassette.format import CassetteError
    from harness.plugin.naming import cassette_path
    from harness.plugin.recording import Recording

    node = request.node
    try:
        config, name = _test_config(request, base)
        test_name = node.nodeid.split("::", 1)[-1]
        module = Path(node.path)
        path = cassette_path(
            config.cassette_dir, module, test_name, name, rootdir=request.config.rootpath
        )
    except (TypeError, ValueError) as exc:
        return f"harness cassette configuration of {node.nodeid}: {exc}"
    if name is None and not path.exists():
        path = _legacy_fallback(request.config, config.cassette_dir, module, test_name, path)
    matchers: dict[str, Matcher] = {}
    for offered in node.ihook.pytest_harness_matchers(config=request.config):
        matchers.update(offered or {})
    quoted = "'" + node.nodeid.replace("'", "'\\''") + "'"
    try:
        return Recording.open(
            path,
            config,
            rerecord_command=f"pytest {quoted} --cassette-mode=rewrite",
            matchers=matchers,
            shared=name is not None,
            ledger=request.config.stash[_LEDGER_KEY],
        )
    except CassetteError as exc:
        return f"harness cassette: {exc}"
    except ValueError as exc:
        return f"harness cassette configuration of {node.nodeid}: {exc}"


@pytest.fixture
def cassette(request: pytest.FixtureRequest, cassette_config: object) -> Iterator[Recording | None]:
    """Record or replay this test's HTTP traffic (httpx2, httpx, requests, aiohttp) in a harness
    cassette; yields the active :class:`harness.plugin.recording.Recording` (``interactions``,
    ``played``, ``recorded``, ``all_played``, ``path``, ``mode``), or None under
    ``--harness-disable-recording``."""
    if recording_disabled(request.config):
        yield None
        return
    node = request.node
    opened = _open_recording(request, cassette_config)
    if isinstance(opened, str):
        pytest.fail(opened, pytrace=False)
    recording, config = opened, opened.config
    node.stash[RECORDING_KEY] = recording
    guard = None
    if config.offline and _OFFLINE_KEY not in request.config.stash:
        from harness.plugin.offline import OfflineGuard

        guard = node.stash[_TEST_OFFLINE_KEY] = OfflineGuard(config.offline_allow)
        guard.install()
    watch = None
    if recording.can_record:
        from harness.plugin.unpatched import ConnectionWatch

        watch = ConnectionWatch()
        watch.install()
    try:
        with _patches(request.config).active(recording):
            yield recording
    finally:
        if watch is not None:
            watch.uninstall()
        if guard is not None:
            guard.uninstall()
    if watch is not None and watch.libraries and not recording.recorded:
        from harness.plugin.unpatched import HarnessUnpatchedWarning

        warnings.warn(HarnessUnpatchedWarning(watch.message(node.nodeid)), stacklevel=1)
    from harness.plugin.recording import CassetteSaveError

    try:
        recording.save()
    except CassetteSaveError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def harness_cassette(cassette: Recording | None) -> Recording | None:
    """The ``cassette`` fixture under a name no other plugin uses."""
    return cassette
