"""Generate binder/document/templates/sop.docx, the built-in SOP template, with python-docx and raw OOXML.

Run it after changing the layout (binder/document/templates/front.docx is made from its output):
    .venv/bin/python tools/templates/make_templates.py

Everything a person may want to restyle is a named style (paragraph, character
or table style): open sop.docx in Word, change the styles, save it under a new
name and point the workbook's ``Template`` setting at it. Every fixed word comes
from ``labels`` so the same template serves every language. The styles are in
template_styles.py, the building blocks (paragraphs, tables, fields) in
template_parts.py; this file lays the document out.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also when loaded by file path (tests), not run as a script
    sys.path.insert(0, str(HERE))

from template_parts import (add_row, data_table, field, loop_row, para, row_props, run, table,  # noqa: E402
                            tag, watermark_run)
from template_styles import W, font_table_xml, numbering_xml, styles_xml  # noqa: E402

TARGET = HERE.parent.parent / "binder" / "document" / "templates"
"""Where the built-in templates live: package data."""
OUT = TARGET / "sop.docx"
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
TICK_BOX = "\u2610"
"""☐ (ballot box): its Tick Box character style sets a font that has it (Carlito does not)."""
WRITE_IN_ROW = 624
"""Twips (11 mm): checklist rows tall enough to write initials and a date by hand."""


# ---------------------------------------------------------------- page furniture

def page_setup(doc) -> None:
    """A4 portrait; binder.document.render sets A4 or Letter per workbook, keeping the text width."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(27), Mm(24)
        section.header_distance, section.footer_distance = Mm(10), Mm(10)
        section.different_first_page_header_footer = False


def _header_table(hdr, with_logo: bool) -> None:
    """[logo] organisation and title on the left; SOP ID, version and status on the right."""
    widths = [34.0, 88.0, 48.0] if with_logo else [120.0, 50.0]
    t = table(hdr, widths, "SOPHeader")
    row = add_row(t, widths)
    cells = list(row.cells)
    if with_logo:
        para(cells.pop(0), "{{ logo }}", "Logo")
    left, right = cells
    tag(left, "if org")
    para(left, "{{ org }}", "Header")
    tag(left, "endif")
    para(left, "{{ sop.title }}", "HeaderTitle")
    for text, style in (("{{ sop.id }} · {{ labels.version }} {{ sop.version }}", "Header"),
                        ("{{ labels.status }}{{ labels.colon }} {{ sop.status_label }}", "HeaderTitle")):
        para(right, text, style).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in row.cells:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER if with_logo else WD_ALIGN_VERTICAL.TOP


def header(doc) -> None:
    """The header table (with the logo when there is one) and the DRAFT watermark."""
    hdr = doc.sections[0].header
    hdr.is_linked_to_previous = False
    for p in list(hdr.paragraphs):
        p._p.getparent().remove(p._p)
    tag(hdr, "if logo")
    _header_table(hdr, with_logo=True)
    tag(hdr, "else")
    _header_table(hdr, with_logo=False)
    tag(hdr, "endif")
    anchor = para(hdr, "", "HeaderAnchor")
    run(anchor, "{% if sop.is_draft %}")
    anchor._p.append(parse_xml(watermark_run()))
    # The WordArt reaches PDFs as outlines only: this line says "draft" in words too (search, screen readers).
    run(anchor, "{{ labels.draft_notice }}", "DraftNotice")
    run(anchor, "{% endif %}")


def footer(doc) -> None:
    """Effective date and "Page X of Y" above the confidentiality line."""
    ftr = doc.sections[0].footer
    ftr.is_linked_to_previous = False
    p = ftr.paragraphs[0]
    p._p.style = "FooterRule"
    run(p, "{{ labels.effective_date }}{{ labels.colon }} {{ sop.effective_date or labels.not_set }}\t"
              "{{ labels.page }} ")
    field(p, "PAGE", "1")
    run(p, " {{ labels.of }} ")
    field(p, "NUMPAGES", "1")
    tag(ftr, "if confidentiality")
    para(ftr, "{{ confidentiality }}", "FooterNote")
    tag(ftr, "endif")


