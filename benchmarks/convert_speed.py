"""Seconds per document for Word → PDF with 1 and 2 LibreOffice workers.

    .venv/bin/python benchmarks/convert_speed.py [--documents 40] [--workers 1 2]

Each document is a typical three-page SOP: title, a Word contents field, eight
sections of text and a table. Start-up (about 1 s per worker, in parallel) is
reported separately from the steady conversion rate.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from binder.convert import Converter, Job  # noqa: E402

TEXT = ("The operator checks the equipment log before each run and records the reading, the date and "
        "their initials. Deviations are reported to the supervisor on the same shift. ")


def add_toc(doc: Document) -> None:
    paragraph = doc.add_paragraph()
    for kind, text in (("begin", None), (None, ' TOC \\o "1-3" \\h \\z \\u '), ("separate", None),
                       ("text", "Right-click to update the table of contents."), ("end", None)):
        run = paragraph.add_run()
        if kind == "text":
            run.text = text
        elif kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
            run._r.append(element)
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)


def make_sop(path: Path, number: int) -> None:
    """A three-page SOP with a contents field."""
    doc = Document()
    doc.add_paragraph(f"SOP-{number:03d} Cleaning of production equipment", style="Title")
    add_toc(doc)
    for section in range(1, 9):
        doc.add_heading(f"{section}. Section {section}", 1)
        for _ in range(2):
            doc.add_paragraph(TEXT * 2)
        if section == 5:
            table = doc.add_table(rows=6, cols=3)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = "value"
    doc.save(path)


def measure(workers: int, jobs: list[Job]) -> tuple[float, float]:
    """(start-up seconds, seconds per document once started)."""
    with Converter(workers=workers) as converter:
        started = time.monotonic()
        converter.convert(jobs[:workers])  # one each: starts every worker
        warm = time.monotonic()
        converter.convert(jobs)
        done = time.monotonic()
    return warm - started, (done - warm) / len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convert-speed-") as tmp:
        folder = Path(tmp)
        jobs = []
        for n in range(args.documents):
            make_sop(folder / f"SOP-{n:03d}.docx", n)
            jobs.append(Job(f"SOP-{n:03d}", folder / f"SOP-{n:03d}.docx", folder / f"SOP-{n:03d}.pdf"))
        for workers in args.workers:
            startup, per_document = measure(workers, jobs)
            pages = len(PdfReader(jobs[0].pdf).pages)
            print(f"{workers} worker(s): start-up {startup:.2f} s, {per_document:.3f} s per document "
                  f"({pages} pages each, {args.documents} documents)")


if __name__ == "__main__":
    main()
