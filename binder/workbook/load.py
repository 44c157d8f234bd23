"""Read and validate a workbook in one call: the first stage of every command.

Owns the entry points ``check_workbook`` (every problem, and the library when
the file could be read) and ``load_workbook`` (the library, or ``InputError``).
Imports ``binder.model``, ``binder.problems``, ``binder.errors`` and its own package only.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from binder.errors import InputError
from binder.model import Library
from binder.problems import Problem, Problems
from binder.problems import strict as make_strict
from binder.workbook.reader import read_workbook
from binder.workbook.validate import validate


@dataclass(frozen=True)
class Loaded:
    library: Library
    problems: tuple[Problem, ...]

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def check_workbook(
    path: Path, *, today: date | None = None, include_drafts: bool = False, strict: bool = False
) -> tuple[Library | None, tuple[Problem, ...]]:
    """Every problem of the workbook, and the library when the file could be read at all."""
    problems = Problems()
    with _uncollected():
        raw = read_workbook(path, problems)
        library = validate(raw, problems, today=today or date.today(), include_drafts=include_drafts)
    found = make_strict(problems.items) if strict else problems.items
    return library, found


@contextmanager
def _uncollected() -> Iterator[None]:
    """Reading makes tens of thousands of small objects (cells, rows, records) that hold no cycles and live
    until the build ends: the cyclic garbage collector would walk them again and again (a sixth of reading)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_workbook(
    path: Path, *, today: date | None = None, include_drafts: bool = False, strict: bool = False
) -> Loaded:
    """The valid library; raises ``InputError`` with every problem when there is any error."""
    library, found = check_workbook(path, today=today, include_drafts=include_drafts, strict=strict)
    assert library is not None  # check_workbook always returns a library: an unreadable file raises
    if any(p.is_error for p in found):
        raise InputError(found, source=str(path))
    return Loaded(library, found)
