"""A training pack's record (.xlsx): the acknowledgement sheet's rows, for the trainer to fill in and keep.

Every cell filled from workbook text is written as a text cell, never a formula: a title such as
``=HYPERLINK(...)`` stays the characters the author typed.

The sheet prints as a form: the Settings' paper size, one page wide (as many tall as needed), the
table's header row on every page, rows tall enough for their wrapped text and for a signature, a
line to write on for the trainee, start date and trainer. Its layout is a contract (``COLUMNS``,
``HEADER_ROW``, ``FIRST_ROW``, ``TABLE_NAME``; see "The training record (.xlsx)" in
docs/outputs.md): a later feature reads filled records back.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from binder.document.labels import format_date, labels_for
from binder.files import atomic_write
from binder.model import Library, Pack

SHEET_TITLE = "Training record"
"""The record's one sheet (not translated: a reader of filled records looks for it)."""

TABLE_NAME = "binder_training_record"
"""Workbook-level defined name over the table, header row included; Excel and Calc move it with inserted rows."""

DATE_FORMAT = "yyyy-mm-dd"
"""Every date of the record, whatever the language: unambiguous on any computer it is opened on."""

TEXT, DATE = "text", "date"


@dataclass(frozen=True)
class Column:
    """One column of the record's table: its contract key, what it holds and its width in characters."""

    key: str
    kind: str
    width: float
    filled_by: str  # "binder", "trainee" or "trainer": who writes the column's cells


COLUMNS: tuple[Column, ...] = (
    Column("sop_id", TEXT, 14, "binder"),
    Column("title", TEXT, 40, "binder"),
    Column("version", TEXT, 9, "binder"),
    Column("effective_date", DATE, 12, "binder"),
    Column("trainee_initials", TEXT, 11, "trainee"),
    Column("date", DATE, 12, "trainee"),
    Column("trainee_signature", TEXT, 24, "trainee"),
    Column("trainer_initials", TEXT, 11, "trainer"),
)
"""The table's columns, in order from column A: the contract a reader of filled records relies on."""

HEADER_ROW = 8
"""The table's header row (repeated on every printed page)."""

FIRST_ROW = HEADER_ROW + 1
"""The first SOP's row; one row per SOP of the pack, in the Training sheet's order."""

# Labels the shared labels module does not have (yet): one English/French pair each.
_OWN_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "trainee_signature": "Trainee's signature",
        "trainer_initials": "Trainer's initials",
        "date_expected": "Please enter a date.",
        "invalid_date": "Not a date",
    },
    "fr": {
        "trainee_signature": "Signature de l'apprenant",
        "trainer_initials": "Initiales du formateur",
        "date_expected": "Veuillez saisir une date.",
        "invalid_date": "Date non valide",
    },
}

_LINE_HEIGHT = 15.0  # points per line of 11-point text (about 1.2 times the font size, plus the cell's padding)
_PADDING = 4.0  # points above and below the text in a row
_SIGNING_HEIGHT = 30.0  # the least height of an SOP's row: room to sign and initial by hand
_FONT = "Calibri"  # metric-compatible with Carlito, LibreOffice's stand-in
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRITE_ON = Border(bottom=Side(style="thin", color="000000"))
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRED_TOP_WRAP = Alignment(wrap_text=True, vertical="top", horizontal="center")
_CENTRED = {"version", "effective_date", "date"}
_MARGIN_IN = 0.5  # left and right margins, inches
_POINTS_PER_CHAR = 5.25  # width of a column of one character (7 px at 96 dpi, Calibri 11), points
_COLUMN_PADDING_PT = 3.75  # Excel's 5 px a column has beyond its characters
_PAPER_POINTS = {"A4": (595.0, 842.0), "Letter": (612.0, 792.0)}
_FOOTER_TEXT_LIMIT = 80  # characters of the pack's name in the footer (Excel allows 255 for the whole footer)


