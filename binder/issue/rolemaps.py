"""Role and class maps of tagged PDFs merged (``/RoleMap``, ``/ClassMap``): the structure type a role stands for,
a name two parts map differently renamed in the later one. Used by ``tagging``; imports pikepdf only."""

from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf


def standard(role: Any, roles: Any) -> str:
    """The structure type ``role`` maps to through ``roles`` (a ``/RoleMap``)."""
    name = str(role)
    for _ in range(16):
        mapped = roles.get(name)
        if mapped is None or str(mapped) == name:
            break
        name = str(mapped)
    return name


def _foreign(pdf: Pdf, value: Any) -> Any:
    """``value`` from another PDF, as an object of ``pdf``."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_foreign(pdf, v) for v in value])
    if isinstance(value, Dictionary):
        return Dictionary({k: _foreign(pdf, v) for k, v in value.items()})
    return value


def merge_map(target: Any, source: Any, pdf: Pdf) -> dict[str, str]:
    """Add ``source``'s entries to ``target`` (a ``/RoleMap`` or ``/ClassMap``); returns the keys renamed."""
    renamed: dict[str, str] = {}
    for key, value in (source or Dictionary()).items():
        copied = _foreign(pdf, value)
        if key not in target:
            target[key] = copied
            continue
        if _text(target[key]) == _text(copied):
            continue
        number = 2
        while f"{key} {number}" in target:
            number += 1
        renamed[key] = f"{key} {number}"
        target[renamed[key]] = copied
    return renamed


def _text(value: Any) -> bytes:
    return value.unparse(resolved=True) if isinstance(value, pikepdf.Object) else repr(value).encode()


def renamed_classes(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, Array):
        return Array([renamed_classes(v, renamed) for v in value])
    if isinstance(value, Name):
        return Name(renamed.get(str(value), str(value)))
    return value
