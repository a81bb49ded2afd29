"""Checks a maintainer runs before committing cassettes: do they parse, do the recorded objects
still match the models, is any credential in them.

* :func:`verify_paths` runs all three checks over cassettes; an unreadable cassette is a
  :class:`~harness.cassette.format.CassetteError` (one line, naming the file), not a finding.
* :func:`scan_paths` is the credential check alone, for a pre-commit hook: a file that is not
  a valid cassette is still scanned, as raw text, with the key-shaped patterns.
* :func:`load_cassettes` is how every CLI command reads its input, so a vcrpy YAML cassette or
  an empty file gets the same clear one-line error everywhere.

Reports never hold a secret: findings carry a preview (first characters and a length), and
drift values are scrubbed before they are shown.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.api.drift import PREVIEW_LENGTH, response_drift
from harness.api.errors import ErrorResponse
from harness.cassette.format import (
    CASSETTE_SUFFIX,
    Cassette,
    CassetteError,
    CassetteReader,
    Interaction,
    iter_cassette_files,
)
from harness.cassette.scrub import Scrubber, Secrets

__all__ = [
    "Problem",
    "Report",
    "cassette_paths",
    "interaction_credentials",
    "interaction_drift",
    "load_cassette",
    "load_cassettes",
    "scan_paths",
    "verify_paths",
]

_VCRPY_YAML = re.compile(r"^\s*(?:interactions|version)\s*:", re.MULTILINE)
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- reading input


def cassette_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Every cassette file named or found below the directories named, in order; a directory
    holding no ``*.json`` file is a :class:`CassetteError`."""
    found: list[Path] = []
    for raw in paths:
        below = list(iter_cassette_files([raw]))
        if not below and Path(raw).is_dir():
            raise CassetteError(
                raw, f"no cassette files (*{CASSETTE_SUFFIX}) in this directory; name cassettes"
            )
        found.extend(below)
    return found


def load_cassette(path: str | os.PathLike[str]) -> Cassette:
    """:meth:`Cassette.load`, with clearer messages for an empty file and a vcrpy cassette."""
    file = Path(path)
    try:
        return Cassette.load(file)
    except CassetteError as exc:
        raise _explained(file, exc) from None


def _explained(file: Path, error: CassetteError) -> CassetteError:
    """``error``, or a clearer one for an empty file or a vcrpy cassette."""
    raw = _read_head(file)
    if raw is not None and not raw.strip():
        return CassetteError(file, "empty file; not a cassette (delete it or re-record)")
    if raw is not None and _VCRPY_YAML.search(raw.decode("utf-8", "replace")):
        return CassetteError(
            file,
            "this is a vcrpy YAML cassette, not a harness cassette (JSON); re-record it "
            "with the harness pytest plugin (@pytest.mark.cassette)",
        )
    return error


def _read_head(path: Path) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(4096)
    except OSError:
        return None


def load_cassettes(paths: Iterable[str | os.PathLike[str]]) -> list[Cassette]:
    """Every cassette under ``paths``, in order. Raises :class:`CassetteError` (one line)
    on the first bad file."""
    files = cassette_paths(paths)
    if not files:
        raise CassetteError("<none>", "no cassette named; pass files or directories")
    return [load_cassette(path) for path in files]


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class Problem:
    """One finding: which file, which interaction (None for the file as a whole), which
    field, what kind (``drift`` or ``credential``) and a message holding no secret."""

    file: str
    interaction: int | None
    field: str
    kind: str
    message: str

    def __str__(self) -> str:
        where = (
            self.file
            if self.interaction is None
            else f"{self.file}: interaction {self.interaction}"
        )
        return f"{where}: {self.field}: {self.kind}: {self.message}"


@dataclass
class Report:
    """What a check found across its files."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    @property
    def exit_code(self) -> int:
        """0 clean, 1 problems found (unreadable input never gets this far: exit 2)."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report (``--json``)."""
        return {
            "ok": self.ok,
            "files": self.files,
            "problems": [asdict(p) for p in self.problems],
        }

    def summary(self, noun: str = "problem") -> str:
        """One closing line for humans."""
        bad = len({p.file for p in self.problems})
        plural = "" if len(self.problems) == 1 else "s"
        files = f"{len(self.files)} file{'' if len(self.files) == 1 else 's'}"
        if self.ok:
            return f"no {noun}s in {files}"
        return f"{len(self.problems)} {noun}{plural} in {bad} of {files}"


# --------------------------------------------------------------------------- credentials


def interaction_credentials(
    interaction: Interaction, scrubber: Scrubber | None = None, secrets: Secrets | None = None
) -> list[tuple[str, str]]:
    """``(field, description)`` for every place the scrubber would change in one interaction
    (``secrets``: what earlier interactions of the same cassette taught)."""
    scrubber = scrubber or Scrubber()
    return [(f.where, f"{f.kind} ({f.preview})") for f in scrubber.findings(interaction, secrets)]


def _raw_credentials(scrubber: Scrubber, path: Path) -> list[tuple[str, str]]:
    """``(field, description)`` for what the scrubber would change in a file's raw text, by
    line (read in chunks; bytes that are not UTF-8 one character each, so a key between
    binary bytes is still found)."""
    found = []
    encoding = "utf-8" if _is_utf8(path) else "latin-1"
    for number, line in enumerate(_lines(path, encoding), start=1):
        for finding in scrubber.find_in_text(line, f"line {number}"):
            found.append((finding.where, f"{finding.kind} ({finding.preview})"))
    return found


