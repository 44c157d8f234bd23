"""What SOPs show beyond text, in the PDF: LibreOffice converts two rendered SOPs, then they are
assembled into a pack and issued alone (tick boxes, role marks, embedded fonts, live links).

How the Word files are made is tested in ``tests/document/test_visuals.py``."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from helpers_docx import make_library, make_sop, step
from pdfs import links, page_texts
from pypdf import PdfReader, PdfWriter

from binder.document.links import LINK_PREFIX, standalone_copy
from binder.document.render import render_sop
from binder.issue.assemble import Document as Assembly
from binder.issue.assemble import Part, assemble

TICK_BOX, MARK = "\u2610", "\u25cf"


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdffonts"), reason="LibreOffice not installed")
def test_pdf_shows_tick_boxes_and_marks_with_embedded_fonts_and_live_links(tmp_path):
    from binder.convert.pool import Converter, Job

    sop = make_sop(format="Checklist")  # related: OPS-001 (another department); references: web + OPS-001
    library = make_library(sop, folder=tmp_path)
    fin, ops = tmp_path / "FIN-001.docx", tmp_path / "OPS-001.docx"
    render_sop(sop, library, fin)
    render_sop(library.sop("OPS-001"), library, ops)
    with Converter(workdir=tmp_path / "lo") as converter:
        converter.convert(
            [Job("FIN-001", fin, tmp_path / "FIN-001.pdf"), Job("OPS-001", ops, tmp_path / "OPS-001.pdf")]
        )
    pdf = tmp_path / "FIN-001.pdf"
    text = "".join(page_texts(pdf))
    assert text.count(TICK_BOX) == len(sop.steps)
    assert text.count(MARK) == len(sop.steps)  # every step has a Responsible
    assert "see OPS-001 Receiving goods (Operations binder)" in " ".join(text.split())
    listing = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), listing  # every font embedded
    assert "DejaVuSans" in listing  # the tick box's font: no missing-glyph box
    targets = [target for _, target in links(pdf)]
    assert "https://intranet.acme.test/payroll" in targets  # web links are link annotations
    assert targets.count(LINK_PREFIX + "OPS-001") == 2  # the cross-references carry their marker

    # Issued alone, the marker goes and the web link stays; in a pack holding OPS-001 it becomes a jump.
    pack = tmp_path / "pack.pdf"
    front = tmp_path / "front.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(front)
    made = assemble(
        Assembly(
            "Pack",
            "Acme",
            "Pack",
            "Pack",
            front,
            (),
            (Part("FIN-001", "FIN-001", pdf), Part("OPS-001", "OPS-001", tmp_path / "OPS-001.pdf")),
        ),
        pack,
    )
    ops_start = dict(made.starts)["OPS-001"] - 1
    assert len([1 for page, target in links(pack) if page < ops_start and target == ops_start]) == 2
    standalone_copy(pdf, tmp_path / "standalone.pdf")
    targets = [target for _, target in links(tmp_path / "standalone.pdf")]
    assert "https://intranet.acme.test/payroll" in targets and not any(str(t).startswith(LINK_PREFIX) for t in targets)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("dot"), reason="LibreOffice or Graphviz missing")
def test_flowcharts_are_vector_text_in_the_pdf_a_page_each_with_markers(tmp_path):
    """A 15-step decision flow with long actions, plain and in swimlanes: LibreOffice converts the
    SVG-only copy, so every box's text is text in the PDF (pdftotext finds it), not a picture."""
    from flows import long_flow

    from binder.convert.pool import Converter, Job
    from binder.document.flowchart import draw_flowchart
    from binder.document.labels import labels_for
    from binder.document.pool import LANDSCAPE_CHART_MM
    from binder.document.svg import libreoffice_copy

    sop = long_flow()
    library = make_library(sop, folder=tmp_path)
    jobs, charts = [], {}
    for mode in ("flow", "swimlanes"):
        chart = draw_flowchart(sop, labels_for("en"), tmp_path / mode, box_mm=(170, 200), swimlanes=mode == "swimlanes")
        docx = render_sop(sop, library, tmp_path / f"{mode}.docx", extra={"flowchart": chart})
        assert libreoffice_copy(docx, tmp_path / "lo" / f"{mode}.docx")
        jobs.append(Job(mode, tmp_path / "lo" / f"{mode}.docx", tmp_path / f"{mode}.pdf"))
        charts[mode] = chart
    wide = make_sop(
        sop_id="OPS-009",
        title="Goods-in with six roles",
        format="Flowchart",
        steps=tuple(
            step(str(i), f"Do the part that belongs to role {i}.", role)
            for i, role in enumerate(
                (
                    "Receiver",
                    "Stock controller",
                    "Warehouse supervisor",
                    "Quality inspector",
                    "Driver",
                    "Purchasing officer",
                )
                * 2,
                1,
            )  # fmt: skip
        ),
    )
    lanes = draw_flowchart(
        wide, labels_for("en"), tmp_path / "wide", box_mm=(170, 200), swimlanes=True, landscape_mm=LANDSCAPE_CHART_MM
    )
    assert lanes.landscape
    docx = render_sop(wide, make_library(wide, folder=tmp_path), tmp_path / "wide.docx", extra={"flowchart": lanes})
    assert libreoffice_copy(docx, tmp_path / "lo" / "wide.docx")
    jobs.append(Job("wide", tmp_path / "lo" / "wide.docx", tmp_path / "wide.pdf"))
    with Converter(workdir=tmp_path / "work") as converter:
        converter.convert(jobs)
    # Six lanes do not fit a portrait page at 8 pt: the chart's pages are landscape, with the SOP's own
    # header and footer, the Procedure heading on the first of them, and the pages after are portrait again.
    reader = PdfReader(tmp_path / "wide.pdf")
    turned = [i for i, page in enumerate(reader.pages) if page.mediabox.width > page.mediabox.height]
    assert len(turned) == len(lanes.pictures) and turned == list(range(turned[0], turned[-1] + 1))
    assert 0 < turned[0] and turned[-1] < len(reader.pages) - 1
    texts = page_texts(tmp_path / "wide.pdf")
    assert "Procedure" in texts[turned[0]]
    for i in turned:
        assert "Goods-in with six roles" in texts[i] and f"Page {i + 1} of" in texts[i]
        assert "Purchasing officer" in texts[i]  # the lane titles: vector text on every page of the chart
    for mode, chart in charts.items():
        pdf = tmp_path / f"{mode}.pdf"
        images = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert len(images.splitlines()) == 2, images  # the header only: no picture of the chart went in
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        words = " ".join(text.split())
        assert "1. Load the instruments" in words  # the box's own text, as the chart prints it (the table has no "1.")
        assert "7. Record the batch as" in words and "to step" in words and "from step" in words
        pages = text.split("\f")
        n = len(chart.pictures)
        assert words.count("Continued on next page") == words.count("Continued from previous page") == n - 1
        marked = [i for i, page in enumerate(pages) if "Continued from previous page" in page]
        assert len(set(marked)) == n - 1  # each part of the chart starts a page of its own
