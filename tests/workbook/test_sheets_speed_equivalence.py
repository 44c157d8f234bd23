"""The streaming sheet parser on lxml: what it reads from odd XML, and how it meets hostile XML on its own.

The parser asks lxml for ``<row>`` and ``<mergeCells>`` elements only and reads
each cell in one pass; these tests pin what that must not change (references,
values split by comments, the first ``<v>``, the run texts of an inline string,
``Damaged`` messages) and that a DTD in a sheet part is refused or harmless
with binder's own byte check switched off, as openpyxl's defusedxml parser did.
"""

from __future__ import annotations

import io
import time
from datetime import datetime
from types import SimpleNamespace

import bad_workbooks as bw
import pytest
import wb

from binder.errors import FileProblem
from binder.workbook import container
from binder.workbook.load import check_workbook
from binder.workbook.sheets import Damaged, SheetStream

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NEVER: tuple[bytes, ...] = ()  # in place of container._DTD: no words looked for


def stream(body: str, *, prolog: str = "", strings: tuple[str, ...] = (), dates: frozenset[int] = frozenset()):
    xml = f'{prolog}<worksheet xmlns="{NS}"><sheetData>{body}</sheetData></worksheet>'.encode()
    book = SimpleNamespace(_date_formats=dates, _timedelta_formats=frozenset(), epoch=datetime(1899, 12, 30))
    return SheetStream(SimpleNamespace(_get_source=lambda: io.BytesIO(xml), _shared_strings=list(strings), parent=book))


def read(body: str, **options) -> list[tuple[int, list[tuple]]]:
    return [
        (number, [(c.coordinate, c.value, c.formula, c.problem and c.problem.code) for c in row.cells])
        for number, row in stream(body, **options).rows()
    ]


def test_references_place_cells_whatever_their_spelling():
    body = (
        '<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c><c r="b3"><v>3</v></c><c r="D03"><v>4</v></c>'
        '<c r="E7"><v>5</v></c><c r="XFD3"><v>6</v></c></row>'
        '<row><c r="AA4"><v>7</v></c><c r=""><v>8</v></c></row>'
    )
    assert read(body) == [
        (
            3,
            [
                ("B3", 1, False, None),
                ("C3", 2, False, None),
                ("B3", 3, False, None),
                ("D3", 4, False, None),
                ("E7", 5, False, None),  # a cell's own reference wins over its row's number
                ("XFD3", 6, False, None),
            ],
        ),
        (4, [("AA4", 7, False, None), ("AB4", 8, False, None)]),
    ]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("B0", 'has a cell reference "B0" outside the sheet'),
        ("XFE3", 'has a cell reference "XFE3" outside the sheet'),
        ("3", 'has a cell reference "3" that is not valid'),
        ("AB", 'has a cell reference "AB" that is not valid'),
        ("B-3", 'has a cell reference "B-3" that is not valid'),
        ("ABCD3", 'has a cell reference "ABCD3" that is not valid'),
    ],
)
def test_a_reference_that_places_no_cell_is_damage(reference, message):
    with pytest.raises(Damaged) as caught:
        read(f'<row r="3"><c r="{reference}"><v>1</v></c></row>')
    assert str(caught.value) == message


def test_values_are_read_whole_and_from_the_first_value_element():
    body = (
        '<row r="1"><c r="A1" t="str"><v>ab<!-- a note -->cd<?pi x?>ef</v><v>ignored</v></c>'
        '<c r="B1" t="s"><f>A1</f><v>1</v></c>'
        '<c r="C1" t="inlineStr"><is><r><t>run one, </t></r><t>plain first, </t><r><t>run two</t><t>x</t></r></is></c>'
        '<c r="D1" t="inlineStr"><v>not inline</v></c>'
        '<c r="E1" t="b"><v> 1 </v></c><c r="F1" t="e"><v>#REF!</v></c><c r="G1" s="1"><v>46000</v></c>'
        '<c r="H1"><v></v></c><c r="I1" t="str"><v>&amp;&lt;&#65;<![CDATA[<z>]]></v></c></row>'
    )
    assert read(body, strings=("zero", "one"), dates=frozenset({1})) == [
        (
            1,
            [
                ("A1", "abcdef", False, None),
                ("B1", "one", True, None),
                ("C1", "plain first, run one, run two", False, None),
                ("D1", None, False, None),
                ("E1", True, False, None),
                ("F1", None, False, "error-value"),
                ("G1", datetime(2025, 12, 9), False, None),
                ("H1", None, False, None),
                ("I1", "&<A<z>", False, None),
            ],
        )
    ]


