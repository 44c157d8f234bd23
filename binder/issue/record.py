"""A training pack's record (.xlsx): the acknowledgement sheet's rows, for the trainer to fill in and keep.

Every cell filled from workbook text is written as a text cell, never a formula: a title such as
``=HYPERLINK(...)`` stays the characters the author typed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins

from binder.document.labels import format_date, labels_for
from binder.files import atomic_write
from binder.model import Library, Pack


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


def write_record(library: Library, pack: Pack, path: Path, issued: date) -> Path:
    """The Excel training record: the acknowledgement's rows, for the trainer to fill in and keep."""
    labels = labels_for(library.settings.language)
    wb = Workbook()
    ws = wb.active
    ws.title = "Training record"
    bold = Font(bold=True)
    text_row(ws, [labels["training_pack"], pack.name])
    text_row(ws, [labels["organisation"], library.settings.organisation])
    text_row(ws, [labels["date_of_issue"], issued])
    ws["B3"].number_format = "yyyy-mm-dd"
    for label in ("trainee_name", "start_date", "trainer"):
        text_row(ws, [labels[label], None])
    text_row(ws, [])
    headers = [
        labels["sop_id"],
        labels["title"],
        labels["version"],
        labels["effective_date"],
        labels["trainee_initials"],
        labels["date"],
    ]
    text_row(ws, headers)
    header_row = ws.max_row
    for row in acknowledgement_rows(library, pack):
        text_row(ws, list(row) + [None, None])
    thin = Side(style="thin", color="999999")
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row, max_col=len(headers)):
        for cell in row:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[header_row]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r in range(1, 7):
        ws.cell(r, 1).font = bold
    for letter, width in zip("ABCDEF", (16, 48, 10, 16, 16, 14)):
        ws.column_dimensions[letter].width = width
    for column in "CD":  # versions stay text, so 1.10 is not read back as 1.1
        for cell in ws[column][header_row:]:
            cell.number_format = "@"
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_margins = PageMargins(left=0.5, right=0.5)
    ws.print_title_rows = f"{header_row}:{header_row}"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, wb.save)
    return path
