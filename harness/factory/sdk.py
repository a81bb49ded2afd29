"""Conversion of harness models to the official SDK's types (needs the ``openai`` package)."""

from __future__ import annotations

from typing import Any

from harness.api.models import Run, Thread


def to_sdk(obj: Run | Thread) -> Any:
    """The official SDK's type for ``obj`` (``openai.types.beta.threads.Run`` or
    ``openai.types.beta.Thread``); needs the ``openai`` package."""
    try:
        if isinstance(obj, Run):
            from openai.types.beta.threads import Run as SdkRun

            return SdkRun.model_validate(obj.to_dict())
        from openai.types.beta import Thread as SdkThread

        return SdkThread.model_validate(obj.to_dict())
    except ImportError as exc:
        raise ImportError(
            "to_sdk needs the official SDK: pip install openai (it is not a runtime dependency)"
        ) from exc