# ---------------------------------------------------------------- body

def title_block(doc) -> None:
    """Organisation, title and the facts table (the logo is in the page header, on every page)."""
    tag(doc, "if org")
    para(doc, "{{ org }}", "Organisation")
    tag(doc, "endif")
    para(doc, "{{ labels.standard_operating_procedure }}", "DocumentType")
    para(doc, "{{ sop.title }}", "Title")
    para(doc, "{{ sop.id }} · {{ sop.department_name }}", "Subtitle")
    # Two tables of labels over values: a label row is a header row (w:tblHeader), so each value is read
    # with its label by screen readers (TH cells in the tagged PDF); a row of label, value, label, value
    # could not be.
    widths = [36.0, 40.0, 40.0, 54.0]
    facts = ((("sop_id", "sop.id"), ("version", "sop.version"), ("status", "sop.status_label"),
              ("effective_date", "sop.effective_date or labels.not_set")),
             (("department", "sop.department_name"), ("owner", "sop.owner"),
              ("audience", "sop.audience or labels.not_set"), ("next_review", "sop.next_review or labels.not_set")))
    for index, pairs in enumerate(facts):
        if index:
            para(doc, "", "FactsGap")  # keeps the two tables apart: Word joins adjacent tables into one
        t = table(doc, widths, "SOPFacts")
        labels, values = add_row(t, widths), add_row(t, widths)
        row_props(labels, header=True)
        row_props(values)
        for (label, value), label_cell, value_cell in zip(pairs, labels.cells, values.cells):
            para(label_cell, "{{ labels." + label + " }}", "TableLabel")
            para(value_cell, "{{ " + value + " }}", "TableText")


def contents(doc) -> None:
    tag(doc, "if has.contents")
    para(doc, "{{ labels.contents }}", "TOCHeading")
    p = para(doc, "", "TOC1")
    field(p, 'TOC \\o "1-2" \\h \\z \\u', "{{ labels.toc_placeholder }}")
    tag(doc, "endif")


def text_section(doc, key: str, value: str) -> None:
    tag(doc, f"if has.{key}")
    para(doc, "{{ labels." + key + " }}", "Heading1")
    para(doc, "{{ " + value + " }}")
    tag(doc, "endif")


def table_section(doc, key: str, headers: list[str], cells: list[str], loop: str, widths: list[float],
                  min_height_twips: int | None = None, keep_together: bool = False) -> None:
    tag(doc, f"if has.{key}")
    para(doc, "{{ labels." + key + " }}", "Heading1")
    data_table(doc, headers, cells, loop, widths, min_height_twips, keep_together=keep_together)
    tag(doc, "endif")


def roles(doc) -> None:
    """The roles table, then the matrix of steps × roles (its role columns are a ``{%tc for %}`` loop)."""
    tag(doc, "if has.roles")
    para(doc, "{{ labels.roles }}", "Heading1")
    tag(doc, "if roles")
    data_table(doc, ["role", "responsibility"], ["{{ r.role }}", "{{ r.responsibility }}"], "r in roles",
               [45.0, 125.0])
    tag(doc, "endif")
    tag(doc, "if has.matrix")
    para(doc, "{{ labels.roles_matrix }}", "TableTitle")
    # step | tc-for | role | tc-endfor: binder.document.render sizes the columns of the SOP Matrix table after the loop.
    widths = [80.0, 2.0, 86.0, 2.0]
    t = table(doc, widths, "SOPMatrix")
    head = add_row(t, widths)
    row_props(head, header=True)
    for cell, text, style in zip(head.cells, ("{{ labels.step }}", "{%tc for role in matrix.roles %}", "{{ role }}",
                                              "{%tc endfor %}"), ("TableHeading", "TableText", "MatrixHeading",
                                                                  "TableText")):
        para(cell, text, style)
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
    loop_row(t, widths, "{%tr for m in matrix.rows %}")
    row = add_row(t, widths)
    row_props(row)
    p = para(row.cells[0], "{{ m.number }}\t", "MatrixStep")
    run(p, "{{ m.action }}")
    for cell, text, style in zip(row.cells[1:], ("{%tc for mark in m.marks %}", "{{ mark }}", "{%tc endfor %}"),
                                 ("TableText", "MatrixMark", "TableText")):
        para(cell, text, style)
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    loop_row(t, widths, "{%tr endfor %}")
    tag(doc, "endif")
    tag(doc, "endif")


