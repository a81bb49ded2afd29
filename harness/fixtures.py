"""Public pytest fixtures other than the cassette ones: factories and the emulator.

Kept apart from ``plugin.py`` so that the plugin module stays about options, markers and
cassettes; ``plugin.py`` re-exports everything listed in ``__all__``. Each fixture imports the
heavy module it needs lazily, inside its body.
"""

from __future__ import annotations

__all__: list[str] = []
