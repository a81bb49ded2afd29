"""harness scan: findings on planted secrets (cassettes and raw files), never the secret."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.helpers import invoke

SECRETS = {
    "openai": "sk-" + "Zq9Xw8Vu7Ts6Rp5On4Ml3Kj2",
    "aws": "AKIA" + "ABCDEFGHIJKLMNOP",
    "google": "AIza" + "SyA1234567890abcdefghijklmnopqrstuv",
}
REPO = Path(__file__).parent.parent


@pytest.fixture
def clean_dir(synthesized_tree: Callable[[int], Path]) -> Path:
    return synthesized_tree(0)


def test_clean_cassettes_pass(clean_dir: Path) -> None:
    result = invoke("scan", str(clean_dir))
    assert "no credentials" in result.output


def test_planted_secrets_are_found_and_never_printed(clean_dir: Path, tmp_path: Path) -> None:
    data = json.loads((clean_dir / "modify-run" / "failed-auto.json").read_text())
    interaction = data["interactions"][0]
    interaction["request"]["headers"]["api-key"] = SECRETS["aws"]
    interaction["response"]["json"]["metadata"] = {"k": SECRETS["openai"]}
    data["notes"] = f"google {SECRETS['google']}"
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(data))

    result = invoke("scan", str(planted), exit_code=1)
    out = result.output + result.stderr
    assert "interaction 0: request.headers.api-key" in out
    assert "interaction 0: response.json.metadata.k" in out
    assert "$.notes" in out  # outside the interactions too
    for secret in SECRETS.values():
        assert secret not in out


def test_files_that_are_not_cassettes_are_scanned_as_text(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "assistants-harness/cassette", "key": "' + SECRETS["openai"])
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00\xff\xfe" + SECRETS["aws"].encode() + b"\x80")
    result = invoke("scan", "--json", str(broken), str(binary), exit_code=1)
    report = json.loads(result.stdout)
    assert {Path(p["file"]).name for p in report["problems"]} == {"broken.json", "blob.json"}
    assert all(s not in result.stdout for s in SECRETS.values())


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    result = invoke("scan", str(tmp_path / "gone.json"), exit_code=2)
    assert len(result.stderr.splitlines()) == 1 and "gone.json" in result.stderr


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "harness-scan")
    assert hook["entry"] == "harness scan"
    assert hook["language"] == "python"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import re,sys; sys.exit(0 if re.search(sys.argv[1], sys.argv[2]) else 1)",
            hook["files"],
            "tests/cassettes/test_x/modify.json",
        ],
        timeout=30,
    )
    assert done.returncode == 0
