"""Building blocks of templates/sop.docx: paragraphs, runs, docxtpl tag paragraphs, tables and fields."""
from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm

from template_styles import TEXT_WIDTH, W


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


def row_props(row, *, header: bool = False, min_height_twips: int | None = None) -> None:
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
               min_height_twips: int | None = None, style: str = "SOPTable", *, keep_together: bool = False):
    """Header row (repeated on every page), a ``{%tr for %}`` row, the data row, ``{%tr endfor %}``.

    ``headers`` are label keys; an empty one leaves its header cell empty. ``keep_together`` keeps every
    row with the next, so the whole table stays on one page with its heading (the approvals: a signature
    block is read as one). Other tables get their page-break rules when rendered (binder.document.keeps).
    """
    t = table(doc, widths_mm, style)
    head = add_row(t, widths_mm)
    row_props(head, header=True)
    for cell, label in zip(head.cells, headers):
        para(cell, "{{ labels." + label + " }}" if label else "", "TableHeading")
    loop_row(t, widths_mm, "{%tr for " + loop + " %}")
    row = add_row(t, widths_mm)
    row_props(row, min_height_twips=min_height_twips)
    for cell, text in zip(row.cells, cells):
        p = para(cell, text, "TableText")
        if keep_together:
            p._p.pPr.find(qn("w:pStyle")).addnext(parse_xml(f'<w:keepNext {W}/>'))
    loop_row(t, widths_mm, "{%tr endfor %}")
    return t, row


def loop_row(t, widths_mm: list[float], text: str) -> None:
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
