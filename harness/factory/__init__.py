"""Seeded factories of consistent Run and Thread objects: ``RunFactory`` and ``ThreadFactory``.

Every object obeys :mod:`harness.api.rules` (timestamps, usage, required_action, ... follow the
status) and validates as :class:`~harness.api.models.Run` / :class:`~harness.api.models.Thread`.
Output depends only on the seed: each factory owns a private ``random.Random(seed)`` and a
private, seeded ``Faker`` used once, at construction, to fill pools of words and sentences
(calling Faker providers per object would be the bottleneck). ``created_at`` is a fixed epoch
plus a seeded offset, never the wall clock.

Overrides are given by field name. Shorthands expand to full, valid values:
``status="requires_action"``, ``response_format="json_schema"``, ``tool_choice="function"``
(names one of the run's functions), ``tools=["function", "code_interpreter"]``,
``last_error="rate_limit_exceeded"``, ``incomplete_details="max_prompt_tokens"``,
``truncation_strategy="last_messages"``, ``metadata=16`` (16 random pairs),
``thread=<Thread>`` (the run belongs to that thread), and for threads
``tool_resources="code_interpreter" | "file_search" | ["code_interpreter", "file_search"]``.
Other values are used as given; the factory fills in the rest consistently where it can and
raises :class:`FactoryError` (naming the field, the value and what is allowed) when the result
would break the API's rules.
"""

from harness.api.constants import EPOCH_BASE, EPOCH_SPAN, RUN_LIFETIME
from harness.factory.assistants import AssistantFactory
from harness.factory.base import (
    TOOL_CHOICE_KINDS,
    TOOL_KINDS,
    TOOL_RESOURCE_KINDS,
    FactoryError,
)
from harness.factory.messages import MessageFactory
from harness.factory.runs import RunFactory
from harness.factory.sdk import to_sdk
from harness.factory.steps import RunStepFactory
from harness.factory.threads import ThreadFactory
from harness.factory.variants import run_variants, thread_variants, variant_id

__all__ = [
    "EPOCH_BASE",
    "EPOCH_SPAN",
    "RUN_LIFETIME",
    "TOOL_CHOICE_KINDS",
    "TOOL_KINDS",
    "TOOL_RESOURCE_KINDS",
    "AssistantFactory",
    "FactoryError",
    "MessageFactory",
    "RunFactory",
    "RunStepFactory",
    "ThreadFactory",
    "run_variants",
    "thread_variants",
    "to_sdk",
    "variant_id",
]