def text_row(ws, values: list) -> None:
    """Append a row; strings are text cells whatever they start with (``=``, ``+``, ``-``, ``@``)."""
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def acknowledgement_rows(library: Library, pack: Pack) -> list[tuple[str, str, str, str]]:
    """(SOP ID, title, version, effective date) for each SOP of the pack, in the sheet's order."""
    lang = library.settings.language
    rows = []
    for entry in pack.entries:
        sop = library.sop(entry.sop_id)
        rows.append(
            (sop.sop_id, sop.title, sop.version, format_date(sop.effective_date, lang) if sop.effective_date else "")
        )
    return rows


def record_labels(language: str) -> dict[str, str]:
    """The record's words in ``language``: the shared labels, then those only the record needs."""
    own = _OWN_LABELS.get(language, _OWN_LABELS["en"])
    return {**own, **labels_for(language)}


def column_headers(language: str) -> list[str]:
    """The table's header labels in ``language``, in ``COLUMNS`` order."""
    labels = record_labels(language)
    return [labels[column.key] for column in COLUMNS]


def write_record(library: Library, pack: Pack, path: Path, issued: date) -> Path:
    """The Excel training record: the acknowledgement's rows, for the trainer to fill in and keep."""
    labels = record_labels(library.settings.language)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    last_col = len(COLUMNS)
    last_letter = get_column_letter(last_col)
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    _header_block(ws, library, pack, issued, labels, last_letter)

    assert ws.max_row == HEADER_ROW - 1
    for index, header in enumerate(column_headers(library.settings.language), start=1):
        cell = ws.cell(HEADER_ROW, index, header)
        cell.data_type = "s"
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[HEADER_ROW].height = _row_height(column_headers(library.settings.language), bold=True)

    for entry in pack.entries:
        sop = library.sop(entry.sop_id)
        values: dict[str, Any] = {
            "sop_id": sop.sop_id,
            "title": sop.title,
            "version": sop.version,
            "effective_date": sop.effective_date,
        }
        text_row(ws, [values.get(column.key) for column in COLUMNS])
        row = ws.max_row
        for index, column in enumerate(COLUMNS, start=1):
            cell = ws.cell(row, index)
            cell.font = Font(name=_FONT)
            cell.border = _BOX
            cell.alignment = _CENTRED_TOP_WRAP if column.key in _CENTRED else _TOP_WRAP
            cell.number_format = DATE_FORMAT if column.kind == DATE else "@"
        ws.row_dimensions[row].height = max(
            _SIGNING_HEIGHT, _row_height([values.get(c.key) or "" for c in COLUMNS], bold=False)
        )
    last_row = ws.max_row

    _date_validation(ws, labels, ["B5", f"F{FIRST_ROW}:F{max(last_row, FIRST_ROW)}"])
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ref = f"{quote_sheetname(ws.title)}!$A${HEADER_ROW}:${last_letter}${max(last_row, HEADER_ROW)}"
    wb.defined_names[TABLE_NAME] = DefinedName(TABLE_NAME, attr_text=ref)
    _page_setup(ws, library.settings.paper_size, pack.name, labels, last_row, last_letter)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, wb.save)
    return path


