"""Fixtures shared by the suite (plain helper functions are in ``tests/helpers.py``).

* In-process ``pytester`` runs snapshot ``sys.modules`` and, afterwards, drop every module first
  imported during the run. httpx and httpx2 import their core (``httpcore``/``httpcore2``) on
  first use and cache its exception classes in a module-level map; if that first use happened
  inside a pytester run, the core module was dropped and re-imported later with new exception
  classes the cached map no longer knows, and a refused connection escaped as a raw
  ``httpcore.ConnectError`` in whichever test ran next. So everything that caches state across
  tests is imported here, before any test runs, whatever the order. The same for uvicorn's
  httptools protocol: re-imported, httptools raised parser errors of a class the protocol's
  ``except httptools.HttpParserError`` did not catch, and a bad request line got no 400.
* ``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) makes property tests derandomized: the same
  examples every run, so CI fails only on a change, never on luck; locally they explore.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

for _name in ("httpcore", "httpcore2", "httpx", "httpx2", "requests", "vcr", "vcr.patch"):
    importlib.import_module(_name)
for _name in ("uvicorn.protocols.http.h11_impl", "uvicorn.protocols.http.httptools_impl"):
    with contextlib.suppress(ImportError):  # httptools is optional
        importlib.import_module(_name)

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# --------------------------------------------------------------------------- cassettes on disk


@pytest.fixture(scope="session")
def synthesized_tree(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """``synthesized_tree(seed)``: a directory of ``harness synthesize`` output for ``seed``,
    written once per session. Read-only: copy it before changing anything."""
    from harness.tools.synthesize import synthesize

    made: dict[int, Path] = {}

    def tree(seed: int) -> Path:
        if seed not in made:
            made[seed] = tmp_path_factory.mktemp(f"synthesized-{seed}")
            synthesize(made[seed], seed=seed)
        return made[seed]

    return tree


# --------------------------------------------------------------------------- downstream runs


@pytest.fixture
def not_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downstream pytester runs choose their record mode explicitly; ``CI=true`` in the outer
    environment would otherwise default them to ``none``."""
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest-vcr and pytest-recording (both in the dev extra, to test the plugin beside each)
    refuse to load in one session; the downstream runs leave pytest-vcr out, as pyproject's
    addopts does here, unless a test asks for it."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:vcr")
    return pytester
