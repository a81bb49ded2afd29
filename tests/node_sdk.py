"""The official Node SDK (npm ``openai``) for tests: installed once into a cache directory.

``node_openai`` (a session fixture; import it into a test module) installs the package from
the npm registry into ``~/.cache/assistants-harness/node-openai`` (or ``$HARNESS_NODE_CACHE``)
under a file lock, so parallel workers install it once, and returns its ``node_modules``. It
skips the test, saying why, when node or npm is missing or the install fails (no registry).
:func:`run_node` runs an ES module script that ``import``s the SDK.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["NODE_OPENAI", "node_openai", "run_node"]

NODE_OPENAI = "openai@7"
"""The npm package spec installed (the major version the tests are written against)."""


def _cache() -> Path:
    default = Path.home() / ".cache" / "assistants-harness" / "node-openai"
    return Path(os.environ.get("HARNESS_NODE_CACHE", default))


def install_node_openai() -> Path:
    """``node_modules`` holding the SDK, installing it first if needed; ``pytest.skip`` when
    it cannot be had."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("the Node SDK test needs node and npm on PATH (not found)")
    cache = _cache()
    cache.mkdir(parents=True, exist_ok=True)
    modules = cache / "node_modules"
    with open(cache / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (modules / "openai" / "package.json").is_file():
            try:
                done = subprocess.run(
                    ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", NODE_OPENAI],
                    cwd=cache,
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install {NODE_OPENAI} timed out (is the npm registry reachable?)")
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                pytest.skip(f"npm install {NODE_OPENAI} failed: {last}")
    return modules


@pytest.fixture(scope="session")
def node_openai() -> Path:
    """The ``node_modules`` directory with the official Node SDK (skips if unavailable)."""
    return install_node_openai()


def run_node(
    modules: Path,
    script: str,
    directory: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (an ES module) from ``directory``, which gets a ``node_modules`` link to
    ``modules`` so ``import OpenAI from "openai"`` resolves."""
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / "node_modules"
    if not link.exists():
        link.symlink_to(modules, target_is_directory=True)
    path = directory / "script.mjs"
    path.write_text(script)
    return subprocess.run(
        ["node", str(path), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
