"""Raw OOXML work on rendered Word documents, below python-docx's API: paper size and margins,
document properties and language, sizing the roles matrix's columns, non-breaking hyphens.

May import python-docx, lxml and ``binder.text``.
"""

from __future__ import annotations

from collections.abc import Mapping

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from binder.text import NON_BREAKING_HYPHEN, clean

CORE_PROPERTY_LIMIT = 255
"""python-docx refuses longer core property values."""

PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MIN_SIDE_MARGIN_MM = 12.7
MATRIX_TABLE_STYLE = "SOPMatrix"
"""Tables of this style (the roles matrix) get their role columns sized after rendering."""
MATRIX_FIRST_MIN_MM = 40.0
MATRIX_ROLE_MAX_MM = 26.0


def fit_matrix_columns(document) -> None:
    """Size the columns of each roles matrix: narrow equal role columns, the rest for the steps.

    Its role columns come from a ``{%tc for %}`` loop, so the template cannot know how many there are.
    """
    for tbl in document.element.body.iter(qn("w:tbl")):
        style = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
        grid = tbl.find(qn("w:tblGrid"))
        if style is None or style.get(qn("w:val")) != MATRIX_TABLE_STYLE or grid is None:
            continue
        rows = tbl.findall(qn("w:tr"))
        columns = max((len(r.findall(qn("w:tc"))) for r in rows), default=0)
        if columns < 2:
            continue
        total = _table_width(tbl, grid)
        role = min(Mm(MATRIX_ROLE_MAX_MM).twips, (total - Mm(MATRIX_FIRST_MIN_MM).twips) // (columns - 1))
        widths = [total - role * (columns - 1)] + [role] * (columns - 1)
        for col in list(grid):
            grid.remove(col)
        for width in widths:
            etree.SubElement(grid, qn("w:gridCol")).set(qn("w:w"), str(width))
        for row in rows:
            for cell, width in zip(row.findall(qn("w:tc")), widths):
                tc_w = cell.get_or_add_tcPr().get_or_add_tcW()
                tc_w.set(qn("w:w"), str(width))
                tc_w.set(qn("w:type"), "dxa")


def _table_width(tbl, grid) -> int:
    """The table's width in twips: its own when fixed, else the sum of its grid."""
    tbl_w = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblW')}")
    if tbl_w is not None and tbl_w.get(qn("w:type")) == "dxa" and (tbl_w.get(qn("w:w")) or "").isdigit():
        return int(tbl_w.get(qn("w:w")))
    return sum(int(float(c.get(qn("w:w"), "0"))) for c in grid)


# ---------------------------------------------------------------- page and properties


def set_paper_size(document, paper_size: str) -> None:
    """A4 or Letter on every section, keeping orientation and the width between the margins."""
    width_mm, height_mm = PAPER_MM[paper_size]
    for section in document.sections:
        if section.page_width is None or section.page_height is None:
            section.page_width, section.page_height = Mm(width_mm), Mm(height_mm)
            continue
        landscape = section.page_width > section.page_height
        new_w, new_h = (Mm(height_mm), Mm(width_mm)) if landscape else (Mm(width_mm), Mm(height_mm))
        side = (new_w - section.page_width) // 2
        left, right = section.left_margin + side, section.right_margin + side
        if min(left, right) >= Mm(MIN_SIDE_MARGIN_MM):
            section.left_margin, section.right_margin = left, right
        section.page_width, section.page_height = new_w, new_h


def set_properties(document, properties: Mapping[str, str]) -> None:
    """Core properties (title, subject, author ...) and the language spelling and hyphenation use."""
    core = document.core_properties
    for name, value in properties.items():
        setattr(core, name, clean(value)[:CORE_PROPERTY_LIMIT])
    if "language" in properties:
        _set_default_language(document, properties["language"])


def _set_default_language(document, tag: str) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}") if defaults is not None else None
    if lang is not None:
        lang.set(qn("w:val"), tag)


def keep_hyphens(document) -> None:
    """Turn every ``NON_BREAKING_HYPHEN`` in the text of the body, headers and footers into Word's
    ``<w:noBreakHyphen/>``, which LibreOffice and Word draw with the font's own hyphen."""
    parts = [document.element.body]
    # Through the relationships, not ``section.header``: docxtpl renders headers and footers into new parts
    # that python-docx's section objects do not see.
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external and isinstance(rel.target_part, XmlPart):
            parts.append(rel.target_part.element)
    for root in parts:
        for text in list(root.iter(qn("w:t"))):
            if text.text and NON_BREAKING_HYPHEN in text.text:
                _split_at_hyphens(text)


def _split_at_hyphens(text) -> None:
    run = text.getparent()
    pieces = text.text.split(NON_BREAKING_HYPHEN)
    text.text = pieces[0]
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    anchor = text
    for piece in pieces[1:]:
        hyphen = etree.SubElement(run, qn("w:noBreakHyphen"))
        anchor.addnext(hyphen)
        anchor = hyphen
        if piece:
            following = etree.SubElement(run, qn("w:t"))
            following.text = piece
            following.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            anchor.addnext(following)
            anchor = following
