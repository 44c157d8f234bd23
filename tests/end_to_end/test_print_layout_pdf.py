"""Printed page layout of SOPs, measured in the PDFs LibreOffice makes of the example workbook plus an SOP
with a 15-step decision flow and long labels: no half-empty pages in the middle of an SOP, no table's
last row alone on a page, no heading alone at a page bottom, the approvals on the page of their heading.

The Word-side rules (which rows keep with the next, no forced page breaks) are in
``tests/document/test_print_layout.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from binder.console import NullProgress
from binder.options import BuildOptions
from binder.output.cache import DocumentCache
from binder.output.documents import make_documents
from binder.preflight import read

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shutil.which("soffice") or not shutil.which("pdftotext"), reason="LibreOffice not installed"
    ),
]

EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "example.xlsx"
LONG_FLOW = "OPS-015"
TOP_MM, BOTTOM_MM = 27.0, 24.0
"""The built-in template's top and bottom margins: the page's body lies between them."""
PT_PER_MM = 72 / 25.4
LONG_ACTION = (
    "Load the instruments into the autoclave, close the door and run the 134 °C cycle for at least three "
    "minutes holding time, then check the printout against the validated parameters"
)
ROLES = ("Sterile services technician", "Theatre nurse", "Infection control lead")


def _append(sheet, values: dict) -> None:
    header = [cell.value for cell in sheet[1]]
    sheet.append([values.get(name) for name in header])


def with_long_flow(folder: Path) -> Path:
    """The example workbook plus OPS-015: 15 steps, three decisions and a jump, long actions, three roles."""
    book = openpyxl.load_workbook(EXAMPLE)
    sheets = {name.casefold(): book[name] for name in book.sheetnames}
    _append(
        sheets["sops"],
        {
            "SOP ID": LONG_FLOW,
            "Title": "Sterilising surgical instruments",
            "Department": "OPS",
            "Version": "1.0",
            "Status": "Approved",
            "Owner": "Marek Nowak",
            "Effective date": date(2026, 10, 1),
            "Purpose": "Every instrument that reaches a theatre is sterile, and the record shows it.",
            "Scope": "Reusable surgical instruments processed by the sterile services department.",
        },
    )
    for i in range(1, 16):
        row = {"SOP ID": LONG_FLOW, "Step": str(i), "Responsible": ROLES[i % 3]}
        if i in (4, 9, 13):
            row.update(
                Action=f"Is the result of check {i} within the limits written on the sterilisation record sheet?",
                Type="Decision",
                **{"If yes, go to": str(i + 1), "If no, go to": str(i + 2)},
            )
        elif i == 7:
            row.update(Action=LONG_ACTION + " (step 7).", **{"Go to": "10"})
        else:
            row.update(Action=f"{LONG_ACTION} (step {i}).", Details="Write the cycle number on the record sheet.")
        _append(sheets["steps"], row)
    for role in ROLES:
        _append(sheets["roles"], {"SOP ID": LONG_FLOW, "Role": role, "Responsibility": f"The {role.lower()}."})
    _append(
        sheets["revisions"],
        {"SOP ID": LONG_FLOW, "Version": "1.0", "Date": date(2026, 9, 1), "Author": "Marek Nowak", "Change": "First."},
    )
    for role, day in (("Prepared by", 2), ("Reviewed by", 3), ("Approved by", 4)):
        _append(
            sheets["approvals"],
            {
                "SOP ID": LONG_FLOW,
                "Role": role,
                "Name": "Rob Ellis",
                "Job title": "Director",
                "Date": date(2026, 9, day),
            },
        )
    path = folder / "book.xlsx"
    book.save(path)
    return path


@pytest.fixture(scope="module")
def sops(tmp_path_factory) -> Path:
    """Every SOP's Word file and PDF, as a build makes them (the document stage only: binders are not needed)."""
    from binder.convert.pool import Converter

    folder = tmp_path_factory.mktemp("print")
    library, problems = read(with_long_flow(folder), BuildOptions(today=date(2026, 11, 21)))
    assert not [p for p in problems if p.severity == "error"], problems
    root = folder / "output"
    with Converter(workdir=folder / "lo") as converter:
        cache = DocumentCache(None, folder / "cache")
        make_documents(library, list(library.sops), root, converter, NullProgress(), cache, workers=2)
    return root / "sops"


# ---------------------------------------------------------------- reading the PDF


@dataclass(frozen=True)
class Line:
    top: float
    bottom: float
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


def body_lines(pdf: Path) -> list[list[Line]]:
    """Each page's lines of text between the top and bottom margins (no page header or footer), top down.

    Words are grouped into lines by their top, so the cells of a table row read left to right.
    """
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    ns = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ElementTree.fromstring(xhtml).iter(f"{ns}page"):
        height = float(page.get("height"))
        top, bottom = TOP_MM * PT_PER_MM, height - BOTTOM_MM * PT_PER_MM
        words = sorted(
            (float(w.get("yMin")), float(w.get("yMax")), float(w.get("xMin")), w.text or "")
            for w in page.iter(f"{ns}word")
            if float(w.get("yMin")) >= top - 1 and float(w.get("yMax")) <= bottom + 1
        )
        lines: list[list[tuple[float, float, float, str]]] = []
        for word in words:
            if lines and word[0] - lines[-1][0][0] < 3:
                lines[-1].append(word)
            else:
                lines.append([word])
        pages.append(
            [
                Line(min(w[0] for w in ws), max(w[1] for w in ws), tuple(w[3] for w in sorted(ws, key=lambda w: w[2])))
                for ws in lines
            ]
        )
    return pages


