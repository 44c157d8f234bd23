"""The streaming OOXML worksheet parser: one ``<row>`` at a time, each cell with its value or what is wrong.

openpyxl's own parser stops the whole file on one bad value and cuts text at
Excel's 32,767 characters; this one reports the cell (a ``CellIssue`` with a
problem code) and keeps the text whole, so the reader can refuse an oversized
cell at its place. It reads the part, shared strings and date styles of an
openpyxl read-only worksheet, and knows nothing of the workbook contract. A
sheet whose XML cannot place cells raises ``Damaged``. The part is parsed by
lxml, asked for ``<row>`` and ``<mergeCells>`` only, entities never expanded or
fetched; a part that declares one raises defusedxml's ``EntitiesForbidden``, as
openpyxl's own (defusedxml) parser would. It imports openpyxl, lxml and defusedxml only.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from defusedxml import EntitiesForbidden
from lxml import etree
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

MAX_ROW_NUMBER = 1_048_576
MAX_COLUMN_NUMBER = 16_384
_ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
_CELL_TAG = f"{{{SHEET_MAIN_NS}}}c"
_VALUE_TAG = f"{{{SHEET_MAIN_NS}}}v"
_FORMULA_TAG = f"{{{SHEET_MAIN_NS}}}f"
_INLINE_TAG = f"{{{SHEET_MAIN_NS}}}is"
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"
_MERGES_TAG = f"{{{SHEET_MAIN_NS}}}mergeCells"
_MERGE_TAG = f"{{{SHEET_MAIN_NS}}}mergeCell"
_SHARED_VALUES = etree.XPath("m:c[@t='s']/m:v[1]", namespaces={"m": SHEET_MAIN_NS})
"""The first ``<v>`` of each shared-string cell of a row: the ones ``SheetStream._cells`` looks up."""
_RECALLED = "recalled"
"""Set on each of them in ``SheetRow.key``, over whatever the file had: how its index was read."""
_COLUMNS: dict[str, int] = {}
"""Column letters → number, as references are met: at most the 16,384 columns of a sheet."""
_RETYPE = "retype the value in Excel or Calc and save the workbook again"


class CellIssue(NamedTuple):
    """Why a cell's value cannot be used: a problem code, a message and a hint."""

    code: str
    message: str
    hint: str


def _unreadable(message: str) -> CellIssue:
    return CellIssue(code="unreadable-value", message=message, hint=_RETYPE)


class SheetCell:
    """One ``<c>`` element as read: its place, its value (the saved result for a formula) and what is wrong."""

    __slots__ = ("column", "formula", "problem", "row", "value")

    def __init__(self, row: int, column: int, value: object, formula: bool, problem: CellIssue | None) -> None:
        self.row = row
        self.column = column
        self.value = value
        self.formula = formula
        self.problem = problem

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class SheetRow:
    """One ``<row>`` element: its cells, read when asked for, and its XML as parsed (what they are read from,
    with ``SheetStream.context``)."""

    __slots__ = ("_cells", "_element", "_number", "_stream")

    def __init__(self, stream: SheetStream, element, number: int) -> None:
        self._stream = stream
        self._element = element
        self._number = number
        self._cells: list[SheetCell] | None = None

    @property
    def cells(self) -> list[SheetCell]:
        if self._cells is None:
            self._cells = self._stream._cells(self._element, self._number)
        return self._cells

    @property
    def key(self) -> bytes | None:
        """The row's XML as parsed, each shared string's index replaced by what ``cells`` makes of it: the same
        for two rows whose cells are the same (with ``SheetStream.context``), though the workbook's table of
        shared strings was written again in another order (Calc numbers them as they first appear: a new text
        renumbers those after it). None for a row that cannot be told so."""
        strings = self._stream._strings
        if not strings:  # every index is missing, and the context says there are none
            return etree.tostring(self._element)
        values = _SHARED_VALUES(self._element)
        kept = []
        try:
            for value in values:
                raw = value.text or ""
                kept.append((value, raw, value.get(_RECALLED)))
                if not raw:
                    continue  # no value: the index is not looked up
                try:
                    text = strings[int(raw)]
                except (ValueError, IndexError, TypeError):
                    value.set(_RECALLED, "missing")  # the cell says so, with its raw text
                    continue
                if not isinstance(text, str):
                    return None
                value.text = text  # raises for text XML cannot hold: no key
                value.set(_RECALLED, "shared")
            return etree.tostring(self._element)
        except ValueError:
            return None
        finally:
            for value, raw, mark in kept:  # the element as parsed, for ``cells``
                value.text = raw
                if mark is None:
                    value.attrib.pop(_RECALLED, None)
                else:
                    value.set(_RECALLED, mark)


