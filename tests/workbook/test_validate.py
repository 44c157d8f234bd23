"""Every rule of the workbook contract: a bad cell in, the exact cell and message out."""

from __future__ import annotations

from datetime import date

import pytest
import wb

from binder.workbook.load import check_workbook


def put(sheet, index, header, value):
    def change(data):
        data[sheet][index][header] = value

    return change


def drop(sheet, index):
    def change(data):
        del data[sheet][index]

    return change


def both(*changes):
    def change(data):
        for c in changes:
            c(data)

    return change


def problems_for(tmp_path, change, today=wb.TODAY, **options):
    data = wb.base()
    change(data)
    path = wb.write(tmp_path / "book.xlsx", data)
    _, problems = check_workbook(path, today=today, **options)
    return problems


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


def add(sheet, row):
    def change(data):
        data[sheet].append(row)

    return change


def rename_sop(old, new):
    """Give an SOP another ID, on every sheet."""

    def change(data):
        for rows in data.values():
            for row in rows:
                if row.get("SOP ID") == old:
                    row["SOP ID"] = new

    return change


def rename_header(sheet, column, header):
    """Change a header cell of the written workbook (``wb.write`` always writes the schema's headers)."""

    def edit(path):
        from openpyxl import load_workbook

        book = load_workbook(path)
        book[sheet].cell(row=1, column=column, value=header)
        book.save(path)

    return edit


def exact_problems(tmp_path, change, after=None):
    data = wb.base()
    change(data)
    path = wb.write(tmp_path / "book.xlsx", data)
    if after:
        after(path)
    _, problems = check_workbook(path, today=wb.TODAY)
    return [(p.where, p.severity, p.code, p.message) for p in problems]


def nothing(data):
    pass


FIN_REVISION = "Revisions!C3"
"""The Date of FIN-001's current revision, 2.0 (2026-02-01); FIN-001 is effective 2026-03-01."""

