"""Rows read before (``binder.workbook.recall``): a workbook read after another reads exactly as when read first,
its problems included, in their order, whatever the two share; and only the rows an edit touched are made anew,
also when Excel or Calc wrote the table of shared strings again in another order."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import wb

from binder.errors import FileProblem
from binder.problems import Problems
from binder.workbook import reader
from binder.workbook.reader import read_workbook
from binder.workbook.recall import RECALL

INLINE = re.compile(
    r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t( xml:space="preserve")?>(.*?)</t></is></c>'
)
SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def shared(path: Path, order: Callable[[list[str]], list[str]] = list) -> Path:
    """``path`` with its text in a table of shared strings, as Excel and Calc save it, in ``order``."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    found: list[str] = []
    sheets = sorted(name for name in parts if name.startswith("xl/worksheets/sheet"))
    for name in sheets:
        for match in INLINE.finditer(parts[name].decode()):
            if match[4] not in found:
                found.append(match[4])
    table = order(found)
    for name in sheets:
        parts[name] = INLINE.sub(
            lambda m: f'<c r="{m[1]}"{m[2] or ""} t="s"><v>{table.index(m[4])}</v></c>', parts[name].decode()
        ).encode()
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in table)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    ).encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>'
    ).encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdStrings" Type="{SST_RELATION}" Target="sharedStrings.xml"/></Relationships>',
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def made(monkeypatch) -> Iterator[list[int]]:
    """The rows made anew (not recalled) by the readings of the test, starting with an empty recall."""
    rows: list[int] = []
    original = reader._read_row

    def counted(sheet, number, *args):
        rows.append(number)
        return original(sheet, number, *args)

    monkeypatch.setattr(reader, "_read_row", counted)
    RECALL.forget()
    yield rows
    RECALL.forget()


def read(path: Path) -> tuple[object, tuple]:
    problems = Problems()
    raw = read_workbook(path, problems)
    return raw.sheets, problems.items


def fresh(path: Path) -> tuple[object, tuple]:
    """``path`` read with nothing recalled (and the recall left as it was)."""
    kept = RECALL._rows, RECALL.path
    RECALL.forget()
    try:
        return read(path)
    finally:
        RECALL._rows, RECALL.path = kept


def step_changed(data):
    data["Steps"][1]["Action"] = "Enter the hours twice."


def row_inserted(data):
    data["Steps"].insert(0, {"SOP ID": "FIN-001", "Step": "0", "Action": "Open the system.", "Responsible": "Clerk"})


def bad_values(data):
    data["Revisions"][0]["Date"] = "#REF!"
    data["Steps"][2]["Action"] = "Check_x0007_ overtime."  # a character no document can hold: removed, warned
    data["SOPs"][0]["Version"] = 2.5


EDITS = {"step changed": step_changed, "row inserted": row_inserted, "bad values": bad_values}


@pytest.mark.parametrize("strings", ["inline", "shared"])
@pytest.mark.parametrize("edit", EDITS)
def test_a_workbook_read_after_another_reads_as_when_read_first(tmp_path: Path, made: list[int], edit, strings):
    first, second = wb.write(tmp_path / "a.xlsx"), tmp_path / "b.xlsx"
    data = wb.base()
    EDITS[edit](data)
    wb.write(second, data)
    if strings == "shared":  # the second saved with its table of strings in another order
        shared(first)
        shared(second, order=lambda found: found[::-1])
    expected = fresh(second)
    read(first)
    made.clear()
    assert read(second) == expected
    assert read(second) == expected  # and again, all of it recalled
    total = sum(len(rows) for _, rows in expected[0])
    assert 0 < len(made) < total / 2, "the rows that did not change were made anew"


def test_both_ways_and_back_each_reading_is_its_own(tmp_path: Path, made: list[int]):
    plain = wb.write(tmp_path / "a.xlsx")
    data = wb.base()
    bad_values(data)
    edited = wb.write(tmp_path / "b.xlsx", data)
    expected = {path: fresh(path) for path in (plain, edited)}
    assert expected[plain] != expected[edited]
    for path in (plain, edited, plain, edited, edited, plain):
        assert read(path) == expected[path]
    assert RECALL.path == plain


def test_a_missing_shared_string_is_never_taken_for_a_string_another_workbook_had(tmp_path: Path, made: list[int]):
    # In the first workbook FIN-001's title is shared string N, "Payroll processing". The second has the cell's
    # XML as the recall would key the first's: index text "Payroll processing", marked as a string looked up.
    first = shared(wb.write(tmp_path / "a.xlsx"))
    second = tmp_path / "b.xlsx"
    with zipfile.ZipFile(first) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    table = re.findall(r"<t xml:space=\"preserve\">(.*?)</t>", parts["xl/sharedStrings.xml"].decode())
    index = table.index("Payroll processing")
    sheet = next(n for n in parts if n.startswith("xl/worksheets/") and f"<v>{index}</v>".encode() in parts[n])
    parts[sheet] = parts[sheet].replace(
        f't="s"><v>{index}</v>'.encode(), b't="s"><v recalled="shared">Payroll processing</v>', 1
    )
    with zipfile.ZipFile(second, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    expected = fresh(second)
    assert any(p.code == "unreadable-value" for p in expected[1])
    read(first)
    assert read(second) == expected


def test_a_reading_that_fails_leaves_the_recall_as_it_was(tmp_path: Path, made: list[int]):
    good = wb.write(tmp_path / "a.xlsx")
    read(good)
    rows = len(RECALL)
    data = wb.base()
    step_changed(data)
    broken = wb.write(tmp_path / "b.xlsx", data)
    with zipfile.ZipFile(broken) as archive:  # the last sheet cannot place its cells: read up to it, then refused
        parts = {name: archive.read(name) for name in archive.namelist()}
    last = max(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[last] = parts[last].replace(b"<sheetData>", b'<sheetData><row r="0"><c r="A0"><v>1</v></c></row>', 1)
    with zipfile.ZipFile(broken, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    with pytest.raises(FileProblem):
        read(broken)
    assert (len(RECALL), RECALL.path) == (rows, good)
    made.clear()
    read(good)
    assert made == []


def test_dates_read_in_another_epoch_are_not_recalled_from_one(tmp_path: Path, made: list[int]):
    first = wb.write(tmp_path / "a.xlsx")
    second = tmp_path / "b.xlsx"
    with zipfile.ZipFile(first) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
    with zipfile.ZipFile(second, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    expected = fresh(second)
    dates = [c.value for _, rows in expected[0] for row in rows for _, c in row.cells if isinstance(c.value, date)]
    assert dates and dates != [
        c.value for _, rows in fresh(first)[0] for row in rows for _, c in row.cells if isinstance(c.value, date)
    ]
    read(first)
    assert read(second) == expected
