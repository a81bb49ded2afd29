"""harness verify: planted drift and credentials are reported by file, interaction and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cassette.format import Cassette
from harness.tools.verify import verify_paths
from tests.helpers import invoke

SECRET_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
SECRET_BEARER = "Bearer " + "zyXW9876vuTS5432rqPO"


@pytest.fixture
def synthesized(synthesized_tree: Callable[[int], Path]) -> Path:
    return synthesized_tree(3)


def _copy(source: Path, target: Path) -> Cassette:
    target.write_bytes(source.read_bytes())
    return Cassette.load(target)


def test_synthesized_cassettes_are_clean(synthesized: Path) -> None:
    result = invoke("verify", str(synthesized))
    count = len(list(synthesized.rglob("*.json")))
    assert count > 70
    assert f"no problems in {count} files" in result.output


def test_drift_is_reported_by_file_interaction_field(synthesized: Path, tmp_path: Path) -> None:
    cassette = _copy(synthesized / "modify-run" / "failed-text.json", tmp_path / "run.json")
    body = cassette.interactions[0].response.json
    body["created_at"] = "yesterday"
    cassette.save()
    other = _copy(synthesized / "modify-run" / "queued-text.json", tmp_path / "other.json")
    other.interactions[0].response.json["brand_new_field"] = {"x": 1}
    other.save()
    thread = _copy(synthesized / "modify-thread" / "empty-body.json", tmp_path / "thread.json")
    thread.interactions[0].response.json["object"] = "thread.run"
    thread.save()

    report = verify_paths([tmp_path])
    found = {(Path(p.file).name, p.interaction, p.field, p.kind) for p in report.problems}
    assert ("run.json", 0, "response.json.created_at", "drift") in found
    assert ("thread.json", 0, "response.json.object", "drift") in found
    unknown = [p for p in report.problems if p.field == "response.json.brand_new_field"]
    assert len(unknown) == 1 and "unknown field" in unknown[0].message
    assert Path(unknown[0].file).name == "other.json"
    assert report.exit_code == 1


def test_credentials_are_reported_without_the_secret(synthesized: Path, tmp_path: Path) -> None:
    cassette = _copy(synthesized / "modify-run" / "completed-auto.json", tmp_path / "leak.json")
    interaction = cassette.interactions[0]
    interaction.request.headers["authorization"] = SECRET_BEARER
    interaction.request.json["metadata"]["note"] = f"key is {SECRET_KEY}"
    cassette.save()

    result = invoke("verify", str(tmp_path), exit_code=1)
    assert "interaction 0: request.headers.authorization: credential" in result.output
    assert "request.json.metadata.note: credential" in result.output
    assert SECRET_KEY not in result.output + result.stderr
    assert SECRET_BEARER.split()[1] not in result.output + result.stderr


def test_json_report_parses(synthesized: Path, tmp_path: Path) -> None:
    cassette = _copy(synthesized / "modify-run" / "queued-auto.json", tmp_path / "q.json")
    cassette.interactions[0].response.json["status"] = "paused"
    cassette.interactions[0].response.headers["set-cookie"] = "session=abcdef0123456789"
    cassette.save()
    result = invoke("verify", "--json", str(tmp_path), exit_code=1)
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["files"] == [str(tmp_path / "q.json")]
    kinds = {(p["field"], p["kind"]) for p in report["problems"]}
    assert ("response.json.status", "drift") in kinds
    assert ("response.headers.set-cookie", "credential") in kinds
    assert all(p["interaction"] == 0 for p in report["problems"])
    assert "abcdef0123456789" not in result.stdout


def test_drift_values_are_scrubbed_before_shown(synthesized: Path, tmp_path: Path) -> None:
    cassette = _copy(synthesized / "modify-run" / "expired-auto.json", tmp_path / "e.json")
    cassette.interactions[0].response.json["leaked_token"] = SECRET_KEY
    cassette.save()
    result = invoke("verify", str(tmp_path), exit_code=1)
    assert "leaked_token" in result.output
    assert SECRET_KEY not in result.output


def test_error_responses_must_be_the_envelope(synthesized: Path, tmp_path: Path) -> None:
    source = synthesized / "errors" / "modify-thread-unknown-thread.json"
    cassette = _copy(source, tmp_path / "err.json")
    cassette.interactions[0].response.json = {"detail": "not found"}
    cassette.save()
    report = verify_paths([tmp_path / "err.json"])
    assert [(p.field, p.kind) for p in report.problems] == [("response.json", "drift")]