EXACT = [
    # (id, change, every problem: (cell, severity, code, message))
    # -------- version, approval and dates agree (Approved SOPs)
    (
        "revision-after-effective",
        put("Revisions", 1, "Date", date(2026, 3, 5)),
        [
            (
                FIN_REVISION,
                "error",
                "revision-after-effective",
                "revision 2.0 of FIN-001 is dated 2026-03-05, after the SOP's Effective date (2026-03-01)",
            )
        ],
    ),
    ("revision-on-the-effective-date", both(put("Revisions", 1, "Date", date(2026, 2, 20))), []),
    (
        "revision-missing",
        drop("Revisions", 2),
        [
            (
                "SOPs!D3",
                "error",
                "missing-revision",
                "OPS-001 is Approved at version 1.0 but has no revision in the Revisions sheet",
            )
        ],
    ),
    (
        "revision-of-version-missing",
        put("SOPs", 0, "Version", "2.1"),
        [
            (
                "SOPs!D2",
                "error",
                "version-mismatch",
                "Version is 2.1 but the newest revision of FIN-001 is 2.0 (Revisions!B3)",
            )
        ],
    ),
    ("draft-without-revision", drop("Revisions", 3), []),
    (
        "effective-too-early",
        put("SOPs", 0, "Effective date", date(2026, 1, 31)),
        [
            (
                "SOPs!H2",
                "error",
                "effective-too-early",
                "Effective date 2026-01-31 of FIN-001 is before its revision 2.0 "
                "(2026-02-01, Revisions!C3) and its approval (2026-02-20)",
            )
        ],
    ),
    (
        "approval-before-revision",
        put("Approvals", 1, "Date", date(2026, 1, 20)),
        [
            (
                "Approvals!E3",
                "error",
                "approval-before-revision",
                "Approved by date 2026-01-20 is before revision 2.0 of "
                "FIN-001 (2026-02-01, Revisions!C3): version 2.0 was never approved",
            )
        ],
    ),
    (
        "approval-after-effective",
        put("Approvals", 1, "Date", date(2026, 3, 5)),
        [
            (
                "Approvals!E3",
                "error",
                "approval-after-effective",
                "Approved by date 2026-03-05 is after the effective date of FIN-001 (2026-03-01)",
            )
        ],
    ),
    ("approval-on-the-revision-date", put("Approvals", 1, "Date", date(2026, 2, 1)), []),
    ("approval-on-the-effective-date", put("Approvals", 1, "Date", date(2026, 3, 1)), []),
    (
        "approval-of-an-older-version-kept",
        add("Approvals", {"SOP ID": "FIN-001", "Role": "Approved by", "Name": "Lee Chen", "Date": date(2025, 1, 12)}),
        [],
    ),
    (
        "approval-date-needed",
        put("Approvals", 1, "Date", None),
        [("Approvals!E3", "error", "required-value", "the Approved by row of FIN-001 needs a Date")],
    ),
    (
        "approval-missing",
        drop("Approvals", 2),
        [
            (
                "SOPs!E3",
                "error",
                "missing-approval",
                "OPS-001 is Approved but has no Approved by row with a Name and Date",
            )
        ],
    ),
    # -------- one mistake, one error: nothing follows on from it
    (
        "approval-date-invalid",
        put("Approvals", 1, "Date", "soon"),
        [("Approvals!E3", "error", "bad-date", 'Date "soon" is not a date')],
    ),
    (
        "approval-role-invalid",
        put("Approvals", 2, "Role", "Signed by"),
        [
            (
                "Approvals!B4",
                "error",
                "bad-choice",
                'Role "Signed by" is not one of: Prepared by, Reviewed by, Approved by',
            )
        ],
    ),
    (
        "sop-version-invalid",
        put("SOPs", 0, "Version", "two"),
        [("SOPs!D2", "error", "bad-version", 'Version "two" is not a version number')],
    ),
    (
        "revision-version-invalid",
        put("Revisions", 1, "Version", "v2"),
        [("Revisions!B3", "error", "bad-version", 'Version "v2" is not a version number')],
    ),
    (
        "revision-date-invalid",
        put("Revisions", 2, "Date", "January"),
        [("Revisions!C4", "error", "bad-date", 'Date "January" is not a date')],
    ),
    (
        "department-unknown",
        put("SOPs", 0, "Department", "HR"),
        [("SOPs!C2", "error", "unknown-department", 'Department "HR" is not a Code in the Departments sheet')],
    ),
    (
        "department-code-invalid",
        put("Departments", 1, "Code", "O P S"),
        [("Departments!A3", "error", "bad-id", 'Code "O P S" may hold only letters, digits and -')],
    ),
    (
        "department-code-blank",
        put("Departments", 1, "Code", None),
        [("Departments!A3", "error", "required-value", "Code is required")],
    ),
    ("sop-id-blank", put("SOPs", 1, "SOP ID", None), [("SOPs!A3", "error", "required-value", "SOP ID is required")]),
    (
        "sop-id-twice",
        put("SOPs", 1, "SOP ID", "FIN-001"),
        [("SOPs!A3", "error", "duplicate-id", 'SOP ID "FIN-001" is used twice (also at SOPs!A2)')],
    ),
    (
        "step-type-invalid",
        put("Steps", 4, "Type", "Branch"),
        [("Steps!G6", "error", "bad-choice", 'Type "Branch" is not one of: Action, Decision, End')],
    ),
    (
        "step-number-invalid",
        put("Steps", 1, "Step", "two"),
        [("Steps!B3", "error", "bad-step-number", 'Step "two" must be a number such as 3 or 2.1')],
    ),
    (
        "step-twice",
        put("Steps", 1, "Step", "1"),
        [("Steps!B3", "error", "duplicate-step", "step 1 of FIN-001 appears twice (also at Steps!B2)")],
    ),
    (
        "decision-target-unknown",
        put("Steps", 4, "If yes, go to", "7"),
        [("Steps!H6", "error", "unknown-step", 'If yes, go to "7": OPS-001 has no step 7')],
    ),
    (
        "role-twice",
        put("Roles", 1, "Role", "payroll clerk"),
        [
            (
                "Roles!B3",
                "warning",
                "duplicate-role",
                'role "payroll clerk" is listed twice for FIN-001 (also at Roles!B2)',
            )
        ],
    ),
    ("steps-sheet-missing", lambda d: d.pop("Steps"), [("", "error", "missing-sheet", 'sheet "Steps" is missing')]),
    ("roles-sheet-missing", lambda d: d.pop("Roles"), [("", "error", "missing-sheet", 'sheet "Roles" is missing')]),
    (
        "approvals-sheet-missing",
        lambda d: d.pop("Approvals"),
        [("", "error", "missing-sheet", 'sheet "Approvals" is missing')],
    ),
    (
        "revisions-sheet-missing",
        lambda d: d.pop("Revisions"),
        [("", "error", "missing-sheet", 'sheet "Revisions" is missing')],
    ),
    # -------- names that become file names
    *[
        (
            f"sop-id-{name}",
            put("SOPs", 2, "SOP ID", value),
            [("SOPs!A4", "error", "unsafe-name", f'SOP ID "{shown}" cannot be used in a file name: {reason}')],
        )
        for name, value, shown, reason in [
            ("con", "CON", "CON", "CON is a reserved device name on Windows"),
            ("nul-with-extension", "nul.txt", "nul.txt", "NUL is a reserved device name on Windows"),
            ("com9", "Com9", "Com9", "COM9 is a reserved device name on Windows"),
            ("lpt1", "LPT1.docx", "LPT1.docx", "LPT1 is a reserved device name on Windows"),
            ("dot", ".", ".", '"." means a folder'),
            ("dot-dot", "..", "..", '".." means a folder'),
            ("slash", "OPS/002", "OPS/002", "it holds a path separator (/ or \\)"),
            ("backslash", "OPS\\002", "OPS\\002", "it holds a path separator (/ or \\)"),
            ("line-break", "OPS\n002", "OPS\\n002", "it holds a line break or another control character"),
            ("too-long", "X" * 65, "X" * 40 + "…", "it is 65 characters long; at most 64 are allowed"),
        ]
    ],
    ("sop-id-64-characters", rename_sop("OPS-002", "X" * 64), []),
    ("sop-id-reserved-word-inside", rename_sop("OPS-002", "CONSOLE-1"), []),
    (
        "dept-code-reserved",
        put("Departments", 1, "Code", "aux"),
        [
            (
                "Departments!A3",
                "error",
                "unsafe-name",
                'Code "aux" cannot be used in a file name: AUX is a reserved device name on Windows',
            )
        ],
    ),
    (
        "dept-code-too-long",
        put("Departments", 1, "Code", "O" * 65),
        [
            (
                "Departments!A3",
                "error",
                "unsafe-name",
                f'Code "{"O" * 40}…" cannot be used in a file name: it is 65 characters long; at most 64 are allowed',
            )
        ],
    ),
    *[
        (
            f"pack-{name}",
            put("Training", 1, "Pack", value),
            [("Training!A3", "error", "unsafe-name", f'Pack "{value}" cannot be used in a file name: {reason}')],
        )
        for name, value, reason in [
            ("dot-dot", "..", "it has no letter or digit to make a file name of"),
            ("reserved", "Aux", "its file name aux.pdf is reserved on Windows"),
            ("reserved-file-name", "nul!", "its file name nul.pdf is reserved on Windows"),
        ]
    ],
    # a pack's file name is its slug: "Finance / HR" gives finance-hr.pdf, a good name
    ("pack-slash-is-fine", put("Training", 1, "Pack", "Finance / HR"), []),
    (
        "pack-same-file-name",
        put("Training", 1, "Pack", "new FINANCE staff"),
        [
            (
                "Training!A3",
                "error",
                "duplicate-pack-file",
                'Pack "new FINANCE staff" gets the same file name '
                '(new-finance-staff.pdf) as pack "New finance staff" (Training!A2)',
            )
        ],
    ),
    (
        "pack-same-file-name-later-rows-quiet",
        both(
            put("Training", 1, "Pack", "New-Finance-Staff"),
            add("Training", {"Pack": "New-Finance-Staff", "SOP ID": "ZZZ-1"}),
        ),
        [
            (
                "Training!A3",
                "error",
                "duplicate-pack-file",
                'Pack "New-Finance-Staff" gets the same file name '
                '(new-finance-staff.pdf) as pack "New finance staff" (Training!A2)',
            )
        ],
    ),
    # -------- links
    (
        "link-to-unknown-sop",
        put("References", 1, "Link", "OPS-009"),
        [("References!C3", "error", "unknown-sop", 'Link "OPS-009" is not an SOP ID of the SOPs sheet')],
    ),
    (
        "link-without-scheme",
        put("References", 0, "Link", "intranet.acme.test"),
        [("References!C2", "error", "unknown-sop", 'Link "intranet.acme.test" is not an SOP ID of the SOPs sheet')],
    ),
    ("link-to-sop-in-other-case", put("References", 1, "Link", "ops-001"), []),
    *[
        (
            f"mailto-{name}",
            put("References", 0, "Link", link),
            [("References!C2", "error", "bad-link", f'Link "{link}" carries more than an e-mail address ({extra})')],
        )
        for name, link, extra in [
            ("bcc", "mailto:help@acme.test?bcc=spy@evil.test", "?bcc=spy@evil.test"),
            ("cc", "mailto:help@acme.test?cc=x@y.z", "?cc=x@y.z"),
            ("subject", "mailto:help@acme.test?subject=Hi", "?subject=Hi"),
            ("body", "MAILTO:help@acme.test?body=Click%20here", "?body=Click here"),
            ("encoded", "mailto:a@b.c%3Fbcc=x", "?bcc=x"),
            ("encoded-lower", "mailto:a@b.c%3fbcc=x", "?bcc=x"),
            ("encoded-twice", "mailto:a@b.c%253Fbcc=x", "?bcc=x"),
            ("bare-question-mark", "mailto:a@b.c?", "?"),
        ]
    ],
    ("mailto-address-only", put("References", 0, "Link", "mailto:help@acme.test"), []),
]


