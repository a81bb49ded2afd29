"""The pytest plugin (registered through the ``pytest11`` entry point as ``harness``).

One option group, one ini key per option, small fixtures. Heavy imports (vcrpy, the factory)
happen inside fixtures, so a test session that never uses them pays nothing.
Names are prefixed or distinct so the plugin loads beside pytest-recording and pytest-xdist.
"""

from __future__ import annotations

import pytest

from harness.fixtures import *  # noqa: F403  (fixtures are registered by being module attributes)

MARKERS = (
    "cassette(name=None, **options): record/replay this test's HTTP traffic in a harness "
    "cassette; keyword options override the cassette configuration for this test.",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``harness`` option group."""
    group = parser.getgroup("harness", "assistants-harness: cassettes and fixture data")
    group.addoption(
        "--harness-seed",
        action="store",
        default=None,
        help="Session seed for the run_factory/thread_factory fixtures (default: 0).",
    )
    parser.addini("harness_seed", "Session seed for the factory fixtures.", default="0")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers so ``pytest --markers`` lists them and --strict-markers passes."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
