"""Documented limits on what binder reads. Past them: a clear error, never a crash."""
from __future__ import annotations

import zipfile
from pathlib import Path

from binder.errors import FileProblem

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
        raise FileProblem(str(path), f"holds {len(infos):,} parts (limit {MAX_PARTS:,}): refused as a possible zip bomb",
                          "save the workbook again from Excel or Calc")
    total = compressed = 0
    for info in infos:
        total += info.file_size
        compressed += info.compress_size
        if info.file_size > MAX_UNCOMPRESSED_PART:
            raise FileProblem(str(path), f"part {info.filename} would unpack to {size_text(info.file_size)} "
                              f"(limit {size_text(MAX_UNCOMPRESSED_PART)}): refused as a possible zip bomb",
                              "save the workbook again from Excel or Calc")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise FileProblem(str(path), f"part {info.filename} is compressed {ratio:,.0f} times "
                              f"(limit {MAX_COMPRESSION_RATIO}): refused as a possible zip bomb",
                              "save the workbook again from Excel or Calc")
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise FileProblem(str(path), f"would unpack to {size_text(total)} "
                          f"(limit {size_text(MAX_UNCOMPRESSED_TOTAL)}): refused as a possible zip bomb",
                          "split the workbook or remove embedded pictures")
    ratio = total / max(compressed, 1)
    if total > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
        # many small parts, each under the per-part threshold, that add up to a bomb
        raise FileProblem(str(path), f"is compressed {ratio:,.0f} times overall "
                          f"(limit {MAX_COMPRESSION_RATIO}): refused as a possible zip bomb",
                          "save the workbook again from Excel or Calc")
