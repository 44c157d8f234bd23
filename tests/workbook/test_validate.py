"""Every rule of the workbook contract: a bad cell in, the exact cell and message out (one problem per
mistake). ``test_validate_exact.py`` gives every problem of a case in full, ``test_validate_rules.py`` the
rules a table does not show."""

from __future__ import annotations

from datetime import date

import pytest
from edits import both, drop, problems_for, put

CASES = [
    # (id, change, cell, severity, message fragment)
    ("dept-code-required", put("Departments", 0, "Code", None), "Departments!A2", "error", "Code is required"),
    (
        "dept-code-chars",
        put("Departments", 0, "Code", "FI N"),
        "Departments!A2",
        "error",
        "may hold only letters, digits and -",
    ),
    (
        "dept-code-unique",
        put("Departments", 1, "Code", "fin"),
        "Departments!A3",
        "error",
        "is used twice (also at Departments!A2)",
    ),
    ("dept-name-required", put("Departments", 1, "Name", None), "Departments!B3", "error", "Name is required"),
    ("sop-id-unique", put("SOPs", 1, "SOP ID", "FIN-001"), "SOPs!A3", "error", 'SOP ID "FIN-001" is used twice'),
    (
        "sop-id-chars",
        put("SOPs", 2, "SOP ID", "OPS 002"),
        "SOPs!A4",
        "error",
        "may hold only letters, digits, -, . and _",
    ),
    ("title-required", put("SOPs", 0, "Title", None), "SOPs!B2", "error", "Title is required"),
    ("department-known", put("SOPs", 0, "Department", "HR"), "SOPs!C2", "error", 'Department "HR" is not a Code'),
    ("version-required", put("SOPs", 2, "Version", None), "SOPs!D4", "error", "Version is required"),
    ("version-number", both(put("SOPs", 2, "Version", 0.1)), "SOPs!D4", "warning", "typed as a number"),
    ("status-choice", put("SOPs", 0, "Status", "Done"), "SOPs!E2", "error", 'Status "Done" is not one of'),
    ("owner-required", put("SOPs", 0, "Owner", None), "SOPs!F2", "error", "Owner is required"),
    (
        "effective-required",
        put("SOPs", 0, "Effective date", None),
        "SOPs!H2",
        "error",
        "is Approved but has no Effective date",
    ),
    (
        "effective-date",
        put("SOPs", 0, "Effective date", "01/03/2026"),
        "SOPs!H2",
        "error",
        '"01/03/2026" is not a date',
    ),
    ("review-range", put("SOPs", 0, "Review every (months)", 61), "SOPs!I2", "error", "whole number from 1 to 60"),
    (
        "review-number",
        put("SOPs", 0, "Review every (months)", "yearly"),
        "SOPs!I2",
        "error",
        "whole number from 1 to 60",
    ),
    ("format-choice", put("SOPs", 0, "Format", "Table"), "SOPs!J2", "error", 'Format "Table" is not one of'),
    ("purpose-required", put("SOPs", 0, "Purpose", None), "SOPs!K2", "error", "Purpose is required"),
    (
        "related-exists",
        put("SOPs", 0, "Related SOPs", "OPS-001, XYZ-9"),
        "SOPs!O2",
        "error",
        'Related SOP "XYZ-9" is not in the SOPs sheet',
    ),
    ("related-self", put("SOPs", 0, "Related SOPs", "FIN-001"), "SOPs!O2", "error", "lists itself"),
    (
        "template-outside",
        put("SOPs", 0, "Template", "../evil.docx"),
        "SOPs!P2",
        "error",
        "points outside the workbook's folder",
    ),
    ("template-missing", put("SOPs", 0, "Template", "mine.docx"), "SOPs!P2", "error", "does not exist"),
    ("template-absolute", put("SOPs", 0, "Template", "/etc/passwd"), "SOPs!P2", "error", "is an absolute path"),
    (
        "step-sop-known",
        put("Steps", 0, "SOP ID", "FIN-009"),
        "Steps!A2",
        "error",
        'SOP ID "FIN-009" is not in the SOPs sheet',
    ),
    ("step-number-form", put("Steps", 0, "Step", "one"), "Steps!B2", "error", 'Step "one" must be a number'),
    ("step-unique", put("Steps", 1, "Step", "1"), "Steps!B3", "error", "step 1 of FIN-001 appears twice"),
    ("substep-parent", put("Steps", 2, "Step", "7.1"), "Steps!B4", "error", "sub-step 7.1 of FIN-001 has no step 7"),
    ("action-required", put("Steps", 0, "Action", None), "Steps!C2", "error", "Action is required"),
    (
        "responsible-role",
        put("Steps", 0, "Responsible", "Intern"),
        "Steps!D2",
        "warning",
        'Responsible "Intern" is not a role of FIN-001',
    ),
    ("type-choice", put("Steps", 0, "Type", "Branch"), "Steps!G2", "error", 'Type "Branch" is not one of'),
    ("decision-yes", put("Steps", 4, "If yes, go to", None), "Steps!H6", "error", "needs If yes, go to"),
    ("decision-target", put("Steps", 4, "If no, go to", "9"), "Steps!I6", "error", "OPS-001 has no step 9"),
    ("target-on-action", put("Steps", 0, "If yes, go to", "2"), "Steps!H2", "warning", "only used on Decision steps"),
    ("image-outside", put("Steps", 0, "Image", "../../etc/passwd"), "Steps!J2", "error", "points outside"),
    ("image-kind", put("Steps", 0, "Image", "notes.txt"), "Steps!J2", "error", "does not exist"),
    ("role-required", put("Roles", 0, "Role", None), "Roles!B2", "error", "Role is required"),
    (
        "responsibility-required",
        put("Roles", 0, "Responsibility", None),
        "Roles!C2",
        "error",
        "Responsibility is required",
    ),
    ("role-twice", put("Roles", 1, "Role", "payroll clerk"), "Roles!B3", "warning", "listed twice"),
    ("term-required", put("Definitions", 0, "Term", None), "Definitions!B2", "error", "Term is required"),
    (
        "definition-sop",
        put("Definitions", 1, "SOP ID", "NOPE-1"),
        "Definitions!A3",
        "error",
        "is not in the SOPs sheet",
    ),
    ("kpi-target", put("KPIs", 0, "Target", None), "KPIs!C2", "error", "Target is required"),
    ("kpi-sop-required", put("KPIs", 0, "SOP ID", None), "KPIs!A2", "error", "SOP ID is required"),
    ("faq-answer", put("FAQ", 0, "Answer", None), "FAQ!C2", "error", "Answer is required"),
    (
        "reference-link",
        put("References", 0, "Link", "ftp://files.acme.test"),
        "References!C2",
        "error",
        "is not an http(s):// or mailto:",
    ),
    ("reference-title", put("References", 0, "Reference", None), "References!B2", "error", "Reference is required"),
    (
        "revision-unique",
        put("Revisions", 1, "Version", "1.0"),
        "Revisions!B3",
        "error",
        "version 1.0 of FIN-001 appears twice",
    ),
    ("revision-order", put("Revisions", 1, "Date", date(2024, 1, 1)), "Revisions!C3", "error", "before revision 1.0"),
    ("revision-date", put("Revisions", 0, "Date", "last week"), "Revisions!C2", "error", '"last week" is not a date'),
    ("revision-author", put("Revisions", 0, "Author", None), "Revisions!D2", "error", "Author is required"),
    (
        "version-newest",
        put("SOPs", 0, "Version", "2.1"),
        "SOPs!D2",
        "error",
        "but the newest revision of FIN-001 is 2.0",
    ),
    (
        "approval-role",
        put("Approvals", 0, "Role", "Signed by"),
        "Approvals!B2",
        "error",
        'Role "Signed by" is not one of',
    ),
    ("approval-name", put("Approvals", 1, "Name", None), "Approvals!C3", "error", "Name is required"),
    (
        "approval-date-needed",
        put("Approvals", 1, "Date", None),
        "Approvals!E3",
        "error",
        "Approved by row of FIN-001 needs a Date",
    ),
    (
        "approval-after-effective",
        put("Approvals", 1, "Date", date(2026, 3, 5)),
        "Approvals!E3",
        "error",
        "is after the effective date",
    ),
    (
        "approved-needs-approver",
        drop("Approvals", 2),
        "SOPs!E3",
        "error",
        "OPS-001 is Approved but has no Approved by row",
    ),
    (
        "pack-draft",
        put("Training", 1, "SOP ID", "OPS-002"),
        "Training!B3",
        "error",
        "OPS-002 is Draft: a training pack may hold only Approved SOPs",
    ),
    (
        "pack-sop-known",
        put("Training", 1, "SOP ID", "ZZZ-1"),
        "Training!B3",
        "error",
        'SOP ID "ZZZ-1" is not in the SOPs sheet',
    ),
    ("pack-name", put("Training", 1, "Pack", None), "Training!A3", "error", "Pack is required"),
    (
        "paper-size",
        put("Settings", 1, "Value", "A5"),
        "Settings!B3",
        "error",
        'Paper size "A5" is not one of: A4, Letter',
    ),
    ("language", put("Settings", 2, "Value", "de"), "Settings!B4", "error", 'Language "de" is not one of: en, fr'),
    ("setting-unknown", put("Settings", 0, "Key", "Colour"), "Settings!A2", "warning", 'setting "Colour" is unknown'),
    (
        "logo-outside",
        lambda d: d["Settings"].append({"Key": "Logo", "Value": "../logo.png"}),
        "Settings!B6",
        "error",
        "points outside",
    ),
    (
        "extra-column",
        put("Roles", 0, "Colour", "blue"),
        "Roles!D1",
        "warning",
        'column "Colour" is not part of the Roles sheet',
    ),
    (
        "extra-sheet",
        lambda d: d.__setitem__("Notes", [{"a": "x"}]),
        "Notes!A1",
        "warning",
        'sheet "Notes" is not part of',
    ),
]


@pytest.mark.parametrize("change,where,severity,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_reports_the_exact_cell(tmp_path, change, where, severity, fragment):
    problems = problems_for(tmp_path, change)
    matching = [p for p in problems if fragment in p.message]
    assert matching, f"no problem mentions {fragment!r}: {[p.format() for p in problems]}"
    assert (matching[0].where, matching[0].severity) == (where, severity)
    assert matching[0].code
    # one mistake, one problem: nothing else follows on from it
    assert len(problems) == 1, [p.format() for p in problems]
