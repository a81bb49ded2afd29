"""Conversion of harness models to the official SDK's types (needs the ``openai`` package)."""

from __future__ import annotations

import importlib
from typing import Any

from harness.api.models import ResponseModel

_SDK_TYPES: dict[str, tuple[str, str]] = {
    "Run": ("openai.types.beta.threads", "Run"),
    "Thread": ("openai.types.beta", "Thread"),
    "Assistant": ("openai.types.beta", "Assistant"),
    "Message": ("openai.types.beta.threads", "Message"),
    "RunStep": ("openai.types.beta.threads.runs", "RunStep"),
}
"""harness model name -> (SDK module, SDK class)."""


def to_sdk(obj: ResponseModel) -> Any:
    """The official SDK's type for ``obj`` (``openai.types.beta.threads.Run`` for a Run,
    ``openai.types.beta.Thread``, ``Assistant``, ``threads.Message``, ``threads.runs.RunStep``);
    needs the ``openai`` package."""
    module_name, class_name = _SDK_TYPES[type(obj).__name__]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            "to_sdk needs the official SDK: pip install openai (it is not a runtime dependency)"
        ) from exc
    return getattr(module, class_name).model_validate(obj.to_dict())
