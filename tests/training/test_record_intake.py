"""``binder training record``: a real pack record, filled in, appended to a real workbook; nothing else changes."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from cli import run
from openpyxl import load_workbook

from binder.issue.record import write_record
from binder.training.matrix import training_matrix
from binder.workbook.blank import example_rows
from binder.workbook.load import check_workbook
from binder.workbook.load import load_workbook as load_library
from binder.workbook.writer import write_workbook

DAY = date(2026, 5, 4)
SIGNED = date(2026, 5, 6)
RECORDS_PART = "xl/worksheets/sheet14.xml"  # Instructions, the 12 sheets before it, then Training records


def _workbook(folder: Path) -> Path:
    """An init workbook (comments, dropdowns, styles) with a second SOP in the pack, FIN-002 revised to 1.1."""
    rows = example_rows(DAY)
    second = {**rows["SOPs"][0], "sop_id": "FIN-002", "title": "Approve a credit note", "version": "1.1"}
    rows["SOPs"].append(second)
    rows["Steps"].append({"sop_id": "FIN-002", "step": "1", "action": "Check the credit note."})
    for version in ("1.0", "1.1"):
        rows["Revisions"].append(
            {"sop_id": "FIN-002", "version": version, "date": DAY, "author": "Sam Taylor", "change": "Issue."}
        )
    rows["Approvals"].append({"sop_id": "FIN-002", "role": "Approved by", "name": "Sam Taylor", "date": DAY})
    rows["Training"].append({"pack": "New finance staff", "sop_id": "FIN-002"})
    return write_workbook(folder / "sops.xlsx", rows)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """The folder of ``setup``'s files, made once: writing an init workbook takes a while."""
    folder = tmp_path_factory.mktemp("intake")
    library = load_library(_workbook(folder), today=DAY).library
    record = write_record(library, library.packs[0], folder / "packs" / "new-finance-staff-record.xlsx", DAY)
    fill(record, {"B4": "Jo Park", "B6": "Sam Taylor", "E9": "JP", "F9": SIGNED, "E10": "JP", "F10": SIGNED})
    return folder


@pytest.fixture
def setup(made, tmp_path) -> tuple[Path, Path]:
    """The workbook, and its pack's record filled in by Jo Park: FIN-001 signed, FIN-002 (1.1) signed.

    A copy of this test's own (the tests change both)."""
    shutil.copytree(made, tmp_path, dirs_exist_ok=True)
    return tmp_path / "sops.xlsx", tmp_path / "packs" / "new-finance-staff-record.xlsx"


def fill(record: Path, cells: dict[str, object]) -> None:
    """The trainer's copy, filled in and saved (as Excel or Calc would save it)."""
    book = load_workbook(record)
    for ref, value in cells.items():
        book.active[ref] = value
    book.save(record)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_signed_rows_are_appended_and_nothing_else_changes(setup):
    book, record = setup
    os.chmod(book, 0o640)
    before = parts(book)
    result = run("training", "record", record, "--person", " jo  PARK", book)
    assert result.returncode == 0, result.stderr
    assert 'Jo Park (pack "New finance staff"): 2 row(s) added' in result.stderr
    after = parts(book)
    assert list(after) == list(before)  # same parts, same order
    assert [name for name in before if before[name] != after[name]] == [RECORDS_PART]
    assert os.stat(book).st_mode & 0o777 == 0o640
    library, problems = check_workbook(book, today=DAY)
    assert [p.code for p in problems] == []
    assert library is not None
    added = [(r.person, r.sop_id, r.version, r.date, r.trainer, r.pack) for r in library.training_records][1:]
    assert added == [
        ("Jo Park", "FIN-001", "1.0", SIGNED, "Sam Taylor", "New finance staff"),
        ("Jo Park", "FIN-002", "1.1", SIGNED, "Sam Taylor", "New finance staff"),
    ]
    states = {(c.person, c.sop_id): c.state for c in training_matrix(library)}
    assert states[("Jo Park", "FIN-002")] == "current" and states[("Alex Morgan", "FIN-002")] == "missing"
    # the new date cells are real dates in the column's date style, read back by openpyxl as dates
    ws = load_workbook(book)["Training records"]
    assert ws["D3"].is_date and ws["D3"].number_format == "yyyy-mm-dd"


def test_recording_the_same_record_twice_adds_nothing(setup):
    book, record = setup
    assert run("training", "record", record, book).returncode == 0  # the name on the record: Jo Park
    again = run("training", "record", record, "--person", "JO PARK", book)
    assert again.returncode == 0
    assert "0 row(s) added" in again.stderr and "2 already there" in again.stderr
    library = load_library(book, today=DAY).library
    assert len(library.training_records) == 3


@pytest.mark.parametrize("lock", ["~$sops.xlsx", ".~lock.sops.xlsx#"])
def test_refused_while_the_workbook_is_open(setup, lock):
    book, record = setup
    (book.parent / lock).write_text("x")
    before = book.read_bytes()
    result = run("training", "record", record, book)
    assert result.returncode == 1
    assert lock in result.stderr and "nothing was written" in result.stderr
    assert book.read_bytes() == before


def test_refused_while_a_workbook_of_a_long_name_is_open_in_excel(setup):
    """Excel puts ``~$`` over the first two letters of a name of 8 letters or more."""
    book, record = setup
    long = book.rename(book.with_name("training-2026.xlsx"))
    (long.parent / "~$aining-2026.xlsx").write_text("x")
    before = long.read_bytes()
    result = run("training", "record", record, long)
    assert result.returncode == 1 and "~$aining-2026.xlsx" in result.stderr and "nothing was written" in result.stderr
    assert long.read_bytes() == before


