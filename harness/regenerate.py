"""Re-send every recorded request to a backend and rewrite the cassettes with what it answers."""

from __future__ import annotations

__all__ = ["RegenerateError"]


class RegenerateError(Exception):
    """Bad input to regenerate (one line, fit for the CLI)."""
