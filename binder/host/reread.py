"""The host reads again the workbook its last build read (``binder.workbook.recall``): a build's fork starts
with the rows of the host's process, so the next build makes anew only the rows the author changed since.

A build tells its host the workbook it read, as it ends (``handoff.tell_read``); the host reads and checks it
once no build runs, between builds, and keeps nothing of it but the rows, its SOPs' fingerprints and the keys of
their writing checks (kept by their values: every build asks for every SOP's). Files over ``LARGEST`` bytes are
not read: the host answers no build while it reads (about a second per megabyte). A file that cannot be read
leaves the recall as it was; what went wrong goes to the host's log, not to any build.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

LARGEST = 1_000_000
"""Bytes of the largest workbook read again (about 1,400 SOPs)."""


def told(message: dict[str, Any]) -> Path | None:
    """The workbook a ``recall`` request names: an absolute path, or None."""
    path = message.get("path")
    return Path(path) if isinstance(path, str) and path.startswith("/") and "\x00" not in path else None


def reread(path: Path) -> None:
    """Read ``path`` into this process's recall (its rows stay for the forks), fingerprint its SOPs and key their
    writing checks: a build asks for each SOP's fingerprint (change control) and writing key (the checks' record),
    both kept by the SOP's value (``binder.output.fingerprint``, ``binder.output.writing_cache``)."""
    from binder.output import writing_cache
    from binder.output.fingerprint import fingerprint
    from binder.workbook.load import check_workbook

    try:
        if path.is_file() and path.stat().st_size <= LARGEST:
            library, _ = check_workbook(path)
            for sop in library.sops if library is not None else ():
                fingerprint(sop)
            if library is not None:
                writing_cache.keys(library, library.settings.readability_threshold)
    except Exception as error:  # noqa: BLE001 - any file at all: the builds read it for themselves anyway
        print(f"could not read a workbook again ({type(error).__name__})", file=sys.stderr, flush=True)
    gc.freeze()  # no fork's collector walks the rows