@pytest.mark.parametrize("change,expected", [c[1:] for c in EXACT], ids=[c[0] for c in EXACT])
def test_every_problem_exactly(tmp_path, change, expected):
    assert exact_problems(tmp_path, change) == expected


def test_a_renamed_header_is_one_error_naming_the_column(tmp_path):
    problems = exact_problems(tmp_path, nothing, rename_header("Steps", 2, "Step no."))
    assert problems == [
        ("Steps!B1", "error", "missing-column", 'column "Step" is missing; found "Step no.": rename it to "Step"')
    ]


def test_a_required_column_without_a_look_alike_is_one_error_at_the_next_free_header(tmp_path):
    problems = exact_problems(tmp_path, nothing, rename_header("Approvals", 3, "Signatory"))
    assert problems == [
        (
            "Approvals!C1",
            "warning",
            "unknown-column",
            'column "Signatory" is not part of the Approvals sheet and is ignored',
        ),
        ("Approvals!G1", "error", "missing-column", 'column "Name" is missing'),
    ]


def test_problems_about_one_sop_name_it(tmp_path):
    problems = problems_for(
        tmp_path,
        both(
            put("Steps", 0, "Responsible", "Intern"),
            put("SOPs", 2, "Version", 0.1),
            put("Approvals", 1, "Date", "soon"),
        ),
    )
    assert [(p.code, p.sop_id) for p in problems] == [
        ("version-as-number", "OPS-002"),
        ("bad-date", "FIN-001"),
        ("unknown-role", "FIN-001"),
    ]


