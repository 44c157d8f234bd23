"""Vector pictures in Word documents: an SVG with a PNG fallback, and the SVG-only copy LibreOffice converts.

Word (2016 and later) shows a picture's SVG (``asvg:svgBlip``) and older Word its PNG. LibreOffice
7.4, given both, exports the PNG to the PDF; given the SVG alone it exports vector graphics whose
text can be selected and searched. So the .docx users get has both, and ``libreoffice_copy`` writes
the one LibreOffice converts, where each such picture points at its SVG only.

A flowchart too tall for one page is several pictures (``Chart``); they are placed in one
paragraph with "continued on next page" and "continued from previous page" between them.
"""

from __future__ import annotations

import copy
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.shared import Mm
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
LANDSCAPE_NAME = "Flowchart (landscape)"
"""The name of a picture that goes on a landscape page: how rendering finds it after docxtpl."""
SVG_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
"""The ``a:ext`` uri under which Word looks for a picture's SVG."""


@dataclass(frozen=True)
class Picture:
    """One picture of a chart: its SVG, the PNG fallback, and its size on the page."""

    svg: Path
    png: Path
    width_mm: float
    height_mm: float
    alt: str
    """Its description: screen readers' alt text (Word), the PDF figure's ``/Alt`` (LibreOffice)."""


@dataclass(frozen=True)
class Chart:
    """A drawing placed as one or more pictures, one a page, with continuation markers between them."""

    pictures: tuple[Picture, ...]
    continued_next: str
    continued_from: str
    landscape: bool = False
    """Printed on landscape pages of their own (wide swimlanes): see ``binder.document.landscape``."""


def vector_inline(tpl, picture: Picture, landscape: bool = False) -> str:
    """The ``wp:inline`` XML of ``picture`` in the part docxtpl is rendering: PNG, its SVG as an extension."""
    part = tpl.current_rendering_part
    inline = part.new_pic_inline(str(picture.png), Mm(picture.width_mm), Mm(picture.height_mm))
    if landscape:
        inline.docPr.set("name", LANDSCAPE_NAME)
    svg = Part(
        part.package.next_partname("/word/media/image%d.svg"), "image/svg+xml", picture.svg.read_bytes(), part.package
    )
    svg_id = part.relate_to(svg, RT.IMAGE)
    blip = inline.find(f".//{{{A}}}blip")
    ext = etree.SubElement(etree.SubElement(blip, f"{{{A}}}extLst"), f"{{{A}}}ext", uri=SVG_EXTENSION)
    etree.SubElement(ext, f"{{{ASVG}}}svgBlip", nsmap={"asvg": ASVG}).set(f"{{{R}}}embed", svg_id)
    describe(inline, picture.alt)
    return inline.xml


def describe(inline, alt: str) -> None:
    """Set the picture's description (alt text) on ``wp:docPr`` and ``pic:cNvPr``."""
    if not alt:
        return
    for element in inline.iter():
        if etree.QName(element).localname in ("docPr", "cNvPr"):
            element.set("descr", alt)


def chart_xml(tpl, chart: Chart) -> str:
    """The runs that replace ``{{ flowchart }}``: each picture, and the markers with a page break between."""

    def run(inner: str, italic: bool = False) -> str:
        return f"<w:r>{'<w:rPr><w:i/></w:rPr>' if italic else ''}{inner}</w:r>"

    runs = []
    for index, picture in enumerate(chart.pictures):
        if index:
            runs += [
                run("<w:br/>"),
                run(f"<w:t>{escape(chart.continued_next)}</w:t>", italic=True),
                run('<w:br w:type="page"/>'),
                run(f"<w:t>{escape(chart.continued_from)}</w:t>", italic=True),
                run("<w:br/>"),
            ]
        runs.append(run(f"<w:drawing>{vector_inline(tpl, picture, chart.landscape)}</w:drawing>"))
    return "</w:t></w:r>" + "".join(runs) + '<w:r><w:t xml:space="preserve">'


class ChartRuns:
    """What docxtpl prints for a ``Chart``: raw runs (like its ``InlineImage``), made when rendered."""

    def __init__(self, tpl, chart: Chart) -> None:
        self.tpl, self.chart = tpl, chart

    def __html__(self) -> str:
        return chart_xml(self.tpl, self.chart)

    __str__ = __html__


def split_at_page_breaks(body) -> None:
    """Cut each paragraph holding a picture and page breaks into paragraphs, one a page.

    LibreOffice turns a page break inside a paragraph into a new paragraph without the first one's
    properties (its alignment is lost); a paragraph of the same properties that starts a page is
    the same for Word and right for LibreOffice.
    """
    for paragraph in list(body.iter(f"{{{W}}}p")):
        breaks = paragraph.findall(f"{{{W}}}r/{{{W}}}br[@{{{W}}}type='page']")
        if not breaks or paragraph.find(f".//{{{W}}}drawing") is None:
            continue
        properties = paragraph.find(f"{{{W}}}pPr")
        current = paragraph
        for child in list(paragraph):
            if child.tag == f"{{{W}}}r" and child.find(f"{{{W}}}br[@{{{W}}}type='page']") is not None:
                paragraph.remove(child)
                following = etree.Element(f"{{{W}}}p")
                pages = copy.deepcopy(properties) if properties is not None else etree.Element(f"{{{W}}}pPr")
                following.append(pages)
                _page_break_before(pages)
                current.addnext(following)
                current = following
            elif current is not paragraph:
                current.append(child)


def _page_break_before(properties) -> None:
    mark = etree.Element(f"{{{W}}}pageBreakBefore")
    before = [c for c in properties if c.tag in {f"{{{W}}}{name}" for name in ("pStyle", "keepNext", "keepLines")}]
    if before:  # pPr's children have an order Word insists on
        before[-1].addnext(mark)
    else:
        properties.insert(0, mark)


def libreoffice_copy(docx: Path, out: Path) -> bool:
    """Write ``docx`` to ``out`` with every SVG-with-fallback picture pointing at its SVG alone.

    Returns False, writing nothing, when the document has no such picture.
    """
    with zipfile.ZipFile(docx) as source:
        changed = {}
        for name in source.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                data = source.read(name)
                if b"svgBlip" in data:
                    changed[name] = _svg_only(data)
        if not changed:
            return False
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = out.with_suffix(".part")
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, changed.get(info.filename, source.read(info.filename)))
    temporary.replace(out)
    return True


def _svg_only(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for blip in root.iter(f"{{{A}}}blip"):
        svg = blip.find(f"{{{A}}}extLst/{{{A}}}ext/{{{ASVG}}}svgBlip")
        if svg is not None:
            blip.set(f"{{{R}}}embed", svg.get(f"{{{R}}}embed"))
            blip.remove(blip.find(f"{{{A}}}extLst"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
