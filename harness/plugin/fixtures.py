"""Public pytest fixtures other than the cassette ones: factories and the emulator.

Kept apart from ``plugin.py`` so that the plugin module stays about options, markers and
cassettes; ``plugin.py`` re-exports everything listed in ``__all__``. Each fixture imports the
heavy module it needs lazily, inside its body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.emulator import RunningEmulator
    from harness.factory import RunFactory, ThreadFactory

__all__: list[str] = [
    "_harness_emulator_server",
    "harness_emulator",
    "pytest_generate_tests",
    "run_factory",
    "thread_factory",
]


def session_seed(config: pytest.Config) -> int:
    """``--harness-seed``, else ini ``harness_seed``, else 0; a non-integer is a usage error."""
    value = config.getoption("harness_seed", None) or config.getini("harness_seed") or 0
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(
            f"--harness-seed / ini harness_seed must be an integer, got {value!r}"
        ) from None


@pytest.fixture(scope="session")
def _harness_emulator_server(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    from harness.emulator import running_emulator

    with running_emulator(session_seed(request.config)) as server:
        yield server


@pytest.fixture
def harness_emulator(_harness_emulator_server: RunningEmulator) -> RunningEmulator:
    """The emulator on 127.0.0.1 (one server per session, reset to its seeded state for each
    test): ``.base_url`` for ``openai.OpenAI(base_url=...)``, ``.app``/``.store`` for state,
    ``.client()``/``.async_client()`` for ready SDK clients."""
    _harness_emulator_server.store.reset()
    return _harness_emulator_server


# --------------------------------------------------------------------------- factories


def _test_seed(request: pytest.FixtureRequest) -> int:
    """Stable per-test seed: session seed + node id (crc32, not Python's salted hash())."""
    import zlib

    key = f"{session_seed(request.config)}:{request.node.nodeid}"
    return zlib.crc32(key.encode("utf-8"))


@pytest.fixture
def run_factory(request: pytest.FixtureRequest) -> RunFactory:
    """A ``RunFactory`` seeded from ``--harness-seed`` (ini ``harness_seed``) and the test id:
    the same test gets the same runs in every session, whatever the test order."""
    from harness.factory import RunFactory

    return RunFactory(_test_seed(request))


@pytest.fixture
def thread_factory(request: pytest.FixtureRequest) -> ThreadFactory:
    """A ``ThreadFactory`` seeded like :func:`run_factory`."""
    from harness.factory import ThreadFactory

    return ThreadFactory(_test_seed(request))


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [part.strip() for part in names.split(",")]
        if name in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test that takes ``run_variant`` (``thread_variant``) once per factory variant,
    with readable ids such as ``test_x[completed-json_schema]``."""
    wanted = [
        name
        for name in ("run_variant", "thread_variant")
        if name in metafunc.fixturenames and not _parametrized_by_test(metafunc, name)
    ]
    if not wanted:
        return
    from harness.factory import run_variants, thread_variants, variant_id

    seed = session_seed(metafunc.config)
    for name in wanted:
        objects = run_variants(seed) if name == "run_variant" else thread_variants(seed)
        metafunc.parametrize(name, objects, ids=[variant_id(obj) for obj in objects])
