"""Hostile workbooks: macros, external links and DDE formulas, oversized cells and sheets."""

from __future__ import annotations

import time
from pathlib import Path

import bad_workbooks as bw
import pytest
import wb
from hostile import SOPS, TITLE, errors_of, everything_read, make, passwd_secrets, problems_of, refused

from binder.workbook import container, limits
from binder.workbook.load import check_workbook

# ---------------------------------------------------------------- macros, external links, DDE


def spy_on_openpyxl(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    real = container._SheetListReader

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(container, "_SheetListReader", spy)
    return calls


MACRO = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\0" * 504
    + b'Attribute VB_Name = "ThisWorkbook"\nSub Workbook_Open()\nShell "calc.exe"\nEnd Sub\n<!DOCTYPE html>\n'
)


def with_macros(path: Path) -> Path:
    def edit(parts):
        types = (
            parts["[Content_Types].xml"]
            .replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
            .replace(
                b"<Default ",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                1,
            )
        )
        rels = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            (
                b'<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                b'Target="vbaProject.bin" Id="rIdVba"/></Relationships>'
            ),
        )
        return {**parts, "[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels, "xl/vbaProject.bin": MACRO}

    return bw.rezip(path, edit)


def test_an_xlsm_with_macros_reads_normally_without_loading_them(tmp_path, monkeypatch):
    calls = spy_on_openpyxl(monkeypatch)
    path = make(tmp_path / "book.xlsm", with_macros)
    library, problems = check_workbook(path, today=wb.TODAY)
    assert problems == ()
    assert [s.sop_id for s in library.sops] == ["FIN-001", "OPS-001", "OPS-002"]
    assert calls and all(call["keep_vba"] is False and call["keep_links"] is False for call in calls)


@pytest.mark.parametrize("name", ["book.xlsm", "book.XLSX", "book.xltx", "book.dat", "book"])
def test_the_content_decides_not_the_suffix(tmp_path, name):
    path = wb.write(tmp_path / "source.xlsx")
    path = path.rename(tmp_path / name)
    assert problems_of(path) == []


def test_a_csv_named_xlsm_is_refused_by_its_content(tmp_path):
    path = tmp_path / "book.xlsm"
    path.write_text("SOP ID,Title\nFIN-001,Payroll\n")
    assert refused(path).problems[0].message == "is not an Excel workbook: its content is text (a CSV file renamed?)"


def with_external_link(path: Path) -> Path:
    """An external workbook link (whose part is not even XML) used by the FIN-001 Title, with its cached value."""

    def edit(parts):
        types = parts["[Content_Types].xml"].replace(
            b"</Types>",
            (
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>'
            ),
        )
        rels = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            (
                b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
                b'Target="externalLinks/externalLink1.xml" Id="rIdExt"/></Relationships>'
            ),
        )
        book = parts["xl/workbook.xml"].replace(
            b"</sheets>",
            (
                b'</sheets><externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships" r:id="rIdExt"/></externalReferences>'
            ),
        )
        link_rels = (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/externalLinkPath" Target="file:///etc/passwd" TargetMode="External"/>'
            b"</Relationships>"
        )
        sops = parts[SOPS].replace(
            bw.cell_xml("B2", TITLE), f'<c r="B2" t="str"><f>[1]Sheet1!A1</f><v>{TITLE}</v></c>'.encode()
        )
        return {
            **parts,
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/workbook.xml": book,
            SOPS: sops,
            "xl/externalLinks/externalLink1.xml": b"<externalLink this part is never parsed",
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
        }

    return bw.rezip(path, edit)


def test_external_links_are_not_followed_and_the_cached_value_is_used(tmp_path, monkeypatch):
    calls = spy_on_openpyxl(monkeypatch)
    library, problems = check_workbook(make(tmp_path / "book.xlsx", with_external_link), today=wb.TODAY)
    assert problems == ()
    assert library.sop("FIN-001").title == TITLE
    assert all(call["keep_links"] is False for call in calls)
    assert not any(secret in everything_read(library) for secret in passwd_secrets())


DDE = "cmd|'/c calc'!A1"


