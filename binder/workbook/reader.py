"""Read the workbook file into plain rows, each value with its cell.

This stage knows about files and openpyxl; it does not know the rules of the
contract beyond sheet and column names (``binder.workbook.schema``). Everything it finds
wrong is a ``Problem``; a file that cannot be read at all is a ``FileProblem``.

A workbook is untrusted input. Before openpyxl sees it, the whole file is
checked: its size, that it is a zip archive and an Excel workbook, zip-bomb
limits from the archive's directory (``binder.workbook.limits``), the checksum of every
part, and that no XML part declares a DTD or entities (openpyxl parses with
defusedxml as well; this refuses such a file with one clear message whichever
parser would have met it). Macros (``vbaProject.bin``) and external links are
never loaded, formulas are never evaluated: a formula cell gives the result
Excel saved with it.

Sheets are then streamed one row at a time from openpyxl's read-only workbook
with a cell parser of our own, so that a bad cell is reported at that cell
rather than failing the whole file, text is never silently cut at Excel's
32,767 characters, and a sheet with too many rows is refused without holding
it all in memory.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from binder.workbook import limits
from binder.errors import FileProblem
from binder.problems import Problems
from binder.text import LINE_BREAKS, clean
from binder.workbook.schema import SHEETS, SHEETS_BY_KEY, Sheet

try:  # openpyxl parses with defusedxml when it is installed (a dependency of binder)
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - defusedxml is a declared dependency
    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        pass

# XML 1.0 cannot hold these; \t \n \r are fine. \x0b is what Alt+Enter leaves in some files.
# Lone surrogates (from an escape such as _xD800_) cannot be written to a document either.
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IGNORED_SHEETS = {"instructions"}

UNSAFE_XML = "unsafe XML (entity declarations) refused"
_UNSAFE_HINT = "save the workbook again from Excel or Calc; workbooks never declare XML entities"
# A DTD or entity declaration, in UTF-8 or UTF-16 (either byte order). Real workbook parts never hold one.
_DTD = re.compile(b"|".join(re.escape(word.encode(encoding)) for word in ("<!DOCTYPE", "<!ENTITY")
                            for encoding in ("utf-8", "utf-16-le", "utf-16-be")), re.IGNORECASE)
_DTD_OVERLAP = 32
_CHUNK = 1 << 20

_MAX_ROW_NUMBER = 1_048_576
_MAX_COLUMN_NUMBER = 16_384
_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
_CELL_TAG = f"{{{SHEET_MAIN_NS}}}c"
_VALUE_TAG = f"{{{SHEET_MAIN_NS}}}v"
_FORMULA_TAG = f"{{{SHEET_MAIN_NS}}}f"
_INLINE_TAG = f"{{{SHEET_MAIN_NS}}}is"
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"
_MERGES_TAG = f"{{{SHEET_MAIN_NS}}}mergeCells"
_MERGE_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"
_RETYPE = "retype the value in Excel or Calc and save the workbook again"
_RANGE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}:[A-Z]{1,3}[1-9][0-9]{0,6}$")


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

    @cached_property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(field, column letter) pairs, for ``model.Origin``."""
        return tuple((name, cell.coord.rpartition("!")[2].rstrip("0123456789")) for name, cell in self.cells)


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
    book = _open(path, data)
    try:
        sheets, present = [], set()
        by_key: dict[str, object] = {}
        for ws in book.worksheets:
            key = ws.title.strip().casefold()
            if key in by_key:
                first = by_key[key].title
                problems.error(f"{ws.title}!A1", f'sheet "{ws.title}" has the same name as sheet "{first}" and is not read',
                               "rename or delete one of them")
                continue
            by_key[key] = ws
            if key not in SHEETS_BY_KEY and key not in IGNORED_SHEETS:
                problems.warning(f"{ws.title}!A1", f'sheet "{ws.title}" is not part of the workbook contract and is ignored')
        for spec in SHEETS:
            ws = by_key.get(spec.name.casefold())
            if ws is None:
                if not spec.optional:
                    problems.error("", f'sheet "{spec.name}" is missing',
                                   "add it with its header row (binder init writes a blank workbook to copy from)")
                continue
            present.add(spec.name)
            sheets.append((spec.name, _read_sheet(path, ws, spec, problems)))
    finally:
        book.close()
    return RawWorkbook(path, hashlib.sha256(data).hexdigest(), tuple(sheets), frozenset(present))


