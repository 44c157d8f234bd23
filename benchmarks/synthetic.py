"""Synthetic workbooks for the benchmark: N realistic SOPs across 10 departments.

Each SOP has 7 steps with details, two roles, a KPI, an FAQ, a revision and an
approval, like a typical 2-3 page procedure.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path

from binder.workbook.writer import write_workbook

DEPARTMENTS = [("FIN", "Finance"), ("HR", "Human Resources"), ("OPS", "Warehouse Operations"),
               ("SAL", "Sales"), ("PUR", "Purchasing"), ("IT", "Information Technology"),
               ("QA", "Quality Assurance"), ("CS", "Customer Service"), ("FAC", "Facilities"), ("LEG", "Legal")]
VERBS = ["Check", "Record", "Confirm", "Send", "Review", "Approve", "File"]


def rows(count: int, change: int | Collection[int] | None = None) -> dict[str, list[dict]]:
    """The rows of a workbook with ``count`` SOPs; ``change`` edits one SOP, or each of several (its step 3 and
    version)."""
    changed = {change} if isinstance(change, int) else set(change or ())
    data: dict[str, list[dict]] = {name: [] for name in ("Settings", "Departments", "SOPs", "Steps", "Roles",
                                                         "Definitions", "KPIs", "FAQ", "References", "Revisions",
                                                         "Approvals", "Training")}
    data["Settings"] = [{"key": "Organisation", "value": "Benchmark Industries Ltd"},
                        {"key": "Confidentiality", "value": "Internal use only"}]
    data["Departments"] = [{"code": code, "name": name, "owner": "Alex Morgan", "help_contact": "help@example.com"}
                           for code, name in DEPARTMENTS]
    data["Definitions"] = [{"sop_id": "", "term": "SOP", "definition": "Standard Operating Procedure"}]
    for n in range(count):
        code = DEPARTMENTS[n % len(DEPARTMENTS)][0]
        sop_id = f"{code}-{n // len(DEPARTMENTS) + 1:03d}"
        edited = n in changed
        version = "1.1" if edited else "1.0"
        data["SOPs"].append({"sop_id": sop_id, "title": f"Procedure {n + 1}: handling request type {n % 17}",
                             "department": code, "version": version, "status": "Approved", "owner": "Sam Taylor",
                             "audience": "Office staff", "effective_date": date(2026, 3, 1),
                             "purpose": "Handle every request of this type the same way, on time, and with a record "
                                        "that an auditor can follow.",
                             "scope": "All requests received by e-mail or through the portal. Not covered: urgent "
                                      "requests, which follow the escalation procedure.",
                             "policy": "Requests are answered within two business days."})
        for s in range(1, 8):
            action = f"{VERBS[s - 1]} the request details in the tracking system (step {s})."
            if edited and s == 3:
                action = "Confirm the request details with the requester by phone."
            data["Steps"].append({"sop_id": sop_id, "step": str(s), "action": action,
                                  "responsible": "Clerk" if s % 3 else "Supervisor",
                                  "details": "Use the standard form. Attach the evidence to the record and note "
                                             "the date and your initials so the next person can follow up."})
        data["Roles"] += [{"sop_id": sop_id, "role": "Clerk", "responsibility": "Carries out the procedure."},
                          {"sop_id": sop_id, "role": "Supervisor", "responsibility": "Checks and approves."}]
        data["KPIs"].append({"sop_id": sop_id, "measure": "Requests answered on time", "target": "95 %",
                             "frequency": "Monthly"})
        data["FAQ"].append({"sop_id": sop_id, "question": "What if the requester does not answer?",
                            "answer": "Try twice more on different days, then close the request and note why."})
        data["Revisions"].append({"sop_id": sop_id, "version": "1.0", "date": date(2026, 2, 1),
                                  "author": "Sam Taylor", "change": "First issue."})
        if edited:
            data["Revisions"].append({"sop_id": sop_id, "version": "1.1", "date": date(2026, 2, 10),
                                      "author": "Sam Taylor", "change": "Confirm by phone."})
        data["Approvals"].append({"sop_id": sop_id, "role": "Approved by", "name": "Jo Rivera",
                                  "job_title": "Operations Director", "date": date(2026, 2, 20)})
    return data


def write(path: Path, count: int, change: int | Collection[int] | None = None) -> Path:
    return write_workbook(path, rows(count, change))