def test_the_base_workbook_is_valid(tmp_path):
    assert problems_for(tmp_path, lambda d: None) == ()


def test_overdue_review_warning(tmp_path):
    problems = problems_for(tmp_path, lambda d: None, today=date(2027, 3, 2))
    assert [(p.where, p.severity, p.message) for p in problems] == [
        ("SOPs!H2", "warning", "review of FIN-001 was due on 2027-03-01"),
        ("SOPs!H3", "warning", "review of OPS-001 was due on 2027-02-01"),
    ]


def test_missing_sheet_is_an_error_naming_it(tmp_path):
    problems = problems_for(tmp_path, lambda d: d.pop("Roles"))
    assert any(p.where == "" and p.is_error and p.message == 'sheet "Roles" is missing' for p in problems)


def test_optional_sheets_may_be_missing(tmp_path):
    assert problems_for(tmp_path, lambda d: (d.pop("Settings"), d.pop("Training"))) == ()


def test_missing_required_column_is_reported_in_the_header_row(tmp_path):
    def change(data):
        for row in data["FAQ"]:
            row.pop("Answer")

    data = wb.base()
    change(data)
    path = wb.write(tmp_path / "b.xlsx", data)
    # write() always writes every schema header: rebuild the sheet without the column
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["FAQ"].delete_cols(3)
    book.save(path)
    _, problems = check_workbook(path, today=wb.TODAY)
    assert [(p.where, p.message) for p in problems if p.is_error] == [("FAQ!C1", 'column "Answer" is missing')]


def test_blank_required_cell_in_a_filled_row(tmp_path):
    problems = problems_for(tmp_path, put("Steps", 7, "Action", None))
    assert [(p.where, p.message) for p in problems if p.is_error] == [("Steps!C9", "Action is required")]


