"""Read the workbook file into plain rows, each value with its cell.

This stage knows about files and openpyxl; it does not know the rules of the
contract beyond sheet and column names (``binder.schema``). Everything it finds
wrong is a ``Problem``; a file that cannot be read at all is a ``FileProblem``.
"""
from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from binder import limits
from binder.errors import FileProblem
from binder.problems import Problems
from binder.schema import SHEETS, SHEETS_BY_KEY, Sheet

# XML 1.0 cannot hold these; \t \n \r are fine. \x0b is what Alt+Enter leaves in some files.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IGNORED_SHEETS = {"instructions"}


@dataclass(frozen=True)
class RawCell:
    """One cell as read: ``value`` is str, int, float, bool, date or None."""

    value: object
    coord: str
    """``Steps!D14``."""

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
        for name, cell in self.cells:
            if name == field:
                return cell
        return RawCell(None, f"{self.sheet}!A{self.row}")

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(field, column letter) pairs, for ``model.Origin``."""
        return tuple((name, re.sub(r"\d", "", cell.coord.split("!")[1])) for name, cell in self.cells)


@dataclass(frozen=True)
class RawWorkbook:
    path: Path
    sha256: str
    sheets: tuple[tuple[str, tuple[RawRow, ...]], ...]
    """Canonical sheet name → its non-blank rows, for the sheets present."""
    present: frozenset[str]

    def rows(self, sheet_name: str) -> tuple[RawRow, ...]:
        return dict(self.sheets).get(sheet_name, ())


def read_workbook(path: Path, problems: Problems) -> RawWorkbook:
    """Read ``path``; cell-level problems go to ``problems``, an unreadable file raises."""
    data = _read_bytes(path)
    _check_container(path, data)
    values_wb, formulas = _load(path)
    sheets, present = [], set()
    by_key = {ws.title.strip().casefold(): ws for ws in values_wb.worksheets}
    for title_key, ws in by_key.items():
        if title_key not in SHEETS_BY_KEY and title_key not in IGNORED_SHEETS:
            problems.warning(f"{ws.title}!A1", f'sheet "{ws.title}" is not part of the workbook contract and is ignored')
    for spec in SHEETS:
        ws = by_key.get(spec.name.casefold())
        if ws is None:
            if not spec.optional:
                problems.error("", f'sheet "{spec.name}" is missing',
                               "add it with its header row (binder init writes a blank workbook to copy from)")
            continue
        present.add(spec.name)
        sheets.append((spec.name, _read_sheet(ws, spec, formulas.get(ws.title, frozenset()), problems)))
    return RawWorkbook(path, hashlib.sha256(data).hexdigest(), tuple(sheets), frozenset(present))


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise FileProblem(str(path), "no such file", "give the path of an .xlsx workbook, or run `binder init` to make one")
    if path.is_dir():
        raise FileProblem(str(path), "is a folder, not a workbook", "give the path of an .xlsx file")
    size = path.stat().st_size
    if size > limits.MAX_WORKBOOK_BYTES:
        raise FileProblem(str(path), f"is {size // 1_000_000} MB; workbooks over {limits.MAX_WORKBOOK_BYTES // 1_000_000} MB are refused",
                          "split the workbook or remove embedded pictures")
    return path.read_bytes()


def _check_container(path: Path, data: bytes) -> None:
    """Refuse what is not an .xlsx before openpyxl sees it: one clear message, no traceback."""
    if not data:
        raise FileProblem(str(path), "is empty (0 bytes)", "save the workbook again from Excel or Calc")
    if data.startswith(_OLE_MAGIC):
        raise FileProblem(str(path), "is password-protected or an old .xls file",
                          "remove the password (or save as .xlsx) in Excel or Calc")
    if not data.startswith(b"PK"):
        kind = "text (a CSV file renamed?)" if _looks_like_text(data) else "not a zip-based .xlsx file"
        raise FileProblem(str(path), f"is not an Excel workbook: its content is {kind}",
                          "open it in Excel or Calc and save it as .xlsx")
    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(path, archive)
            names = set(archive.namelist())
            bad = archive.testzip()
    except zipfile.BadZipFile:
        raise FileProblem(str(path), "is damaged (truncated or not a valid zip archive)",
                          "save the workbook again, or restore it from a copy") from None
    if bad is not None:
        raise FileProblem(str(path), f"is damaged: part {bad} fails its checksum", "save the workbook again")
    if "xl/workbook.xml" not in names:
        raise FileProblem(str(path), "is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                          "give the path of an .xlsx file")


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    return b"\x00" not in head and all(b >= 9 for b in head)


def _load(path: Path):
    """Load values (cached results for formulas) and the set of formula cells per sheet."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and conditional formats it does not keep.
            warnings.simplefilter("ignore")
            values = load_workbook(path, data_only=True, keep_vba=False, keep_links=False, rich_text=False)
            formula_wb = load_workbook(path, data_only=False, read_only=True, keep_vba=False, keep_links=False)
            formulas = {ws.title: _formula_cells(ws) for ws in formula_wb.worksheets}
            formula_wb.close()
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises many types for malformed parts
        raise FileProblem(str(path), f"could not be read as a workbook ({_reason(exc)})",
                          "open it in Excel or Calc and save it as .xlsx") from None
    return values, formulas


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def _formula_cells(ws) -> frozenset[str]:
    found = set()
    if not hasattr(ws, "iter_rows"):
        return frozenset()
    for row in ws.iter_rows():
        for cell in row:
            value = getattr(cell, "value", None)
            if isinstance(value, str) and value.startswith("=") or getattr(cell, "data_type", "") == "f":
                found.add(f"{get_column_letter(cell.column)}{cell.row}")
    return frozenset(found)