def test_a_row_naming_an_sop_the_workbook_lacks_is_refused_at_its_cell_and_nothing_is_written(setup):
    book, record = setup
    fill(record, {"A10": "FIN-999"})
    before = book.read_bytes()
    result = run("training", "record", record, book)
    assert result.returncode == 1 and "Training record!A10: error:" in result.stderr and "FIN-999" in result.stderr
    assert "Traceback" not in result.stderr and book.read_bytes() == before


def test_names_that_look_like_formulas_or_markup_are_written_as_text(setup):
    book, record = setup
    typed = '=HYPERLINK("https://evil.test","Jo") <b>&amp;'
    filled = load_workbook(record)
    filled.active["B4"], filled.active["B6"] = typed, "+1+1"
    filled.active["B4"].data_type = "s"  # typed as text (Excel: a leading apostrophe)
    filled.save(record)
    result = run("training", "record", record, book)
    assert result.returncode == 0, result.stderr
    rows = list(load_workbook(book)["Training records"].iter_rows(values_only=True))
    assert [(r[0], r[4]) for r in rows[-2:]] == [(typed, "+1+1")] * 2
    cells = [c for row in load_workbook(book)["Training records"].iter_rows(min_row=len(rows) - 1) for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_a_version_the_sop_never_had_is_refused_at_the_records_cell(setup):
    book, record = setup
    fill(record, {"C10": "3.0"})
    before = book.read_bytes()
    result = run("training", "record", record, book)
    assert result.returncode == 1
    assert "new-finance-staff-record.xlsx:Training record!C10: error: FIN-002 has no version 3.0" in result.stderr
    assert "[training-version-unknown]" in result.stderr and "Traceback" not in result.stderr
    assert book.read_bytes() == before


def test_unsigned_and_half_signed_rows_are_not_recorded(setup):
    book, record = setup
    fill(record, {"F10": None})
    result = run("training", "record", record, book)
    assert result.returncode == 0
    assert "Training record!F10: warning: FIN-002 has initials but no date" in result.stderr
    assert "1 row(s) added" in result.stderr
    fill(record, {"E10": None})
    assert "1 already there, 1 not signed yet" in run("training", "record", record, book).stderr


@pytest.mark.parametrize(
    ("cells", "person", "expected"),
    [
        ({"B4": None}, None, "Training record!B4: error: the record does not name its trainee"),
        ({}, "Kim Lo", 'Training record!B4: error: the record was signed by "Jo Park", not by "Kim Lo"'),
        ({"A8": "ID"}, None, "Training record!A8: error: this is not a binder training record"),
    ],
)
def test_a_record_that_cannot_be_read_is_refused(setup, cells, person, expected):
    book, record = setup
    fill(record, cells)
    before = book.read_bytes()
    result = run("training", "record", record, *(("--person", person) if person else ()), book)
    assert result.returncode == 1 and expected in result.stderr, result.stderr
    assert book.read_bytes() == before


def test_a_workbook_is_not_a_record(setup):
    book, _ = setup
    other = book.with_name("copy.xlsx")
    shutil.copy(book, other)
    result = run("training", "record", other, book)
    assert result.returncode == 1 and "[not-a-training-record]" in result.stderr


def test_a_workbook_without_the_sheet_is_told_how_to_add_it(setup):
    book, record = setup
    loaded = load_workbook(book)
    del loaded["Training records"]
    loaded.save(book)
    before = book.read_bytes()
    result = run("training", "record", record, book)
    assert result.returncode == 1
    assert 'has no "Training records" sheet' in result.stderr and "binder init" in result.stderr
    assert book.read_bytes() == before


def test_through_a_symbolic_link_the_file_it_points_to_changes(setup):
    book, record = setup
    link = book.with_name("link.xlsx")
    link.symlink_to(book.name)
    assert run("training", "record", record, link).returncode == 0
    assert link.is_symlink()
    assert len(load_library(book, today=DAY).library.training_records) == 3


def test_rows_below_a_bare_header_get_the_columns_styles_not_the_headers(tmp_path):
    rows = example_rows(DAY)
    rows["Training records"] = []
    book = write_workbook(tmp_path / "sops.xlsx", rows)
    library = load_library(book, today=DAY).library
    record = write_record(library, library.packs[0], tmp_path / "record.xlsx", DAY)
    fill(record, {"B4": "Jo Park", "E9": "JP", "F9": SIGNED})
    assert run("training", "record", record, book).returncode == 0
    ws = load_workbook(book)["Training records"]
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws["A2"].fill.fgColor.rgb != ws["A1"].fill.fgColor.rgb
    assert ws["C2"].value == "1.0" and ws["C2"].number_format == "@"
    assert ws["D2"].is_date and ws["D2"].value.date() == SIGNED
    assert [r.person for r in load_library(book, today=DAY).library.training_records] == ["Jo Park"]


def test_without_a_workbook_the_shipped_example_is_never_written(setup, tmp_path):
    _, record = setup
    shipped = Path(__file__).resolve().parents[2] / "binder" / "examples" / "example.xlsx"
    before = shipped.read_bytes()
    result = run("training", "record", record, cwd=tmp_path)  # no inputs/example.xlsx here
    assert result.returncode == 2 and "give WORKBOOK" in result.stderr
    assert shipped.read_bytes() == before