class Damaged(Exception):
    """The sheet's XML is not a worksheet binder can place cells in; the text says why."""


class SheetStream:
    """The rows of one worksheet, streamed from its XML part; merged ranges once the rows are read."""

    def __init__(self, ws) -> None:
        # The read-only worksheet's part, shared strings and date styles (openpyxl 3.1 internals).
        self._open = ws._get_source
        self._strings = ws._shared_strings
        book = ws.parent
        self._date_styles = book._date_formats
        self._duration_styles = book._timedelta_formats
        self._epoch = book.epoch
        self.merged: list[str] = []

    @property
    def context(self) -> tuple[object, ...]:
        """What a row's values depend on beyond its ``SheetRow.key``: the date styles, the epoch, and whether
        there are shared strings at all (openpyxl writes none)."""
        return frozenset(self._date_styles), frozenset(self._duration_styles), str(self._epoch), bool(self._strings)

    def rows(self):
        """(row number, row) for every ``<row>`` element, in file order; each ``SheetRow`` is read only while
        the loop is at it."""
        number = 0
        with self._open() as source:
            # lxml hands over only the elements asked for (the filtering is done in C, not once per
            # element in Python); entities are never expanded nor fetched, and declaring one is refused
            # below, as openpyxl's defusedxml parser does.
            events = etree.iterparse(
                source,
                events=("end",),
                tag=(_ROW_TAG, _MERGES_TAG),
                resolve_entities=False,
                no_network=True,
                huge_tree=False,
                remove_comments=True,  # as ElementTree did: a comment kept inside <v> would end its .text
                remove_pis=True,
            )
            checked = False
            for _, element in events:
                if not checked:  # the DTD comes before the first element: checked before any row is read
                    _refuse_entities(element)
                    checked = True
                if element.tag == _ROW_TAG:
                    number = _row_number(element.get("r"), number)
                    yield number, SheetRow(self, element, number)
                    element.clear()
                else:
                    self.merged.extend(m.get("ref", "") for m in element if m.tag == _MERGE_TAG)
                    element.clear()
            if not checked and events.root is not None:
                _refuse_entities(events.root)

    def _cells(self, row_element, number: int) -> list[SheetCell]:
        """The ``<c>`` elements of row ``number``, each placed and with its value or what is wrong."""
        suffix = str(number)
        cut = -len(suffix)
        column, cells = 0, []
        for element in row_element:
            if element.tag != _CELL_TAG:
                continue
            reference = element.get("r")
            row = number
            if reference:
                # Most references are the column's letters and this row's number: a dict look-up.
                known = _COLUMNS.get(reference[:cut]) if reference.endswith(suffix) else None
                if known is None:
                    row, column = _place(reference)
                else:
                    column = known
            else:
                column += 1
            if not (1 <= row <= MAX_ROW_NUMBER and 1 <= column <= MAX_COLUMN_NUMBER):
                raise Damaged(f'has a cell reference "{(reference or "")[:20]}" outside the sheet')
            raw = inline = None
            formula = False
            for child in element:  # the first <v>, <is> and <f> of the cell, in one pass
                tag = child.tag
                if tag == _VALUE_TAG:
                    if raw is None:
                        raw = child.text or ""
                elif tag == _INLINE_TAG:
                    if inline is None:
                        inline = child
                elif tag == _FORMULA_TAG:
                    formula = True
            kind = element.get("t", "n")
            value: object
            problem: CellIssue | None
            try:
                if kind == "inlineStr":
                    value, problem = (_inline_text(inline) if inline is not None else None), None
                elif raw:
                    value, problem = self._value(raw, kind, element.get("s", "0"))
                else:
                    value, problem = None, None
            except Exception:  # noqa: BLE001 - a value openpyxl's helpers choke on: report the cell, keep reading
                value, problem = None, _unreadable("the cell's value cannot be read")
            cells.append(SheetCell(row, column, value, formula, problem))
        return cells

    def _value(self, raw: str, kind: str, style: str) -> tuple[object, CellIssue | None]:
        """The value of a cell of type ``kind`` whose ``<v>`` holds ``raw``, or None and why it cannot be read."""
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        if kind == "n":
            return self._number_value(raw, shown, style)
        if kind == "s":
            try:
                return self._strings[int(raw)], None
            except (ValueError, IndexError, TypeError):
                return None, _unreadable(f"the cell's text is missing from the workbook (shared string {shown})")
        if kind == "b":
            if raw.strip() in ("0", "1"):
                return raw.strip() == "1", None
            return None, _unreadable(f'the TRUE/FALSE value "{shown}" cannot be read')
        if kind == "e":
            return None, CellIssue(
                code="error-value",
                message=f"the cell shows the error {shown}",
                hint="correct the formula or the value in Excel or Calc",
            )
        if kind == "d":
            try:
                return from_ISO8601(raw), None
            except (ValueError, TypeError, OverflowError, AttributeError):
                return None, _unreadable(f'the date "{shown}" cannot be read')
        return raw, None  # "str" (a formula's text result) and anything else: the text as written

    def _number_value(self, raw: str, shown: str, style: str) -> tuple[object, CellIssue | None]:
        number = _number(raw)
        if number is None:
            return None, _unreadable(f'the number "{shown}" cannot be read')
        style_id = int(style) if style.isdecimal() and len(style) < 10 else 0
        if style_id in self._date_styles:
            try:
                return from_excel(number, self._epoch, timedelta=style_id in self._duration_styles), None
            except (OverflowError, ValueError, TypeError):
                return None, _unreadable(f"the date (serial number {shown}) is out of range")
        return number, None


