"""The versions of the programs that shape a document (LibreOffice, Graphviz): part of every cache key.

Asking ``soffice --version`` starts LibreOffice: a quarter of a second, a twentieth of a one-SOP
rebuild. The answer is remembered in the user's cache (``$XDG_CACHE_HOME/binder/tool-versions.json``)
under the identity of the program's files: the command as found on ``PATH``, the file it resolves
to and the files beside it that share its name (``soffice.bin``), each by device, inode, size and
modification time. Installing another version replaces those files (a package manager writes new
ones), so the next build asks the program again. A failed answer is not remembered, and a cache file
that cannot be read or written is ignored: the program is asked, as without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from binder.files import write_text

FORMAT = 1
"""Raise when what an entry holds changes."""
KEPT = 16


def tool_version(command: tuple[str, ...]) -> str:
    """What ``command`` (say ``("soffice", "--version")``) prints, or ``absent`` when it cannot run."""
    return _version(command, _user_cache())


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "binder" / "tool-versions.json"


@cache
def _version(command: tuple[str, ...], store: Path) -> str:
    identity = _identity(command)
    if identity is None:
        return _ask(command) or "absent"
    known = _read(store)
    answer = known.get(identity)
    if isinstance(answer, str) and answer:
        return answer
    answer = _ask(command)
    if not answer:
        return "absent"
    known[identity] = answer
    known = dict(list(known.items())[-KEPT:])  # the programs (and versions) of the last few installs
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        write_text(store, json.dumps({"format": FORMAT, "versions": known}, indent=1, sort_keys=True))
    except OSError:  # a read-only or full home: ask again next time
        pass
    return answer


def _identity(command: tuple[str, ...]) -> str | None:
    """The files that make up ``command``'s program, as a key; None when it is not found."""
    found = shutil.which(command[0])
    if found is None:
        return None
    program = Path(found).resolve()
    files = [Path(found), program]
    try:
        files += sorted(p for p in program.parent.iterdir() if p.name.startswith(program.name + "."))
        stats = [(str(f), *_stat(f)) for f in files]
    except OSError:
        return None
    return hashlib.sha256(json.dumps([list(command), stats]).encode()).hexdigest()


def _stat(path: Path) -> tuple[int, int, int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _ask(command: tuple[str, ...]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if result.returncode != 0:
        return ""
    return (result.stdout + result.stderr).strip()


def _read(store: Path) -> dict[str, object]:
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("versions"), dict):
        return {}
    return dict(data["versions"])
