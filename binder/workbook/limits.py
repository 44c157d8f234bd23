"""Documented limits on what binder reads. Past them: a clear error, never a crash.

Also home of ``refused``, the one way this package turns a problem with a whole
file into a ``FileProblem`` carrying a problem code. Imports only
``binder.errors`` and ``binder.problems``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from binder.errors import FileProblem
from binder.problems import File, Problem

MAX_WORKBOOK_BYTES = 50_000_000
MAX_ROWS = 50_000
"""Data rows per sheet."""
MAX_CELL_CHARS = 32_767
"""Excel's own limit for one cell."""
MAX_PARTS = 10_000
"""Parts (files) inside the workbook's zip archive; real workbooks hold a few dozen."""
MAX_UNCOMPRESSED_TOTAL = 500_000_000
MAX_UNCOMPRESSED_PART = 200_000_000
MAX_COMPRESSION_RATIO = 200
"""Real workbooks compress about 5-20 times (a sheet of identical rows up to about 60); zip bombs by thousands."""
RATIO_CHECKED_FROM = 1_000_000
"""Parts (and archives) that unpack to less than this are too small to be a bomb, whatever their ratio."""
MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGE_PIXELS = 40_000_000
MAX_TEMPLATE_BYTES = 50_000_000


def refused(path: Path | str, message: str, hint: str = "", *, code: str) -> FileProblem:
    """A ``FileProblem`` about the whole file ``path`` whose problem carries ``code``."""
    problem = FileProblem(str(path), message, hint)
    problem.problems = (Problem.error(File(str(path)), message, hint, code=code),)
    return problem


def size_text(size: int) -> str:
    """``220 MB``, ``3.1 MB``, ``12,345 bytes``: a size for a message."""
    if size >= 10_000_000:
        return f"{size / 1_000_000:,.0f} MB"
    if size >= 100_000:
        return f"{size / 1_000_000:,.1f} MB"
    return f"{size:,} bytes"


def check_zip(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed.

    The sizes checked are the ones the archive declares. That is enough: Python's
    ``zipfile`` never unpacks more than a part's declared size (a part that
    unpacks to more fails its checksum), so a lying directory cannot get past.
    """
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise _bomb(path, f"holds {len(infos):,} parts (limit {MAX_PARTS:,})")
    total = compressed = 0
    for info in infos:
        total += info.file_size
        compressed += info.compress_size
        if info.file_size > MAX_UNCOMPRESSED_PART:
            raise _bomb(
                path,
                f"part {info.filename} would unpack to {size_text(info.file_size)} "
                f"(limit {size_text(MAX_UNCOMPRESSED_PART)})",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise _bomb(path, f"part {info.filename} is compressed {ratio:,.0f} times (limit {MAX_COMPRESSION_RATIO})")
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise _bomb(
            path,
            f"would unpack to {size_text(total)} (limit {size_text(MAX_UNCOMPRESSED_TOTAL)})",
            "split the workbook or remove embedded pictures",
        )
    ratio = total / max(compressed, 1)
    if total > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
        # many small parts, each under the per-part threshold, that add up to a bomb
        raise _bomb(path, f"is compressed {ratio:,.0f} times overall (limit {MAX_COMPRESSION_RATIO})")


def _bomb(path: Path, what: str, hint: str = "save the workbook again from Excel or Calc") -> FileProblem:
    return refused(path, f"{what}: refused as a possible zip bomb", hint, code="zip-bomb")
