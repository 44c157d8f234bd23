"""PDF export options: Settings ``PDF/A`` reaches every conversion, local or remote, and the cache key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import wb

from binder.convert.base import Job, Result, WithOptions, export_options
from binder.convert.remote import PDF_OPTIONS, filter_options
from binder.output.cache import document_key
from binder.workbook.load import load_workbook


def test_pdfa_selects_pdfa_2_and_nothing_else_changes_by_default():
    assert export_options(False) == ()
    assert export_options(True) == (("SelectPdfVersion", 2),)


def test_unoserver_gets_the_jobs_options_as_its_strings():
    job = Job("FIN-001", Path("a.docx"), Path("a.pdf"), (("SelectPdfVersion", 2), ("PDFUACompliance", True)))
    assert filter_options(job) == PDF_OPTIONS + ["SelectPdfVersion=2", "PDFUACompliance=true"]
    assert filter_options(Job("x", Path("a.docx"), Path("a.pdf"))) == PDF_OPTIONS


class Recorder:
    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def convert(self, jobs, progress=None):
        self.jobs += jobs
        return [Result(j.key, j.pdf, 0.0, 0) for j in jobs]

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_front_matter_converts_with_the_documents_options():
    recorder = Recorder()
    WithOptions(recorder, export_options(True)).convert([Job("front", Path("f.docx"), Path("f.pdf"))])
    assert recorder.jobs == [Job("front", Path("f.docx"), Path("f.pdf"), (("SelectPdfVersion", 2),))]


def test_pdfa_is_part_of_every_documents_cache_key(tmp_path):
    library = load_workbook(wb.write(tmp_path / "book.xlsx"), today=wb.TODAY).library
    archival = replace(library, settings=replace(library.settings, pdf_a="yes"))
    for sop in library.sops:
        assert document_key(sop, library, False) != document_key(sop, archival, False)
        assert document_key(sop, library, False) == document_key(sop, library, False)
