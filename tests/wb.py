"""Build small workbooks for tests: a valid base, then change one cell and check the message."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from openpyxl import Workbook

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
        {"SOP ID": "FIN-001", "Title": "Payroll processing", "Department": "FIN", "Version": "2.0",
         "Status": "Approved", "Owner": "Dana Ruiz", "Effective date": date(2026, 3, 1),
         "Review every (months)": 12, "Purpose": "Pay staff correctly and on time.", "Related SOPs": "OPS-001"},
        {"SOP ID": "OPS-001", "Title": "Receiving goods", "Department": "OPS", "Version": "1.0",
         "Status": "Approved", "Owner": "Sam Lee", "Effective date": date(2026, 2, 1),
         "Purpose": "Check deliveries."},
        {"SOP ID": "OPS-002", "Title": "Stock count", "Department": "OPS", "Version": "0.1",
         "Status": "Draft", "Owner": "Sam Lee", "Purpose": "Count stock."},
    ],
    "Steps": [
        {"SOP ID": "FIN-001", "Step": "1", "Action": "Collect timesheets.", "Responsible": "Payroll clerk"},
        {"SOP ID": "FIN-001", "Step": "2", "Action": "Enter hours in the payroll system.", "Responsible": "Payroll clerk"},
        {"SOP ID": "FIN-001", "Step": "2.1", "Action": "Check overtime.", "Responsible": "Payroll clerk"},
        {"SOP ID": "FIN-001", "Step": "3", "Action": "Approve the payroll run.", "Responsible": "Finance manager"},
        {"SOP ID": "OPS-001", "Step": "1", "Action": "Is anything damaged?", "Type": "Decision",
         "If yes, go to": "2", "If no, go to": "3", "Responsible": "Receiver"},
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
    "KPIs": [{"SOP ID": "FIN-001", "Measure": "Payroll errors", "Target": "0 per month", "Frequency": "Monthly"}],
    "FAQ": [{"SOP ID": "FIN-001", "Question": "What if a timesheet is late?", "Answer": "Chase the manager."}],
    "References": [
        {"SOP ID": "FIN-001", "Reference": "Payroll policy", "Link": "https://intranet.acme.test/payroll"},
        {"SOP ID": "FIN-001", "Reference": "Receiving goods", "Link": "OPS-001"},
    ],
    "Revisions": [
        {"SOP ID": "FIN-001", "Version": "1.0", "Date": date(2025, 1, 10), "Author": "Dana Ruiz", "Change": "First issue."},
        {"SOP ID": "FIN-001", "Version": "2.0", "Date": date(2026, 2, 1), "Author": "Dana Ruiz", "Change": "New system."},
        {"SOP ID": "OPS-001", "Version": "1.0", "Date": date(2026, 1, 15), "Author": "Sam Lee", "Change": "First issue."},
        # the draft's own revision: a test that approves OPS-002 needs it (an Approved SOP's Version has a revision)
        {"SOP ID": "OPS-002", "Version": "0.1", "Date": date(2026, 4, 1), "Author": "Sam Lee", "Change": "First draft."},
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


def write(path: Path, data: dict[str, list[dict]] | None = None) -> Path:
    """Write ``data`` (default: the valid base) with the schema's headers in schema order."""
    data = base() if data is None else data
    wb = Workbook()
    wb.remove(wb.active)
    for spec in SHEETS:
        if spec.name not in data:
            continue
        ws = wb.create_sheet(spec.name)
        headers = [c.header for c in spec.columns]
        extra = [h for row in data[spec.name] for h in row if h not in headers]
        headers += list(dict.fromkeys(extra))
        ws.append(headers)
        for row in data[spec.name]:
            ws.append([row.get(h) for h in headers])
    for name in data:
        if name not in {s.name for s in SHEETS}:
            ws = wb.create_sheet(name)
            for row in data[name]:
                ws.append(list(row.values()))
    wb.save(path)
    return path


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
