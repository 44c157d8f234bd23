"""The writing checks' warnings of each SOP, kept in ``OUT/.cache/writing.json`` for the next build.

A one-SOP rebuild then checks one SOP, not all of them; the words the English checks looked up in
lemminflect are kept too, so that one SOP seldom loads its dictionary (most of a second). An entry is keyed
by everything the checks read (``sop_writing``): the SOP record itself (every field and the cells it came
from, but its revisions, approvals and references), the workbook's language, the readability threshold,
the shared definitions, the departments, and the checks' own code. The file is sealed with the build key
like the document cache: a damaged, edited or planted file is ignored, never trusted, and the checks run
afresh. It is written into the build's staging folder and committed with the rest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from binder.files import write_text
from binder.model import Library, Sop
from binder.output import seal
from binder.output.cache import CACHE
from binder.output.codehash import code_fingerprint
from binder.problems import Cell, File, Problem

FILE = "writing.json"
FORMAT = "1"
LEXICON_LIMIT = 100_000
"""Words kept for ``english.seed`` at most."""
UNREAD = ("revisions", "approvals", "references")
"""The parts of an SOP the writing checks never read (``tests/output/test_writing_cache.py`` checks that they
do not): left out of the key, so a row added to Revisions does not move every later SOP's key with its cells."""
CODE = ("binder.workbook.writing", "binder.problems", "binder.model")
"""What shapes a writing warning."""

_MEMO: dict[str, tuple[Problem, ...]] = {}
"""Warnings by key, found or read in this process: what the build then records (a pure function's memo)."""
_MEMO_LIMIT = 20_000


def _common(library: Library, threshold: int) -> bytes:
    shared = sorted(d.term for d in library.shared_definitions)
    return repr((FORMAT, library.settings.language, threshold, shared, library.departments)).encode()


def keys(library: Library, threshold: int) -> dict[str, str]:
    """SOP ID → the key of its writing warnings."""
    base = hashlib.sha256(_common(library, threshold) + b"\0" + code_fingerprint(CODE).encode())
    found = {}
    for sop in library.sops:
        digest = base.copy()
        digest.update(_read_part(sop))
        found[sop.sop_id] = digest.hexdigest()
    return found


@lru_cache(maxsize=4096)
def _read_part(sop: Sop) -> bytes:
    """The hash of what the checks read of ``sop``; kept by the SOP's value, as its fingerprint is: a build asks
    twice (checking, then recording), and the build host asks before the next build (``binder.host.reread``)."""
    unread: dict[str, Any] = dict.fromkeys(UNREAD, ())
    return hashlib.sha256(repr(replace(sop, **unread)).encode()).digest()


def check_writing(library: Library, threshold: int, out: Path | None) -> tuple[Problem, ...]:
    """Every SOP's writing warnings, in order: those of an unchanged SOP from ``out``'s record (None: none)."""
    from binder.workbook.writing import english
    from binder.workbook.writing.checks import sop_writing

    recorded, words = _read(out / CACHE / FILE) if out is not None else ({}, {})
    english.seed(words)
    if len(_MEMO) > _MEMO_LIMIT:
        _MEMO.clear()
    problems: list[Problem] = []
    for sop_id, key in keys(library, threshold).items():
        if key not in _MEMO:
            known = recorded.get(key)
            _MEMO[key] = known if known is not None else sop_writing(library.sop(sop_id), library, threshold)
        problems.extend(_MEMO[key])
    return tuple(problems)


def record(library: Library, root: Path) -> None:
    """Write the warnings this process found for ``library``'s SOPs into staging ``root`` (none: no file)."""
    from binder.workbook.writing import english

    found = keys(library, library.settings.readability_threshold)
    entries = {key: [_encode(p) for p in _MEMO[key]] for key in found.values() if key in _MEMO}
    words = english.lexicon()
    if entries:
        (root / CACHE).mkdir(parents=True, exist_ok=True)
        document = {"format": _format(), "entries": entries, "words": words if len(words) <= LEXICON_LIMIT else {}}
        write_text(root / CACHE / FILE, json.dumps(seal.seal(document), sort_keys=True))


def _format() -> str:
    """The file's layout and the dictionary's version (a new lemminflect may class a word otherwise)."""
    return f"{FORMAT}:{metadata.version('lemminflect')}"


Lexicon = dict[str, dict[str, tuple[str, ...]]]


def _read(path: Path) -> tuple[dict[str, tuple[Problem, ...]], Lexicon]:
    """The recorded warnings by key, and the recorded words; nothing from a file that is not sealed as ours."""
    try:
        if path.is_symlink():
            return {}, {}
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not seal.is_sealed(data) or data.get("format") != _format():
            return {}, {}
        entries = {key: tuple(_decode(p) for p in items) for key, items in data["entries"].items()}
        words = {word: {k: tuple(map(str, v)) for k, v in found.items()} for word, found in data["words"].items()}
        return entries, words
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


def _encode(problem: Problem) -> dict:
    where = problem.location
    place = (
        {"cell": [where.sheet, where.row, where.column]}
        if isinstance(where, Cell)
        else ({"file": where.path} if isinstance(where, File) else {})
    )
    return {**place, "code": problem.code, "severity": problem.severity, "message": problem.message,
            "hint": problem.hint, "sop_id": problem.sop_id}  # fmt: skip


def _decode(item: dict) -> Problem:
    cell, file = item.get("cell"), item.get("file")
    where = Cell(str(cell[0]), int(cell[1]), str(cell[2])) if cell else (File(str(file)) if file else None)
    return Problem(
        where, str(item["code"]), str(item["severity"]), str(item["message"]), str(item["hint"]), str(item["sop_id"])
    )
