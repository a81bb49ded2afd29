import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytest-vcr and pytest-recording (both in the dev extra, to test the plugin beside each)
    refuse to load in one session; the downstream runs leave pytest-vcr out, as pyproject's
    addopts does here, unless a test asks for it."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:vcr")
    return pytester
