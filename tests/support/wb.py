"""Build small workbooks for tests: a valid base, then change one cell and check the message."""

from __future__ import annotations

import copy
import functools
import io
import os
import re
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from binder.workbook.schema import SHEETS

# A small valid workbook: sheet -> rows of {header: value}.
BASE: dict[str, list[dict]] = {
    "Settings": [
        {"Key": "Organisation", "Value": "Acme Ltd"},
        {"Key": "Paper size", "Value": "A4"},
        {"Key": "Language", "Value": "en"},
        {"Key": "Confidentiality", "Value": "Internal use only"},
    ],
    "Departments": [
        {"Code": "FIN", "Name": "Finance", "Owner": "Dana Ruiz", "Help contact": "finance@acme.test"},
        {"Code": "OPS", "Name": "Operations"},
    ],
    "SOPs": [
        {
            "SOP ID": "FIN-001",
            "Title": "Payroll processing",
            "Department": "FIN",
            "Version": "2.0",
            "Status": "Approved",
            "Owner": "Dana Ruiz",
            "Effective date": date(2026, 3, 1),
            "Review every (months)": 12,
            "Audience": "Payroll team",
            "Purpose": "Pay staff correctly and on time.",
            "Policy": "Staff are paid on the last working day of the month.",
            "Related SOPs": "OPS-001",
        },
        {
            "SOP ID": "OPS-001",
            "Title": "Receiving goods",
            "Department": "OPS",
            "Version": "1.0",
            "Status": "Approved",
            "Owner": "Sam Lee",
            "Effective date": date(2026, 2, 1),
            "Audience": "Warehouse staff",
            "Purpose": "Check deliveries.",
            "Policy": "Every delivery is checked before it is put away.",
            "Help contact": "warehouse@acme.test",
        },
        {
            "SOP ID": "OPS-002",
            "Title": "Stock count",
            "Department": "OPS",
            "Version": "0.1",
            "Status": "Draft",
            "Owner": "Sam Lee",
            "Purpose": "Count stock.",
        },
    ],
    "Steps": [
        {"SOP ID": "FIN-001", "Step": "1", "Action": "Collect timesheets.", "Responsible": "Payroll clerk"},
        {
            "SOP ID": "FIN-001",
            "Step": "2",
            "Action": "Enter hours in the payroll system.",
            "Responsible": "Payroll clerk",
        },
        {"SOP ID": "FIN-001", "Step": "2.1", "Action": "Check overtime.", "Responsible": "Payroll clerk"},
        {"SOP ID": "FIN-001", "Step": "3", "Action": "Approve the payroll run.", "Responsible": "Finance manager"},
        {
            "SOP ID": "OPS-001",
            "Step": "1",
            "Action": "Is anything damaged?",
            "Type": "Decision",
            "If yes, go to": "2",
            "If no, go to": "3",
            "Responsible": "Receiver",
        },
        {"SOP ID": "OPS-001", "Step": "2", "Action": "Photograph the damage.", "Responsible": "Receiver"},
        {"SOP ID": "OPS-001", "Step": "3", "Action": "Put the goods away.", "Responsible": "Receiver"},
        {"SOP ID": "OPS-002", "Step": "1", "Action": "Count the shelves."},
    ],
    "Roles": [
        {"SOP ID": "FIN-001", "Role": "Payroll clerk", "Responsibility": "Prepares the payroll."},
        {"SOP ID": "FIN-001", "Role": "Finance manager", "Responsibility": "Approves the payroll."},
        {"SOP ID": "OPS-001", "Role": "Receiver", "Responsibility": "Checks deliveries."},
    ],
    "Definitions": [
        {"SOP ID": "", "Term": "SOP", "Definition": "Standard Operating Procedure"},
        {"SOP ID": "FIN-001", "Term": "Gross pay", "Definition": "Pay before deductions."},
    ],
    # OPS-001's rows come last: tests point at FIN-001's as row 0. Approved SOPs have FAQ and KPI rows
    # (the missing-section writing check).
    "KPIs": [
        {"SOP ID": "FIN-001", "Measure": "Payroll errors", "Target": "0 per month", "Frequency": "Monthly"},
        {"SOP ID": "OPS-001", "Measure": "Damaged deliveries found", "Target": "All", "Frequency": "Weekly"},
    ],
    "FAQ": [
        {"SOP ID": "FIN-001", "Question": "What if a timesheet is late?", "Answer": "Chase the manager."},
        {"SOP ID": "OPS-001", "Question": "What if the driver cannot wait?", "Answer": "Sign for unchecked goods."},
    ],
    "References": [
        {"SOP ID": "FIN-001", "Reference": "Payroll policy", "Link": "https://intranet.acme.test/payroll"},
        {"SOP ID": "FIN-001", "Reference": "Receiving goods", "Link": "OPS-001"},
    ],
    "Revisions": [
        {
            "SOP ID": "FIN-001",
            "Version": "1.0",
            "Date": date(2025, 1, 10),
            "Author": "Dana Ruiz",
            "Change": "First issue.",
        },
        {
            "SOP ID": "FIN-001",
            "Version": "2.0",
            "Date": date(2026, 2, 1),
            "Author": "Dana Ruiz",
            "Change": "New system.",
        },
        {
            "SOP ID": "OPS-001",
            "Version": "1.0",
            "Date": date(2026, 1, 15),
            "Author": "Sam Lee",
            "Change": "First issue.",
        },
        # the draft's own revision: a test that approves OPS-002 needs it (an Approved SOP's Version has a revision)
        {
            "SOP ID": "OPS-002",
            "Version": "0.1",
            "Date": date(2026, 4, 1),
            "Author": "Sam Lee",
            "Change": "First draft.",
        },
    ],
    "Approvals": [
        {"SOP ID": "FIN-001", "Role": "Prepared by", "Name": "Dana Ruiz", "Date": date(2026, 2, 1)},
        {"SOP ID": "FIN-001", "Role": "Approved by", "Name": "Lee Chen", "Job title": "CFO", "Date": date(2026, 2, 20)},
        {"SOP ID": "OPS-001", "Role": "Approved by", "Name": "Lee Chen", "Date": date(2026, 1, 20)},
    ],
    "Training": [
        {"Pack": "New finance staff", "SOP ID": "FIN-001"},
        {"Pack": "New finance staff", "SOP ID": "OPS-001"},
    ],
}