def test_merged_ranges_are_collected_after_the_rows():
    sheet = stream('<row r="1"><c r="A1"><v>1</v></c></row>')
    xml = f'<worksheet xmlns="{NS}"><sheetData><row r="1"/></sheetData><mergeCells count="2">'
    xml += '<mergeCell ref="A1:B1"/><mergeCell ref="C3:C4"/></mergeCells></worksheet>'
    sheet._open = lambda: io.BytesIO(xml.encode())
    assert [number for number, _ in sheet.rows()] == [1]
    assert sheet.merged == ["A1:B1", "C3:C4"]


def test_a_doctype_without_entities_is_read_as_defusedxml_read_it():
    rows = read('<row r="1"><c r="A1"><v>5</v></c></row>', prolog='<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">')
    assert rows == [(1, [("A1", 5, False, None)])]


def test_an_entity_declared_in_a_sheet_without_rows_is_refused():
    with pytest.raises(ValueError, match="EntitiesForbidden"):
        read("", prolog=f"<!DOCTYPE worksheet [{bw.XXE}]>")


def refused_without_binders_check(path, monkeypatch) -> FileProblem:
    monkeypatch.setattr(container, "_DTD", NEVER)
    started = time.perf_counter()
    with pytest.raises(FileProblem) as caught:
        check_workbook(path, today=wb.TODAY)
    assert time.perf_counter() - started < 2  # nothing expanded: 10**9 "lol"s take minutes and gigabytes
    assert len(caught.value.problems) == 1
    return caught.value


def test_an_entity_declared_in_an_empty_sheet_is_refused_by_the_parser(tmp_path, monkeypatch):
    empty = f'<worksheet xmlns="{NS}"><sheetData/></worksheet>'.encode()
    path = bw.rezip(
        wb.write(tmp_path / "book.xlsx"),
        lambda parts: {**parts, bw.SHEET_PART["FAQ"]: bw.doctype(bw.BILLION_LAUGHS, "worksheet") + empty},
    )
    problem = refused_without_binders_check(path, monkeypatch).problems[0]
    assert (problem.code, problem.message) == ("unsafe-xml", "unsafe XML (entity declarations) refused")


@pytest.mark.parametrize(
    ("cell", "code", "message"),
    [
        ("B2", "unsafe-xml", "unsafe XML (entity declarations) refused"),  # the header row is read: DTD checked
        ("A1", "damaged-workbook", 'sheet "SOPs" could not be read (XMLSyntaxError: Maximum entity amplification'),
    ],
)
def test_billion_laughs_in_a_cell_reference_is_refused_unexpanded(tmp_path, monkeypatch, cell, code, message):
    """In an attribute before the first row ends, libxml2 itself stops the expansion: refused as damaged."""
    part = bw.SHEET_PART["SOPs"]
    path = bw.rezip(
        wb.write(tmp_path / "book.xlsx"),
        lambda parts: {
            **parts,
            part: bw.doctype(bw.BILLION_LAUGHS, "worksheet")
            + parts[part].replace(f'<c r="{cell}"'.encode(), b'<c r="&lol9;"'),
        },
    )
    problem = refused_without_binders_check(path, monkeypatch).problems[0]
    assert (problem.code, problem.message[: len(message)]) == (code, message)


def test_cells_in_every_kind_of_number_format_read_as_openpyxls_own_reader_reads_them(tmp_path):
    """binder reads from the stylesheet only which cell formats are dates and durations; the values must be what
    openpyxl's whole stylesheet gives, for built-in and custom formats, in both date systems."""
    from datetime import date, timedelta

    from openpyxl import Workbook, load_workbook

    formats = ["General", "0.00", "d-mmm-yy", "yyyy-mm-dd", "[h]:mm:ss", "mm:ss", "dd/mm/yyyy hh:mm", "@", '0" days"']
    for epoch_1904 in (False, True):
        book = Workbook()
        sheet = book.active
        sheet.title = "Cells"
        for row, code in enumerate(formats, start=1):
            for column, value in enumerate((45000.25, date(2026, 3, 1), timedelta(hours=30)), start=1):
                cell = sheet.cell(row, column, value)
                cell.number_format = code
        if epoch_1904:
            book.epoch = datetime(1904, 1, 1)
        path = tmp_path / f"formats-{epoch_1904}.xlsx"
        book.save(path)
        expected = [[c.value for c in r] for r in load_workbook(path, read_only=True, data_only=True)["Cells"].rows]
        opened = container.open_book(path, path.read_bytes())
        assert opened._date_formats and opened._timedelta_formats  # else the test proves nothing
        got = [[c.value for c in row.cells] for _, row in SheetStream(opened["Cells"]).rows()]
        assert got == expected
