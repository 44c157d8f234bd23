"""Generate templates/sop.docx, the built-in SOP template, with python-docx and raw OOXML.

Run it after changing the layout (templates/front.docx is made from its output):
    .venv/bin/python templates/make_templates.py

Everything a person may want to restyle is a named style (paragraph, character
or table style): open sop.docx in Word, change the styles, save it under a new
name and point the workbook's ``Template`` setting at it. Every fixed word comes
from ``labels`` so the same template serves every language.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

HERE = Path(__file__).resolve().parent
OUT = HERE / "sop.docx"

TEXT_WIDTH = 9638
"""Twips between the margins: 170 mm on A4 and on Letter alike (binder.render keeps it)."""
NAVY, GREY, RULE, HEAD_FILL = "1F3864", "595959", "BFBFBF", "DCE3EE"
CAUTION_LINE, CAUTION_FILL, CAUTION_TEXT = "C55A11", "FBE9DD", "9C3D00"
W = nsdecls("w")


# ---------------------------------------------------------------- styles.xml

def _rpr(size: float | None = None, *, bold: bool = False, italic: bool = False, color: str | None = None,
         caps: bool = False, spacing: int | None = None, extra: str = "") -> str:
    """Run properties in the order the schema wants; ``extra`` (underline, border) comes last."""
    parts = ["<w:b/><w:bCs/>" if bold else "", "<w:i/><w:iCs/>" if italic else "", "<w:caps/>" if caps else "",
             f'<w:color w:val="{color}"/>' if color else "", f'<w:spacing w:val="{spacing}"/>' if spacing else "",
             f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>' if size else "", extra]
    return f"<w:rPr>{''.join(parts)}</w:rPr>"


def _spacing(before: int = 0, after: int = 0, line: int | None = None) -> str:
    line_attr = f' w:line="{line}" w:lineRule="auto"' if line else ""
    return f'<w:spacing w:before="{before}" w:after="{after}"{line_attr}/>'


def _border(side: str, size: int, color: str, space: int = 1, val: str = "single") -> str:
    return f'<w:{side} w:val="{val}" w:sz="{size}" w:space="{space}" w:color="{color}"/>'


def _para_style(sid: str, name: str, ppr: str = "", rpr: str = "", *, based: str | None = "Normal",
                next_: str | None = None, builtin: bool = False, priority: int = 10) -> str:
    custom = "" if builtin else ' w:customStyle="1"'
    based_on = f'<w:basedOn w:val="{based}"/>' if based else ""
    nxt = f'<w:next w:val="{next_}"/>' if next_ else ""
    return (f'<w:style w:type="paragraph"{custom} w:styleId="{sid}"><w:name w:val="{name}"/>{based_on}{nxt}'
            f'<w:uiPriority w:val="{priority}"/><w:qFormat/><w:pPr>{ppr}</w:pPr>{rpr}</w:style>')


def _char_style(sid: str, name: str, rpr: str, *, builtin: bool = False) -> str:
    custom = "" if builtin else ' w:customStyle="1"'
    return (f'<w:style w:type="character"{custom} w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="10"/><w:qFormat/>{rpr}</w:style>')


def _table_style(sid: str, name: str, borders: str, *, header_fill: str | None = None, margins=(57, 100)) -> str:
    top_bottom, left_right = margins
    header = ""
    if header_fill:
        header = (f'<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:color w:val="{NAVY}"/></w:rPr><w:tblPr/>'
                  f'<w:trPr><w:tblHeader/></w:trPr><w:tcPr><w:shd w:val="clear" w:color="auto" '
                  f'w:fill="{header_fill}"/></w:tcPr></w:tblStylePr>')
    mar = (f'<w:tblCellMar><w:top w:w="{top_bottom}" w:type="dxa"/><w:left w:w="{left_right}" w:type="dxa"/>'
           f'<w:bottom w:w="{top_bottom}" w:type="dxa"/><w:right w:w="{left_right}" w:type="dxa"/></w:tblCellMar>')
    return (f'<w:style w:type="table" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:pPr>{_spacing(0, 0)}</w:pPr>'
            f'<w:tblPr><w:tblBorders>{borders}</w:tblBorders>{mar}</w:tblPr>{header}</w:style>')


def _all_borders(size: int, color: str) -> str:
    return "".join(_border(side, size, color, 0) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))


def paragraph_styles() -> list[str]:
    """The document's paragraph styles: Word's built-in names where one fits, clear names otherwise."""
    toc_tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
    keep = "<w:keepNext/><w:keepLines/>"
    caution_box = ("<w:pBdr>" + _border("top", 4, "F4B183", 3) + _border("left", 24, CAUTION_LINE, 4)
                   + _border("bottom", 4, "F4B183", 3) + _border("right", 4, "F4B183", 4) + "</w:pBdr>"
                   + f'<w:shd w:val="clear" w:color="auto" w:fill="{CAUTION_FILL}"/>')
    return [
        _para_style("Normal", "Normal", "<w:widowControl/>" + _spacing(0, 120, 264), based=None, builtin=True,
                    priority=0),
        _para_style("Title", "Title", keep + _spacing(0, 80, 240) + "<w:contextualSpacing/>",
                    _rpr(26, bold=True, color=NAVY), next_="Subtitle", builtin=True),
        _para_style("Subtitle", "Subtitle", keep + _spacing(0, 240), _rpr(12.5, color=GREY), builtin=True),
        _para_style("Heading1", "heading 1",
                    keep + "<w:pBdr>" + _border("bottom", 6, "B4C2DA", 3) + "</w:pBdr>" + _spacing(360, 120, 240)
                    + '<w:outlineLvl w:val="0"/>', _rpr(14, bold=True, color=NAVY), next_="Normal", builtin=True,
                    priority=9),
        _para_style("Heading2", "heading 2", keep + _spacing(240, 80, 240) + '<w:outlineLvl w:val="1"/>',
                    _rpr(11.5, bold=True, color=NAVY), next_="Normal", builtin=True, priority=9),
        _para_style("TOCHeading", "TOC Heading", keep + _spacing(360, 120, 240),
                    _rpr(14, bold=True, color=NAVY), next_="Normal", builtin=True, priority=39),
        _para_style("TOC1", "toc 1", toc_tab + _spacing(0, 40), "", builtin=True, priority=39),
        _para_style("TOC2", "toc 2", toc_tab + _spacing(0, 40) + '<w:ind w:left="284"/>', _rpr(10),
                    builtin=True, priority=39),
        _para_style("Header", "header", _spacing(0, 0, 240), _rpr(8.5, color=GREY), builtin=True, priority=99),
        _para_style("Footer", "footer",
                    f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>' + _spacing(0, 0, 240),
                    _rpr(8.5, color=GREY), builtin=True, priority=99),
        _para_style("HeaderTitle", "Header Title", _spacing(0, 0, 240), _rpr(9.5, bold=True, color=NAVY),
                    based="Header"),
        _para_style("HeaderAnchor", "Header Anchor", _spacing(0, 0, 240) + '<w:jc w:val="right"/>', _rpr(2),
                    based="Header"),
        _para_style("FooterRule", "Footer Rule",
                    "<w:pBdr>" + _border("top", 4, RULE, 4) + "</w:pBdr>" + _spacing(0, 20, 240), based="Footer"),
        _para_style("FooterNote", "Footer Note", _spacing(0, 0, 240), _rpr(8, italic=True), based="Footer"),
        _para_style("Organisation", "Organisation", keep + _spacing(0, 240), _rpr(11, bold=True, color=GREY)),
        _para_style("DocumentType", "Document Type", keep + _spacing(0, 40),
                    _rpr(9, color=GREY, caps=True, spacing=20)),
        _para_style("Logo", "Logo", _spacing(0, 120)),
        _para_style("TableText", "Table Text", _spacing(0, 0, 252), _rpr(9.5)),
        _para_style("TableHeading", "Table Heading", "<w:keepNext/>" + _spacing(0, 0, 252),
                    _rpr(9.5, bold=True, color=NAVY), based="TableText"),
        _para_style("TableLabel", "Table Label", _spacing(0, 0, 252), _rpr(9.5, bold=True, color=GREY),
                    based="TableText"),
        _para_style("StepNumber", "Step Number", _spacing(0, 0, 252), _rpr(9.5, bold=True, color=NAVY),
                    based="TableText"),
        _para_style("SubStepNumber", "Sub-step Number", _spacing(0, 0, 252) + '<w:ind w:left="198"/>',
                    _rpr(9.5, color=NAVY), based="TableText"),
        _para_style("Step", "Step", _spacing(0, 0, 252), "", based="TableText", next_="StepDetail"),
        _para_style("Decision", "Decision", _spacing(40, 0, 252), _rpr(9, italic=True, color=NAVY),
                    based="TableText"),
        _para_style("StepDetail", "Step Detail", _spacing(40, 0, 252), _rpr(9, color="404040"),
                    based="TableText"),
        _para_style("StepImage", "Step Image", _spacing(80, 40, 240), "", based="TableText"),
        _para_style("Caution", "Caution", caution_box + _spacing(80, 40, 252) + '<w:ind w:left="85" w:right="85"/>',
                    _rpr(9), based="TableText"),
        _para_style("TickBoxCell", "Tick Box Cell", _spacing(0, 0, 200) + '<w:jc w:val="center"/>', "",
                    based="TableText"),
        _para_style("Figure", "Figure", _spacing(120, 120, 240) + '<w:jc w:val="center"/>'),
        _para_style("FAQQuestion", "FAQ Question", keep + _spacing(160, 40), _rpr(None, bold=True, color=NAVY),
                    next_="FAQAnswer"),
        _para_style("FAQAnswer", "FAQ Answer", _spacing(0, 120), "", next_="FAQQuestion"),
        _para_style("ListBullet", "List Bullet",
                    '<w:numPr><w:numId w:val="1"/></w:numPr>' + _spacing(0, 60)
                    + '<w:ind w:left="357" w:hanging="357"/>',
                    builtin=True, priority=36),
    ]


def character_styles() -> list[str]:
    return [
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default '
        'Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>',
        _char_style("Hyperlink", "Hyperlink", _rpr(None, color="1F5FA8", extra='<w:u w:val="single"/>'),
                    builtin=True),
        _char_style("CautionLabel", "Caution Label", _rpr(None, bold=True, caps=True, color=CAUTION_TEXT)),
        _char_style("ReferenceLink", "Reference Link", _rpr(9, color=GREY)),
        _char_style("TickBox", "Tick Box", _rpr(19, color=NAVY)),
        _char_style("DraftNotice", "Draft Notice", _rpr(8, bold=True, caps=True, color="A50021", spacing=10)),
    ]


def table_styles() -> list[str]:
    light = "".join(_border(side, 4, "D9D9D9", 0) for side in ("top", "bottom", "insideH"))
    header_rule = _border("bottom", 8, NAVY, 0)
    return [
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" '
        'w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>',
        _table_style("SOPTable", "SOP Table", _all_borders(4, RULE), header_fill=HEAD_FILL),
        _table_style("SOPFacts", "SOP Facts", light, margins=(45, 85)),
        _table_style("SOPHeader", "SOP Header", header_rule, margins=(0, 0)),
    ]


def styles_xml() -> str:
    defaults = ('<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Carlito" w:hAnsi="Carlito" '
                'w:eastAsia="Carlito" w:cs="Carlito"/><w:color w:val="262626"/><w:sz w:val="21"/>'
                '<w:szCs w:val="21"/><w:lang w:val="en-GB" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr>'
                '</w:rPrDefault><w:pPrDefault><w:pPr>' + _spacing(0, 120, 264) + '</w:pPr></w:pPrDefault>'
                '</w:docDefaults>')
    no_list = ('<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>'
               '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>')
    body = "".join(paragraph_styles() + character_styles() + table_styles()) + no_list
    return f'<w:styles {W}>{defaults}{body}</w:styles>'


def numbering_xml() -> str:
    """One bullet list, used by the List Bullet style."""
    level = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/>'
             '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="357" w:hanging="357"/></w:pPr>'
             '<w:rPr><w:rFonts w:ascii="Carlito" w:hAnsi="Carlito"/><w:color w:val="1F3864"/></w:rPr></w:lvl>')
    return (f'<w:numbering {W}><w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/>'
            f'{level}</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')


def font_table_xml() -> str:
    """Carlito, with Calibri (its metric twin) named as the substitute where Carlito is not installed."""
    return (f'<w:fonts {W}><w:font w:name="Carlito"><w:altName w:val="Calibri"/>'
            '<w:panose1 w:val="020F0502020204030204"/><w:charset w:val="00"/><w:family w:val="swiss"/>'
            '<w:pitch w:val="variable"/></w:font><w:font w:name="Times New Roman"><w:panose1 '
            'w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch '
            'w:val="variable"/></w:font></w:fonts>')


# ---------------------------------------------------------------- building blocks

def para(container, text: str = "", style: str = "Normal", char_style: str | None = None):
    """A paragraph of style id ``style`` holding ``text`` in one run (docxtpl tags must not be split)."""
    p = container.add_paragraph()
    if style != "Normal":
        p._p.style = style
    if text:
        run(p, text, char_style)
    return p


def run(paragraph, text: str, char_style: str | None = None):
    """A run of character style id ``char_style``."""
    r = paragraph.add_run(text)
    if char_style:
        r._r.style = char_style
    return r


def tag(container, jinja: str):
    """A ``{%p ... %}`` paragraph: docxtpl removes it, keeping only the tag."""
    return para(container, "{%p " + jinja + " %}")


def _row_props(row, *, header: bool = False, min_height_twips: int | None = None) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f'<w:cantSplit {W}/>'))
    if min_height_twips:
        tr_pr.append(parse_xml(f'<w:trHeight {W} w:val="{min_height_twips}" w:hRule="atLeast"/>'))
    if header:
        tr_pr.append(parse_xml(f'<w:tblHeader {W}/>'))


def table(container, widths_mm: list[float], style: str = "SOPTable"):
    """An empty fixed-layout table whose columns add up to the text width."""
    if isinstance(container, DocxDocument):
        t = container.add_table(rows=0, cols=len(widths_mm))
    else:
        t = container.add_table(0, len(widths_mm), Mm(sum(widths_mm)))
    t._tbl.tblPr.style = style
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False
    tbl_w = t._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:w"), str(TEXT_WIDTH))
    tbl_w.set(qn("w:type"), "dxa")
    for column, width in zip(t.columns, widths_mm):
        column.width = Mm(width)
    return t


def add_row(t, widths_mm: list[float]):
    row = t.add_row()
    for cell, width in zip(row.cells, widths_mm):
        cell.width = Mm(width)
        for p in list(cell.paragraphs):
            p._p.getparent().remove(p._p)
    return row


def data_table(doc, headers: list[str], cells: list[str], loop: str, widths_mm: list[float],
               min_height_twips: int | None = None):
    """Header row (repeated on every page), a ``{%tr for %}`` row, the data row, ``{%tr endfor %}``."""
    t = table(doc, widths_mm)
    head = add_row(t, widths_mm)
    _row_props(head, header=True)
    for cell, label in zip(head.cells, headers):
        para(cell, "{{ labels." + label + " }}", "TableHeading")
    _loop_row(t, widths_mm, "{%tr for " + loop + " %}")
    row = add_row(t, widths_mm)
    _row_props(row, min_height_twips=min_height_twips)
    for cell, text in zip(row.cells, cells):
        para(cell, text, "TableText")
    _loop_row(t, widths_mm, "{%tr endfor %}")
    return t, row


def _loop_row(t, widths_mm: list[float], text: str) -> None:
    row = add_row(t, widths_mm)
    for i, cell in enumerate(row.cells):
        para(cell, text if i == 0 else "", "TableText")


def field(paragraph, code: str, placeholder: str) -> None:
    """A complex field (PAGE, NUMPAGES, TOC) with placeholder result text."""
    runs = (f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>',
            f'<w:r {W}><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>',
            f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>',
            f'<w:r {W}><w:t xml:space="preserve">{placeholder}</w:t></w:r>',
            f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>')
    for run in runs:
        paragraph._p.append(parse_xml(run))


def watermark_run() -> str:
    """Word's own text watermark (VML WordArt, diagonal, light grey, behind the text) on every page."""
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
          'xmlns:w10="urn:schemas-microsoft-com:office:word"')
    formulas = "".join(f'<v:f eqn="{e}"/>' for e in (
        "sum #0 0 10800", "prod #0 2 1", "sum 21600 0 @1", "sum 0 0 @2", "sum 21600 0 @3", "if @0 @3 0",
        "if @0 21600 @1", "if @0 0 @2", "if @0 @4 21600", "mid @5 @6", "mid @8 @5", "mid @7 @8", "mid @6 @7",
        "sum @6 0 @5"))
    style = ("position:absolute;margin-left:0;margin-top:0;width:440pt;height:146pt;rotation:315;"
             "z-index:-251655168;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
             "mso-position-vertical:center;mso-position-vertical-relative:margin")
    return (f'<w:r {ns}><w:rPr><w:noProof/></w:rPr><w:pict>'
            '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
            f'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>{formulas}</v:formulas>'
            '<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
            'o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/><v:handles><v:h '
            'position="#0,bottomRight" xrange="6629,14971"/></v:handles><o:lock v:ext="edit" text="t" '
            'shapetype="t"/></v:shapetype>'
            f'<v:shape id="PowerPlusWaterMarkObject" o:spid="_x0000_s2049" type="#_x0000_t136" style="{style}" '
            'o:allowincell="f" fillcolor="#d0d0d0" stroked="f"><v:fill opacity=".45"/>'
            '<v:textpath style="font-family:&quot;Carlito&quot;;font-size:1pt;font-weight:bold" '
            'string="{{ labels.draft_watermark }}"/><w10:wrap anchorx="margin" anchory="margin"/></v:shape>'
            '</w:pict></w:r>')


