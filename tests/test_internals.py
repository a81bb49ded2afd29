"""The private internals of vcrpy and uvicorn the harness relies on are still there.

``pyproject.toml`` bounds both from above for this reason; when a new release is allowed in,
these tests say exactly what changed instead of letting recording or ``harness emulate`` break
in some user's test run.
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import uvicorn
import vcr.patch
import vcr.stubs

from harness.plugin._vcr import SUPPORTED_LIBRARIES, Patches, _Slot
from harness.server.serve import _Server

# Called by the stubs only after can_play_response_for said no in a write-protected mode,
# which the harness answers by raising CassetteMissError first.
_UNREACHED = {"find_requests_with_most_matches"}


@pytest.mark.skipif(
    int(version("vcrpy").split(".")[0]) < 9, reason="vcrpy 8.x (Python 3.10) patches everything"
)
def test_vcrpy_still_knows_the_patcher_names_the_slot_uses() -> None:
    names = getattr(vcr.patch, "PATCHER_NAMES", None)
    assert names is not None, "vcr.patch.PATCHER_NAMES is gone: _Slot.skip_patchers needs it"
    assert set(SUPPORTED_LIBRARIES) <= set(names), (
        f"vcrpy no longer patches {sorted(set(SUPPORTED_LIBRARIES) - set(names))}"
    )
    source = inspect.getsource(vcr.patch.CassettePatcherBuilder)
    assert '"skip_patchers"' in source, "CassettePatcherBuilder no longer reads skip_patchers"


def test_every_cassette_attribute_the_stubs_use_is_on_the_slot() -> None:
    stubs = Path(vcr.stubs.__file__).parent
    used: set[str] = set()
    for path in [*stubs.glob("*.py"), Path(vcr.patch.__file__)]:
        used |= set(re.findall(r"cassette\.([a-z_]+)", path.read_text()))
    missing = sorted(used - _UNREACHED - set(dir(_Slot)))
    assert missing == [], f"vcrpy's stubs now ask the cassette for {missing}; add them to _Slot"


def test_the_patchers_are_plain_attribute_swaps_or_context_managers() -> None:
    patches = Patches()
    swaps = patches._build()
    assert swaps, "CassettePatcherBuilder built no patchers for httpx2/httpx/requests"
    for target, attribute, _replacement in swaps:
        assert hasattr(target, attribute), f"{target!r} has no attribute {attribute!r} any more"
    for context in patches._contexts:
        assert hasattr(context, "__enter__") and hasattr(context, "__exit__"), context


def test_uvicorn_still_calls_the_overridden_hooks() -> None:
    serve_source = inspect.getsource(uvicorn.Server.serve)
    assert "self.capture_signals()" in serve_source, (
        "uvicorn.Server.serve no longer enters capture_signals(): harness.server.serve._Server "
        "overrides it to stop cleanly on SIGINT/SIGTERM"
    )
    for name in ("capture_signals", "startup", "started", "should_exit", "force_exit"):
        assert hasattr(uvicorn.Server(uvicorn.Config(app=None)), name), f"uvicorn.Server.{name}"
    assert inspect.signature(_Server.startup).parameters.keys() == (
        inspect.signature(uvicorn.Server.startup).parameters.keys()
    )
