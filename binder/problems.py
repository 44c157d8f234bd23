"""Problems found in the input: collected, never raised one by one; printed compiler-style.

A problem has a typed location (a workbook cell, a whole sheet or column, or a file), a stable
kebab-case ``code`` like a linter's rule name (docs/workbook.md lists them all), a severity, a
message and a hint saying what to do. ``--ignore CODE`` and ``--strict`` work on codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Cell:
    """A place in the workbook: a cell (``Steps!D14``), or a whole sheet when ``row`` is 0 and ``column`` ""."""

    sheet: str
    row: int = 0
    column: str = ""

    def __str__(self) -> str:
        return (
            f"{self.sheet}!{self.column}{self.row}"
            if self.row
            else (f"{self.sheet}!{self.column}" if self.column else self.sheet)
        )


@dataclass(frozen=True)
class File:
    """A whole file: a workbook that cannot be read, a template, a PDF, a key."""

    path: str

    def __str__(self) -> str:
        return self.path


Location = Cell | File | None
_CELL = re.compile(r"^(?P<sheet>[^!]+)!(?P<column>[A-Z]{0,3})(?P<row>[0-9]*)$")


def location(where: str | Cell | File | None) -> Location:
    """``Sheet!C7`` → ``Cell``, any other text → ``File``, "" → None."""
    if where is None or isinstance(where, (Cell, File)):
        return where
    if not where:
        return None
    match = _CELL.match(where)
    if match:
        return Cell(match["sheet"], int(match["row"] or 0), match["column"])
    return File(where)


@dataclass(frozen=True)
class Problem:
    """One problem at one place."""

    location: Location
    code: str
    """Stable kebab-case name, e.g. ``missing-column``; ``--ignore`` takes it."""
    severity: str
    message: str
    hint: str = ""
    sop_id: str = ""
    """The SOP the problem is about, when there is one: Settings ``Ignore`` can silence a code for one SOP."""

    @classmethod
    def error(cls, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = "") -> Problem:
        return cls(location(where), code, ERROR, message, hint, sop_id)

    @classmethod
    def warning(
        cls, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = ""
    ) -> Problem:
        return cls(location(where), code, WARNING, message, hint, sop_id)

    @property
    def where(self) -> str:
        """The location as text: ``Sheet!C7``, a file path, or ""."""
        return "" if self.location is None else str(self.location)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_error(self) -> Problem:
        return replace(self, severity=ERROR)

    def format(self, source: str = "") -> str:
        """``inputs/x.xlsx:Steps!I25: error: message. Hint [code]``."""
        place = f"{source}:{self.where}" if source and isinstance(self.location, Cell) else (self.where or source)
        text = f"{place}: {self.severity}: {self.message}"
        text = f"{text}. {self.hint[:1].upper()}{self.hint[1:]}" if self.hint else text
        return f"{text} [{self.code}]" if self.code else text

    def as_dict(self, source: str) -> dict:
        """The JSON form: code, severity, message, hint and the structured location."""
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "where": self.where,
            "file": loc.path if isinstance(loc, File) else source,
            "sheet": loc.sheet if isinstance(loc, Cell) else "",
            "row": loc.row if isinstance(loc, Cell) and loc.row else None,
            "column": loc.column if isinstance(loc, Cell) else "",
            "cell": f"{loc.column}{loc.row}" if isinstance(loc, Cell) and loc.row else "",
            "sop_id": self.sop_id,
        }


class Reporter(Protocol):
    """Where problems are reported: ``Problems``, or a wrapper that passes them on (e.g. tagged with an SOP)."""

    def error(
        self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = ""
    ) -> None: ...

    def warning(
        self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = ""
    ) -> None: ...


class Problems:
    """A collector that stages append to; keeps the order problems were found in."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def error(self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = "") -> None:
        self._items.append(Problem.error(where, message, hint, code=code, sop_id=sop_id))

    def warning(self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = "") -> None:
        self._items.append(Problem.warning(where, message, hint, code=code, sop_id=sop_id))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._items.extend(problems)

    @property
    def items(self) -> tuple[Problem, ...]:
        return tuple(self._items)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self._items)

    def __len__(self) -> int:
        return len(self._items)


def strict(problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """``--strict``: every warning becomes an error."""
    return tuple(p.as_error() for p in problems)


def drop_ignored(
    problems: tuple[Problem, ...], codes: Iterable[str], per_sop: Iterable[tuple[str, str]] = ()
) -> tuple[Problem, ...]:
    """Drop warnings whose code is in ``codes``, or whose (SOP ID, code) is in ``per_sop``.

    Errors are never dropped: an error means the output would be wrong."""
    codes, per_sop = set(codes), set(per_sop)
    return tuple(p for p in problems if p.is_error or (p.code not in codes and (p.sop_id, p.code) not in per_sop))


def select(
    problems: tuple[Problem, ...],
    *,
    ignore: Iterable[str] = (),
    per_sop: Iterable[tuple[str, str]] = (),
    strict: bool = False,
    style: Iterable[str] = (),
    strict_style: bool = False,
) -> tuple[Problem, ...]:
    """The problems to report: ``--ignore`` codes dropped, then under ``--strict`` every warning an error.

    Warnings whose code is in ``style`` (how an SOP is written, not whether it is right) are not
    made errors by ``strict`` but by ``strict_style``."""
    kept, style = drop_ignored(problems, ignore, per_sop), frozenset(style)
    return tuple(p.as_error() if (strict_style if p.code in style else strict) else p for p in kept)


def to_json(problems: tuple[Problem, ...], source: str) -> str:
    """The same problems as JSON, for other tools."""
    errors = sum(1 for p in problems if p.is_error)
    return json.dumps(
        {
            "file": source,
            "errors": errors,
            "warnings": len(problems) - errors,
            "problems": [p.as_dict(source) for p in problems],
        },
        indent=2,
        ensure_ascii=False,
    )