# ---------------------------------------------------------------- page furniture

def page_setup(doc) -> None:
    """A4 portrait; binder.render sets A4 or Letter per workbook, keeping the text width."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(27), Mm(24)
        section.header_distance, section.footer_distance = Mm(10), Mm(10)
        section.different_first_page_header_footer = False


def header(doc) -> None:
    """Organisation and title on the left, SOP ID, version and status on the right; the watermark."""
    hdr = doc.sections[0].header
    hdr.is_linked_to_previous = False
    for p in list(hdr.paragraphs):
        p._p.getparent().remove(p._p)
    widths = [120.0, 50.0]
    t = table(hdr, widths, "SOPHeader")
    row = add_row(t, widths)
    left, right = row.cells
    tag(left, "if org")
    para(left, "{{ org }}", "Header")
    tag(left, "endif")
    para(left, "{{ sop.title }}", "HeaderTitle")
    for text, style in (("{{ sop.id }} · {{ labels.version }} {{ sop.version }}", "Header"),
                        ("{{ labels.status }}{{ labels.colon }} {{ sop.status_label }}", "HeaderTitle")):
        para(right, text, style).alignment = WD_ALIGN_PARAGRAPH.RIGHT
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
    tag(doc, "if logo")
    para(doc, "{{ logo }}", "Logo")
    tag(doc, "endif")
    tag(doc, "if org")
    para(doc, "{{ org }}", "Organisation")
    tag(doc, "endif")
    para(doc, "{{ labels.standard_operating_procedure }}", "DocumentType")
    para(doc, "{{ sop.title }}", "Title")
    para(doc, "{{ sop.id }} · {{ sop.department_name }}", "Subtitle")
    widths = [34.0, 51.0, 34.0, 51.0]
    t = table(doc, widths, "SOPFacts")
    facts = (("sop_id", "sop.id", "version", "sop.version"),
             ("department", "sop.department_name", "status", "sop.status_label"),
             ("owner", "sop.owner", "audience", "sop.audience or labels.not_set"),
             ("effective_date", "sop.effective_date or labels.not_set",
              "next_review", "sop.next_review or labels.not_set"))
    for label1, value1, label2, value2 in facts:
        row = add_row(t, widths)
        _row_props(row)
        for cell, text, style in zip(row.cells, (label1, value1, label2, value2),
                                     ("TableLabel", "TableText", "TableLabel", "TableText")):
            para(cell, "{{ labels." + text + " }}" if style == "TableLabel" else "{{ " + text + " }}", style)


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
                  min_height_twips: int | None = None) -> None:
    tag(doc, f"if has.{key}")
    para(doc, "{{ labels." + key + " }}", "Heading1")
    data_table(doc, headers, cells, loop, widths, min_height_twips)
    tag(doc, "endif")


def _step_cells(number_cell, action_cell, var: str) -> None:
    """Step number (sub-steps indented), action, decision, details, picture and caution of one step."""
    tag(number_cell, f"if {var}.level == 1")
    para(number_cell, "{{ " + var + ".number }}", "StepNumber")
    tag(number_cell, "else")
    para(number_cell, "{{ " + var + ".number }}", "SubStepNumber")
    tag(number_cell, "endif")
    para(action_cell, "{{ " + var + ".action }}", "Step")
    for condition, text, style in ((f"{var}.is_decision", "{{ " + var + ".decision_text }}", "Decision"),
                                   (f"{var}.details", "{{ " + var + ".details }}", "StepDetail"),
                                   (f"{var}.image", "{{ " + var + ".image }}", "StepImage")):
        tag(action_cell, "if " + condition)
        para(action_cell, text, style)
        tag(action_cell, "endif")
    tag(action_cell, f"if {var}.caution")
    p = para(action_cell, "{{ labels.caution }}{{ labels.colon }} ", "Caution", "CautionLabel")
    run(p, "{{ " + var + ".caution }}")
    tag(action_cell, "endif")


def procedure(doc) -> None:
    tag(doc, "if has.procedure")
    para(doc, "{{ labels.procedure }}", "Heading1")
    tag(doc, "if flowchart")
    para(doc, "{{ flowchart }}", "Figure")
    tag(doc, "endif")
    tag(doc, "if checklist")
    widths = [16.0, 96.0, 40.0, 18.0]
    t, row = data_table(doc, ["step", "action", "responsible", "done"], [], "c in checklist", widths)
    _step_cells(row.cells[0], row.cells[1], "c")
    para(row.cells[2], "{{ c.responsible }}", "TableText")
    box = para(row.cells[3], "", "TickBoxCell")
    run(box, "\u25a1", "TickBox")  # white square: in Carlito and Calibri, so no symbol font is needed
    tag(doc, "elif steps")
    widths = [16.0, 114.0, 40.0]
    t, row = data_table(doc, ["step", "action", "responsible"], [], "s in steps", widths)
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
    tag(doc, "if has.references")
    para(doc, "{{ labels.references }}", "Heading1")
    tag(doc, "for ref in references")
    p = para(doc, "{{r ref.linked }}", "ListBullet")
    run(p, "{% if ref.link and ref.link != ref.title %} · {{ ref.link }}{% endif %}", "ReferenceLink")
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
    table_section(doc, "roles", ["role", "responsibility"], ["{{ r.role }}", "{{ r.responsibility }}"],
                  "r in roles", [45.0, 125.0])
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
                  "a in approvals", [25.0, 30.0, 30.0, 22.0, 25.0, 38.0], min_height_twips=794)


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
