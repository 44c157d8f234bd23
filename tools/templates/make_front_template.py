"""Generate the front- and back-matter templates of binders and training packs:
binder/document/templates/front.docx (binder cover, contents, changes), binder/document/templates/pack.docx (training
pack cover and contents) and binder/document/templates/acknowledgement.docx (read-and-understood sheet).

It starts from binder/document/templates/sop.docx so binders share the SOPs' styles (restyle
sop.docx and re-run this script to restyle both). Run:
    .venv/bin/python tools/templates/make_front_template.py
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TARGET = Path(__file__).resolve().parent.parent.parent / "binder" / "document" / "templates"
BASE = TARGET / "sop.docx"
OUT = TARGET / "front.docx"
PACK_OUT = TARGET / "pack.docx"
ACK_OUT = TARGET / "acknowledgement.docx"


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
    for i, header in enumerate(headers):
        t.rows[0].cells[i].text = header
        t.rows[0].cells[i].paragraphs[0].runs[0].bold = True
    t.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for i, cell in enumerate(cells):
        t.rows[2].cells[i].text = cell
    t.rows[3].cells[0].text = "{%tr endfor %}"
    _repeat_header(t.rows[0])
    set_widths(t, widths)
    for row in t.rows:
        _no_split(row)
    return t


def set_widths(t, widths: list[float]) -> None:
    """Fixed column widths, in the grid and every cell: LibreOffice reads the grid, Word the cells."""
    t.autofit = False
    for column, width in zip(t.columns, widths):
        column.width = Cm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)


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


def footer(doc, page_number: bool = True) -> None:
    """Binder title and issue date on the left, page number (roman, front matter) on the right."""
    section = doc.sections[0]
    p = section.footer.paragraphs[0]
    p.text = "{{ binder.title }} · {{ labels.issued }} {{ binder.issued }}"
    if page_number:
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


GREY = RGBColor(0x59, 0x59, 0x59)


def start(doc) -> str:
    """Clear the base, write the cover's head (logo, organisation, title); return the table style."""
    clear(doc)
    para(doc, "{%p if logo %}")
    para(doc, "{{ logo }}")
    para(doc, "{%p endif %}")
    para(doc, "{{ org }}", size=14, color=GREY, space_after=48)
    para(doc, "{{ binder.title }}", style(doc, "Title"))
    para(doc, "{{ binder.subtitle }}", style(doc, "Subtitle"), space_after=18)
    return style(doc, "SOP Table", "Binder Table", "Table Grid")


def facts(doc, grid: str, columns: list[tuple[str, str]], widths: list[float], tall: bool = False) -> None:
    """A header row of labels over a row of values: a data table with a header (its header cells
    are tagged TH in the PDF); ``tall`` leaves room to write the values by hand."""
    info = doc.add_table(rows=2, cols=len(columns))
    info.style = grid
    for i, (label, value) in enumerate(columns):
        info.rows[0].cells[i].text = "{{ labels." + label + " }}"
        info.rows[0].cells[i].paragraphs[0].runs[0].bold = True
        info.rows[1].cells[i].text = value
    if tall:
        info.rows[1].height = Cm(1.1)
    _repeat_header(info.rows[0])
    set_widths(info, widths)
    for row in info.rows:
        _no_split(row)


def contents(doc, grid: str) -> None:
    page_break(doc)
    para(doc, "{{ labels.contents }}", style(doc, "Heading 1"))
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.page }}"],
          ["{{ s.id }}", "{{r s.link }}", "{{ s.page }}"], "for s in sops", grid, [2.6, 12.4, 2.0])


def build_pack() -> Path:
    """Training pack: cover with blank trainee fields, then contents."""
    doc = Document(BASE) if BASE.exists() else Document()
    grid = start(doc)
    facts(doc, grid, [("organisation", "{{ org }}"), ("date_of_issue", "{{ binder.issued }}")], [8.5, 8.5])
    para(doc, "", space_after=12)
    facts(doc, grid, [("trainee_name", ""), ("start_date", ""), ("trainer", "")], [7.0, 3.5, 6.5], tall=True)
    para(doc, "{{ labels.signature_block }}", size=9, color=GREY, space_after=84).paragraph_format.space_before = Pt(14)
    para(doc, "{{ labels.sops_in_pack }}", bold=True, space_after=6).paragraph_format.space_before = Pt(18)
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.version }}", "{{ labels.effective_date }}"],
          ["{{ s.id }}", "{{ s.title }}", "{{ s.version }}", "{{ s.effective_date }}"],
          "for s in sops", grid, [2.6, 9.7, 2.1, 2.6])
    contents(doc, grid)
    footer(doc)
    doc.save(PACK_OUT)
    return PACK_OUT


