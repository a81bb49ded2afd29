"""Built objects share one fields set per model class and shape (``SharedFieldsSet``); nothing a
user or pydantic does to one object may reach another through it."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ConfigDict

from harness import Run, RunFactory
from harness.api.models import FileSearchTool, SharedFieldsSet, share_fields_sets


def _pair(**overrides: Any) -> tuple[Run, Run]:
    """Two built runs whose fields sets are one shared object."""
    first, second = RunFactory(3).batch(2, **overrides)
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    assert type(first.__pydantic_fields_set__) is SharedFieldsSet
    return first, second


def test_built_objects_share_sets_and_still_dump_what_was_set() -> None:
    factory = RunFactory(8)
    runs = [factory.build(), *factory.batch(50), factory.build(status="failed")]
    for run in runs:
        assert type(run.__pydantic_fields_set__) is SharedFieldsSet
        for tool in run.tools:
            assert type(tool.__pydantic_fields_set__) is SharedFieldsSet
    assert len({id(run.__pydantic_fields_set__) for run in runs}) == 1
    # exclude_unset still sees each object's own fields: tool_resources was never set
    assert all("tool_resources" not in run.to_dict() for run in runs)


def test_batch_equals_as_many_builds_from_the_same_seed() -> None:
    factory = RunFactory(5)
    assert [r.to_dict() for r in RunFactory(5).batch(40)] == [
        factory.build().to_dict() for _ in range(40)
    ]


def test_assigning_a_field_on_one_run_does_not_set_it_on_another() -> None:
    first, second = _pair()
    first.tool_resources = None
    assert "tool_resources" in first.to_dict()
    assert "tool_resources" not in second.to_dict()
    assert "tool_resources" not in second.model_fields_set
    assert type(first.__pydantic_fields_set__) is set


def test_new_extra_attribute_on_a_nested_model_stays_on_it() -> None:
    factory = RunFactory(1)
    tools = [
        t for r in factory.batch(200, tools=["file_search"], status="completed") for t in r.tools
    ]
    bare = [t for t in tools if isinstance(t, FileSearchTool) and t.file_search is None]
    first, second = bare[:2]
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    first.file_search = None  # a field that was unset
    first.vendor_flag = True  # an unknown field (extra="allow")
    assert first.to_dict() == {"type": "file_search", "file_search": None, "vendor_flag": True}
    assert second.to_dict() == {"type": "file_search"}


def test_model_fields_set_hands_out_a_private_set() -> None:
    first, second = _pair()
    first.model_fields_set.add("tool_resources")
    assert "tool_resources" in first.to_dict()
    assert "tool_resources" not in second.to_dict()


_MUTATIONS: dict[str, Callable[[set[str]], object]] = {
    "add": lambda s: s.add("tool_resources"),
    "discard": lambda s: s.discard("id"),
    "remove": lambda s: s.remove("id"),
    "pop": lambda s: s.pop(),
    "clear": lambda s: s.clear(),
    "update": lambda s: s.update({"tool_resources"}),
    "difference_update": lambda s: s.difference_update({"id"}),
    "intersection_update": lambda s: s.intersection_update({"id"}),
    "symmetric_difference_update": lambda s: s.symmetric_difference_update({"id"}),
    "|=": lambda s: s.__ior__({"tool_resources"}),
    "&=": lambda s: s.__iand__({"id"}),
    "-=": lambda s: s.__isub__({"id"}),
    "^=": lambda s: s.__ixor__({"id"}),
}


@pytest.mark.parametrize("mutation", sorted(_MUTATIONS))
def test_the_shared_set_itself_cannot_change(mutation: str) -> None:
    first, second = _pair()
    shared = first.__pydantic_fields_set__
    before = set(shared)
    with pytest.raises(TypeError, match="read-only"):
        _MUTATIONS[mutation](shared)
    assert shared == before
    assert second.to_dict().keys() == first.to_dict().keys()


@pytest.mark.parametrize(
    "duplicate",
    [
        lambda run: run.model_copy(),
        lambda run: run.model_copy(deep=True),
        copy.copy,
        copy.deepcopy,
        lambda run: pickle.loads(pickle.dumps(run)),
    ],
    ids=["model_copy", "model_copy_deep", "copy", "deepcopy", "pickle"],
)
def test_copies_get_private_sets(duplicate: Callable[[Run], Run]) -> None:
    first, second = _pair()
    clone = duplicate(first)
    assert type(clone.__pydantic_fields_set__) is set
    assert clone == first and clone.to_dict() == first.to_dict()
    clone.model_fields_set.add("tool_resources")
    clone.tool_resources = None
    assert "tool_resources" not in first.to_dict()
    assert "tool_resources" not in second.to_dict()


def test_model_copy_with_update_sets_only_the_copy() -> None:
    first, second = _pair()
    clone = first.model_copy(update={"tool_resources": None})
    assert "tool_resources" in clone.to_dict()
    assert "tool_resources" not in first.to_dict()
    assert "tool_resources" not in second.to_dict()


class _AssignValidated(Run):
    model_config = ConfigDict(validate_assignment=True)


def test_models_validating_assignment_keep_their_own_sets() -> None:
    # pydantic-core adds to the set from Rust there, past SharedFieldsSet's guards
    data = RunFactory(2).build_dict()
    first, second = _AssignValidated.model_validate(data), _AssignValidated.model_validate(data)
    share_fields_sets(first)
    share_fields_sets(second)
    assert type(first.__pydantic_fields_set__) is set
    assert first.__pydantic_fields_set__ is not second.__pydantic_fields_set__
    first.tool_resources = None
    assert "tool_resources" not in second.to_dict()


def test_only_equal_sets_are_shared() -> None:
    # same class and size, different fields: each keeps its own
    one = FileSearchTool.model_validate({"type": "file_search"})
    other = FileSearchTool.model_validate({"kind": "x"} | {"type": "file_search"})
    also = FileSearchTool.model_validate({"type": "file_search", "file_search": None})
    for model in (one, other, also):
        share_fields_sets(model)
    assert other.__pydantic_fields_set__ == {"type", "kind"}
    assert also.__pydantic_fields_set__ == {"type", "file_search"}
    assert one.__pydantic_fields_set__ == {"type"}
    assert other.to_dict() == {"type": "file_search", "kind": "x"}
