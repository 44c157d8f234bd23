"""The training record (.xlsx): a form that prints on the Settings' paper, and a contract for reading it back."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pdfs
import pytest
import wb
from openpyxl import load_workbook as open_xlsx
from pypdf import PdfReader

from binder.document.labels import labels_for
from binder.issue.record import (
    COLUMNS,
    FIRST_ROW,
    HEADER_ROW,
    TABLE_NAME,
    acknowledgement_rows,
    column_headers,
    footer_text,
    write_record,
)
from binder.model import Library
from binder.workbook.load import load_workbook

ISSUED = date(2026, 6, 1)
LONG_TITLE = (
    "Receiving goods at the loading dock: checking the delivery note against the purchase order, "
    "photographing any damage and recording every damaged or missing item in the stock system"
)
FORMULA_TITLE = '=HYPERLINK("http://x","pay")'


def library_of(tmp_path: Path, data: dict) -> Library:
    """The library of ``data``; strings openpyxl took for formulas (``=SUM(1,2)``) made text cells again."""
    path = wb.write(tmp_path / "b.xlsx", data, formulas_as_text=True)
    result = load_workbook(path, today=wb.TODAY)
    assert result.library is not None
    return result.library


def settings(data: dict, **values: str) -> dict:
    for row in data["Settings"]:
        if row["Key"] in values:
            row["Value"] = values[row["Key"]]
    return data


def record_data(paper: str = "A4", language: str = "en") -> dict:
    """The base workbook, FIN-001 at version 1.10, OPS-001 with a long title, one pack of both."""
    data = settings(wb.base(), **{"Paper size": paper, "Language": language})
    data["SOPs"][0]["Version"] = "1.10"
    data["Revisions"][1]["Version"] = "1.10"
    data["SOPs"][1]["Title"] = LONG_TITLE
    data["Training"] = [
        {"Pack": "Finance & stock", "SOP ID": "FIN-001"},
        {"Pack": "Finance & stock", "SOP ID": "OPS-001"},
    ]
    return data


def with_many_sops(data: dict, count: int) -> dict:
    """``count`` more Approved SOPs in the pack: enough rows for several printed pages."""
    for n in range(count):
        sop = copy.deepcopy(data["SOPs"][1])
        sop["SOP ID"] = f"OPS-{n + 10:03d}"
        sop["Title"] = f"Procedure {n}" + " with a longer title" * (n % 4)
        data["SOPs"].append(sop)
        data["Revisions"].append(
            {
                "SOP ID": sop["SOP ID"],
                "Version": "1.0",
                "Date": date(2026, 1, 15),
                "Author": "Sam Lee",
                "Change": "First.",
            }
        )
        data["Approvals"].append(
            {"SOP ID": sop["SOP ID"], "Role": "Approved by", "Name": "Lee Chen", "Date": date(2026, 1, 20)}
        )
        data["Training"].append({"Pack": "Finance & stock", "SOP ID": sop["SOP ID"]})
    return data


def written(tmp_path: Path, data: dict) -> tuple[Path, Library]:
    library = library_of(tmp_path, data)
    path = write_record(library, library.packs[0], tmp_path / "out" / "record.xlsx", ISSUED)
    return path, library


def sheet(path: Path):
    ws = open_xlsx(path).active
    assert ws is not None
    return ws


def table(ws) -> list[tuple]:
    """The table's rows after the header, to the first row without an SOP ID (as a reader of records would)."""
    rows = []
    for row in ws.iter_rows(min_row=FIRST_ROW, max_col=len(COLUMNS)):
        if row[0].value is None:
            break
        rows.append(row)
    return rows


# --- printing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "code"), [("A4", "9"), ("Letter", "1")])
def test_the_record_prints_on_the_paper_of_the_settings_one_page_wide(tmp_path, paper, code):
    path, _ = written(tmp_path, record_data(paper=paper))
    ws = sheet(path)
    assert str(ws.page_setup.paperSize) == code
    assert ws.page_setup.orientation in ("portrait", "landscape")
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_margins.left == ws.page_margins.right == 0.5


def test_the_footer_gives_the_pack_and_the_page_with_workbook_ampersands_escaped(tmp_path):
    path, _ = written(tmp_path, record_data())
    footer = sheet(path).oddFooter
    assert footer.left.text == "Finance && stock"
    assert footer.right.text == "Page &P of &N"
    assert footer_text("A & B\n&P") == "A && B &&P"
    assert footer_text("x" * 300).endswith("…") and len(footer_text("x" * 300)) <= 80


# --- the columns contract -------------------------------------------------------------------------


def test_the_table_has_the_contract_columns_in_order(tmp_path):
    path, _ = written(tmp_path, record_data())
    ws = sheet(path)
    assert [c.key for c in COLUMNS] == [
        "sop_id",
        "title",
        "version",
        "effective_date",
        "trainee_initials",
        "date",
        "trainee_signature",
        "trainer_initials",
    ]
    headers = [cell.value for cell in ws[HEADER_ROW]][: len(COLUMNS)]
    assert headers == [
        "SOP ID",
        "Title",
        "Version",
        "Effective date",
        "Trainee's initials",
        "Date",
        "Trainee's signature",
        "Trainer's initials",
    ]
    assert ws.max_column == len(COLUMNS)
    (name,) = [n for n in open_xlsx(path).defined_names if n == TABLE_NAME]
    assert open_xlsx(path).defined_names[name].attr_text == f"'Training record'!$A${HEADER_ROW}:$H${FIRST_ROW + 1}"


