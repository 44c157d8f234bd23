"""The tests' workbook writer (``support/wb.py``) writes what openpyxl writes, part for part.

``wb.write`` puts most workbooks together itself, from parts openpyxl wrote once; here each of a
range of workbooks, from the base to the awkward ones, is written both ways and compared.
"""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import date, datetime

import pytest
import wb

from binder.workbook.load import check_workbook


def workbooks() -> dict[str, dict]:
    made = {"base": wb.base()}
    data = wb.base()
    data["SOPs"][0]["Title"] = "émoji 😀 ² \u00a0x\u00a0 tab\there\nnew\r\nline & <b> \"q\" 'a' ]]>"
    data["SOPs"][1]["Title"], data["SOPs"][2]["Title"] = " leading space", "trailing space "
    made["text"] = data
    data = wb.base()
    data["SOPs"][0]["Review every (months)"] = -99_999_999_999_999
    data["SOPs"][1]["Effective date"] = date(1900, 3, 1)
    data["SOPs"][2]["Version"] = 2
    data["Definitions"][0]["SOP ID"] = ""
    made["numbers-dates-blanks"] = data
    data = wb.base()
    del data["Revisions"], data["Approvals"]
    data["Steps"][0]["Notes"] = "a column binder does not know"
    data["Extra sheet"] = [{"a": 1, "b": "x"}, {"c": None}, {"a": "y", "b": 2, "c": 3}]
    made["sheets-and-columns"] = data
    made["no-dates"] = {"SOPs": [{"SOP ID": "FIN-001", "Title": "Payroll"}], "Steps": [{"SOP ID": None}]}
    made["empty-sheets"] = {name: [] for name in wb.BASE}
    data = wb.base()  # only openpyxl writes these: formulas, times, floats, booleans, early dates
    data["SOPs"][0]["Title"] = '="Payroll "&"processing"'
    data["SOPs"][1]["Effective date"] = datetime(2026, 2, 1, 9, 30)
    data["SOPs"][2]["Review every (months)"] = 1.5
    data["Steps"][0]["Step"] = True
    data["Revisions"][0]["Date"] = date(1900, 1, 1)
    made["openpyxl-only"] = data
    return made


WORKBOOKS = workbooks()


def parts(path) -> dict[str, tuple[bytes, int]]:
    """Each part's bytes and compression, but the core properties (they hold the time of writing)."""
    with zipfile.ZipFile(path) as archive:
        return {
            i.filename: (archive.read(i), i.compress_type)
            for i in archive.infolist()
            if i.filename != "docProps/core.xml"
        }


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_quick_writer_writes_what_openpyxl_writes(tmp_path, name):
    data = WORKBOOKS[name]
    sheets = wb.layout(data)
    quick = wb.write(tmp_path / "quick.xlsx", data)
    reference = wb.write_with_openpyxl(tmp_path / "openpyxl.xlsx", sheets)
    assert list(parts(quick)) == list(parts(reference))
    assert parts(quick) == parts(reference)
    assert (wb._quick_parts(sheets) is None) == (name == "openpyxl-only")


def test_openpyxl_alone_writes_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("BINDER_TEST_OPENPYXL", "1")
    calls = []
    monkeypatch.setattr(wb, "write_with_openpyxl", lambda path, sheets: calls.append(path) or path)
    wb.write(tmp_path / "book.xlsx")
    assert calls == [tmp_path / "book.xlsx"]


def test_the_same_workbook_again_is_the_same_bytes_and_a_value_of_another_type_is_not(tmp_path):
    first, again = wb.write(tmp_path / "first.xlsx"), wb.write(tmp_path / "again.xlsx", wb.base())
    assert first.read_bytes() == again.read_bytes()
    data = wb.base()
    data["SOPs"][0]["Review every (months)"] = "12"  # text, not the number 12
    text = wb.write(tmp_path / "text.xlsx", data)
    assert parts(text) != parts(first)
    assert parts(text) == parts(wb.write_with_openpyxl(tmp_path / "openpyxl.xlsx", wb.layout(data)))


def cells(path) -> dict[tuple[str, str], tuple[object, str]]:
    """Every cell that holds a value, with its type, as openpyxl reads it."""
    from openpyxl import load_workbook as open_xlsx

    book = open_xlsx(path)
    return {
        (ws.title, c.coordinate): (c.value, c.data_type)
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def test_formula_like_text_is_put_together_as_the_text_cells_openpyxl_makes_of_its_formulas(tmp_path, monkeypatch):
    data = wb.base()
    data["SOPs"][0]["Title"] = '=HYPERLINK("http://x","pay")'
    data["Training"][0]["Pack"] = "=SUM(1,2)"
    assert wb._quick_parts(wb.layout(data), formulas_as_text=True) is not None
    quick = wb.write(tmp_path / "quick.xlsx", data, formulas_as_text=True)
    monkeypatch.setenv("BINDER_TEST_OPENPYXL", "1")  # openpyxl writes, then its formula cells are made text
    made = wb.write(tmp_path / "openpyxl.xlsx", data, formulas_as_text=True)
    assert cells(quick) == cells(made)
    assert cells(quick)["SOPs", "B2"] == ('=HYPERLINK("http://x","pay")', "s")
    assert cells(wb.write(tmp_path / "formulas.xlsx", data))["SOPs", "B2"][1] == "f"  # without: a formula
    # binder reads both alike: the same library but for the file's name and digest, and no problem
    (one, one_problems), (other, other_problems) = (check_workbook(p, today=wb.TODAY) for p in (quick, made))
    assert one is not None and other is not None and one_problems == other_problems == ()
    assert dataclasses.replace(one, source=other.source, sha256=other.sha256) == other
