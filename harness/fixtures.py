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

__all__: list[str] = ["_harness_emulator_server", "harness_emulator"]


def _session_seed(config: pytest.Config) -> int:
    value = config.getoption("harness_seed", None) or config.getini("harness_seed") or 0
    return int(value)


@pytest.fixture(scope="session")
def _harness_emulator_server(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    from harness.emulator import running_emulator

    with running_emulator(_session_seed(request.config)) as server:
        yield server


@pytest.fixture
def harness_emulator(_harness_emulator_server: RunningEmulator) -> RunningEmulator:
    """The emulator on 127.0.0.1 (one server per session, reset to its seeded state for each
    test): ``.base_url`` for ``openai.OpenAI(base_url=...)``, ``.app``/``.store`` for state,
    ``.client()``/``.async_client()`` for ready SDK clients."""
    _harness_emulator_server.store.reset()
    return _harness_emulator_server