def test_strict_turns_warnings_into_errors(tmp_path):
    problems = problems_for(tmp_path, put("Steps", 0, "Responsible", "Intern"), strict=True)
    assert [p.severity for p in problems] == ["error"]


def test_all_problems_are_reported_in_one_run(tmp_path):
    problems = problems_for(
        tmp_path,
        both(put("SOPs", 0, "Title", None), put("Steps", 0, "Action", None), put("Approvals", 0, "Role", "Nope")),
    )
    assert {p.where for p in problems if p.is_error} == {"SOPs!B2", "Steps!C2", "Approvals!B2"}


def test_drafts_may_join_packs_with_include_drafts(tmp_path):
    assert problems_for(tmp_path, put("Training", 1, "SOP ID", "OPS-002"), include_drafts=True) == ()


def test_retired_never_joins_a_pack(tmp_path):
    change = both(put("SOPs", 2, "Status", "Retired"), put("Training", 1, "SOP ID", "OPS-002"))
    problems = problems_for(tmp_path, change, include_drafts=True)
    assert [(p.where, p.message[:20]) for p in problems if p.is_error] == [("Training!B3", "OPS-002 is Retired: ")]


def test_control_characters_are_removed_with_a_warning_and_line_breaks_kept(tmp_path):
    data = wb.base()
    data["Steps"][0]["Details"] = "R&D CTRL<QA> first"
    data["Steps"][1]["Details"] = "line one\nline two VTABline three"
    path = wb.patch_xml(wb.write(tmp_path / "b.xlsx", data), {b"CTRL": b"_x0001_", b"VTAB": b"_x000B_"})
    library, problems = check_workbook(path, today=wb.TODAY)
    assert [(p.where, p.severity) for p in problems] == [("Steps!E2", "warning")]
    assert "cannot appear in a document" in problems[0].message
    steps = library.sop("FIN-001").steps
    assert steps[0].details == "R&D <QA> first"
    assert steps[1].details == "line one\nline two\nline three"


def test_unreachable_step_is_a_warning_at_its_step_cell(tmp_path):
    # OPS-001: 1 decides between 2 and 3; make both branches skip step 2
    problems = problems_for(tmp_path, put("Steps", 4, "If yes, go to", "3"))
    assert [(p.where, p.severity, p.message) for p in problems] == [
        ("Steps!B7", "warning", "step 2 of OPS-001 can never be reached")
    ]


def test_decision_loop_with_no_way_out_is_a_warning(tmp_path):
    # step 3 goes back to the decision, which never leads to End
    def loop(data):
        data["Steps"][4]["If no, go to"] = "2"
        data["Steps"][6].update(
            {"Type": "Decision", "Action": "Is it put away?", "If yes, go to": "1", "If no, go to": "2"}
        )

    problems = problems_for(tmp_path, loop)
    assert {(p.where, p.message) for p in problems} == {
        ("Steps!B6", "step 1 of OPS-001 is in a loop with no way out to End"),
        ("Steps!B7", "step 2 of OPS-001 is in a loop with no way out to End"),
        ("Steps!B8", "step 3 of OPS-001 is in a loop with no way out to End"),
    }


def _png(path, size=(4, 3)):
    import struct
    import zlib

    width, height = size
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def test_step_image_confinement_and_content(tmp_path):
    (tmp_path / "pics").mkdir()
    _png(tmp_path / "pics" / "ok.png")
    (tmp_path / "pics" / "fake.png").write_text("I am text")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.png"
    _png(outside)
    (tmp_path / "pics" / "link.png").symlink_to(outside)

    def images(data):
        data["Steps"][0]["Image"] = "pics/ok.png"
        data["Steps"][1]["Image"] = "pics/fake.png"
        data["Steps"][2]["Image"] = "pics/link.png"
        data["Steps"][3]["Image"] = "../../etc/passwd"
        data["Steps"][5]["Image"] = "pics/missing.png"

    problems = problems_for(tmp_path, images)
    assert [(p.where, p.message) for p in problems if p.is_error] == [
        ("Steps!J3", 'Image "pics/fake.png" is not a readable PNG or JPEG picture'),
        ("Steps!J4", 'Image "pics/link.png" points outside the workbook\'s folder'),
        ("Steps!J5", 'Image "../../etc/passwd" points outside the workbook\'s folder'),
        ("Steps!J7", 'Image "pics/missing.png" does not exist'),
    ]
