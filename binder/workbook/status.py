"""``binder status``: review dates at a glance, for people and schedulers.

Owns the status rows (``status_rows``), as plain data; the command line draws
them (``binder.console.status_table``). Imports ``binder.model`` only.
"""

from __future__ import annotations

from datetime import date

from binder.model import Library


def status_rows(library: Library | None, today: date, due_within: int | None = None) -> list[dict]:
    """One dict per SOP (all statuses), filtered to reviews due within ``due_within`` days when given."""
    rows = []
    for sop in library.sops if library else ():
        due = sop.next_review
        days_left = (due - today).days if due else None
        if due_within is not None and (days_left is None or days_left > due_within or sop.status != "Approved"):
            continue
        rows.append(
            {
                "sop_id": sop.sop_id,
                "title": sop.title,
                "department": sop.department,
                "status": sop.status,
                "version": sop.version,
                "effective_date": sop.effective_date.isoformat() if sop.effective_date else None,
                "next_review": due.isoformat() if due else None,
                "days_left": days_left,
                "overdue": sop.is_overdue(today),
            }
        )
    return rows