def _step_cells(number_cell, action_cell, var: str) -> None:
    """Step number (sub-steps indented), action, decision or jump ("→ step 6"), details, picture with caption,
    and caution."""
    tag(number_cell, f"if {var}.level == 1")
    para(number_cell, "{{ " + var + ".number }}", "StepNumber")
    tag(number_cell, "else")
    para(number_cell, "{{ " + var + ".number }}", "SubStepNumber")
    tag(number_cell, "endif")
    para(action_cell, "{{ " + var + ".action }}", "Step")
    for condition, text, style in ((f"{var}.is_decision", "{{ " + var + ".decision_text }}", "Decision"),
                                   (f"{var}.go_to_text", "{{ " + var + ".go_to_text }}", "Decision"),
                                   (f"{var}.details", "{{ " + var + ".details }}", "StepDetail")):
        tag(action_cell, "if " + condition)
        para(action_cell, text, style)
        tag(action_cell, "endif")
    tag(action_cell, f"if {var}.image")
    para(action_cell, "{{ " + var + ".image }}", "StepImage")
    para(action_cell, "{{ " + var + ".image_caption }}", "Caption")
    tag(action_cell, "endif")
    tag(action_cell, f"if {var}.caution")
    p = para(action_cell, "{{ labels.caution }}{{ labels.colon }} ", "Caution", "CautionLabel")
    run(p, "{{ " + var + ".caution }}")
    tag(action_cell, "endif")


def procedure(doc) -> None:
    """The flowchart (when drawn), then the steps: a tick-box checklist, or the numbered steps."""
    tag(doc, "if has.procedure")
    para(doc, "{{ labels.procedure }}", "Heading1")
    tag(doc, "if flowchart")
    para(doc, "{{ flowchart }}", "Figure")
    para(doc, "{{ labels.figure_flowchart }}", "FigureCaption")
    tag(doc, "endif")
    tag(doc, "if checklist")
    widths = [11.0, 14.0, 74.0, 29.0, 17.0, 25.0]
    _, row = data_table(doc, ["done", "step", "action", "responsible", "initials", "date"], [], "c in checklist",
                        widths, min_height_twips=WRITE_IN_ROW)
    run(para(row.cells[0], "", "TickBoxCell"), TICK_BOX, "TickBox")
    _step_cells(row.cells[1], row.cells[2], "c")
    para(row.cells[3], "{{ c.responsible }}", "TableText")
    para(row.cells[4], "", "TableText")
    para(row.cells[5], "", "TableText")
    tag(doc, "elif steps")
    widths = [16.0, 114.0, 40.0]
    _, row = data_table(doc, ["step", "action", "responsible"], [], "s in steps", widths)
    _step_cells(row.cells[0], row.cells[1], "s")
    para(row.cells[2], "{{ s.responsible }}", "TableText")
    tag(doc, "endif")
    tag(doc, "endif")


def faq(doc) -> None:
    tag(doc, "if has.faq")
    para(doc, "{{ labels.faq }}", "Heading1")
    tag(doc, "for f in faq")
    para(doc, "{{ f.question }}", "FAQQuestion")
    para(doc, "{{ f.answer }}", "FAQAnswer")
    tag(doc, "endfor")
    tag(doc, "endif")


