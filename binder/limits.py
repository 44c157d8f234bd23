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
MAX_UNCOMPRESSED_TOTAL = 500_000_000
MAX_UNCOMPRESSED_PART = 200_000_000
MAX_COMPRESSION_RATIO = 200
"""Real workbooks compress about 5-20 times; zip bombs by thousands."""
MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGE_PIXELS = 40_000_000


def check_zip(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > MAX_UNCOMPRESSED_PART:
            raise FileProblem(str(path), f"part {info.filename} would unpack to {info.file_size // 1_000_000} MB "
                              f"(limit {MAX_UNCOMPRESSED_PART // 1_000_000} MB): refused as a possible zip bomb")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO:
            raise FileProblem(str(path), f"part {info.filename} is compressed {ratio:.0f} times "
                              f"(limit {MAX_COMPRESSION_RATIO}): refused as a possible zip bomb")
    if total > MAX_UNCOMPRESSED_TOTAL:
        raise FileProblem(str(path), f"would unpack to {total // 1_000_000} MB "
                          f"(limit {MAX_UNCOMPRESSED_TOTAL // 1_000_000} MB): refused as a possible zip bomb")
