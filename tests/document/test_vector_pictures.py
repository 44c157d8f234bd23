"""Pictures in the Word file: the flowchart as SVG with a PNG fallback (one picture a page, with
continuation markers), the SVG-only copy LibreOffice converts, alt text on every picture, and the
Flowchart setting (flow or swimlanes) in the document cache key."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile
from pathlib import Path

import pytest
import wb
from docx.shared import Mm
from flows import long_flow
from helpers_docx import make_library, make_sop, step, write_png
from lxml import etree

from binder.document.flowchart import draw_flowchart
from binder.document.labels import labels_for
from binder.document.render import render_sop
from binder.document.svg import libreoffice_copy
from binder.output.cache import document_key
from binder.workbook.load import check_workbook, load_workbook

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"


def pictures(docx: Path) -> list[dict]:
    """Each picture of the body: its description, size, main picture's part and SVG part (if any)."""
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        types = z.read("[Content_Types].xml").decode()
    target = {r.get("Id"): "word/" + r.get("Target") for r in rels}
    found = []
    for inline in body.iter(f"{WP}inline"):
        blip = next(inline.iter(f"{A}blip"))
        svg = blip.find(f"{A}extLst/{A}ext/{SVG_BLIP}")
        extent = inline.find(f"{WP}extent")
        found.append(
            {
                "descr": inline.find(f"{WP}docPr").get("descr"),
                "size": (int(extent.get("cx")), int(extent.get("cy"))),
                "main": target[blip.get(R_EMBED)],
                "svg": target[svg.get(R_EMBED)] if svg is not None else None,
                "types": types,
            }
        )
    return found


@pytest.fixture(scope="module")
def chart_docx(tmp_path_factory):
    if shutil.which("dot") is None:
        pytest.fail("graphviz (dot) is required: ./run setup installs it")
    tmp = tmp_path_factory.mktemp("chart")
    sop = long_flow()
    chart = draw_flowchart(sop, labels_for("en"), tmp / "flow", box_mm=(170, 200))
    docx = render_sop(sop, make_library(sop, folder=tmp), tmp / "out.docx", extra={"flowchart": chart})
    return chart, docx


def test_each_page_of_the_chart_is_an_svg_with_a_png_fallback_and_its_alt_text(chart_docx):
    chart, docx = chart_docx
    found = pictures(docx)
    assert len(found) == len(chart.pictures) >= 2
    with zipfile.ZipFile(docx) as z:
        for picture, placed in zip(chart.pictures, found):
            assert z.read(placed["main"])[:8] == b"\x89PNG\r\n\x1a\n"
            assert z.read(placed["svg"]) == picture.svg.read_bytes()
            assert placed["descr"] == picture.alt
            assert abs(placed["size"][0] - Mm(picture.width_mm)) < Mm(0.1)
            assert abs(placed["size"][1] - Mm(picture.height_mm)) < Mm(0.1)
    assert f'PartName="/{found[0]["svg"]}" ContentType="image/svg+xml"' in found[0]["types"]
    assert found[0]["descr"].startswith("Flowchart of the procedure, ")


def test_pages_of_the_chart_are_paragraphs_of_a_page_each_joined_by_continuation_markers(chart_docx):
    chart, docx = chart_docx
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml"))
    paragraphs = [p for p in body.iter(f"{W}p") if list(p.iter(f"{WP}inline"))]
    assert len(paragraphs) == len(chart.pictures)
    shown = []
    for paragraph in paragraphs:
        style = paragraph.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
        starts_page = paragraph.find(f"{W}pPr/{W}pageBreakBefore") is not None
        items = [
            "picture" if node.tag == f"{W}drawing" else node.text
            for run in paragraph.iter(f"{W}r")
            for node in run
            if node.tag == f"{W}drawing" or (node.tag == f"{W}t" and node.text)
        ]
        shown.append((style, starts_page, items))
    n = len(chart.pictures)
    assert shown == [
        ("Figure", False, ["picture", "Continued on next page"]),
        *[("Figure", True, ["Continued from previous page", "picture", "Continued on next page"])] * (n - 2),
        ("Figure", True, ["Continued from previous page", "picture"]),
    ]
    assert not list(body.iter(f"{W}br")) or all(b.get(f"{W}type") != "page" for b in body.iter(f"{W}br"))


def test_libreoffice_gets_a_copy_whose_pictures_are_the_svg_alone(chart_docx, tmp_path):
    _, docx = chart_docx
    copy = tmp_path / "lo.docx"
    assert libreoffice_copy(docx, copy)
    original, converted = pictures(docx), pictures(copy)
    assert [p["main"] for p in converted] == [p["svg"] for p in original]
    assert all(p["svg"] is None for p in converted)  # no fallback left to export instead
    assert [p["descr"] for p in converted] == [p["descr"] for p in original]
    with zipfile.ZipFile(docx) as a, zipfile.ZipFile(copy) as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == b.read(n) for n in a.namelist() if n != "word/document.xml")
    plain = render_sop(make_sop(), make_library(make_sop(), folder=tmp_path), tmp_path / "plain.docx")
    assert not libreoffice_copy(plain, tmp_path / "plain-lo.docx") and not (tmp_path / "plain-lo.docx").exists()


def test_step_pictures_and_the_logo_are_described(tmp_path):
    shot = write_png(tmp_path / "screen.png", 400, 200)
    sop = make_sop(steps=(step("1", "Open the payroll screen.", image=shot), step("2", "Done.")))
    logo = write_png(tmp_path / "logo.png", 300, 100)
    docx = render_sop(sop, make_library(sop, folder=tmp_path, logo=logo), tmp_path / "s.docx")
    assert [p["descr"] for p in pictures(docx)] == ["Figure — step 1: Open the payroll screen."]
    with zipfile.ZipFile(docx) as z:
        header = b"".join(z.read(n) for n in z.namelist() if n.startswith("word/header"))
    assert b'descr="Acme Ltd"' in header


def test_flowchart_setting_is_read_and_keys_the_document_cache(tmp_path):
    data = wb.base()
    data["Settings"].append({"Key": "Flowchart", "Value": "Swimlanes"})
    library = load_workbook(wb.write(tmp_path / "b.xlsx", data), today=wb.TODAY).library
    assert library.settings.flowchart == "swimlanes"
    flow = dataclasses.replace(library, settings=dataclasses.replace(library.settings, flowchart="flow"))
    sop = library.sops[0]
    assert document_key(sop, library, True) != document_key(sop, flow, True)
    assert document_key(sop, library, False) != document_key(sop, library, True)
    data["Settings"][-1]["Value"] = "lanes"
    _, problems = check_workbook(wb.write(tmp_path / "bad.xlsx", data), today=wb.TODAY)
    assert [p.message for p in problems if p.code == "bad-choice"] == [
        'Flowchart "lanes" is not one of: flow, swimlanes'
    ]
