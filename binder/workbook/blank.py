"""``binder init``: a blank workbook with one worked example row per sheet.

Owns the worked example rows and where the file goes; the layout is
``binder.workbook.writer``'s. Imports ``binder.errors``, ``binder.problems`` and its own package only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from binder.workbook.limits import refused
from binder.workbook.writer import write_workbook

DEFAULT_NAME = "sops.xlsx"


def init_workbook(path: Path, force: bool = False) -> Path:
    """Write a blank workbook at ``path`` (``sops.xlsx`` inside it when it is a folder); return the file written.

    Refuses to overwrite an existing file unless ``force``. The example rows
    are dated today, so a fresh workbook validates without review warnings.
    """
    target = _target(Path(path))
    if target.exists() and not force:
        raise refused(target, "already exists", "use --force to overwrite it", code="file-exists")
    try:
        return write_workbook(target, example_rows(date.today()))
    except OSError as exc:
        raise refused(
            target,
            f"could not be written ({exc.strerror or exc})",
            "check the folder exists and you may write to it",
            code="unwritable-file",
        ) from None


def _target(path: Path) -> Path:
    if path.is_dir():
        path = path / DEFAULT_NAME
    if path.is_dir():
        raise refused(path, "is a folder", "give the path of the .xlsx file to write", code="not-a-file")
    if path.suffix.lower() != ".xlsx":
        raise refused(
            path,
            "is not an .xlsx file name",
            f"give a name ending in .xlsx, e.g. {DEFAULT_NAME}",
            code="wrong-file-type",
        )
    if not path.parent.is_dir():
        raise refused(
            path,
            f"cannot be written: the folder {path.parent} does not exist",
            "create the folder first",
            code="unwritable-file",
        )
    return path


def example_rows(today: date) -> dict[str, list[dict[str, object]]]:
    """One small, valid worked example per sheet: one department, one Approved SOP effective ``today``."""
    sop, person, role = "FIN-001", "Sam Taylor", "Accounts payable clerk"
    return {
        "Settings": [
            {"key": "Organisation", "value": "Your organisation"},
            {"key": "Logo", "value": ""},
            {"key": "Paper size", "value": "A4"},
            {"key": "Language", "value": "en"},
            {"key": "Confidentiality", "value": "Internal use only"},
            {"key": "Template", "value": ""},
            {"key": "Front template", "value": ""},
            {"key": "Signature reason", "value": "Issued as controlled copy"},
            {"key": "Signature location", "value": ""},
            {"key": "Signature contact", "value": ""},
            {"key": "Flowchart", "value": "flow"},
            {"key": "PDF/A", "value": "no"},
            {"key": "Readability threshold", "value": 40},
            {"key": "Ignore warnings", "value": ""},
        ],
        "Departments": [
            {
                "code": "FIN",
                "name": "Finance",
                "binder_title": "Finance Standard Operating Procedures",
                "owner": person,
                "help_contact": "finance@example.com",
            }
        ],
        "SOPs": [
            {
                "sop_id": sop,
                "title": "Pay a supplier invoice",
                "department": "FIN",
                "version": "1.0",
                "status": "Approved",
                "owner": person,
                "audience": "Accounts payable staff",
                "effective_date": today,
                "review_months": 12,
                "format": "Steps",
                "purpose": "Pay suppliers the right amount, on time, and only for what we ordered and received.",
                "scope": "Supplier invoices for goods and services. Not staff expenses.",
                "policy": "Every payment is backed by a purchase order and a delivery note.",
                "help_contact": "finance@example.com",
            }
        ],
        "Steps": [
            {
                "sop_id": sop,
                "step": "1",
                "action": "Match the invoice to its purchase order and delivery note.",
                "responsible": role,
                "details": "Check the quantities, prices and bank details on all three.",
                "caution": "Never pay from a statement or a copy invoice.",
            },
            {
                "sop_id": sop,
                "step": "2",
                "action": "Enter the invoice in the accounting system for the next payment run.",
                "responsible": role,
                "type": "Action",
            },
        ],
        "Roles": [{"sop_id": sop, "role": role, "responsibility": "Checks and enters supplier invoices."}],
        "Definitions": [
            {
                "sop_id": sop,
                "term": "Three-way match",
                "definition": "Invoice, purchase order and delivery note agree on items, quantities and prices.",
            }
        ],
        "KPIs": [
            {"sop_id": sop, "measure": "Invoices paid by their due date", "target": "95 %", "frequency": "Monthly"}
        ],
        "FAQ": [
            {
                "sop_id": sop,
                "question": "What if the invoice has no purchase order number?",
                "answer": "Send it back to the supplier and ask for the number. Do not enter it.",
            }
        ],
        "References": [
            {
                "sop_id": sop,
                "reference": "Purchasing policy",
                "link": "https://intranet.example.com/policies/purchasing",
            }
        ],
        "Revisions": [{"sop_id": sop, "version": "1.0", "date": today, "author": person, "change": "First issue."}],
        "Approvals": [
            {"sop_id": sop, "role": "Approved by", "name": person, "job_title": "Finance manager", "date": today}
        ],
        "Training": [{"pack": "New finance staff", "sop_id": sop}],
        "Training records": [
            {
                "person": "Alex Morgan",
                "sop_id": sop,
                "version": "1.0",
                "date": today,
                "trainer": person,
                "pack": "New finance staff",
            }
        ],
    }
