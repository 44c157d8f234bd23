"""Reading the file: what is not a workbook, dates, formulas, merged cells, header matching."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sources
import wb
from openpyxl import load_workbook

from binder.errors import FileProblem
from binder.workbook.load import check_workbook


def library_of(path):
    library, problems = check_workbook(path, today=wb.TODAY)
    return library, [(p.where, p.severity, p.message) for p in problems]


@pytest.mark.parametrize(
    "content,fragment",
    [
        (b"", "is empty (0 bytes)"),
        (b"SOP ID,Title\nFIN-001,Payroll\n", "is not an Excel workbook: its content is text (a CSV file renamed?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "is password-protected or an old .xls file"),
        (b"PK\x03\x04 truncated", "is damaged (truncated or not a valid zip archive)"),
    ],
    ids=["empty", "csv", "encrypted", "truncated"],
)
def test_a_file_that_is_not_a_workbook_gets_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as caught:
        check_workbook(path)
    assert caught.value.problems[0].where == str(path)
    assert fragment in caught.value.problems[0].message


def test_a_truncated_real_workbook_is_reported(tmp_path):
    path = wb.write(tmp_path / "book.xlsx")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(FileProblem, match="damaged"):
        check_workbook(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileProblem) as caught:
        check_workbook(tmp_path / "nope.xlsx")
    assert caught.value.problems[0].message == "no such file"


def test_iso_text_dates_and_real_dates_read_the_same(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Effective date"] = "2026-03-01"
    library, problems = library_of(wb.write(tmp_path / "b.xlsx", data))
    assert problems == []
    assert library.sop("FIN-001").effective_date == date(2026, 3, 1)


def test_headers_match_in_any_order_and_case_with_spaces(tmp_path):
    path = wb.write(tmp_path / "b.xlsx")
    book = load_workbook(path)
    ws = book["Roles"]
    for cell in ws[1]:
        cell.value = f"  {cell.value.upper()} "
    ws.move_range("A1:A10", cols=3)  # SOP ID column moves to the end
    ws.delete_cols(1)
    book.save(path)
    library, problems = library_of(path)
    assert problems == []
    assert [r.role for r in library.sop("FIN-001").roles] == ["Payroll clerk", "Finance manager"]


def test_blank_rows_are_skipped(tmp_path):
    path = wb.write(tmp_path / "b.xlsx")
    book = load_workbook(path)
    book["Steps"].insert_rows(3, amount=2)
    book.save(path)
    library, problems = library_of(path)
    assert problems == []
    assert [s.number for s in library.sop("FIN-001").steps] == ["1", "2", "2.1", "3"]


def test_merged_cells_in_a_data_area_are_reported(tmp_path):
    path = wb.write(tmp_path / "b.xlsx")
    book = load_workbook(path)
    book["Steps"].merge_cells("E2:F2")
    book.save(path)
    _, problems = library_of(path)
    assert ("Steps!E2", "error", "cells E2:F2 are merged") in problems


def test_a_merged_range_over_required_cells_is_one_error(tmp_path):
    path = wb.write(tmp_path / "b.xlsx")
    book = load_workbook(path)
    book["Steps"].merge_cells("B2:C2")  # Step and Action of FIN-001's step 1: the Action is lost
    book.save(path)
    assert library_of(path)[1] == [("Steps!B2", "error", "cells B2:C2 are merged")]


def rename_headers(path, sheet, names):
    book = load_workbook(path)
    for column, name in names.items():
        book[sheet].cell(row=1, column=column, value=name)
    book.save(path)
    return path


def test_a_misspelt_optional_header_is_a_warning_naming_the_column_it_may_be(tmp_path):
    path = rename_headers(wb.write(tmp_path / "b.xlsx"), "Steps", {4: "Responsibel"})
    _, problems = check_workbook(path, today=wb.TODAY)
    assert [(p.where, p.severity, p.code, p.message, p.hint) for p in problems] == [
        (
            "Steps!D1",
            "warning",
            "unknown-column",
            'column "Responsibel" is not part of the Steps sheet and is ignored',
            'rename it to "Responsible" if that is what it holds',
        )
    ]


def test_misspelt_required_headers_each_name_their_own_column(tmp_path):
    path = rename_headers(wb.write(tmp_path / "b.xlsx"), "Steps", {1: "ID", 2: "Step number", 3: "Actions"})
    assert library_of(path)[1] == [
        ("Steps!A1", "error", 'column "SOP ID" is missing; found "ID": rename it to "SOP ID"'),
        ("Steps!B1", "error", 'column "Step" is missing; found "Step number": rename it to "Step"'),
        ("Steps!C1", "error", 'column "Action" is missing; found "Actions": rename it to "Action"'),
    ]


def test_a_header_unlike_any_column_is_not_taken_for_a_misspelling(tmp_path):
    path = rename_headers(wb.write(tmp_path / "b.xlsx"), "FAQ", {3: "Notes"})
    assert library_of(path)[1] == [
        ("FAQ!C1", "warning", 'column "Notes" is not part of the FAQ sheet and is ignored'),
        ("FAQ!D1", "error", 'column "Answer" is missing'),
    ]


def test_formula_without_a_saved_result_is_reported_at_its_cell(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Title"] = '="Payroll "&"processing"'  # openpyxl stores no result
    _, problems = library_of(wb.write(tmp_path / "b.xlsx", data))
    assert ("SOPs!B2", "error", "this formula has no saved result") in problems


def test_version_typed_as_number_is_kept_with_a_warning(tmp_path):
    data = wb.base()
    data["SOPs"][2]["Version"] = 2
    library, problems = library_of(wb.write(tmp_path / "b.xlsx", data))
    assert library.sop("OPS-002").version == "2.0"
    assert problems[0][:2] == ("SOPs!D4", "warning")


def test_alt_enter_line_breaks_are_kept(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Scope"] = "All staff.\nNot contractors."
    library, _ = library_of(wb.write(tmp_path / "b.xlsx", data))
    assert library.sop("FIN-001").scope == "All staff.\nNot contractors."


def test_sheet_names_match_case_insensitively(tmp_path):
    path = wb.write(tmp_path / "b.xlsx")
    book = load_workbook(path)
    book["Steps"].title = " steps "
    book.save(path)
    assert library_of(path)[1] == []


@pytest.mark.slow
def test_a_workbook_saved_by_libreoffice_calc_reads_the_same(tmp_path):
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("soffice is required in CI")
        pytest.skip("LibreOffice is not installed")
    data = wb.base()
    data["SOPs"][0]["Title"] = '="Payroll "&"processing"'
    data["SOPs"][0]["Scope"] = "All staff.\nNot contractors."
    source = wb.write(tmp_path / "src" / "book.xlsx" if (tmp_path / "src").mkdir() is None else None, data)
    out = tmp_path / "calc"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    calc_library, calc_problems = library_of(out / "book.xlsx")
    assert calc_problems == []
    reference, _ = library_of(wb.write(tmp_path / "plain.xlsx"))
    fin = calc_library.sop("FIN-001")
    assert fin.title == "Payroll processing"  # the formula's result, computed and saved by Calc
    assert fin.scope == "All staff.\nNot contractors."
    assert [(s.sop_id, s.version, s.effective_date, len(s.steps), len(s.approvals)) for s in calc_library.sops] == [
        (s.sop_id, s.version, s.effective_date, len(s.steps), len(s.approvals)) for s in reference.sops
    ]


# ---------------------------------------------------------------- what the workbook stage may import

ALLOWED = {"binder.model", "binder.problems", "binder.errors", "binder.text", "binder.files"}
NEVER = {"click", "rich"}


def imports_of(path: Path) -> list[str]:
    names = []
    for node in sources.nodes(path):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names += [f"{node.module}.{alias.name}" if node.module == "binder" else node.module for alias in node.names]
    return names


def test_the_workbook_stage_imports_only_what_it_may():
    folder = Path(__file__).resolve().parents[2] / "binder" / "workbook"
    wrong = {}
    paths = sorted(folder.glob("*.py"))
    assert folder / "load.py" in paths
    for path in paths:
        for name in imports_of(path):
            top = name.split(".")[0]
            binder_ok = top != "binder" or name in ALLOWED or name.startswith("binder.workbook")
            if not binder_ok or top in NEVER:
                wrong.setdefault(path.name, []).append(name)
    assert wrong == {}