TODAY = date(2026, 6, 1)


def base() -> dict[str, list[dict]]:
    return copy.deepcopy(BASE)


def write(path: Path, data: dict[str, list[dict]] | None = None, *, formulas_as_text: bool = False) -> Path:
    """Write ``data`` (default: the valid base) with the schema's headers in schema order.

    The file is what openpyxl writes for it. Workbooks of text, whole numbers and dates (nearly
    every workbook of the tests) are put together here from parts openpyxl wrote once, in a few
    milliseconds instead of forty, and the same workbook again is the same bytes again; anything
    else, or ``BINDER_TEST_OPENPYXL=1``, goes through openpyxl itself. ``tests/workbook/test_wb.py``
    checks that both give the same parts.

    With ``formulas_as_text`` text that openpyxl would take for a formula (``=SUM(1,2)``) is a text cell, as
    a workbook is after openpyxl's formula cells are made text cells again (``test_wb.py`` checks they read the
    same): put together here when it can be, else written by openpyxl and changed so.
    """
    sheets = layout(base() if data is None else data)
    key = repr((sheets, formulas_as_text))  # the values' types show: 1 and "1", a date and a datetime differ
    openpyxl_only = bool(os.environ.get("BINDER_TEST_OPENPYXL"))
    if openpyxl_only or key not in _WRITTEN:
        parts = None if openpyxl_only else _quick_parts(sheets, formulas_as_text)
        if parts is None:
            written = write_with_openpyxl(path, sheets)
            return _formulas_made_text(written) if formulas_as_text else written
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, body in parts.items():
                archive.writestr(name, body)
        if len(_WRITTEN) >= _WRITTEN_KEPT:
            _WRITTEN.pop(next(iter(_WRITTEN)))
        _WRITTEN[key] = buffer.getvalue()
    path.write_bytes(_WRITTEN[key])
    return path


_WRITTEN: dict[str, bytes] = {}
"""The bytes of workbooks written before, by their layout: most tests write the base or a workbook another test
wrote too, and zipping the parts was two thirds of a quick write."""
_WRITTEN_KEPT = 256


Layout = list[tuple[str, list[list]]]
"""Each sheet's name and rows of cell values, in the order ``write`` puts them in the workbook."""


def layout(data: dict[str, list[dict]]) -> Layout:
    """The sheets ``write`` makes of ``data``: schema sheets with their headers first, then any others."""
    sheets: Layout = []
    for spec in SHEETS:
        if spec.name not in data:
            continue
        headers = [c.header for c in spec.columns]
        extra = [h for row in data[spec.name] for h in row if h not in headers]
        headers += list(dict.fromkeys(extra))
        sheets.append((spec.name, [headers] + [[row.get(h) for h in headers] for row in data[spec.name]]))
    for name in data:
        if name not in {s.name for s in SHEETS}:
            sheets.append((name, [list(row.values()) for row in data[name]]))
    return sheets