def _chunks(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
    except OSError as exc:
        raise CassetteError(path, f"cannot read: {exc.strerror}; check the path") from None


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _chunks(path):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _lines(path: Path, encoding: str) -> Iterator[str]:
    """``text.splitlines()`` of the file's text, a chunk at a time: the last piece of each
    chunk waits for the next (it may be cut, or be the ``\r`` of a ``\r\n``)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    rest = ""
    for chunk in _chunks(path):
        pieces = (rest + decoder.decode(chunk)).splitlines(keepends=True)
        rest = pieces.pop() if pieces else ""
        for piece in pieces:
            yield piece.splitlines()[0]
    rest += decoder.decode(b"", final=True)
    yield from rest.splitlines()


def _credential_problems(path: Path, scrubber: Scrubber) -> list[Problem]:
    """What ``scan`` finds in one file: per interaction of a cassette (read one at a time),
    and in the document's other members; a file that is not a cassette as raw text."""
    reader = CassetteReader(path)
    problems: list[Problem] = []
    secrets = Secrets()
    try:
        for number, interaction in reader:
            if number == 0:
                problems, secrets = [], Secrets()
            for where, description in interaction_credentials(interaction, scrubber, secrets):
                problems.append(Problem(str(path), number, where, "credential", description))
    except CassetteError:
        return [
            Problem(str(path), None, where, "credential", description)
            for where, description in _raw_credentials(scrubber, path)
        ]
    # Whatever else the document holds (notes, comments a tool added).
    for finding in scrubber.find_in_json(reader.top, "$"):
        description = f"{finding.kind} ({finding.preview})"
        problems.append(Problem(str(path), None, finding.where, "credential", description))
    return problems


def scan_paths(paths: Iterable[str | os.PathLike[str]], scrubber: Scrubber | None = None) -> Report:
    """The credential check alone, over cassettes and any other file named (as raw text).
    A missing path is a :class:`CassetteError`."""
    scrubber = scrubber or Scrubber()
    report = Report()
    for raw in paths:
        path = Path(raw)
        files = cassette_paths([path]) if path.is_dir() else list(iter_cassette_files([path]))
        for file in files:
            report.files.append(str(file))
            report.problems.extend(_credential_problems(file, scrubber))
    return report


# --------------------------------------------------------------------------- drift


def _shown(value: object, scrubber: Scrubber) -> str:
    text = scrubber.scrub_text(repr(scrubber.scrub_json(value)))
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 3] + "..."


def interaction_drift(
    interaction: Interaction, scrubber: Scrubber | None = None
) -> list[tuple[str, str]]:
    """``(field, description)`` for each way a recorded object or error departs from the models."""
    scrubber = scrubber or Scrubber()
    request, response = interaction.request, interaction.response
    drifts = response_drift(
        request.method,
        request.path,
        response.status,
        response.json,
        has_json=response.has_json,
        events=response.events,
    )
    found = [(d.path, d.describe(lambda value: _shown(value, scrubber))) for d in drifts]
    if found:
        return found
    if (
        response.status >= 400
        and response.has_json
        and _is_api_path(request.path)
        and not _is_envelope(response.json)
    ):
        found.append(
            (
                "response.json",
                'not the API error envelope {"error": {message, type, param, code}}',
            )
        )
    return found


def _is_api_path(path: str) -> bool:
    return "/threads" in path


def _is_envelope(body: object) -> bool:
    try:
        ErrorResponse.model_validate(body)
    except ValueError:
        return False
    return True


def verify_paths(
    paths: Iterable[str | os.PathLike[str]], scrubber: Scrubber | None = None
) -> Report:
    """Parse every cassette, check recorded objects against the models and look for
    credentials. An unreadable cassette raises :class:`CassetteError`."""
    scrubber = scrubber or Scrubber()
    report = Report()
    files = cassette_paths(paths)
    if not files:
        raise CassetteError("<none>", "no cassette named; pass files or directories")
    for path in files:
        report.files.append(str(path))
        report.problems.extend(_verified(path, scrubber))
    return report


def _verified(path: Path, scrubber: Scrubber) -> list[Problem]:
    """Drift, then credentials, of one cassette, read one interaction at a time."""
    reader = CassetteReader(path)
    drifts: list[Problem] = []
    credentials: list[Problem] = []
    secrets = Secrets()
    try:
        for number, interaction in reader:
            if number == 0:
                drifts, credentials, secrets = [], [], Secrets()
            for where, description in interaction_drift(interaction, scrubber):
                drifts.append(Problem(str(path), number, where, "drift", description))
            for where, description in interaction_credentials(interaction, scrubber, secrets):
                credentials.append(Problem(str(path), number, where, "credential", description))
    except CassetteError as exc:
        raise _explained(path, exc) from None
    for finding in scrubber.find_in_json(reader.top, "$"):
        description = f"{finding.kind} ({finding.preview})"
        credentials.append(Problem(str(path), None, finding.where, "credential", description))
    return drifts + credentials
