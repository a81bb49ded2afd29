"""AssistantFactory, MessageFactory and RunStepFactory: seeded, spec-valid, consistent with
their run, convertible to the SDK's types, and reachable from ``harness generate``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.api.messages import CONTENT_KINDS, MESSAGE_STATUSES
from harness.api.steps import STEP_STATUSES, STEP_TYPES
from harness.cli import main
from harness.factory import (
    AssistantFactory,
    FactoryError,
    MessageFactory,
    RunFactory,
    RunStepFactory,
    to_sdk,
)
from tests.spec import spec_errors

SCHEMAS = {
    AssistantFactory: "AssistantObject",
    MessageFactory: "MessageObject",
    RunStepFactory: "RunStepObject",
}


@pytest.mark.parametrize("factory", list(SCHEMAS), ids=lambda f: f.__name__)
def test_variants_are_spec_valid_seeded_and_sdk_typed(factory: type) -> None:
    made = [obj.to_dict() for obj in factory(7).variants()]
    assert made == [obj.to_dict() for obj in factory(7).variants()]
    assert made != [obj.to_dict() for obj in factory(8).variants()]
    for obj in made:
        assert spec_errors(SCHEMAS[factory], obj, full=True) == [], obj
    assert to_sdk(factory(7).build()).id == factory(7).build().id


def test_variants_cover_every_kind_and_status() -> None:
    messages = list(MessageFactory(1).variants())
    assert {m.status for m in messages} == set(MESSAGE_STATUSES)
    assert {c.type for m in messages for c in m.content} == set(CONTENT_KINDS)
    annotations = {
        a.type for m in messages for c in m.content if c.type == "text" for a in c.text.annotations
    }
    assert annotations == {"file_citation", "file_path"}
    steps = list(RunStepFactory(1).variants())
    assert {(s.type, s.status) for s in steps} == {
        (t, s) for t in STEP_TYPES for s in STEP_STATUSES
    }
    kinds = {
        c["type"] for s in steps if s.type == "tool_calls" for c in s.step_details["tool_calls"]
    }
    assert kinds == {"code_interpreter", "file_search", "function"}


def test_messages_and_steps_follow_their_run() -> None:
    run = RunFactory(3).build(status="completed")
    message = MessageFactory(3).build(run=run, text="Hi there")
    assert (message.thread_id, message.run_id, message.assistant_id, message.role) == (
        run.thread_id,
        run.id,
        run.assistant_id,
        "assistant",
    )
    assert message.content[0].text.value == "Hi there"
    step = RunStepFactory(3).build(run=run, type="message_creation", message_id=message.id)
    assert (step.run_id, step.thread_id) == (run.id, run.thread_id)
    assert step.step_details["message_creation"]["message_id"] == message.id
    failed = RunStepFactory(3).build(status="failed")
    assert failed.last_error is not None and failed.failed_at is not None
    assert failed.completed_at is None
    with pytest.raises(FactoryError, match="not a message status"):
        MessageFactory().build(status="done")


@pytest.mark.parametrize("kind", ["assistant", "message", "step"])
def test_cli_generates_the_new_kinds(kind: str) -> None:
    result = CliRunner().invoke(main, ["generate", kind, "-n", "2", "--seed", "5"])
    assert result.exit_code == 0, result.output
    objects = json.loads(result.output)
    assert len(objects) == 2 and objects[0]["id"] != objects[1]["id"]
    wrong = CliRunner().invoke(main, ["generate", kind, "--status", "bogus"])
    assert wrong.exit_code == 2
