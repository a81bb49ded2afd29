"""Lists as the API pages them: creation order per parent, cursors ``after``/``before``.

An :class:`Index` keeps the ids of one list (a thread's messages, a run's steps, ...) in
creation order with each id's position, so a page costs O(limit) whatever the list's size:
the cursor is found in O(1) and the walk stops after ``limit + 1`` live ids. Deleted ids leave
a hole that walks skip (and that compaction removes once holes outnumber live ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from harness.emulator.errors import EmulatorError

JSON = dict[str, Any]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class PageQuery:
    """``limit`` (1..100, default 20), ``order`` (default desc), ``after``, ``before``."""

    limit: int = DEFAULT_LIMIT
    order: str = "desc"
    after: str | None = None
    before: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, list[str]], *, lenient: bool = False) -> PageQuery:
        """From a parsed query string; the API's 400 for a bad value (``lenient`` clamps
        ``limit`` into range, for suites that send ``limit=0``)."""
        raw_limit = _last(query, "limit")
        limit = DEFAULT_LIMIT
        if raw_limit is not None:
            try:
                limit = int(raw_limit)
            except ValueError:
                raise EmulatorError(
                    400,
                    f"Invalid 'limit': expected an integer, but got '{raw_limit}' instead.",
                    param="limit",
                    code="invalid_type",
                ) from None
            if lenient:
                limit = min(max(limit, 1), MAX_LIMIT)
            elif limit < 1:
                raise EmulatorError(
                    400,
                    "Invalid 'limit': integer below minimum value. Expected a value >= 1, "
                    f"but got {limit} instead.",
                    param="limit",
                    code="integer_below_min_value",
                )
            elif limit > MAX_LIMIT:
                raise EmulatorError(
                    400,
                    f"Invalid 'limit': integer above maximum value. Expected a value <= "
                    f"{MAX_LIMIT}, but got {limit} instead.",
                    param="limit",
                    code="integer_above_max_value",
                )
        order = _last(query, "order") or "desc"
        if order not in ORDERS:
            raise EmulatorError(
                400,
                f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                param="order",
                code="invalid_value",
            )
        return cls(limit, order, _last(query, "after") or None, _last(query, "before") or None)


def parse_query(raw: bytes) -> dict[str, list[str]]:
    return parse_qs(raw.decode("latin-1"), keep_blank_values=True)


def _last(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


class Index:
    """The ids of one list in creation order, each with its position."""

    __slots__ = ("_holes", "_ids", "_pos")

    def __init__(self) -> None:
        self._ids: list[str | None] = []
        self._pos: dict[str, int] = {}
        self._holes = 0

    def __len__(self) -> int:
        return len(self._pos)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._pos

    def add(self, object_id: str) -> None:
        self._pos[object_id] = len(self._ids)
        self._ids.append(object_id)

    def remove(self, object_id: str) -> None:
        position = self._pos.pop(object_id, None)
        if position is None:
            return
        self._ids[position] = None
        self._holes += 1
        if self._holes > len(self._pos):
            self._ids = [i for i in self._ids if i is not None]
            self._pos = {i: n for n, i in enumerate(self._ids) if i is not None}
            self._holes = 0

    def ids(self) -> list[str]:
        """Every live id, oldest first."""
        return [i for i in self._ids if i is not None]

    def newest(self) -> str | None:
        for object_id in reversed(self._ids):
            if object_id is not None:
                return object_id
        return None

    def page(self, query: PageQuery, *, lenient: bool = False) -> tuple[list[str], bool]:
        """The ids of one page in the query's order, and whether more follow it."""
        step = 1 if query.order == "asc" else -1
        start = 0 if step == 1 else len(self._ids) - 1
        stop = len(self._ids) if step == 1 else -1
        if query.after is not None:
            start = self._cursor("after", query.after, lenient, default=start - step) + step
        if query.before is not None:
            stop = self._cursor("before", query.before, lenient, default=stop)
        walk_from, direction = start, step
        if query.before is not None and query.after is None:
            # the page just before the cursor: walk back from it, then restore the order
            walk_from, direction, stop = stop - step, -step, start - step
        found: list[str] = []
        position = walk_from
        while position != stop and 0 <= position < len(self._ids):
            object_id = self._ids[position]
            if object_id is not None:
                if len(found) == query.limit:
                    break
                found.append(object_id)
            position += direction
        more = False
        while position != stop and 0 <= position < len(self._ids):
            if self._ids[position] is not None:
                more = True
                break
            position += direction
        if direction != step:
            found.reverse()
        return found, more

    def _cursor(self, name: str, object_id: str, lenient: bool, *, default: int) -> int:
        position = self._pos.get(object_id)
        if position is not None:
            return position
        if lenient:
            return default
        raise EmulatorError(
            400,
            f"Invalid '{name}': '{object_id}'. Expected the id of an object in this list.",
            param=name,
            code="invalid_value",
        )


def list_page(objects: list[JSON], more: bool) -> JSON:
    """``{"object": "list", "data", "first_id", "last_id", "has_more"}``."""
    return {
        "object": "list",
        "data": objects,
        "first_id": objects[0]["id"] if objects else None,
        "last_id": objects[-1]["id"] if objects else None,
        "has_more": more,
    }
