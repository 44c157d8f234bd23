"""Read the workbook file into plain rows, each value with its cell.

This module owns the shape of what is read (``RawCell``, ``RawRow``,
``RawWorkbook``), finding the contract's sheets (``binder.workbook.schema``),
turning each row into the contract's cells, and cleaning text; header rows are
matched by ``binder.workbook.header``. It knows the contract's sheet and column names, not
its rules. The file itself is checked and opened by ``binder.workbook.container``
and each sheet is parsed by ``binder.workbook.sheets``. Everything wrong in a
sheet is a ``Problem`` with a code, collected; a file that cannot be read at
all raises a ``FileProblem``. It imports openpyxl's cell helpers,
``binder.problems``, ``binder.errors``, ``binder.text`` and its own package only.

A sheet that is missing, lacks a required column or holds too many rows is
named in ``RawWorkbook.incomplete``: the validator then reports nothing as
"missing" because of it (one error, no follow-on errors).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, range_boundaries

from binder.problems import Problems
from binder.text import LINE_BREAKS, clean
from binder.workbook import limits
from binder.workbook.container import (
    check_container,
    damaged,
    open_book,
    read_bytes,
    unreadable,
)
from binder.workbook.header import match_header
from binder.workbook.recall import RECALL, Key, Recalled
from binder.workbook.schema import SHEETS, SHEETS_BY_KEY, Sheet
from binder.workbook.sheets import Damaged, SheetCell, SheetStream

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # what open_book's read-only workbook holds

# Excel stores characters XML cannot hold as _xHHHH_; openpyxl hands them over escaped.
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_RANGE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}:[A-Z]{1,3}[1-9][0-9]{0,6}$")
IGNORED_SHEETS = {"instructions"}
_MERGES_MARKED = 100
"""Merged ranges whose covered cells are marked; past that many, each is still reported."""


@dataclass(frozen=True)
class RawCell:
    """One cell as read: ``value`` is str, int, float, bool, date or None."""

    value: object
    coord: str
    """``Steps!D14``."""
    covered: bool = False
    """Blank because a merged range covers it (reported once, as the merged range)."""

    @property
    def blank(self) -> bool:
        return self.value is None or self.value == ""


@dataclass(frozen=True)
class RawRow:
    sheet: str
    row: int
    cells: tuple[tuple[str, RawCell], ...]
    """(field, cell) for every column of the contract present in the sheet."""

    def get(self, field: str) -> RawCell:
        cell = self._by_field.get(field)
        return cell if cell is not None else RawCell(None, f"{self.sheet}!A{self.row}")

    def has(self, field: str) -> bool:
        """True when the sheet has the column of ``field``."""
        return field in self._by_field

    @cached_property
    def _by_field(self) -> dict[str, RawCell]:
        # validation asks a row for its fields ~17 times: a scan of the tuple each time was a tenth of reading
        return dict(self.cells)

    columns: tuple[tuple[str, str], ...] = ()
    """(field, column letter) pairs, for ``model.Origin``: the sheet's, the same for each of its rows."""


@dataclass(frozen=True)
class RawWorkbook:
    path: Path
    sha256: str
    sheets: tuple[tuple[str, tuple[RawRow, ...]], ...]
    """Canonical sheet name → its non-blank rows, for the sheets present."""
    present: frozenset[str]
    incomplete: frozenset[str] = frozenset()
    """Canonical names of the contract's sheets that are missing, lack a required column or were not read."""

    def rows(self, sheet_name: str) -> tuple[RawRow, ...]:
        return dict(self.sheets).get(sheet_name, ())


def read_workbook(path: Path, problems: Problems) -> RawWorkbook:
    """Read ``path``; cell-level problems go to ``problems``, an unreadable file raises."""
    data = read_bytes(path)
    check_container(path, data)
    book = open_book(path, data)
    try:
        with RECALL.reading(path):
            sheets, present, incomplete = _read_sheets(path, book, problems)
    finally:
        book.close()
    return RawWorkbook(path, hashlib.sha256(data).hexdigest(), tuple(sheets), frozenset(present), frozenset(incomplete))


