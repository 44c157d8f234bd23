"""Every problem a mistake gives, in full: cell, severity, code and message, and nothing more."""

from __future__ import annotations

from datetime import date

import pytest
from edits import add, both, drop, exact_problems, nothing, put, rename_header, rename_sop

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
        "sop-id-twice-in-another-case",  # fin-001.pdf and FIN-001.pdf are one file on Windows and macOS
        put("SOPs", 1, "SOP ID", "fin-001"),
        [("SOPs!A3", "error", "duplicate-id", 'SOP ID "fin-001" is used twice (also at SOPs!A2)')],
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