# ---------------------------------------------------------------- the file


def _read_bytes(path: Path) -> bytes:
    try:
        if not path.exists():
            raise FileProblem(str(path), "no such file", "give the path of an .xlsx workbook, or run `binder init` to make one")
        if path.is_dir():
            raise FileProblem(str(path), "is a folder, not a workbook", "give the path of an .xlsx file")
        if not path.is_file():
            raise FileProblem(str(path), "is not a regular file", "give the path of an .xlsx file")
        size = path.stat().st_size
        if size > limits.MAX_WORKBOOK_BYTES:
            raise FileProblem(str(path), f"is {limits.size_text(size)}; workbooks over "
                              f"{limits.size_text(limits.MAX_WORKBOOK_BYTES)} are refused",
                              "split the workbook or remove embedded pictures")
        with path.open("rb") as handle:  # read once: what is checked is what is parsed
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since: read on, up to the limit
                data += handle.read(limits.MAX_WORKBOOK_BYTES + 1 - len(data))
    except OSError as exc:
        raise FileProblem(str(path), f"could not be read ({exc.strerror or type(exc).__name__})",
                          "check the file's permissions") from None
    except ValueError:  # a NUL byte in the name
        raise FileProblem(repr(str(path)), "is not a valid file name", "give the path of an .xlsx file") from None
    if len(data) > limits.MAX_WORKBOOK_BYTES:  # it grew while we looked
        raise FileProblem(str(path), f"is over {limits.size_text(limits.MAX_WORKBOOK_BYTES)}; such workbooks are refused",
                          "split the workbook or remove embedded pictures")
    return data