def _header_block(
    ws: Worksheet, library: Library, pack: Pack, issued: date, labels: Mapping[str, str], last_letter: str
) -> None:
    """Rows 1-7: pack, organisation, date of issue, the lines to write on, the statement the trainee signs."""
    text_row(ws, [labels["training_pack"], pack.name])
    text_row(ws, [labels["organisation"], library.settings.organisation])
    text_row(ws, [labels["date_of_issue"], issued])
    for key in ("trainee_name", "start_date", "trainer"):
        text_row(ws, [labels[key], None])
    text_row(ws, [labels["acknowledgement_text"]])
    ws["B1"].font = Font(name=_FONT, bold=True, size=14)
    ws["B3"].number_format = DATE_FORMAT
    ws["B5"].number_format = DATE_FORMAT
    value_width = sum(c.width for c in COLUMNS[1:4])  # the values span columns B to D
    for row in range(1, 7):
        label = ws.cell(row, 1)
        label.font = Font(name=_FONT, bold=True)
        label.alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.merge_cells(f"B{row}:D{row}")
        value = ws.cell(row, 2)
        value.alignment = Alignment(wrap_text=True, vertical="bottom", horizontal="left")
        if row >= 4:
            for col in range(2, 5):
                ws.cell(row, col).border = _WRITE_ON
        texts = [(str(label.value or ""), COLUMNS[0].width, True)]
        if isinstance(value.value, str):
            texts.append((value.value, value_width, row == 1))
        lines = max(_lines(text, width, bold) for text, width, bold in texts)
        size = 14 if row == 1 else 11
        least = 24.0 if row >= 4 else 0.0  # room to write by hand
        ws.row_dimensions[row].height = max(least, lines * _LINE_HEIGHT * size / 11 + _PADDING)
    ws.merge_cells(f"A7:{last_letter}7")
    statement = ws["A7"]
    statement.font = Font(name=_FONT, italic=True)
    statement.alignment = Alignment(wrap_text=True, vertical="bottom")
    total = sum(c.width for c in COLUMNS)
    ws.row_dimensions[7].height = _lines(str(statement.value), total, False) * _LINE_HEIGHT + 12


def _date_validation(ws: Worksheet, labels: Mapping[str, str], ranges: Sequence[str]) -> None:
    """Cells for dates accept only dates, so a filled record reads back as real dates."""
    check = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(1900,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=labels["invalid_date"],
        error=labels["date_expected"],
    )
    for cells in ranges:
        check.add(cells)
    ws.add_data_validation(check)


def _page_setup(
    ws: Worksheet, paper: str, pack_name: str, labels: Mapping[str, str], last_row: int, last_letter: str
) -> None:
    """The paper of the Settings, one page wide, header row on every page, page numbers and pack in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER if paper == "Letter" else ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation(paper)
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.page_margins = PageMargins(left=_MARGIN_IN, right=_MARGIN_IN, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{last_letter}{max(last_row, HEADER_ROW)}"
    ws.oddFooter.left.text = footer_text(pack_name)
    ws.oddFooter.left.size = 9
    ws.oddFooter.right.text = f"{footer_text(labels['page'])} &P {footer_text(labels['of'])} &N"
    ws.oddFooter.right.size = 9


def orientation(paper: str) -> str:
    """Portrait when the table fits between the margins at full size, else landscape."""
    portrait_width = _PAPER_POINTS.get(paper, _PAPER_POINTS["A4"])[0] - 2 * 72 * _MARGIN_IN
    table_width = sum(c.width * _POINTS_PER_CHAR + _COLUMN_PADDING_PT for c in COLUMNS)
    return "portrait" if table_width <= portrait_width else "landscape"


def footer_text(text: str) -> str:
    """Workbook text for a header or footer: on one line, not too long, its ``&`` not read as a code."""
    flat = " ".join(text.split())
    if len(flat) > _FOOTER_TEXT_LIMIT:
        flat = flat[: _FOOTER_TEXT_LIMIT - 1].rstrip() + "…"
    return flat.replace("&", "&&")


def _lines(text: str, width: float, bold: bool) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (word wrap, as Excel and Calc do)."""
    usable = max(1, math.floor(width * (0.95 if bold else 1.0)))
    return sum(max(1, len(textwrap.wrap(part, usable, break_on_hyphens=False))) for part in text.split("\n"))


def _row_height(values: Sequence[object], bold: bool) -> float:
    """Points for a table row: its longest wrapped cell, since neither openpyxl nor Excel fits rows on open."""
    lines = max(
        _lines(value if isinstance(value, str) else "", column.width, bold) for value, column in zip(values, COLUMNS)
    )
    return lines * _LINE_HEIGHT + _PADDING
