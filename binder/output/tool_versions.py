"""The versions of the programs that shape a document (LibreOffice, Graphviz): part of every cache key.

Asking ``soffice --version`` starts LibreOffice: a quarter of a second, a twentieth of a one-SOP
rebuild. So LibreOffice's answer is remembered in the user's cache
(``$XDG_CACHE_HOME/binder/tool-versions.json``), one record per command found on ``PATH``, with the
identity of the program's files: the command, the file it resolves to and the ``soffice.bin`` beside
it, each by device, inode, size and modification time. Installing another version replaces those
files (a package manager writes new ones), so the next build asks again. Only a program laid out so
(a launcher with its ``.bin`` beside it) is remembered: a wrapper script of one's own may start
another LibreOffice tomorrow with no file of its own changed, and ``dot -V`` answers in milliseconds;
those are asked every time. A failed answer is not remembered, and a cache file that cannot be read or
written is ignored: the program is asked, as without one.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path

from binder.files import program_files, write_text

FORMAT = 2
"""Raise when what the file holds changes."""


def tool_version(command: tuple[str, ...]) -> str:
    """What ``command`` (say ``("soffice", "--version")``) prints, or ``absent`` when it cannot run."""
    return _version(command, _user_cache())


def _user_cache() -> Path | None:
    try:
        home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home directory: nothing to keep the answer in
        return None
    return Path(home) / "binder" / "tool-versions.json"


@cache
def _version(command: tuple[str, ...], store: Path | None) -> str:
    identity = program_files(command[0]) if store is not None else None
    if identity is None or store is None:
        return _ask(command) or "absent"
    key = json.dumps([identity[0][0], *command[1:]])
    known = _read(store)
    record = known.get(key)
    if isinstance(record, dict) and record.get("files") == identity and isinstance(record.get("version"), str):
        return record["version"]
    answer = _ask(command)
    if not answer:
        return "absent"
    known[key] = {"files": identity, "version": answer}
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        write_text(store, json.dumps({"format": FORMAT, "versions": known}, indent=1))
    except OSError:  # a read-only or full home: ask again next time
        pass
    return answer


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
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("versions"), dict):
        return {}
    return {
        key: record
        for key, record in data["versions"].items()
        if isinstance(record, dict) and isinstance(record.get("files"), list) and isinstance(record.get("version"), str)
    }
