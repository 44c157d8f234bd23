"""Flowcharts that start where their heading would: no page left part empty before a chart.

A chart too tall for the space left under its Procedure heading moves to the next page with the
heading (they are kept together), leaving the page before it part empty; how much is left is known
only once LibreOffice has laid the document out. So, after converting, that space is measured in the
PDF, the chart is drawn again with its first part cut (or scaled, never below 8 pt) to fit it, the SOP
converted again, and the new PDF kept only if the chart now starts a page earlier: a second pass for
those SOPs alone, like a typesetter's.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from docx import Document as WordDocument
from pypdf import PdfReader

from binder.convert.base import Converting, Job
from binder.document import dot_runner
from binder.document.labels import labels_for
from binder.document.pool import converter_input, render_one, start_renderer
from binder.interrupts import shielded
from binder.model import Library, Sop
from binder.workbook.flow import needs_flowchart

HEADING_MM = 20.0
"""Room the chart's heading, its spacing and the "Continued on next page" line take above and below it."""
MOST_BLANK = 1 / 3
"""The share of a page that may be left blank before a chart: a first part smaller than what is left
over is a box or two cut off from the rest, worse for a reader than some white space."""
PT_MM = 25.4 / 72


def refit_charts(
    library: Library, sops: Sequence[Sop], root: Path, work: Path, pdfs: dict[str, Path], converter: Converting,
    options: tuple, timeout: float,
) -> list[str]:  # fmt: skip
    """Draw again, convert again and keep, for each SOP whose chart left room on the page before it,
    the version whose chart starts a page earlier. ``pdfs``: each SOP's converted PDF. Returns their IDs."""
    prefix = labels_for(library.settings.language)["alt_flowchart"].split("{")[0]
    rooms: dict[str, Room] = {}
    for sop in sops:
        if not needs_flowchart(sop):
            continue
        docx = root / "sops" / f"{sop.sop_id}.docx"
        with shielded():
            found = room_before_chart(pdfs[sop.sop_id], prefix, _bottom_margin_mm(docx))
        if found and found.free_mm > found.page_mm * MOST_BLANK:
            rooms[sop.sop_id] = found
    if not rooms:
        return []
    aside = work / "refit"
    aside.mkdir(parents=True, exist_ok=True)
    start_renderer(library, root, work, timeout)
    jobs = []
    with dot_runner.kept():
        for sop_id, room in rooms.items():
            docx = root / "sops" / f"{sop_id}.docx"
            shutil.copy2(docx, aside / docx.name)
            _keep_copy(converter_input(work, docx), aside / "lo" / docx.name)
            render_one(sop_id, first_mm=room.free_mm - HEADING_MM)
            jobs.append(Job(sop_id, converter_input(work, docx), aside / f"{sop_id}.pdf", options))
    converter.convert(jobs)
    kept = []
    for sop_id, room in rooms.items():
        again = aside / f"{sop_id}.pdf"
        with shielded():
            better = chart_page(again, prefix) == room.page - 1 and _pages(again) <= _pages(pdfs[sop_id])
        if better:
            (aside / f"{sop_id}.pdf").replace(pdfs[sop_id])
            kept.append(sop_id)
        else:  # the measure was off: the first pass stands
            docx = root / "sops" / f"{sop_id}.docx"
            shutil.copy2(aside / docx.name, docx)
            _keep_copy(aside / "lo" / docx.name, converter_input(work, docx))
    return kept


def _keep_copy(source: Path, target: Path) -> None:
    if source.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def chart_page(pdf: Path, alt_prefix: str) -> int | None:
    """The page (0-based) of the chart's first picture: the tagged Figure whose /Alt describes the flow."""
    with pikepdf.open(pdf) as document:
        root = document.Root.get("/StructTreeRoot")
        if root is None:
            return None
        pages: dict[tuple[int, int], int] = {page.obj.objgen: index for index, page in enumerate(document.pages)}
        stack = [root.get("/K")]
        while stack:
            element = stack.pop()
            if isinstance(element, pikepdf.Array):
                stack.extend(reversed(list(element)))
            elif isinstance(element, pikepdf.Dictionary):
                alt = str(element.get("/Alt", ""))
                if element.get("/S") == "/Figure" and alt.startswith(alt_prefix) and "/Pg" in element:
                    return pages.get(element.Pg.objgen)
                if "/K" in element:
                    stack.append(element.K)
    return None


@dataclass(frozen=True)
class Room:
    page: int
    """The page (0-based) the chart starts on."""
    free_mm: float
    """The height left empty under the last line of the page before it."""
    page_mm: float
    """That page's height."""


def _pages(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def room_before_chart(pdf: Path, alt_prefix: str, bottom_margin_mm: float) -> Room | None:
    """The room left under the last line of text of the page before the chart, when the chart does not
    start on the document's first page."""
    page = chart_page(pdf, alt_prefix)
    if not page:
        return None
    before = PdfReader(pdf).pages[page - 1]
    lines: list[float] = []

    def visit(text, cm, tm, _font, _size) -> None:
        if text.strip():
            lines.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5]) * PT_MM)

    before.extract_text(visitor_text=visit)
    body = [y for y in lines if y > bottom_margin_mm]  # the footer is in the bottom margin
    if not body:
        return None
    descent_and_border = 4.0
    return Room(page, min(body) - descent_and_border - bottom_margin_mm, float(before.mediabox.height) * PT_MM)


def _bottom_margin_mm(docx: Path) -> float:
    section = WordDocument(str(docx)).sections[-1]
    return section.bottom_margin.mm if section.bottom_margin is not None else 25.0