def test_french_headers_come_from_the_labels_and_the_records_own_pairs(tmp_path):
    path, _ = written(tmp_path, record_data(language="fr"))
    headers = [cell.value for cell in sheet(path)[HEADER_ROW]]
    fr = labels_for("fr")
    assert headers[:6] == [fr[k] for k in ("sop_id", "title", "version", "effective_date", "trainee_initials", "date")]
    assert headers[6:] == ["Signature de l'apprenant", "Initiales du formateur"] == column_headers("fr")[6:]


def test_rows_hold_real_dates_and_versions_as_text(tmp_path):
    path, _ = written(tmp_path, record_data())
    ws = sheet(path)
    rows = table(ws)
    assert [r[0].value for r in rows] == ["FIN-001", "OPS-001"]
    fin = rows[0]
    assert fin[2].value == "1.10" and fin[2].data_type == "s" and fin[2].number_format == "@"
    effective = fin[3]
    assert isinstance(effective.value, datetime) and effective.value.date() == date(2026, 3, 1)
    assert effective.is_date and effective.number_format == "yyyy-mm-dd"
    for row in rows:
        assert row[5].value is None and row[5].number_format == "yyyy-mm-dd"  # the trainer's date: a date when filled
        assert all(cell.value is None for cell in (row[4], row[6], row[7]))
    assert ws["B3"].is_date and ws["B3"].value.date() == ISSUED
    assert ws["B5"].value is None and ws["B5"].number_format == "yyyy-mm-dd"
    checks = {str(r) for dv in ws.data_validations.dataValidation if dv.type == "date" for r in dv.sqref.ranges}
    assert checks == {"B5", f"F{FIRST_ROW}:F{FIRST_ROW + 1}"}


def test_acknowledgement_rows_still_give_the_dates_as_printed(tmp_path):
    library = library_of(tmp_path, record_data())
    assert acknowledgement_rows(library, library.packs[0]) == [
        ("FIN-001", "Payroll processing", "1.10", "1 Mar 2026"),
        ("OPS-001", LONG_TITLE, "1.0", "1 Feb 2026"),
    ]


# --- the form -------------------------------------------------------------------------------------


def test_every_table_cell_is_boxed_and_wrapped(tmp_path):
    path, _ = written(tmp_path, record_data())
    ws = sheet(path)
    for row in ws.iter_rows(min_row=HEADER_ROW, max_row=FIRST_ROW + 1, max_col=len(COLUMNS)):
        for cell in row:
            sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
            assert all(side is not None and side.style == "thin" for side in sides), cell.coordinate
            assert cell.alignment.wrap_text, cell.coordinate


def test_the_header_block_has_lines_to_write_on(tmp_path):
    path, _ = written(tmp_path, record_data())
    ws = sheet(path)
    assert [ws.cell(r, 1).value for r in range(1, 7)] == [
        "Training pack",
        "Organisation",
        "Date of issue",
        "Trainee name",
        "Start date",
        "Trainer",
    ]
    assert ws["B1"].value == "Finance & stock" and ws["B2"].value == "Acme Ltd"
    for row in (4, 5, 6):
        for col in "BCD":
            assert ws[f"{col}{row}"].border.bottom.style == "thin", f"{col}{row}"


def test_rows_are_tall_enough_for_their_text_and_a_signature(tmp_path):
    path, _ = written(tmp_path, record_data())
    ws = sheet(path)
    short, long = (ws.row_dimensions[r].height for r in (FIRST_ROW, FIRST_ROW + 1))
    assert short >= 28
    assert long >= 4 * 15 > short  # about 180 characters in a 40-character column: four lines or more
    assert ws.row_dimensions[HEADER_ROW].height >= 30  # "Trainee's initials" wraps in its column


def test_formula_like_text_stays_text(tmp_path):
    data = record_data()
    data["SOPs"][0]["Title"] = FORMULA_TITLE
    for row in data["Training"]:
        row["Pack"] = "=SUM(1,2)"
    path, _ = written(tmp_path, data)
    ws = sheet(path)
    assert ws["B1"].value == "=SUM(1,2)" and ws["B1"].data_type == "s"
    title = table(ws)[0][1]
    assert title.value == FORMULA_TITLE and title.data_type == "s"
    assert "HYPERLINK" not in "".join(str(n) for n in open_xlsx(path).defined_names)


# --- opened in LibreOffice Calc -------------------------------------------------------------------


def calc_pdf(xlsx: Path, tmp_path: Path) -> Path:
    if shutil.which("soffice") is None:
        if os.environ.get("CI"):
            pytest.fail("soffice is required in CI")
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "pdf"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / f"{xlsx.stem}.pdf"


@pytest.mark.slow
@pytest.mark.parametrize(("paper", "portrait_width", "landscape_width"), [("A4", 595, 842), ("Letter", 612, 792)])
def test_calc_prints_the_record_one_page_wide_on_the_settings_paper(tmp_path, paper, portrait_width, landscape_width):
    path, library = written(tmp_path, with_many_sops(record_data(paper=paper), 40))
    ws = sheet(path)
    pdf = calc_pdf(path, tmp_path)
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2  # the rows go on to more pages: those pages must have every column too
    expected = landscape_width if ws.page_setup.orientation == "landscape" else portrait_width
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - expected) <= 2
    texts = [pdfs.squash(page.extract_text()) for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert "Trainer's initials" in text, f"page {number} lacks the last column: columns spilled to another page"
        assert "SOP ID" in text  # the header row on every page
        assert f"Page {number} of {len(texts)}" in text and "Finance & stock" in text
    everything = "".join(texts)
    for entry in library.packs[0].entries:
        assert entry.sop_id in everything
    assert "1.10" in everything and "2026-03-01" in everything
