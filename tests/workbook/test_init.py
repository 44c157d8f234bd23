"""``binder init`` and the shipped example: layout, dropdowns, refusal to overwrite, validity."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import wb
from openpyxl import load_workbook

from binder.errors import FileProblem
from binder.workbook.blank import init_workbook
from binder.workbook.load import check_workbook
from binder.workbook.schema import SETTING_KEYS, SHEETS, sheet
from binder.workbook.writer import write_workbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"
EXAMPLE_TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    return init_workbook(tmp_path_factory.mktemp("init") / "sops.xlsx")


@pytest.fixture(scope="module")
def book(blank):
    return load_workbook(blank)


def validations(ws) -> dict[str, list[str]]:
    """Formula of each list validation (quotes around sheet names removed) → the ranges it covers."""
    found: dict[str, list[str]] = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        found.setdefault(dv.formula1.replace("'", ""), []).append(str(dv.sqref))
    return found


def letter(sheet_name: str, field: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.field for c in sheet(sheet_name).columns].index(field) + 1)


def test_sheets_are_instructions_then_the_schema_in_order(book):
    assert book.sheetnames == ["Instructions"] + [s.name for s in SHEETS]


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.name)
def test_header_row_follows_the_schema(book, spec):
    ws = book[spec.name]
    row = next(ws.iter_rows(min_row=1, max_row=1))
    assert [c.value for c in row] == [c.header for c in spec.columns]
    for cell, column in zip(row, spec.columns):
        assert cell.font.b, cell.coordinate
        assert cell.fill.fgColor.rgb not in (None, "00000000")
        assert cell.comment is not None and column.note in cell.comment.text
        assert ("Required." in cell.comment.text) == column.required
        assert ws.column_dimensions[cell.column_letter].width == column.width
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")


def test_choice_columns_have_dropdowns_on_rows_2_to_1000(book):
    for sheet_name, field in [("SOPs", "status"), ("SOPs", "format"), ("Steps", "type"), ("Approvals", "role")]:
        column = sheet(sheet_name).column(field)
        formula = '"' + ",".join(column.choices) + '"'
        col = letter(sheet_name, field)
        assert validations(book[sheet_name])[formula] == [f"{col}2:{col}1000"], (sheet_name, field)


def test_department_dropdown_lists_the_departments_codes(book):
    col = letter("SOPs", "department")
    assert validations(book["SOPs"])["Departments!$A$2:$A$200"] == [f"{col}2:{col}1000"]


def test_settings_dropdowns_sit_only_on_their_value_cells(book):
    ws = book["Settings"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    found = validations(ws)
    assert found == {
        '"A4,Letter"': [f"B{rows['Paper size']}"],
        '"en,fr"': [f"B{rows['Language']}"],
        '"flow,swimlanes"': [f"B{rows['Flowchart']}"],
        '"yes,no"': [f"B{rows['PDF/A']}"],
    }


def test_settings_hold_every_key_with_sensible_values(book):
    ws = book["Settings"]
    values = {k: v for k, v in ws.iter_rows(min_row=2, values_only=True)}
    assert list(values) == list(SETTING_KEYS)
    assert values == {
        "Organisation": "Your organisation",
        "Logo": None,
        "Paper size": "A4",
        "Language": "en",
        "Confidentiality": "Internal use only",
        "Template": None,
        "Front template": None,
        "Signature reason": "Issued as controlled copy",
        "Signature location": None,
        "Signature contact": None,
        "Flowchart": "flow",
        "PDF/A": "no",
        "Readability threshold": 40,
        "Ignore warnings": None,
    }


@pytest.mark.parametrize("spec", [s for s in SHEETS if s.name != "Settings"], ids=lambda s: s.name)
def test_one_worked_example_row_per_sheet(book, spec):
    ws = book[spec.name]
    data = [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v not in (None, "") for v in r)]
    expected = 2 if spec.name == "Steps" else 1
    assert len(data) == expected


def test_versions_are_text_and_dates_are_dates(book):
    sops, revisions = book["SOPs"], book["Revisions"]
    version = sops[f"{letter('SOPs', 'version')}2"]
    assert version.value == "1.0" and version.number_format == "@"
    effective = sops[f"{letter('SOPs', 'effective_date')}2"]
    assert isinstance(effective.value, datetime) and effective.number_format == "yyyy-mm-dd"
    assert revisions[f"{letter('Revisions', 'version')}2"].value == "1.0"
    assert sops.column_dimensions[letter("SOPs", "version")].number_format == "@"


def test_instructions_explain_how_to_fill_and_run(book):
    text = "\n".join(str(v) for row in book["Instructions"].iter_rows(values_only=True) for v in row if v)
    for needle in ["*", "2026-01-31", "Alt+Enter", "1.10", "commas", "binder validate", "binder build"]:
        assert needle in text, needle
    for spec in SHEETS:
        assert spec.name in text


def test_blank_workbook_validates_without_problems(blank):
    _, problems = check_workbook(blank)
    assert [str(p) for p in problems] == []


def test_refuses_to_overwrite_an_existing_file(tmp_path):
    target = tmp_path / "sops.xlsx"
    target.write_bytes(b"precious")
    with pytest.raises(FileProblem) as caught:
        init_workbook(target)
    problem = caught.value.problems[0]
    assert problem.message == "already exists" and "--force" in problem.hint
    assert target.read_bytes() == b"precious"


def test_force_overwrites(tmp_path):
    target = tmp_path / "sops.xlsx"
    target.write_bytes(b"old")
    assert init_workbook(target, force=True) == target
    assert load_workbook(target).sheetnames[0] == "Instructions"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sops.xlsx"]  # no temporary file left behind


def test_a_directory_gets_sops_xlsx_inside(tmp_path):
    assert init_workbook(tmp_path) == tmp_path / "sops.xlsx"
    assert (tmp_path / "sops.xlsx").is_file()
    with pytest.raises(FileProblem, match="already exists"):
        init_workbook(tmp_path)


@pytest.mark.parametrize("name,fragment", [("sops.csv", "not an .xlsx"), ("missing/sops.xlsx", "does not exist")])
def test_unusable_paths_are_refused(tmp_path, name, fragment):
    with pytest.raises(FileProblem, match=fragment):
        init_workbook(tmp_path / name)


def test_writer_refuses_unknown_sheets_and_fields(tmp_path):
    with pytest.raises(ValueError, match="unknown sheet"):
        write_workbook(tmp_path / "a.xlsx", {"Stepz": []})
    with pytest.raises(ValueError, match="titel"):
        write_workbook(tmp_path / "a.xlsx", {"SOPs": [{"sop_id": "X-1", "titel": "typo"}]})
    assert not list(tmp_path.iterdir())


# --- the shipped example ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    library, problems = wb.checked(EXAMPLE, EXAMPLE_TODAY)
    return library, problems


def test_example_has_no_errors_and_only_the_intended_overdue_warning(example):
    _, problems = example
    assert not [str(p) for p in problems if p.is_error]
    assert [p.where for p in problems] == ["SOPs!H4"]  # FIN-003's Effective date: its review was due 2026-04-01
    assert "FIN-003" in problems[0].message


def test_example_covers_the_contract(example):
    library, _ = example
    sops = library.sops
    assert len(library.departments) >= 4
    assert len(sops) >= 12
    assert sorted(p.name for p in library.packs) == ["New finance staff", "New warehouse staff"]
    assert all(library.sop(e.sop_id).status == "Approved" for p in library.packs for e in p.entries)
    assert any(s.has_decisions for s in sops)
    assert {"Steps", "Checklist", "Flowchart"} <= {s.format for s in sops}
    assert {"Draft", "In review", "Approved", "Retired"} <= {s.status for s in sops}
    assert [s.sop_id for s in sops if s.is_overdue(EXAMPLE_TODAY)] == ["FIN-003"]
    assert "1.10" in {s.version for s in sops}
    assert library.shared_definitions
    links = [r.link for s in sops for r in s.references]
    assert any(link.startswith("https://") for link in links)
    assert any(link.startswith("mailto:") for link in links)
    assert any(link in {s.sop_id for s in sops} for link in links)
    assert library.settings.organisation and library.settings.paper_size == "A4"


def test_example_steps_read_like_instructions(example):
    library, _ = example
    for sop in library.sops:
        assert 5 <= len(sop.steps) <= 10, sop.sop_id
        assert 1 <= len(sop.revisions) <= 3, sop.sop_id


def test_example_matches_its_generator(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_example", REPO / "tools" / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    expected = module.rows()
    book = load_workbook(EXAMPLE, read_only=True)
    for name, rows in expected.items():
        found = [r for r in book[name].iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
        assert len(found) == len(rows), f"{name}: run tools/make_example.py to regenerate inputs/example.xlsx"
    assert "Instructions" in book.sheetnames