def _read_sheets(path: Path, book, problems: Problems) -> tuple[list, set[str], set[str]]:
    """The contract's sheets read: (name, rows) of each, and the names of those present and incomplete."""
    sheets: list[tuple[str, tuple[RawRow, ...]]] = []
    present: set[str] = set()
    incomplete: set[str] = set()
    by_key: dict[str, ReadOnlyWorksheet] = {}
    for ws in book.worksheets:
        key = ws.title.strip().casefold()
        if key in by_key:
            first = by_key[key].title
            problems.error(
                f"{ws.title}!A1",
                f'sheet "{ws.title}" has the same name as sheet "{first}" and is not read',
                "rename or delete one of them",
                code="duplicate-sheet",
            )
            continue
        by_key[key] = ws
        if key not in SHEETS_BY_KEY and key not in IGNORED_SHEETS:
            problems.warning(
                f"{ws.title}!A1",
                f'sheet "{ws.title}" is not part of the workbook contract and is ignored',
                code="unknown-sheet",
            )
    for spec in SHEETS:
        ws = by_key.get(spec.name.casefold())
        if ws is None:
            if not spec.optional:
                problems.error(
                    "",
                    f'sheet "{spec.name}" is missing',
                    "add it with its header row (binder init writes a blank workbook to copy from)",
                    code="missing-sheet",
                )
                incomplete.add(spec.name)
            continue
        present.add(spec.name)
        rows, complete = _read_sheet(path, ws, spec, problems)
        sheets.append((spec.name, rows))
        if not complete:
            incomplete.add(spec.name)
    return sheets, present, incomplete


# ---------------------------------------------------------------- one sheet