def body_height(pdf: Path) -> tuple[float, float]:
    """Top and bottom of the body area of the PDF's pages, in points from the top."""
    from pypdf import PdfReader

    height = float(PdfReader(pdf).pages[0].mediabox.height)
    return TOP_MM * PT_PER_MM, height - BOTTOM_MM * PT_PER_MM


# ---------------------------------------------------------------- reading the Word file


def table_row_keys(docx: Path) -> list[list[tuple[str, ...]]]:
    """The first words of each row (cells joined) of each top-level table of the body, in order."""
    tables = []
    for tbl in Document(str(docx)).element.body.iterchildren(qn("w:tbl")):
        rows = []
        for tr in tbl.iterchildren(qn("w:tr")):
            words = " ".join(
                "".join(t.text or "" if t.tag == qn("w:t") else " " for t in tc.iter(qn("w:t"), qn("w:tab")))
                for tc in tr.iterchildren(qn("w:tc"))
            )
            rows.append(tuple(words.replace("\u2011", "-").split()[:3]))
        tables.append(rows)
    return tables


def headings(docx: Path) -> set[str]:
    return {
        " ".join(p.text.split())
        for p in Document(str(docx)).paragraphs
        if p.style is not None and p.style.style_id in ("Heading1", "Heading2", "TableTitle")
    }


def find(tokens: list[tuple[int, str]], key: tuple[str, ...], start: int) -> int:
    """Index of the first run of words equal to ``key`` at or after ``start`` in the page-tagged words."""
    n = len(key)
    for i in range(start, len(tokens) - n + 1):
        if tuple(word for _, word in tokens[i : i + n]) == key:
            return i
    raise AssertionError(f"{' '.join(key)!r} not found in the PDF after word {start}")


def sop_pairs(sops: Path) -> list[tuple[Path, Path]]:
    pairs = [(pdf, pdf.with_suffix(".docx")) for pdf in sorted(sops.glob("*.pdf"))]
    assert len(pairs) >= 15, "the example's SOPs and the long flow"
    return pairs


# ---------------------------------------------------------------- the tests


def test_the_long_flow_sop_and_the_example_were_built(sops):
    assert (sops / f"{LONG_FLOW}.pdf").exists() and len(sop_pairs(sops)) >= 15
    from pypdf import PdfReader

    assert len(PdfReader(sops / f"{LONG_FLOW}.pdf").pages) >= 4  # a chart over several pages, 15 steps


def test_no_page_but_the_last_ends_in_its_upper_two_thirds_but_before_a_flowchart_too_tall_for_it(sops):
    """A page ends early only where the Procedure's flowchart, kept with its heading, could not fit below."""
    early = []
    for pdf, _ in sop_pairs(sops):
        pages = body_lines(pdf)
        top, bottom = body_height(pdf)
        limit = top + (bottom - top) * 2 / 3
        for number, (lines, following) in enumerate(zip(pages, pages[1:]), 1):
            if lines and lines[-1].bottom >= limit:
                continue
            starts_with_chart = (
                following
                and following[0].text == "Procedure"
                and "Start" in {word for line in following[1:4] for word in line.words}
            )
            if not starts_with_chart:
                early.append(f"{pdf.stem} page {number} ends at {lines[-1].bottom if lines else 0:.0f} pt")
    assert not early, early


def test_a_table_never_leaves_its_last_row_alone_on_a_page(sops):
    checked = 0
    for pdf, docx in sop_pairs(sops):
        tokens = [
            (number, word) for number, lines in enumerate(body_lines(pdf)) for line in lines for word in line.words
        ]
        cursor = 0
        for rows in table_row_keys(docx):
            if len(rows) < 3 or not rows[-1] or not rows[-2]:
                continue
            before = find(tokens, rows[-2], cursor)
            last = find(tokens, rows[-1], before + 1)
            assert tokens[before][0] == tokens[last][0], f"{pdf.stem}: {' '.join(rows[-1])!r} alone on a page"
            cursor, checked = last + 1, checked + 1
    assert checked > 50


def test_the_approvals_table_is_on_the_page_of_its_heading(sops):
    for pdf, docx in sop_pairs(sops):
        pages = body_lines(pdf)
        approvals = table_row_keys(docx)[-1]
        heading = [n for n, lines in enumerate(pages) for line in lines if line.text == "Approvals"]
        assert heading, pdf.stem
        on_page = [word for line in pages[heading[-1]] for word in line.words]
        for key in approvals[1:]:  # every approval, not only the first
            assert key in {tuple(on_page[i : i + len(key)]) for i in range(len(on_page))}, (pdf.stem, key)


def test_no_heading_or_table_header_row_is_the_last_line_of_a_page(sops):
    alone = []
    for pdf, docx in sop_pairs(sops):
        titles = headings(docx)
        header_rows = {rows[0] for rows in table_row_keys(docx)[1:]}  # every table but the title block's facts
        assert "Approvals" in titles and ("Role", "Printed", "name") in header_rows
        for number, lines in enumerate(body_lines(pdf)[:-1], 1):
            if lines and (lines[-1].text in titles or lines[-1].words[:3] in header_rows):
                alone.append(f"{pdf.stem} page {number}: {lines[-1].text}")
            elif len(lines) > 1 and lines[-2].words[:3] in header_rows and len(lines[-1].words) <= 2:
                alone.append(f"{pdf.stem} page {number}: {lines[-2].text} / {lines[-1].text}")  # a wrapped header
    assert not alone, alone
