import contextlib

import pytest

pytest_plugins = ["pytester"]

# Imported here, in every worker, before any test: pytester's in-process runs drop the modules
# first imported inside them, and httpx/httpx2 keep a map of httpcore's exception classes from
# their first request; if that happened inside a downstream run, later connection errors in
# this process arrive as unmapped httpcore errors.
for _name in ("httpcore", "httpcore2"):
    with contextlib.suppress(ImportError):
        __import__(_name)


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest-vcr and pytest-recording (both in the dev extra, to test the plugin beside each)
    refuse to load in one session; the downstream runs leave pytest-vcr out, as pyproject's
    addopts does here, unless a test asks for it."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:vcr")
    return pytester
