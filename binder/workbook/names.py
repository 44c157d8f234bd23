"""Names from the workbook that become file names: SOP IDs, department codes and training pack names.

This module owns the rules for such names (what cannot be a file name on
Windows, macOS or Linux) and the one mapping from a pack name to its file name
(``pack_file_stem``), which the issue stage imports from here so that the
validator and the files written always agree. It imports nothing of binder.
"""

from __future__ import annotations

import re

MAX_NAME_CHARS = 64
"""Longer IDs, codes and pack names are refused: file names and paths stay short everywhere."""
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOT_SLUG = re.compile(r"[^A-Za-z0-9]+")


def pack_file_stem(name: str) -> str:
    """The file name of a training pack, without suffix: lower case, letters, digits and dashes ("pack" if none)."""
    text = _NOT_SLUG.sub("-", name.strip().lower()).strip("-")
    return text or "pack"


def unsafe_name(name: str) -> str:
    """Why ``name`` cannot be (part of) a file name, or "" when it can."""
    if name in (".", ".."):
        return f'"{name}" means a folder'
    if "/" in name or "\\" in name:
        return "it holds a path separator (/ or \\)"
    if _CONTROL.search(name):
        return "it holds a line break or another control character"
    if len(name) > MAX_NAME_CHARS:
        return f"it is {len(name)} characters long; at most {MAX_NAME_CHARS} are allowed"
    reserved = reserved_word(name)
    if reserved:
        return f"{reserved} is a reserved device name on Windows"
    return ""


def unsafe_pack_name(name: str) -> str:
    """Why ``name`` cannot name a pack's files, or "": a pack's file name is its ``pack_file_stem``, so
    slashes and dots are fine ("Sales / Marketing" → sales-marketing.pdf); length and control characters
    are not, nor a stem that is a reserved device name."""
    if _CONTROL.search(name):
        return "it holds a line break or another control character"
    if len(name) > MAX_NAME_CHARS:
        return f"it is {len(name)} characters long; at most {MAX_NAME_CHARS} are allowed"
    if not _NOT_SLUG.sub("", name):
        return "it has no letter or digit to make a file name of"
    stem = pack_file_stem(name)
    return f"its file name {stem}.pdf is reserved on Windows" if reserved_word(stem) else ""


def reserved_word(name: str) -> str:
    """``CON``, ``NUL``, ``COM1`` ... when ``name`` is a Windows device name (with any extension), else ""."""
    stem = name.split(".", 1)[0].strip().rstrip(" ")
    return stem.upper() if stem.casefold() in _RESERVED else ""


def shown(name: str, limit: int = 40) -> str:
    """``name`` for a message: control characters made visible, shortened."""
    text = _CONTROL.sub(lambda m: {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(m[0], f"\\x{ord(m[0]):02x}"), name)
    return text if len(text) <= limit else text[:limit] + "…"