def test_a_dde_formula_with_a_cached_value_gives_that_value_never_runs(tmp_path):
    def edit(parts):
        old = bw.cell_xml("C2", "Collect timesheets.")
        new = f'<c r="C2" t="str"><f>{DDE}</f><v>Collect timesheets.</v></c>'.encode()
        return {**parts, bw.SHEET_PART["Steps"]: parts[bw.SHEET_PART["Steps"]].replace(old, new)}

    library, problems = check_workbook(make(tmp_path / "book.xlsx", lambda p: bw.rezip(p, edit)), today=wb.TODAY)
    assert problems == ()
    assert library.sop("FIN-001").steps[0].action == "Collect timesheets."


def test_a_dde_formula_without_a_cached_value_is_reported_at_its_cell(tmp_path):
    data = wb.base()
    data["Steps"][0]["Action"] = "=" + DDE
    path = wb.write(tmp_path / "book.xlsx", data)
    # one error: the blank it leaves is not reported again as a missing Action
    assert errors_of(path) == [("Steps!C2", "this formula has no saved result")]


def test_a_formula_in_a_column_binder_ignores_is_ignored(tmp_path):
    data = wb.base()
    data["Steps"][0]["Notes"] = "=" + DDE
    assert problems_of(wb.write(tmp_path / "book.xlsx", data)) == [
        ("Steps!L1", "warning", 'column "Notes" is not part of the Steps sheet and is ignored')
    ]


# ---------------------------------------------------------------- big cells, big sheets


def test_a_cell_of_exactly_32767_characters_is_accepted(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Purpose"] = "p" * 32_767
    library, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert problems == ()
    assert len(library.sop("FIN-001").purpose) == 32_767


def test_a_cell_over_32767_characters_is_an_error_at_that_cell(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Purpose"] = "LONG"
    path = bw.patch_part(SOPS, bw.inline("LONG"), bw.inline("p" * 32_768))(wb.write(tmp_path / "book.xlsx", data))
    assert errors_of(path) == [("SOPs!K2", "the cell holds 32,768 characters; at most 32,767 are allowed")]


def steps_sheet(rows: int) -> bytes:
    """A Steps sheet of ``rows`` data rows for OPS-002, written directly (openpyxl would take seconds)."""
    header = "".join(
        bw.cell_xml(f"{letter}1", text).decode() for letter, text in zip("ABC", ("SOP ID", "Step", "Action"))
    )
    body = [f'<row r="1">{header}</row>']
    for i in range(rows):
        r = i + 2
        body.append(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>OPS-002</t></is></c>'
            f'<c r="B{r}" t="inlineStr"><is><t>{i + 1}</t></is></c>'
            f'<c r="C{r}" t="inlineStr"><is><t>Count shelf {i + 1}.</t></is></c></row>'
        )
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(body)
        + "</sheetData></worksheet>"
    ).encode()


def with_steps(rows: int):
    return lambda path: bw.rezip(path, lambda parts: {**parts, bw.SHEET_PART["Steps"]: steps_sheet(rows)})


@pytest.mark.slow
def test_a_sheet_of_50000_rows_is_read_in_well_under_a_minute(tmp_path):
    assert limits.MAX_ROWS == 50_000
    path = make(tmp_path / "book.xlsx", with_steps(50_000))
    started = time.perf_counter()
    library, problems = check_workbook(path, today=wb.TODAY)
    elapsed = time.perf_counter() - started
    print(f"\n50,000 Steps rows validated in {elapsed:.1f} s")
    assert elapsed < 30
    assert len(library.sop("OPS-002").steps) == 50_000
    assert not any(p.is_error for p in problems)


def test_more_rows_than_the_limit_is_one_error_naming_the_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    path = make(tmp_path / "book.xlsx", with_steps(101))
    assert errors_of(path) == [("Steps!A102", "the sheet has more than 100 rows; at most 100 are read")]
    assert errors_of(make(tmp_path / "exact.xlsx", with_steps(100))) == []


def test_blank_formatted_rows_past_the_limit_do_not_count(tmp_path, monkeypatch):
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    path = wb.write(tmp_path / "book.xlsx")
    book = load_workbook(path)
    book["Steps"].cell(row=5_000, column=1).font = Font(bold=True)
    book.save(path)
    assert problems_of(path) == []
