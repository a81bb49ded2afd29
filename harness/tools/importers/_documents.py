"""Reading a source file into a document: JSON (``.json``, ``.har``) or YAML (``.yaml``, ``.yml``).

YAML is read with a *safe* loader that also builds the few Python tags vcrpy cassettes hold
(``!!python/unicode``, ``!!python/tuple``, ``BytesIO`` bodies, and the pre-1.0 layout's
``!!python/object:vcr.request.Request`` and ``frozenset`` headers) as plain data: no tag can run
code. Errors are one line naming the file and the line/column.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import yaml

from harness.tools.importers._source import ImportInputError

__all__ = ["SUFFIXES", "read_document"]

SUFFIXES = (".yaml", ".yml", ".json", ".har")

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """A safe loader that knows vcrpy's benign tags."""


def _scalar(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


def _tuple(loader: Any, node: Any) -> Any:
    return tuple(loader.construct_sequence(node, deep=True))


def _mapping(loader: Any, suffix: str, node: Any) -> Any:
    return loader.construct_mapping(node, deep=True)


def _frozenset(loader: Any, suffix: str, node: Any) -> Any:
    args = loader.construct_sequence(node, deep=True)
    return [tuple(pair) for pair in (args[0] if args else [])]


def _bytesio(loader: Any, node: Any) -> Any:
    state = loader.construct_mapping(node, deep=True).get("state") or (b"",)
    data = state[0] if state else b""
    return io.BytesIO(data.encode() if isinstance(data, str) else (data or b""))


_Loader.add_constructor("tag:yaml.org,2002:python/str", _scalar)
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", _scalar)
_Loader.add_constructor("tag:yaml.org,2002:python/tuple", _tuple)
_Loader.add_constructor("tag:yaml.org,2002:python/object/new:_io.BytesIO", _bytesio)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/object:vcr.", _mapping)
for _module in ("__builtin__", "builtins"):
    _Loader.add_multi_constructor(
        f"tag:yaml.org,2002:python/object/apply:{_module}.frozenset", _frozenset
    )


def read_document(path: Path) -> object:
    """The parsed file; :class:`ImportInputError` names the file and the position."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportInputError(f"{path}: cannot read: {exc.strerror}; check the path") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportInputError(
            f"{path}: byte {exc.start}: not UTF-8 text; is this a cassette or HAR file?"
        ) from None
    if path.suffix.lower() in (".json", ".har"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportInputError(
                f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}; "
                "fix the file or export it again"
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = " ".join(str(exc.problem or exc.context or "invalid").split())
        raise ImportInputError(
            f"{where}: not valid YAML: {problem}; fix the file or record it again"
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise ImportInputError(f"{path}: not valid YAML: {message}") from None
