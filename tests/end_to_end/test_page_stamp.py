"""Every page number a reader is told can be found: the contents gives binder page numbers, and each
page of a binder or pack carries its number in a stamp ("FIN binder · 3"), outside the SOP's own footer
and marked as an artifact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import wb
from pypdf import PdfReader

pytestmark = pytest.mark.slow


def page_text(pdf: Path, number: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stamp")
    wb.write(folder / "book.xlsx")
    result = subprocess.run(
        [sys.executable, "-m", "binder", "build", "book.xlsx", "--out", "out", "--quiet"],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return folder / "out"


@pytest.mark.parametrize(
    "issue, label", [("binders/FIN-binder.pdf", "FIN binder"), ("packs/new-finance-staff.pdf", "New finance staff")]
)
def test_every_page_carries_its_binder_page_number(out, issue, label):
    pdf = out / issue
    pages = len(PdfReader(pdf).pages)
    for number in range(1, pages + 1):
        assert f"{label} · {number}" in page_text(pdf, number), f"page {number}"


@pytest.mark.parametrize(
    "issue, label", [("binders/FIN-binder.pdf", "FIN binder"), ("packs/new-finance-staff.pdf", "New finance staff")]
)
def test_each_contents_number_is_found_on_the_page_where_that_sop_starts(out, issue, label):
    pdf = out / issue
    contents = next(page_text(pdf, n) for n in (1, 2, 3) if "Contents" in page_text(pdf, n))
    entries = re.findall(r"^\s*((?:FIN|OPS)-\d{3})\s+.+?\s(\d+)\s*$", contents, re.MULTILINE)
    assert entries, contents
    for sop_id, number in entries:
        target = page_text(pdf, int(number))
        assert f"{label} · {number}" in target
        assert sop_id in target and "Page 1 of" in target, f"{sop_id} does not start on page {number}"


def test_the_stamp_is_a_pagination_artifact_below_the_footer(out):
    reader = PdfReader(out / "binders" / "FIN-binder.pdf")
    page = reader.pages[3]
    data = page.get_contents().get_data()
    assert b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC" in data
    assert b"(FIN binder \xb7 4) Tj" in data