def references(doc) -> None:
    """References (web, mail or SOP links) and related SOPs; ``linked`` carries the right words and link."""
    tag(doc, "if has.references")
    para(doc, "{{ labels.references }}", "Heading1")
    tag(doc, "for ref in references")
    p = para(doc, "{{r ref.linked }}", "ListBullet")
    run(p, "{% if ref.note %} · {{ ref.note }}{% endif %}", "ReferenceLink")
    tag(doc, "endfor")
    tag(doc, "if related")
    para(doc, "{{ labels.related_sops }}", "Heading2")
    tag(doc, "for rel in related")
    para(doc, "{{r rel.linked }}", "ListBullet")
    tag(doc, "endfor")
    tag(doc, "endif")
    tag(doc, "endif")


def body(doc) -> None:
    title_block(doc)
    contents(doc)
    text_section(doc, "purpose", "sop.purpose")
    text_section(doc, "scope", "sop.scope")
    text_section(doc, "policy", "sop.policy")
    roles(doc)
    table_section(doc, "definitions", ["term", "definition"], ["{{ d.term }}", "{{ d.definition }}"],
                  "d in definitions", [45.0, 125.0])
    procedure(doc)
    table_section(doc, "kpis", ["measure", "target", "frequency"],
                  ["{{ k.measure }}", "{{ k.target }}", "{{ k.frequency }}"], "k in kpis", [75.0, 55.0, 40.0])
    faq(doc)
    references(doc)
    text_section(doc, "help", "sop.help_contact")
    table_section(doc, "revisions", ["version", "date", "author", "change"],
                  ["{{ rev.version }}", "{{ rev.date }}", "{{ rev.author }}", "{{ rev.change }}"],
                  "rev in revisions", [18.0, 26.0, 36.0, 90.0])
    table_section(doc, "approvals", ["role", "printed_name", "job_title", "date", "meaning", "signature"],
                  ["{{ a.role }}", "{{ a.name }}", "{{ a.job_title }}", "{{ a.date }}", "{{ a.meaning }}", ""],
                  "a in approvals", [25.0, 30.0, 30.0, 22.0, 25.0, 38.0], min_height_twips=794, keep_together=True)


# ---------------------------------------------------------------- package

def replace_parts(doc) -> None:
    """Swap python-docx's default styles, numbering and font table for this template's own."""
    doc.part._styles_part._element = parse_xml(styles_xml())
    doc.part.numbering_part._element = parse_xml(numbering_xml())
    for rel in doc.part.rels.values():
        if rel.reltype == RT.FONT_TABLE:
            rel.target_part._blob = font_table_xml().encode("utf-8")
    # Word then offers to refresh the contents and page count when the document is opened.
    settings = doc.settings.element
    compat = settings.find(qn("w:compat"))
    compat.addprevious(parse_xml(f'<w:updateFields {W} w:val="true"/>'))
    # Word 2013+ layout: table borders (not cell text) line up with the margins, in Word and LibreOffice alike.
    for setting in compat.findall(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)  # python-docx's own thumbnail would show a blank page as the preview
    # python-docx's 438 kB copy of its default styles for Word 2010 alone: not ours (Word 2013 and later, and
    # LibreOffice, read styles.xml), and inflating and deflating it was a tenth of rendering each document.
    for rid in [rid for rid, rel in doc.part.rels.items() if rel.reltype == STYLES_WITH_EFFECTS]:
        doc.part.rels.pop(rid)


def properties(doc) -> None:
    props = doc.core_properties
    props.title = "Standard Operating Procedure"
    props.subject = "SOP template for binder"
    props.author = props.last_modified_by = "binder"
    props.keywords = props.comments = props.category = ""
    props.revision = 1


def build(out: Path = OUT) -> Path:
    """Write the template to ``out``."""
    doc = Document()
    replace_parts(doc)
    for p in list(doc.paragraphs):
        p._p.getparent().remove(p._p)
    page_setup(doc)
    header(doc)
    footer(doc)
    body(doc)
    properties(doc)
    doc.save(out)
    return out


if __name__ == "__main__":
    print(build())