def _read_sheet(ws, spec: Sheet, formulas: frozenset[str], problems: Problems) -> tuple[RawRow, ...]:
    columns = _match_header(ws, spec, problems)
    _report_merged(ws, problems)
    if ws.max_row > limits.MAX_ROWS + 1:
        problems.error(f"{ws.title}!A{limits.MAX_ROWS + 2}",
                       f"the sheet has {ws.max_row - 1} rows; at most {limits.MAX_ROWS} are read",
                       "split the workbook")
        return ()
    rows = []
    for cells in ws.iter_rows(min_row=2, max_row=ws.max_row):
        raw = _read_row(ws.title, cells, columns, formulas, problems)
        if raw is not None:
            rows.append(raw)
    return tuple(rows)


def _match_header(ws, spec: Sheet, problems: Problems) -> dict[int, str]:
    """Column index → field, matching headers case-insensitively, ignoring surrounding spaces."""
    wanted = {c.header.casefold(): c for c in spec.columns}
    found: dict[int, str] = {}
    seen: dict[str, str] = {}
    last = 0
    for cell in next(ws.iter_rows(min_row=1, max_row=1), ()):
        if cell.value is None or str(cell.value).strip() == "":
            continue
        last = cell.column
        where = f"{ws.title}!{cell.coordinate}"
        key = str(cell.value).strip().casefold()
        column = wanted.get(key)
        if column is None:
            problems.warning(where, f'column "{str(cell.value).strip()}" is not part of the {spec.name} sheet and is ignored')
        elif column.field in seen:
            problems.error(where, f'column "{column.header}" appears twice (also at {seen[column.field]})',
                           "delete or rename one of them")
        else:
            found[cell.column] = column.field
            seen[column.field] = where
    for column in spec.columns:
        if column.field not in seen and column.required:
            last += 1
            problems.error(f"{ws.title}!{get_column_letter(last)}1", f'column "{column.header}" is missing',
                           f'add a column headed "{column.header}" in row 1')
    return found


def _report_merged(ws, problems: Problems) -> None:
    for merged in getattr(ws, "merged_cells", None) and ws.merged_cells.ranges or ():
        problems.error(f"{ws.title}!{merged.coord.split(':')[0]}", f"cells {merged.coord} are merged",
                       "unmerge them: each value needs its own cell")


def _read_row(sheet: str, cells, columns: dict[int, str], formulas: frozenset[str], problems: Problems):
    values: list[tuple[str, RawCell]] = []
    row_number = 0
    filled = False
    for cell in cells:
        row_number = cell.row
        coord = f"{sheet}!{cell.coordinate}"
        value = cell.value
        if value is None and cell.coordinate in formulas:
            problems.error(coord, "this formula has no saved result",
                           "open and save the workbook in Excel or Calc so the result is stored")
        if value not in (None, ""):
            filled = filled or not (isinstance(value, str) and not value.strip())
        field = columns.get(cell.column)
        if field is not None:
            values.append((field, RawCell(_clean(value, coord, problems), coord)))
    if not filled:
        return None
    return RawRow(sheet, row_number, tuple(values))


def _clean(value, coord: str, problems: Problems):
    """Normalise one cell value: trimmed text with line breaks kept, dates as ``date``."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, (date, int, float, bool)) or value is None:
        return value
    # Excel stores characters XML cannot hold as _xHHHH_; openpyxl hands them over escaped.
    text = _XSTRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    if len(text) > limits.MAX_CELL_CHARS:
        problems.error(coord, f"the cell holds {len(text)} characters; at most {limits.MAX_CELL_CHARS} are allowed",
                       "shorten the text")
        text = text[: limits.MAX_CELL_CHARS]
    cleaned = _ILLEGAL.sub("", text)
    if cleaned != text:
        problems.warning(coord, "characters that cannot appear in a document were removed",
                         "retype the text if something is missing")
    lines = [line.strip() for line in cleaned.strip().split("\n")]
    return "\n".join(lines)
