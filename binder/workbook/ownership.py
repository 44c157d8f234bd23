"""Who owns what: ``binder status --owner NAME`` and ``--by-owner``, for handing over a leaver's SOPs.

Owns matching a person's name (trimmed, case and spacing ignored) against the SOPs' and
departments' Owner and the Approvals' Name, and which approvals are still in force: those of an
Approved SOP given for its current version (dated on or after that version's revision). Plain
data, the command line draws it. Imports ``binder.model`` and ``binder.workbook.status`` only.
"""

from __future__ import annotations

from datetime import date

from binder.model import Approval, Library, Sop
from binder.workbook.status import status_rows


def same_person(a: str, b: str) -> bool:
    """Names as people type them: "dana  ruiz " is Dana Ruiz."""
    return _key(a) == _key(b) and bool(_key(a))


def owned_by(library: Library, person: str, today: date) -> dict:
    """Everything ``person`` owns: SOPs (status rows), departments, and approvals still in force."""
    rows = {row["sop_id"]: row for row in status_rows(library, today)}
    sops = [rows[sop.sop_id] for sop in library.sops if same_person(sop.owner, person)]
    departments = [
        {"code": d.code, "name": d.name, "sops": sum(s.department == d.code for s in library.sops)}
        for d in library.departments
        if same_person(d.owner, person)
    ]
    approvals = [
        {
            "sop_id": sop.sop_id,
            "title": sop.title,
            "version": sop.version,
            "role": approval.role,
            "date": approval.date.isoformat() if approval.date else None,
            "next_review": rows[sop.sop_id]["next_review"],
        }
        for sop in library.sops
        for approval in in_force(sop)
        if same_person(approval.name, person)
    ]
    shown = next((s["owner"] for s in _owners(library) if same_person(s["owner"], person)), person.strip())
    return {"person": shown, "sops": sops, "departments": departments, "approvals": approvals}


def by_owner(library: Library, today: date) -> list[dict]:
    """Every SOP grouped by its owner (a required column; named as first written), owners in order."""
    rows = {row["sop_id"]: row for row in status_rows(library, today)}
    groups: dict[str, dict] = {}
    for sop in library.sops:
        group = groups.setdefault(_key(sop.owner), {"owner": " ".join(sop.owner.split()), "sops": []})
        group["sops"].append(rows[sop.sop_id])
    return [groups[key] for key in sorted(groups)]


def in_force(sop: Sop) -> tuple[Approval, ...]:
    """The approvals of an Approved SOP given for its current version; none for other statuses."""
    if sop.status != "Approved":
        return ()
    current = next((r for r in sop.revisions if r.version == sop.version), None)
    return tuple(a for a in sop.approvals if a.date is not None and (current is None or a.date >= current.date))


def _owners(library: Library) -> list[dict]:
    names = [s.owner for s in library.sops] + [d.owner for d in library.departments]
    names += [a.name for s in library.sops for a in s.approvals]
    return [{"owner": name.strip()} for name in names]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