def build_acknowledgement() -> Path:
    """Read-and-understood sheet: a row per SOP (ID, title, version, effective date, initials, date), signatures."""
    doc = Document(BASE) if BASE.exists() else Document()
    clear(doc)
    grid = style(doc, "SOP Table", "Binder Table", "Table Grid")
    para(doc, "{{ labels.acknowledgement }}", style(doc, "Heading 1"))
    para(doc, "{{ binder.title }} · {{ org }}", color=GREY, space_after=6)
    para(doc, "{{ labels.acknowledgement_text }}", space_after=10)
    t = table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.version }}", "{{ labels.effective_date }}",
                    "{{ labels.trainee_initials }}", "{{ labels.date }}"],
              ["{{ s.id }}", "{{ s.title }}", "{{ s.version }}", "{{ s.effective_date }}", "", ""],
              "for s in sops", grid, [2.2, 6.0, 2.1, 2.5, 2.3, 1.9])
    t.rows[2].height = Cm(0.9)
    para(doc, "", space_after=18)
    sig = doc.add_table(rows=3, cols=4)
    sig.style = grid
    for i, label in enumerate(["", "{{ labels.printed_name }}", "{{ labels.signature }}", "{{ labels.date }}"]):
        sig.rows[0].cells[i].text = label
    for r, who in ((1, "trainee"), (2, "trainer")):
        sig.rows[r].cells[0].text = "{{ labels." + who + " }}"
        sig.rows[r].height = Cm(1.5)
    set_widths(sig, [3.0, 5.3, 5.8, 2.9])
    _repeat_header(sig.rows[0])
    for row in sig.rows:
        _no_split(row)
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.bold = True
    footer(doc, page_number=False)
    doc.save(ACK_OUT)
    return ACK_OUT


def redlines(doc) -> None:
    """Under the changes table, what changed in each revised SOP (runs underlined or struck through by binder)."""
    para(doc, "{%p if changes.redlines %}")
    para(doc, "{{ labels.redline_heading }}", bold=True, space_after=3).paragraph_format.space_before = Pt(12)
    para(doc, "{{r changes.legend }}", space_after=6)
    para(doc, "{%p for d in changes.redlines %}")
    heading = para(doc, "{{ d.id }} {{ d.title }} ({{ d.versions }})", bold=True, space_after=2)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.keep_with_next = True
    para(doc, "{%p if d.note %}")
    para(doc, "{{ d.note }}", space_after=2)
    para(doc, "{%p endif %}")
    para(doc, "{%p for line in d.lines %}")
    para(doc, "{{r line }}", space_after=2)
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")


def build() -> Path:
    """Department binder: cover, contents, changes in this issue."""
    doc = Document(BASE) if BASE.exists() else Document()
    grid = start(doc)
    facts(doc, grid, [("department", "{{ binder.department }}"), ("owner", "{{ binder.owner }}"),
                      ("help_contact", "{{ binder.help_contact }}"), ("date_of_issue", "{{ binder.issued }}")],
          [4.0, 4.0, 5.2, 3.8])
    para(doc, "{{ labels.signature_block }}", size=9, color=GREY, space_after=84).paragraph_format.space_before = Pt(14)
    para(doc, "{{ labels.sops_in_binder }}", bold=True, space_after=6)
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.version }}", "{{ labels.effective_date }}",
                "{{ labels.next_review }}"],
          ["{{ s.id }}", "{{ s.title }}", "{{ s.version }}", "{{ s.effective_date }}", "{{ s.next_review }}"],
          "for s in sops", grid, [2.4, 7.3, 2.1, 2.6, 2.6])
    contents(doc, grid)
    para(doc, "{%p if changes.show %}")
    page_break(doc)
    para(doc, "{{ labels.changes_in_issue }}", style(doc, "Heading 1"))
    para(doc, "{{ changes.since }}", space_after=6)
    table(doc, ["{{ labels.sop_id }}", "{{ labels.title }}", "{{ labels.change }}", "{{ labels.version }}",
                "{{ labels.details }}"],
          ["{{ c.id }}", "{{ c.title }}", "{{ c.kind }}", "{{ c.versions }}", "{{ c.text }}"],
          "for c in changes.rows", grid, [2.4, 4.6, 2.0, 2.4, 5.6])
    redlines(doc)
    para(doc, "{%p if not changes.rows %}")
    para(doc, "{{ labels.no_changes }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p endif %}")
    footer(doc)
    doc.core_properties.title = "Binder front matter"
    doc.save(OUT)
    return OUT


if __name__ == "__main__":
    for made in (build(), build_pack(), build_acknowledgement()):
        print(made)
