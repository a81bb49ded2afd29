"""The import pipeline: find source files, read each with its format's reader, scrub, check
drift, and write harness cassettes atomically (all files parsed before any is written).

The destination keeps pytest-recording's layout meaningful: ``<tests>/cassettes/<module>/
<test>.yaml`` (the cassettes of ``<tests>/<module>.py``) becomes ``OUT/<module key>/<test>.json``,
the path the plugin looks up for the same test: the module's path relative to the rootdir (the
current directory: run the import from it), as :func:`harness.plugin.naming.module_key` keys
it. Other files keep their path relative to the source directory named, with ``.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harness.api.drift import response_drift
from harness.cassette.format import CASSETTE_FORMAT, Cassette, Interaction, atomic_write_text
from harness.cassette.scrub import PLACEHOLDER_PREFIX, Scrubber, Secrets, clean_interaction
from harness.plugin.naming import module_key, safe_name
from harness.tools.importers import govcr, har, vcrpy
from harness.tools.importers._documents import SUFFIXES, read_document
from harness.tools.importers._source import FormatProblem, ImportInputError, Raw, Reader, Skip

__all__ = ["READERS", "FileReport", "destination", "import_paths"]

READERS: tuple[Reader, ...] = (har.READER, govcr.READER, vcrpy.READER)
"""Tried in order; the first whose ``claims`` accepts the document reads it."""

_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"([^>]+)>")

Status = Literal["written", "unchanged", "would write", "not imported"]


@dataclass
class FileReport:
    """What importing one file did. Credentials are counted by kind, never shown."""

    source: Path
    destination: Path | None
    format: str
    status: Status = "would write"
    kept: int = 0
    skipped: list[Skip] = field(default_factory=list)
    credentials: Counter[str] = field(default_factory=Counter)
    drift: list[str] = field(default_factory=list)
    note: str = ""
    text: str = field(default="", repr=False)

    def lines(self) -> list[str]:
        """The report: one headline, then skipped interactions, credentials and drift."""
        if self.destination is None:
            return [f"{self.status:<12} {self.source}: {self.note}"]
        head = (
            f"{self.status:<12} {self.source} -> {self.destination} ({self.format}): "
            f"{self.kept} kept, {len(self.skipped)} skipped"
        )
        lines = [head]
        lines += [f"    skipped interaction {s.number}: {s.reason}" for s in self.skipped]
        if self.credentials:
            kinds = ", ".join(f"{k} x{n}" for k, n in sorted(self.credentials.items()))
            lines.append(f"    credentials removed: {kinds}")
        lines += [f"    drift: {d}" for d in self.drift]
        return lines

    def to_dict(self) -> dict[str, object]:
        """The report as data (``--json``)."""
        return {
            "source": str(self.source),
            "destination": str(self.destination) if self.destination else None,
            "format": self.format,
            "status": self.status,
            "kept": self.kept,
            "skipped": [{"interaction": s.number, "reason": s.reason} for s in self.skipped],
            "credentials_removed": dict(sorted(self.credentials.items())),
            "drift": self.drift,
            "note": self.note,
        }


def _source_files(sources: Iterable[str | Path]) -> Iterator[tuple[Path, Path | None]]:
    """Each file named (with no root) and every importable file below each directory named
    (with that directory as its root), sorted; hidden files and directories are left out."""
    for raw in sources:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path).parts
                if (
                    file.is_file()
                    and file.suffix.lower() in SUFFIXES
                    and not any(p.startswith(".") for p in relative)
                ):
                    yield file, path
        elif path.is_file():
            yield path, None
        else:
            raise ImportInputError(f"{path}: no such file or directory; check the path")


def destination(file: Path, root: Path | None, out: Path, rootdir: Path | None = None) -> Path:
    """Where the harness cassette for ``file`` goes under ``out`` (see the module docstring).
    ``rootdir`` (default: the current directory) is the pytest rootdir the plugin keys
    module paths on."""
    name = f"{safe_name(file.stem)}.json"
    parent = file.resolve().parent
    if parent.parent.name == "cassettes":  # pytest-recording: <tests>/cassettes/<module>/
        module = parent.parent.parent / f"{parent.name}.py"
        return out / module_key(module, (rootdir or Path.cwd()).resolve()) / name
    relative = file.parent.relative_to(root) if root is not None else Path()
    return out / relative / name


def _placeholders(interaction: Interaction) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(json.dumps(interaction.to_dict(), ensure_ascii=False)))


def _reader_for(file: Path, document: object) -> Reader:
    for reader in READERS:
        if reader.claims(document):
            return reader
    raise ImportInputError(
        f"{file}: not a vcrpy, pytest-recording, go-vcr or HAR file (no 'interactions' list "
        "of request/response pairs, no 'log.entries'); check the file"
    )


def convert_file(file: Path, dest: Path, scrubber: Scrubber) -> FileReport:
    """Read and convert one file (nothing written); bad input raises ImportInputError."""
    document = read_document(file)
    if isinstance(document, dict) and document.get("format") == CASSETTE_FORMAT:
        return FileReport(file, None, "harness", "not imported", note="already a harness cassette")
    reader = _reader_for(file, document)
    report = FileReport(file, dest, reader.name)
    interactions: list[Interaction] = []
    secrets = Secrets()  # a value learned in one interaction is removed from the later ones
    try:
        for entry in reader.entries(document):
            if isinstance(entry, Skip):
                report.skipped.append(entry)
                continue
            assert isinstance(entry, Raw)
            cleaned = clean_interaction(entry.interaction, scrubber, secrets)
            report.credentials += _placeholders(cleaned) - _placeholders(entry.interaction)
            number = len(interactions)
            request, response = cleaned.request, cleaned.response
            report.drift += [
                f"interaction {number}: {d} ({request.method} {request.path})"
                for d in response_drift(
                    request.method,
                    request.path,
                    response.status,
                    response.json,
                    has_json=response.has_json,
                )
            ]
            interactions.append(cleaned)
    except FormatProblem as exc:
        where = exc.position.lstrip(".") or "top level"
        raise ImportInputError(
            f"{file}: {where}: {exc.problem}; is this really a {reader.name} file?"
        ) from None
    report.kept = len(interactions)
    report.text = Cassette(interactions=interactions).dumps()
    return report


def import_paths(
    sources: Iterable[str | Path],
    out: str | Path,
    *,
    dry_run: bool = False,
    scrubber: Scrubber | None = None,
) -> list[FileReport]:
    """Convert every source file to a harness cassette under ``out``. Every file is read and
    converted before anything is written, so bad input (:class:`ImportInputError`) writes
    nothing; each file is then written atomically, and only if its bytes change."""
    out_dir = Path(out)
    scrubber = scrubber or Scrubber()
    reports: list[FileReport] = []
    claimed: dict[Path, Path] = {}
    for file, root in _source_files(sources):
        dest = destination(file, root, out_dir)
        report = convert_file(file, dest, scrubber)
        if report.destination is not None:
            key = dest.resolve()
            if key == file.resolve():
                raise ImportInputError(f"{file}: would be overwritten by its import; choose -o DIR")
            if key in claimed:
                raise ImportInputError(
                    f"{file}: imports to {dest}, as {claimed[key]} does; import them into "
                    "different -o directories"
                )
            claimed[key] = file
        reports.append(report)
    for report in reports:
        if report.destination is None:
            continue
        current = report.destination.read_text("utf-8") if report.destination.is_file() else None
        if current == report.text:
            report.status = "unchanged"
        elif not dry_run:
            atomic_write_text(report.destination, report.text)
            report.status = "written"
    return reports
