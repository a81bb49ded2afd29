"""Run the official SDK's own Assistants resource tests against a started ``harness emulate``.

Downloads the sdist of the installed ``openai`` version (``pip download --no-binary :all:
--no-deps``), extracts ``tests/api_resources/beta/{test_assistants,test_threads}.py`` and
``threads/`` into a temporary directory (never into this repository), starts the emulator
with ``--lenient`` (placeholder ids such as ``"thread_id"`` are served; the default checks stay
as they are) and runs them with ``TEST_API_BASE_URL`` pointing at it. Prints passed/failed
and exits 0 when the run finished (1 if pytest could not run, 0 with a message if the
download failed: no network is not a failure of the emulator).

    python scripts/conformance.py [-k EXPR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import version
from pathlib import Path

FILES = ("test_assistants.py", "test_threads.py", "threads")


def main(argv: list[str]) -> int:
    sdk = version("openai")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        got = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
             f"openai=={sdk}", "-d", str(root)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        archives = list(root.glob("openai-*.tar.gz"))
        if got.returncode != 0 or not archives:
            print(
                f"conformance: skipped, could not download openai=={sdk} sdist: {got.stderr[-300:]}"
            )
            return 0
        with tarfile.open(archives[0]) as archive:
            archive.extractall(root, filter="data")
        sdist = next(root.glob("openai-*/"))
        beta = sdist / "tests" / "api_resources" / "beta"
        targets = [str(beta / name) for name in FILES]
        server = subprocess.Popen(
            [sys.executable, "-m", "harness", "emulate", "--port", "0", "--lenient"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            base_url = server.stdout.readline().strip()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p",
                 "no:cacheprovider", "-p", "no:vcr", "--rootdir", str(sdist), *targets, *argv],
                cwd=sdist, env={**os.environ, "TEST_API_BASE_URL": base_url},
                capture_output=True, text=True, check=False,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(10)
    summary = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    print("\n".join(summary))
    print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:])
    return 0 if result.returncode in (0, 1) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
