"""Validation rules beyond one bad cell: sheets and columns, strictness, packs, control characters, flows and
pictures."""

from __future__ import annotations

from datetime import date

import wb
from edits import both, problems_for, put

from binder.workbook.load import check_workbook


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