def _formulas_made_text(path: Path) -> Path:
    """The workbook at ``path`` with every cell openpyxl took for a formula made a text cell again."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    book.save(path)
    return path


def write_with_openpyxl(path: Path, sheets: Layout) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# -- the quick way: openpyxl's parts, its cells written as openpyxl writes them ------------------------

_EPOCH = date(1899, 12, 30)
_FIRST_PLAIN_DATE = date(1900, 3, 1)  # before it, Excel's serial numbers need openpyxl's leap-year fix
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


@functools.lru_cache(maxsize=64)
def _skeleton(names: tuple[str, ...], dated: bool) -> tuple[dict[str, bytes], str, str, str]:
    """The parts openpyxl writes for empty sheets ``names`` (its date style registered when ``dated``),
    and the start, middle and end of its sheet part around the dimension and the rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for name in names:
        wb.create_sheet(name)
    if dated:
        wb.create_sheet("dated").append([date(2026, 1, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    if dated:  # only its style was wanted: write the workbook of ``names`` with that style
        reference = _skeleton(names, False)[0]
        parts = {name: parts["xl/styles.xml"] if name == "xl/styles.xml" else body for name, body in reference.items()}
    empty = parts[SHEET_PART_NAME.format(1)].decode() if names else ""
    head, _, rest = empty.partition('<dimension ref="A1:A1"/>')
    middle, _, tail = rest.partition("<sheetData></sheetData>")
    return parts, head, middle, tail


SHEET_PART_NAME = "xl/worksheets/sheet{}.xml"


def _cell(ref: str, value, formulas_as_text: bool = False) -> str | None:
    """The cell as openpyxl writes it, or None when only openpyxl may write it."""
    kind = type(value)
    if kind is str:
        if (
            len(value) > 32_767
            or (len(value) > 1 and value[0] == "=" and not formulas_as_text)
            or value in _ERROR_CODES
            or _UNSAFE_TEXT.search(value)
        ):
            return None
        if value == "":
            return f'<c r="{ref}" t="inlineStr"></c>'
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
        text = text.encode("ascii", "xmlcharrefreplace").decode()  # openpyxl's sheets are ASCII, the rest as &#N;
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind is int and abs(value) < 10**15:
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    if kind is date and value >= _FIRST_PLAIN_DATE:
        return f'<c r="{ref}" s="1" t="n"><v>{(value - _EPOCH).days}</v></c>'
    return None


def _quick_parts(sheets: Layout, formulas_as_text: bool = False) -> dict[str, bytes] | None:
    """The parts of the workbook, or None if a value is of a kind only openpyxl may write."""
    if not sheets or any(not row for _, rows in sheets for row in rows):
        return None  # no sheet at all, or an empty row: left to openpyxl
    dated = any(type(v) is date for _, rows in sheets for row in rows for v in row)
    parts, head, middle, tail = _skeleton(tuple(name for name, _ in sheets), dated)
    parts = dict(parts)
    for number, (_, rows) in enumerate(sheets, 1):
        width = max((len(row) for row in rows), default=0)
        dimension = f"A1:{get_column_letter(width)}{len(rows)}" if width else "A1:A1"
        body = []
        for r, row in enumerate(rows, 1):
            cells = []
            for c, value in enumerate(row, 1):
                if value is None:
                    continue
                xml = _cell(f"{get_column_letter(c)}{r}", value, formulas_as_text)
                if xml is None:
                    return None
                cells.append(xml)
            body.append(f'<row r="{r}">{"".join(cells)}</row>')
        xml = f'{head}<dimension ref="{dimension}"/>{middle}<sheetData>{"".join(body)}</sheetData>{tail}'
        parts[SHEET_PART_NAME.format(number)] = xml.encode()
    return parts


@functools.cache
def checked(path: Path, today: date):
    """``check_workbook`` of a workbook no test changes (the repository's example), once per test process:
    several test files read the example the same way, and its library and problems are immutable."""
    from binder.workbook.load import check_workbook

    return check_workbook(path, today=today)


def cell(sheet: str, header: str, row_index: int) -> str:
    """The cell of ``header`` on data row ``row_index`` (0-based) of the base layout."""
    from openpyxl.utils import get_column_letter

    spec = next(s for s in SHEETS if s.name == sheet)
    col = [c.header for c in spec.columns].index(header) + 1
    return f"{sheet}!{get_column_letter(col)}{row_index + 2}"


def patch_xml(path: Path, replacements: dict[bytes, bytes]) -> Path:
    """Rewrite strings inside the workbook's XML parts, for what openpyxl refuses to write."""
    import zipfile

    data = {}
    with zipfile.ZipFile(path) as zin:
        infos = zin.infolist()
        for info in infos:
            body = zin.read(info.filename)
            for old, new in replacements.items():
                body = body.replace(old, new)
            data[info.filename] = (info, body)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, body in data.values():
            zout.writestr(info, body)
    return path
