"""A flowchart too tall for the space under its heading must not leave most of a page blank.

The same SOP with more and more definitions before its Procedure: some of them leave over a third of
the page before the chart empty in the first pass; the second pass draws the chart's first part into
that room, and the chart then starts a page earlier, in no more pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flows import long_flow
from helpers_docx import ORIGIN, make_library
from pypdf import PdfReader

from binder.convert.base import Job, export_options
from binder.convert.pool import Converter
from binder.document.labels import labels_for
from binder.document.pool import converter_input, render_one, start_renderer
from binder.model import Definition
from binder.output.chart_room import MOST_BLANK, chart_page, refit_charts, room_before_chart

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("dot"), reason="needs LibreOffice and dot"),
]
PREFIX = labels_for("en")["alt_flowchart"].split("{")[0]


def test_a_chart_that_left_over_a_third_of_a_page_blank_starts_under_its_heading(tmp_path: Path):
    flow = long_flow()
    sops = [
        flow.__class__(**{**flow.__dict__, "sop_id": f"FIN-00{n + 1}", "definitions": _terms(n * 2)}) for n in range(6)
    ]
    library = make_library(*sops, folder=tmp_path)
    root, work = tmp_path / "root", tmp_path / "root" / ".work"
    (root / "sops").mkdir(parents=True)
    start_renderer(library, root, work, 60.0)
    for sop in sops:
        render_one(sop.sop_id)
    pdfs = {s.sop_id: tmp_path / f"{s.sop_id}.pdf" for s in sops}
    jobs = [Job(s.sop_id, converter_input(work, root / "sops" / f"{s.sop_id}.docx"), pdfs[s.sop_id]) for s in sops]
    with Converter(workdir=tmp_path / "lo") as converter:
        converter.convert(jobs)
        first = {s: room_before_chart(pdf, PREFIX, 24.0) for s, pdf in pdfs.items()}
        pages = {s: len(PdfReader(pdf).pages) for s, pdf in pdfs.items()}
        blank = [s for s, room in first.items() if room and room.free_mm > room.page_mm * MOST_BLANK]
        assert blank, {s: room and round(room.free_mm) for s, room in first.items()}  # the case exists
        kept = refit_charts(library, sops, root, work, pdfs, converter, export_options(False), 60.0)
    assert kept, "no chart was moved up"
    for sop_id in kept:
        room = first[sop_id]
        assert room is not None
        assert chart_page(pdfs[sop_id], PREFIX) == room.page - 1
        assert len(PdfReader(pdfs[sop_id]).pages) <= pages[sop_id]
        after = room_before_chart(pdfs[sop_id], PREFIX, 24.0)
        assert after is None or after.free_mm <= after.page_mm * MOST_BLANK


def _terms(count: int) -> tuple[Definition, ...]:
    return tuple(
        Definition(f"Term {n}", f"What term {n} means in this procedure, in a sentence or two of plain words.", ORIGIN)
        for n in range(count)
    )