def _inline_text(node) -> str:
    """An inline string's text without its formatting: what openpyxl's ``Text.content`` gives, faster."""
    plain, runs = None, []
    for part in node:  # the first plain <t>, then the first <t> of each run
        tag = part.tag
        if tag == _TEXT_TAG:
            if plain is None:
                plain = part.text or ""
        elif tag == _RUN_TAG:
            for text in part:
                if text.tag == _TEXT_TAG:
                    runs.append(text.text or "")
                    break
    return (plain or "") + "".join(runs)


def _refuse_entities(element) -> None:
    """Raise as defusedxml does when the part's DTD declares an entity (lxml leaves them unexpanded)."""
    dtd = element.getroottree().docinfo.internalDTD
    for entity in dtd.iterentities() if dtd is not None else ():
        raise EntitiesForbidden(entity.name, entity.content, None, entity.system_url, None, None)


def _place(reference: str) -> tuple[int, int]:
    """(row, column) of a cell reference that is not simply letters and its row's number."""
    try:
        row, column = coordinate_to_tuple(reference)
    except (ValueError, TypeError, KeyError):
        raise Damaged(f'has a cell reference "{reference[:20]}" that is not valid') from None
    letters = reference[: -len(str(row))]
    if 1 <= column <= MAX_COLUMN_NUMBER and letters.isascii() and letters.isalpha() and letters.isupper():
        _COLUMNS[letters] = column
    return row, column


def _row_number(attribute: str | None, previous: int) -> int:
    if attribute is None:
        return previous + 1
    try:
        number = float(attribute) if "." in attribute else int(attribute)
    except ValueError:
        raise Damaged(f'has a row number "{attribute[:20]}" that is not valid') from None
    if number != int(number) or not 1 <= number <= MAX_ROW_NUMBER:
        raise Damaged(f'has a row number "{attribute[:20]}" that is not valid')
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
