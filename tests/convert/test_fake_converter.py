"""The tests' stand-in for LibreOffice (``support/fakes.py``): a document converted again, from the PDFs it keeps,
is the PDF it makes afresh of the same paragraphs, and another document is another PDF."""

from __future__ import annotations

import fakes
from docx import Document
from pypdf import PdfReader

from binder.convert.base import Job


def docx(path, lines: list[str]):
    document = Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_a_document_converted_again_is_the_pdf_made_afresh_and_another_document_another_pdf(tmp_path):
    lines = ["Payroll processing", "Collect timesheets → step 2.", "Approve the payroll run."]
    book = docx(tmp_path / "a.docx", lines)
    converter = fakes.FakeConverter()
    converter.convert([Job("A", book, tmp_path / "first.pdf"), Job("A", book, tmp_path / "again.pdf")])
    fakes.write_pdf(fakes.docx_paragraphs(book), tmp_path / "afresh.pdf")
    first = (tmp_path / "first.pdf").read_bytes()
    assert (tmp_path / "again.pdf").read_bytes() == first == (tmp_path / "afresh.pdf").read_bytes()
    assert converter.converted == ["A", "A"]
    assert "Collect timesheets → step 2." in PdfReader(tmp_path / "again.pdf").pages[0].extract_text()
    other = docx(tmp_path / "b.docx", [*lines[:2], "Approve the payroll run twice."])
    converter.convert([Job("B", other, tmp_path / "other.pdf")])
    assert "Approve the payroll run twice." in PdfReader(tmp_path / "other.pdf").pages[0].extract_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.docx", "afresh.pdf", "again.pdf", "b.docx", "first.pdf", "other.pdf"
    ]  # fmt: skip
