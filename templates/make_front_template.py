"""Generate templates/front.docx: the cover, contents and changes pages of binders and packs.

It starts from templates/sop.docx so binders share the SOPs' styles (restyle
sop.docx and re-run this script to restyle both). Run:
    .venv/bin/python templates/make_front_template.py
"""
from __future__ import annotations

import copy
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
BASE = HERE / "sop.docx"
OUT = HERE / "front.docx"


def clear(doc) -> None:
    """Remove the body (keeping the section properties) and every header/footer's content."""
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer,
                     section.even_page_header, section.even_page_footer):
            for child in list(part._element):
                part._element.remove(child)
            part._element.append(OxmlElement("w:p"))
        section.different_first_page_header_footer = False


def style(doc, *names: str) -> str:
    """The first of ``names`` the document has (the SOP template's own table style if it exists)."""
    available = {s.name for s in doc.styles}
    return next((n for n in names if n in available), names[-1])


def para(doc, text: str = "", style_name: str | None = None, *, size: float | None = None, bold: bool = False,
         color: RGBColor | None = None, align=None, space_after: float | None = None):
    p = doc.add_paragraph(style=style_name)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = color
    if align is not None:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def table(doc, headers: list[str], cells: list[str], loop: str, table_style: str, widths: list[float]):
    """A header row, a docxtpl ``{%tr for %}`` row, the data row, and ``{%tr endfor %}``."""
    t = doc.add_table(rows=4, cols=len(headers))
    t.style = table_style
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, header in enumerate(headers):
        t.rows[0].cells[i].text = header
        t.rows[0].cells[i].paragraphs[0].runs[0].bold = True
    t.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for i, cell in enumerate(cells):
        t.rows[2].cells[i].text = cell
    t.rows[3].cells[0].text = "{%tr endfor %}"
    _repeat_header(t.rows[0])
    for row in t.rows:
        _no_split(row)
        for i, width in enumerate(widths):
            row.cells[i].width = Cm(width)
    return t


def _repeat_header(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trPr.append(el)


def _no_split(row) -> None:
    trPr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trPr.append(el)


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def footer(doc) -> None:
    """Binder title and issue date on the left, page number (roman, front matter) on the right."""
    section = doc.sections[0]
    p = section.footer.paragraphs[0]
    p.text = "{{ binder.title }} · {{ labels.issued }} {{ binder.issued }}"
    p.add_run("\t")
    _field(p, "PAGE \\* roman")
    tabs = p.paragraph_format.tab_stops
    tabs.add_tab_stop(section.page_width - section.left_margin - section.right_margin, alignment=2)
    for run in p.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), ("text", "i"), ("end", None)):
        if kind in ("begin", "separate", "end"):
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif kind == "text":
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)


def build() -> Path:
    doc = Document(BASE) if BASE.exists() else Document()
    clear(doc)
    grid = style(doc, "SOP Table", "Binder Table", "Table Grid")
    grey = RGBColor(0x59, 0x59, 0x59)
    para(doc, "{%p if logo %}")
    para(doc, "{{ logo }}")
    para(doc, "{%p endif %}")
    para(doc, "{{ org }}", size=14, color=grey, space_after=48)
    para(doc, "{{ binder.title }}", style(doc, "Title"))
    para(doc, "{{ binder.subtitle }}", style(doc, "Subtitle"), space_after=18)
    info = doc.add_table(rows=0, cols=2)
    info.style = grid
    for label, value in (("department", "binder.department"), ("owner", "binder.owner"),
                         ("help_contact", "binder.help_contact"), ("date_of_issue", "binder.issued")):
        row = info.add_row()
        row.cells[0].text = "{{ labels." + label + " }}"
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = "{{ " + value + " }}"
        row.cells[0].width, row.cells[1].width = Cm(4.5), Cm(11.5)
    para(doc, "{%p if signature_space %}")
    para(doc, "{{ labels.signature_block }}", size=9, color=grey, space_after=60)
    para(doc, "{%p endif %}")
    para(doc, "{{ labels.sops_in_binder }}", bold=True, space_after=6).paragraph_format.space_before = Pt(18)
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.version }}", "{{ labels.effective_date }}",
                "{{ labels.next_review }}"],
          ["{{ s.id }}", "{{ s.title }}", "{{ s.version }}", "{{ s.effective_date }}", "{{ s.next_review }}"],
          "for s in sops", grid, [2.4, 7.0, 1.8, 2.6, 2.6])
    page_break(doc)
    para(doc, "{{ labels.contents }}", style(doc, "Heading 1"))
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.page }}"],
          ["{{ s.id }}", "{{r s.link }}", "{{ s.page }}"], "for s in sops", grid, [2.6, 11.4, 2.0])
    para(doc, "{%p if changes.show %}")
    page_break(doc)
    para(doc, "{{ labels.changes_in_issue }}", style(doc, "Heading 1"))
    para(doc, "{{ changes.since }}", space_after=6)
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.change }}", "{{ labels.version }}",
                "{{ labels.details }}"],
          ["{{ c.id }}", "{{ c.title }}", "{{ c.kind }}", "{{ c.versions }}", "{{ c.text }}"],
          "for c in changes.rows", grid, [2.4, 4.6, 2.0, 2.4, 4.6])
    para(doc, "{%p if not changes.rows %}")
    para(doc, "{{ labels.no_changes }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")
    footer(doc)
    doc.core_properties.title = "Binder front matter"
    doc.save(OUT)
    return OUT


if __name__ == "__main__":
    print(build())
