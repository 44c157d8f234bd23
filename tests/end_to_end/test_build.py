"""End to end: build real workbooks with LibreOffice and check the PDFs and Word files themselves."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pdfs
import pytest
import wb
from docx import Document as WordDocument

from binder.build import BuildOptions, build
from binder.errors import InputError

pytestmark = pytest.mark.slow


def tricky_workbook(folder):
    data = wb.base()
    data["SOPs"][0]["Title"] = "Payroll processing: R&D <QA> {{ 7*7 }}"
    data["SOPs"][0]["Scope"] = "Procédure d'évaluation — employés salariés.\nNot contractors."
    data["Steps"][0]["Details"] = "Use the {% if %} form & check <totals>."
    data["Steps"][1]["Caution"] = "Never pay before approval."
    return wb.write(folder / "book.xlsx", data)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build")
    out = folder / "output"
    result = build(tricky_workbook(folder), BuildOptions(out=out, jobs=2, today=wb.TODAY))
    return out, result


@pytest.fixture(scope="module")
def built_with_drafts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drafts")
    out = folder / "output"
    build(wb.write(folder / "book.xlsx"), BuildOptions(out=out, include_drafts=True, today=wb.TODAY))
    return out


def manifest(out):
    return json.loads((out / "manifest.json").read_text())


def test_every_sop_gets_word_and_pdf_and_every_department_a_binder(built):
    out, _ = built
    data = manifest(out)
    assert [d["sop_id"] for d in data["documents"]] == ["FIN-001", "OPS-001", "OPS-002"]
    for doc in data["documents"]:
        assert (out / doc["docx"]).is_file() and (out / doc["pdf"]).read_bytes().startswith(b"%PDF-")
    assert [(b["department"], b["sops"]) for b in data["binders"]] == [("FIN", ["FIN-001"]), ("OPS", ["OPS-001"])]


def test_manifest_hashes_and_page_counts_are_true(built):
    out, _ = built
    data = manifest(out)
    assert data["workbook"] == "book.xlsx" and re.fullmatch(r"[0-9a-f]{64}", data["workbook_sha256"])
    for doc in data["documents"]:
        for kind in ("docx", "pdf"):
            assert doc["sha256"][kind] == hashlib.sha256((out / doc[kind]).read_bytes()).hexdigest()
        assert doc["pages"] == len(pdfs.page_texts(out / doc["pdf"]))
    for binder in data["binders"]:
        assert binder["sha256"] == hashlib.sha256((out / binder["path"]).read_bytes()).hexdigest()
        assert binder["pages"] == len(pdfs.page_texts(out / binder["path"]))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "output"
    build(EXAMPLE, BuildOptions(out=out, jobs=2, today=date(2026, 11, 21)))
    return out


EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "example.xlsx"


def test_sop_contents_page_numbers_are_the_pages_where_headings_stand(built, example):
    pdf_files = sorted((built[0] / "sops").glob("*.pdf")) + sorted((example / "sops").glob("*.pdf"))
    assert any(len(pdfs.page_texts(p)) >= 3 for p in pdf_files), "some SOP spans several pages"
    for pdf in pdf_files:
        texts = pdfs.page_texts(pdf)
        headings = [(t, p) for depth, t, p in pdfs.outline(pdf) if depth == 0]
        assert len(headings) >= 3, pdf.name
        contents = next(i for i, t in enumerate(texts) if "Contents" in t)
        toc = texts[contents]
        for title, page in headings:
            if title == "Contents":
                continue
            assert pdfs.squash(title) in pdfs.squash(texts[page]), (pdf.name, title)
            match = re.search(re.escape(title) + r"[\s.]*?(\d+)\s*$", toc, re.MULTILINE)
            assert match, f"{title} is not in the contents of {pdf.name}"
            assert int(match.group(1)) == page + 1, (pdf.name, title)


def test_cell_text_is_printed_literally_with_accents(built):
    out, _ = built
    text = pdfs.squash(" ".join(pdfs.page_texts(out / "sops" / "FIN-001.pdf")))
    assert "R&D <QA> {{ 7*7 }}" in text
    assert "Use the {% if %} form & check <totals>." in text
    assert "Procédure d'évaluation — employés salariés." in text
    assert "49" not in text.replace("2049", "")


def test_revision_and_approval_tables_are_in_the_word_file(built):
    out, _ = built
    doc = WordDocument(out / "sops" / "FIN-001.docx")
    rows = [[c.text.strip() for c in row.cells] for t in doc.tables for row in t.rows]
    assert any(r[:2] == ["1.0", "10 Jan 2025"] or (r[0] == "1.0" and "First issue." in r) for r in rows), rows
    assert any("Lee Chen" in r and "CFO" in r for r in rows)


def test_binder_structure_bookmarks_labels_and_links(built):
    out, _ = built
    binder = out / "binders" / "OPS-binder.pdf"
    texts = pdfs.page_texts(binder)
    marks = pdfs.outline(binder)
    assert marks[0][:2] == (0, "OPS Operations")
    sop_mark = next(m for m in marks if m[1] == "OPS-001 Receiving goods")
    start = sop_mark[2]
    assert "OPS-001" in texts[start] and "Receiving goods" in texts[start]
    labels = pdfs.labels(binder)
    assert labels[:start] == ["i", "ii", "iii"][:start]
    assert labels[start:] == [f"OPS-001-{n}" for n in range(1, len(texts) - start + 1)]
    heading_marks = [m for m in marks if m[0] == 2]
    assert heading_marks, "the SOP's own headings are under its bookmark"
    for _, title, page in heading_marks:
        assert pdfs.squash(title) in pdfs.squash(texts[page]), title
    contents = next(i for i, t in enumerate(texts) if "Contents" in t and i < start)
    assert re.search(r"OPS-001\s+Receiving goods\s+" + str(start + 1), texts[contents])
    assert (contents, start) in pdfs.links(binder), "the contents entry links to the SOP's first page"


def test_binder_metadata_and_viewer_settings(built):
    from pypdf import PdfReader

    out, _ = built
    reader = PdfReader(out / "binders" / "FIN-binder.pdf")
    assert reader.metadata.title == "Finance Standard Operating Procedures"
    assert reader.metadata.author == "Acme Ltd"
    assert "Finance" in reader.metadata.subject
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_qpdf_check_passes_on_every_binder(built):
    out, _ = built
    binders = sorted((out / "binders").glob("*.pdf"))
    assert binders
    for binder in binders:
        subprocess.run(["qpdf", "--check", str(binder)], check=True, capture_output=True)


def test_drafts_are_left_out_and_watermarked_when_included(built, built_with_drafts):
    out, _ = built
    assert "OPS-002" not in pdfs.squash(" ".join(pdfs.page_texts(out / "binders" / "OPS-binder.pdf")))
    draft_binder = built_with_drafts / "binders" / "OPS-binder.pdf"
    assert manifest(built_with_drafts)["binders"][1]["sops"] == ["OPS-001", "OPS-002"]
    texts = pdfs.page_texts(draft_binder)
    start = next(p for _, t, p in pdfs.outline(draft_binder) if t.startswith("OPS-002"))
    assert all("DRAFT" in t for t in texts[start:])
    assert all("DRAFT" not in t for t in texts[:start])


def test_a_workbook_with_errors_leaves_the_output_folder_untouched(built, tmp_path):
    out, _ = built
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    data = wb.base()
    data["Steps"][0]["Action"] = None
    with pytest.raises(InputError):
        build(wb.write(tmp_path / "bad.xlsx", data), BuildOptions(out=out, today=wb.TODAY))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_every_link_between_sops_in_a_binder_lands_on_the_start_page_of_the_sop_it_names(example):
    checked = 0
    for binder in sorted((example / "binders").glob("*.pdf")):
        texts = pdfs.page_texts(binder)
        starts = {t.split(" ")[0]: p for d, t, p in pdfs.outline(binder) if d == 1 and t != "Contents"}
        bounds = sorted(starts.values()) + [len(texts)]
        owner = {page: sop for sop, start in starts.items() for page in range(start, bounds[bounds.index(start) + 1])}
        for page, target in pdfs.links(binder):
            if isinstance(target, str) or page not in owner or owner.get(target) == owner[page]:
                continue  # web links, front matter, and an SOP's own contents
            named = [sop for sop, start in starts.items() if start == target]
            assert named, f"{binder.name}: a link on page {page + 1} lands on page {target + 1}, not an SOP's start"
            assert named[0] in texts[page], f"the link on page {page + 1} does not name {named[0]}"
            checked += 1
    assert checked >= 2, "the example has links between SOPs of the same binder"
