"""Helpers around the factories: variant lists for parametrize, readable ids, SDK types."""

from __future__ import annotations

from harness.api.models import (
    Run,
    Thread,
)
from harness.factory.base import (
    TOOL_RESOURCE_KINDS,
)
from harness.factory.runs import RunFactory
from harness.factory.threads import ThreadFactory


def run_variants(seed: int = 0) -> list[Run]:
    """``RunFactory(seed).variants()`` as a list, for ``pytest.mark.parametrize``."""
    return list(RunFactory(seed).variants())


def thread_variants(seed: int = 0) -> list[Thread]:
    """``ThreadFactory(seed).variants()`` as a list, for ``pytest.mark.parametrize``."""
    return list(ThreadFactory(seed).variants())


def variant_id(obj: Run | Thread) -> str:
    """A readable test id: ``completed-json_schema`` for a run, ``code_interpreter-meta16``
    for a thread (unique within one ``variants()`` sequence)."""
    if isinstance(obj, Run):
        fmt = obj.response_format
        kind = fmt if isinstance(fmt, str) or fmt is None else fmt.type
        return f"{obj.status}-{kind}"
    if obj.tool_resources is None:
        resources = "no_resources"
    else:
        kinds = [k for k in TOOL_RESOURCE_KINDS if getattr(obj.tool_resources, k) is not None]
        resources = "+".join(kinds) or "empty_resources"
    return f"{resources}-meta{len(obj.metadata or {})}"
