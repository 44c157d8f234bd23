"""``binder status``: review dates at a glance, for people and schedulers."""
from __future__ import annotations

from datetime import date

from rich.table import Table

from binder.model import Library


def status_rows(library: Library | None, today: date, due_within: int | None = None) -> list[dict]:
    """One dict per SOP (all statuses), filtered to reviews due within ``due_within`` days when given."""
    rows = []
    for sop in (library.sops if library else ()):
        due = sop.next_review
        days_left = (due - today).days if due else None
        if due_within is not None and (days_left is None or days_left > due_within or sop.status != "Approved"):
            continue
        rows.append({"sop_id": sop.sop_id, "title": sop.title, "department": sop.department, "status": sop.status,
                     "version": sop.version,
                     "effective_date": sop.effective_date.isoformat() if sop.effective_date else None,
                     "next_review": due.isoformat() if due else None, "days_left": days_left,
                     "overdue": sop.is_overdue(today)})
    return rows


def status_table(rows: list[dict], source: str) -> Table:
    table = Table(title=f"SOPs in {source}", title_justify="left")
    for header in ("SOP ID", "Title", "Dept", "Status", "Version", "Effective", "Next review", ""):
        table.add_column(header, no_wrap=header in ("SOP ID", "Effective", "Next review"))
    for row in rows:
        mark = "[bold red]OVERDUE[/]" if row["overdue"] else ""
        if not row["overdue"] and row["days_left"] is not None and row["status"] == "Approved" and row["days_left"] <= 30:
            mark = f"[yellow]due in {row['days_left']} d[/]"
        table.add_row(row["sop_id"], row["title"], row["department"], row["status"], row["version"],
                      row["effective_date"] or "", row["next_review"] or "", mark)
    return table
