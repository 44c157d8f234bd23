"""Which file events are saves of something a build reads, and when a burst of them is over.

Pure logic with the clock passed in, so it is tested without a file system watcher.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_TEMPORARY = re.compile(
    r"""^(~\$                # Excel and Word's lock file beside an open document: ~$book.xlsx
        |\.~lock\..*\#$      # LibreOffice's: .~lock.book.xlsx#
        |\.\#                # Emacs' lock link
        |\#.*\#$             # Emacs' autosave
        |.*~$                # backup copies: book.xlsx~
        |.*\.(tmp|temp|swp|swx|part|crdownload)$   # editors' and browsers' files written before a rename
        )""",
    re.IGNORECASE | re.VERBOSE,
)
ZIPPED = {".xlsx", ".xlsm", ".docx"}
"""Files read as zip archives: one that does not open yet is still being written."""


def is_temporary(path: Path) -> bool:
    """A lock, backup or half-saved file that editors make beside the real one: never a save."""
    return bool(_TEMPORARY.match(path.name))


def saves(changed: Iterable[str | Path], watched: frozenset[Path]) -> frozenset[Path]:
    """The watched files among ``changed`` paths (events of a folder watcher, absolute paths).

    An editor that saves by writing a temporary file and renaming it over the old one reports
    the temporary name and then the real one (added or modified): only the real one counts."""
    found = set()
    for raw in changed:
        path = Path(raw)
        if path in watched and not is_temporary(path):
            found.add(path)
    return frozenset(found)


def folders(watched: frozenset[Path]) -> frozenset[Path]:
    """The folders to watch: each watched file's own, not the file, whose inode a save by rename replaces."""
    return frozenset(p.parent for p in watched)


@dataclass
class Debouncer:
    """Gathers the saves of a burst (Excel writes, renames and touches its file several times per save)
    into one rebuild: due once nothing was saved for ``quiet`` seconds, or ``longest`` after the first."""

    quiet: float = 0.3
    longest: float = 2.0
    _paths: set[Path] = field(default_factory=set)
    _first: float | None = None
    _last: float | None = None

    def add(self, paths: Iterable[Path], now: float) -> None:
        paths = set(paths)
        if not paths:
            return
        self._paths |= paths
        self._first = now if self._first is None else self._first
        self._last = now

    def due(self, now: float) -> bool:
        if self._first is None or self._last is None:
            return False
        return now - self._last >= self.quiet or now - self._first >= self.longest

    def wait(self, now: float) -> float | None:
        """Seconds until the gathered saves are due; None when there are none."""
        if self._first is None or self._last is None:
            return None
        return max(0.0, min(self._last + self.quiet, self._first + self.longest) - now)

    def take(self) -> frozenset[Path]:
        """The gathered saves; the debouncer starts afresh."""
        paths = frozenset(self._paths)
        self._paths, self._first, self._last = set(), None, None
        return paths


def whole(path: Path) -> bool:
    """``path`` exists and, if it is a zip archive (workbook, template), its directory reads: the save is over."""
    if not path.is_file():
        return False
    if path.suffix.lower() not in ZIPPED:
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return bool(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