def _read_sheet(path: Path, ws, spec: Sheet, problems: Problems) -> tuple[tuple[RawRow, ...], bool]:
    """The sheet's non-blank rows, and whether every required column was there and every row read."""
    stream = SheetStream(ws)
    found = Problems()  # the rows' problems, reported after the header's and the merged cells'
    rows: list[RawRow] = []
    columns: dict[int, str] | None = None
    order: tuple[tuple[int, str, str], ...] | None = None
    named: tuple[tuple[str, str], ...] = ()
    complete = True
    too_many = False
    recalled: dict[Key, Recalled] = {}
    now: dict[Key, Recalled] = {}
    try:
        for number, row in stream.rows():
            if columns is None:  # the first row in the file: the header when it is row 1
                columns, complete = match_header(ws.title, row.cells if number == 1 else [], spec, problems)
            if number == 1:
                continue
            if number > limits.MAX_ROWS + 1 and any(_filled(c.value) for c in row.cells):
                too_many = True
                break
            if order is None:
                order = tuple((column, field, get_column_letter(column)) for column, field in sorted(columns.items()))
                named = tuple((field, letter) for _, field, letter in order)
                recalled, now = RECALL.sheet((ws.title, spec.name, order, *stream.context))
            xml = row.key
            key = (number, xml) if xml is not None else None  # a row without its number (r) takes it from its place
            made = recalled.get(key) if key is not None else None
            if made is None:
                before = len(found)
                raw = _read_row(ws.title, number, row.cells, columns, order, named, found)
                made = raw, found.items[before:] if len(found) > before else ()
            else:
                found.extend(made[1])
            if key is not None:
                now[key] = made
            if made[0] is not None:
                rows.append(made[0])
    except Damaged as exc:
        raise damaged(path, ws.title, str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for malformed parts
        raise unreadable(path, exc, ws.title) from None
    if columns is None:  # not one row: not even a header
        columns, complete = match_header(ws.title, [], spec, problems)
    if too_many:
        problems.error(
            f"{ws.title}!A{limits.MAX_ROWS + 2}",
            f"the sheet has more than {limits.MAX_ROWS:,} rows; at most {limits.MAX_ROWS:,} are read",
            "split the workbook",
            code="too-many-rows",
        )
        return (), False
    merged = [m for m in stream.merged if _RANGE.match(m)]  # anything else is no range of cells: nothing to report
    for cells in merged:
        problems.error(
            f"{ws.title}!{cells.split(':')[0]}",
            f"cells {cells} are merged",
            "unmerge them: each value needs its own cell",
            code="merged-cells",
        )
    problems.extend(found.items)
    return (_mark_covered(rows, merged) if merged else tuple(rows)), complete


def _mark_covered(rows: list[RawRow], merged: list[str]) -> tuple[RawRow, ...]:
    """Mark the cells a merged range covers (all but its first), so they are not also reported as blank."""
    boxes = [range_boundaries(cells) for cells in merged[:_MERGES_MARKED]]  # (left, top, right, bottom)

    def covered(number: int, coord: str) -> bool:
        column = column_index_from_string(coord.rpartition("!")[2].rstrip("0123456789"))
        return any(
            top <= number <= bottom and left <= column <= right and (number, column) != (top, left)
            for left, top, right, bottom in boxes
        )

    result = []
    for row in rows:
        if any(top <= row.row <= bottom for _, top, _, bottom in boxes):
            row = replace(
                row,
                cells=tuple(
                    (name, replace(cell, covered=True) if covered(row.row, cell.coord) else cell)
                    for name, cell in row.cells
                ),
            )
        result.append(row)
    return tuple(result)


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_row(
    sheet: str,
    number: int,
    cells: list[SheetCell],
    columns: dict[int, str],
    order: tuple[tuple[int, str, str], ...],
    named: tuple[tuple[str, str], ...],
    problems: Problems,
):
    """The row's cells of the contract's columns (blank ones too, so each has its place); None for a blank row.
    ``order``: (column, field, column letter) of ``columns``, by column; ``named``: (field, letter) of those."""
    by_column: dict[int, RawCell] = {}
    filled = False
    for cell in cells:
        value = cell.value
        filled = filled or _filled(value)
        field = columns.get(cell.column)
        if field is None or cell.column in by_column:  # a column binder does not read: ignored
            continue
        coord = f"{sheet}!{cell.coordinate}"
        if cell.problem:
            problems.error(coord, cell.problem.message, cell.problem.hint, code=cell.problem.code)
        elif value is None and cell.formula:
            problems.error(
                coord,
                "this formula has no saved result",
                "open and save the workbook in Excel or Calc so the result is stored",
                code="formula-without-value",
            )
        # A cell already reported is covered: it is not reported again as blank.
        bad = bool(cell.problem) or (value is None and cell.formula)
        by_column[cell.column] = RawCell(_clean(value, coord, problems), coord, covered=bad)
    if not filled:
        return None
    values = tuple(
        (field, by_column.get(column) or RawCell(None, f"{sheet}!{letter}{number}")) for column, field, letter in order
    )
    return RawRow(sheet, number, values, named)


def _clean(value, coord: str, problems: Problems):
    """Normalise one cell value: trimmed text with line breaks kept, dates as ``date``."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, (date, int, float, bool)) or value is None:
        return value
    text = str(value)
    if "_x" in text:  # the regular expressions cost more than these look-ups, and most cells need neither
        text = _XSTRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    if not text.isprintable():
        text = LINE_BREAKS.sub("\n", text)
    if len(text) > limits.MAX_CELL_CHARS:
        problems.error(
            coord,
            f"the cell holds {len(text):,} characters; at most {limits.MAX_CELL_CHARS:,} are allowed",
            "shorten the text",
            code="cell-too-long",
        )
        text = text[: limits.MAX_CELL_CHARS]
    cleaned = clean(text)
    if cleaned != text:
        problems.warning(
            coord,
            "characters that cannot appear in a document were removed",
            "retype the text if something is missing",
            code="removed-characters",
        )
    lines = [line.strip() for line in cleaned.strip().split("\n")]
    return "\n".join(lines)
