"""Landscape pages for a chart too wide for a portrait page (swimlanes for many roles).

Word and LibreOffice change orientation only between sections, and a section's properties
(``w:sectPr``) sit in the pPr of its last paragraph; the body's own ``w:sectPr`` is the last section's.
So the chart, with its heading before it and its caption after it, becomes a section of its own:
an empty paragraph ending the portrait section goes before the heading, and the caption (or the
chart's last paragraph) ends the landscape one. Both copy the body's page size, margins, headers and
footers, so the landscape pages carry the same header and footer, and what follows is portrait again.
"""

from __future__ import annotations

import copy

from lxml import etree

from binder.document.svg import LANDSCAPE_NAME

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
CAPTION_STYLES = {"FigureCaption", "Caption"}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def landscape_charts(body) -> None:
    """Put each run of paragraphs holding landscape pictures on landscape pages."""
    final = body.find(_w("sectPr"))
    if final is None:
        return
    paragraphs = [p for p in body.iterchildren(_w("p")) if _is_landscape(p)]
    groups: list[list] = []
    for paragraph in paragraphs:
        if groups and groups[-1][-1].getnext() is paragraph:
            groups[-1].append(paragraph)
        else:
            groups.append([paragraph])
    for group in groups:
        first = _heading_before(group[0])
        ending = etree.Element(_w("p"))
        properties = etree.SubElement(ending, _w("pPr"))
        properties.append(copy.deepcopy(final))
        first.addprevious(ending)
        last = group[-1]
        following = last.getnext()
        if following is not None and following.tag == _w("p") and _style(following) in CAPTION_STYLES:
            last = following
        _end_section(last, _turned(final))


def _is_landscape(paragraph) -> bool:
    return any(d.get("name") == LANDSCAPE_NAME for d in paragraph.iter(f"{{{WP}}}docPr"))


def _style(paragraph) -> str:
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return style.get(_w("val"), "") if style is not None else ""


def _heading_before(paragraph):
    """The heading (and empty paragraphs) just before the chart, which go on its first page with it."""
    first = paragraph
    previous = first.getprevious()
    while previous is not None and previous.tag == _w("p"):
        if _style(previous).startswith("Heading"):
            first = previous
        elif previous.find(f".//{_w('t')}") is not None or previous.find(f".//{_w('drawing')}") is not None:
            break
        previous = previous.getprevious()
    return first


def _turned(final):
    """The body's section properties on a landscape page: width and height swapped."""
    turned = copy.deepcopy(final)
    size = turned.find(_w("pgSz"))
    if size is not None:
        width, height = size.get(_w("w")), size.get(_w("h"))
        if width and height and int(width) < int(height):
            size.set(_w("w"), height)
            size.set(_w("h"), width)
        size.set(_w("orient"), "landscape")
    return turned


def _end_section(paragraph, properties) -> None:
    """Make ``paragraph`` the last of a section with ``properties`` (sectPr is pPr's last child)."""
    ppr = paragraph.find(_w("pPr"))
    if ppr is None:
        ppr = etree.Element(_w("pPr"))
        paragraph.insert(0, ppr)
    ppr.append(properties)
