"""``harness import``: vcrpy / pytest-recording, go-vcr and HAR archives to harness cassettes.

One reader per source format (:mod:`.vcrpy`, :mod:`.govcr`, :mod:`.har`) behind one seam
(:class:`._source.Reader`); scrubbing, drift, the report and writing are shared
(:mod:`.convert`).
"""

from harness.tools.importers._source import ImportInputError
from harness.tools.importers.convert import READERS, FileReport, destination, import_paths

__all__ = ["READERS", "FileReport", "ImportInputError", "destination", "import_paths"]