def _check_container(path: Path, data: bytes) -> None:
    """Refuse what is not a safe .xlsx before openpyxl sees it: one clear message, no traceback.

    The content decides, not the name: a workbook saved as ``.xlsm`` (its macros
    are never loaded) or with any other suffix reads the same; a CSV or an old
    ``.xls`` renamed ``.xlsx`` is refused.
    """
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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            limits.check_zip(path, archive)
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise FileProblem(str(path), "is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                                  "give the path of an .xlsx file")
            for info in archive.infolist():
                _check_part(path, archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise FileProblem(str(path), "is damaged (truncated or not a valid zip archive)",
                          "save the workbook again, or restore it from a copy") from None


def _check_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Unpack one part in chunks: its checksum must hold, and an XML part must declare no DTD or entity."""
    if info.is_dir():
        return
    if info.flag_bits & 0x1:
        raise FileProblem(str(path), f"is damaged: part {info.filename} is encrypted",
                          "remove the password in Excel or Calc and save the workbook again")
    try:
        with archive.open(info) as part:
            chunk = part.read(_CHUNK)
            xml = _looks_like_xml(chunk)
            tail = b""
            while chunk:
                window = tail + chunk
                if xml and _DTD.search(window):
                    raise FileProblem(str(path), f"{UNSAFE_XML} (part {info.filename})", _UNSAFE_HINT)
                tail = window[-_DTD_OVERLAP:]
                chunk = part.read(_CHUNK)
    except FileProblem:
        raise
    except NotImplementedError:
        raise FileProblem(str(path), f"is damaged: part {info.filename} uses a compression method binder cannot read",
                          "save the workbook again from Excel or Calc") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        raise FileProblem(str(path), f"is damaged: part {info.filename} fails its checksum",
                          "save the workbook again, or restore it from a copy") from None


def _looks_like_xml(head: bytes) -> bool:
    """True when a part starts like an XML document (any encoding Excel or Calc uses)."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            return True
    stripped = head.lstrip(b" \t\r\n\x00")
    return stripped.startswith(b"<")


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    return b"\x00" not in head and all(b >= 9 for b in head)


def _open(path: Path, data: bytes):
    """openpyxl's read-only workbook: sheets listed, shared strings and styles read, no macros, no links."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and conditional formats it does not keep.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_vba=False,
                                 keep_links=False, rich_text=False)
    except Exception as exc:  # openpyxl raises many types for malformed parts
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: Exception, sheet: str = "") -> FileProblem:
    if isinstance(exc, FileProblem):
        return exc
    if _caused_by(exc, DefusedXmlException):  # openpyxl wraps what its parser raised in a ValueError
        return FileProblem(str(path), UNSAFE_XML, _UNSAFE_HINT)
    what = f'sheet "{sheet}" could not be read' if sheet else "could not be read as a workbook"
    return FileProblem(str(path), f"{what} ({_reason(exc)})", "open it in Excel or Calc and save it as .xlsx")


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


# ---------------------------------------------------------------- one sheet


class _Cell:
    """One ``<c>`` element as read: its place, its value (the saved result for a formula) and what is wrong."""

    __slots__ = ("row", "column", "value", "formula", "problem")

    def __init__(self, row: int, column: int, value: object, formula: bool, problem: tuple[str, str] | None) -> None:
        self.row = row
        self.column = column
        self.value = value
        self.formula = formula
        self.problem = problem

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class _Damaged(Exception):
    """The sheet's XML is not a worksheet binder can place cells in."""


class _SheetStream:
    """The rows of one worksheet, streamed from its XML part; merged ranges once the rows are read.

    openpyxl's own parser stops the whole file on one bad value and cuts text at
    32,767 characters; this one reports the cell and keeps the text whole.
    """

    def __init__(self, ws) -> None:
        # The read-only worksheet's part, shared strings and date styles (openpyxl 3.1 internals).
        self._open = ws._get_source
        self._strings = ws._shared_strings
        book = ws.parent
        self._date_styles = book._date_formats
        self._duration_styles = book._timedelta_formats
        self._epoch = book.epoch
        self.merged: list[str] = []

    def rows(self):
        """(row number, cells) for every ``<row>`` element, in file order."""
        number = 0
        with self._open() as source:
            for _, element in iterparse(source):
                tag = element.tag
                if tag == _ROW_TAG:
                    number = _row_number(element.get("r"), number)
                    column, cells = 0, []
                    for child in element:
                        if child.tag == _CELL_TAG:
                            cell = self._cell(child, number, column)
                            column = cell.column
                            cells.append(cell)
                    element.clear()
                    yield number, cells
                elif tag == _MERGES_TAG:
                    self.merged.extend(m.get("ref", "") for m in element if m.tag == _MERGE_TAG)
                    element.clear()

    def _cell(self, element, row: int, previous_column: int) -> _Cell:
        reference = element.get("r")
        if reference:
            try:
                row, column = coordinate_to_tuple(reference)
            except (ValueError, TypeError, KeyError):
                raise _Damaged(f'has a cell reference "{reference[:20]}" that is not valid') from None
        else:
            column = previous_column + 1
        if not (1 <= row <= _MAX_ROW_NUMBER and 1 <= column <= _MAX_COLUMN_NUMBER):
            raise _Damaged(f'has a cell reference "{(reference or "")[:20]}" outside the sheet')
        formula = element.find(_FORMULA_TAG) is not None
        kind = element.get("t", "n")
        try:
            value, problem = self._value(element, kind, element.get("s", "0"))
        except Exception:  # a value openpyxl's helpers choke on: report the cell, keep reading
            value, problem = None, ("the cell's value cannot be read", _RETYPE)
        return _Cell(row, column, value, formula, problem)

    def _value(self, element, kind: str, style: str) -> tuple[object, tuple[str, str] | None]:
        """The cell's value, or None and (message, hint) saying why it cannot be read."""
        if kind == "inlineStr":
            child = element.find(_INLINE_TAG)
            return (_inline_text(child) if child is not None else None), None
        raw = element.findtext(_VALUE_TAG, None) or None
        if raw is None:
            return None, None
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        if kind == "n":
            number = _number(raw)
            if number is None:
                return None, (f'the number "{shown}" cannot be read', _RETYPE)
            style_id = int(style) if style.isdecimal() and len(style) < 10 else 0
            if style_id in self._date_styles:
                try:
                    return from_excel(number, self._epoch, timedelta=style_id in self._duration_styles), None
                except (OverflowError, ValueError, TypeError):
                    return None, (f"the date (serial number {shown}) is out of range", _RETYPE)
            return number, None
        if kind == "s":
            try:
                return self._strings[int(raw)], None
            except (ValueError, IndexError, TypeError):
                return None, (f"the cell's text is missing from the workbook (shared string {shown})", _RETYPE)
        if kind == "b":
            if raw.strip() in ("0", "1"):
                return raw.strip() == "1", None
            return None, (f'the TRUE/FALSE value "{shown}" cannot be read', _RETYPE)
        if kind == "e":
            return None, (f"the cell shows the error {shown}", "correct the formula or the value in Excel or Calc")
        if kind == "d":
            try:
                return from_ISO8601(raw), None
            except (ValueError, TypeError, OverflowError, AttributeError):
                return None, (f'the date "{shown}" cannot be read', _RETYPE)
        return raw, None  # "str" (a formula's text result) and anything else: the text as written


def _inline_text(node) -> str:
    """An inline string's text without its formatting: what openpyxl's ``Text.content`` gives, faster."""
    snippets = []
    plain = node.find(_TEXT_TAG)
    if plain is not None:
        snippets.append(plain.text or "")
    for run in node.iterfind(_RUN_TAG):
        text = run.find(_TEXT_TAG)
        if text is not None:
            snippets.append(text.text or "")
    return "".join(snippets)


def _row_number(attribute: str | None, previous: int) -> int:
    if attribute is None:
        return previous + 1
    try:
        number = float(attribute) if "." in attribute else int(attribute)
    except ValueError:
        raise _Damaged(f'has a row number "{attribute[:20]}" that is not valid') from None
    if number != int(number) or not 1 <= number <= _MAX_ROW_NUMBER:
        raise _Damaged(f'has a row number "{attribute[:20]}" that is not valid')
    return int(number)


def _number(raw: str) -> int | float | None:
    """An Excel number as written in the XML; None when it is not one (or not finite)."""
    text = raw.strip()
    if "_" in text:  # Python reads 1_000 as a number; Excel never writes one
        return None
    try:
        if "." in text or "e" in text or "E" in text:
            number = float(text)
            return number if math.isfinite(number) else None
        return int(text)
    except ValueError:  # not a number, or more digits than Python converts
        return None


def _read_sheet(path: Path, ws, spec: Sheet, problems: Problems) -> tuple[RawRow, ...]:
    stream = _SheetStream(ws)
    found = Problems()  # the rows' problems, reported after the header's and the merged cells'
    rows: list[RawRow] = []
    columns: dict[int, str] | None = None
    too_many = False
    try:
        for number, cells in stream.rows():
            if columns is None:  # the first row in the file: the header when it is row 1
                columns = _match_header(ws.title, cells if number == 1 else [], spec, problems)
            if number == 1:
                continue
            if number > limits.MAX_ROWS + 1 and any(_filled(c.value) for c in cells):
                too_many = True
                break
            raw = _read_row(ws.title, number, cells, columns, found)
            if raw is not None:
                rows.append(raw)
    except Exception as exc:
        if isinstance(exc, _Damaged):
            raise FileProblem(str(path), f'is damaged: sheet "{ws.title}" {exc}',
                              "save the workbook again from Excel or Calc") from None
        raise _unreadable(path, exc, ws.title) from None
    if columns is None:  # not one row: not even a header
        columns = _match_header(ws.title, [], spec, problems)
    if too_many:
        problems.error(f"{ws.title}!A{limits.MAX_ROWS + 2}",
                       f"the sheet has more than {limits.MAX_ROWS:,} rows; at most {limits.MAX_ROWS:,} are read",
                       "split the workbook")
        return ()
    for merged in stream.merged:
        if _RANGE.match(merged):  # anything else is no range of cells: nothing to report
            problems.error(f"{ws.title}!{merged.split(':')[0]}", f"cells {merged} are merged",
                           "unmerge them: each value needs its own cell")
    problems.extend(found.items)
    return tuple(rows)


def _match_header(title: str, cells: list[_Cell], spec: Sheet, problems: Problems) -> dict[int, str]:
    """Column index → field, matching headers case-insensitively, ignoring surrounding spaces."""
    wanted = {c.header.casefold(): c for c in spec.columns}
    found: dict[int, str] = {}
    seen: dict[str, str] = {}
    last = 0
    for cell in cells:
        if cell.value is None or str(cell.value).strip() == "":
            continue
        last = max(last, cell.column)
        where = f"{title}!{cell.coordinate}"
        shown = clean(str(cell.value)).strip()
        key = str(cell.value).strip().casefold()
        column = wanted.get(key)
        if column is None:
            problems.warning(where, f'column "{shown}" is not part of the {spec.name} sheet and is ignored')
        elif column.field in seen:
            problems.error(where, f'column "{column.header}" appears twice (also at {seen[column.field]})',
                           "delete or rename one of them")
        else:
            found[cell.column] = column.field
            seen[column.field] = where
    for column in spec.columns:
        if column.field not in seen and column.required and last < _MAX_COLUMN_NUMBER:
            last += 1
            problems.error(f"{title}!{get_column_letter(last)}1", f'column "{column.header}" is missing',
                           f'add a column headed "{column.header}" in row 1')
    return found


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_row(sheet: str, number: int, cells: list[_Cell], columns: dict[int, str], problems: Problems):
    """The row's cells of the contract's columns (blank ones too, so each has its place); None for a blank row."""
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
            problems.error(coord, *cell.problem)
        elif value is None and cell.formula:
            problems.error(coord, "this formula has no saved result",
                           "open and save the workbook in Excel or Calc so the result is stored")
        by_column[cell.column] = RawCell(_clean(value, coord, problems), coord)
    if not filled:
        return None
    values = tuple((field, by_column.get(column) or RawCell(None, f"{sheet}!{get_column_letter(column)}{number}"))
                   for column, field in sorted(columns.items()))
    return RawRow(sheet, number, values)


def _clean(value, coord: str, problems: Problems):
    """Normalise one cell value: trimmed text with line breaks kept, dates as ``date``."""
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, (date, int, float, bool)) or value is None:
        return value
    # Excel stores characters XML cannot hold as _xHHHH_; openpyxl hands them over escaped.
    text = LINE_BREAKS.sub("\n", _XSTRING_ESCAPE.sub(lambda m: chr(int(m[1], 16)), str(value)))
    if len(text) > limits.MAX_CELL_CHARS:
        problems.error(coord, f"the cell holds {len(text):,} characters; at most {limits.MAX_CELL_CHARS:,} are allowed",
                       "shorten the text")
        text = text[: limits.MAX_CELL_CHARS]
    cleaned = clean(text)
    if cleaned != text:
        problems.warning(coord, "characters that cannot appear in a document were removed",
                         "retype the text if something is missing")
    lines = [line.strip() for line in cleaned.strip().split("\n")]
    return "\n".join(lines)

