"""The styles, numbering and font table of templates/sop.docx, as raw OOXML (see make_templates.py).

Everything a person may want to restyle is a named style (paragraph, character or table style).
"""
from __future__ import annotations

from docx.oxml.ns import nsdecls

TEXT_WIDTH = 9638
"""Twips between the margins: 170 mm on A4 and on Letter alike (binder.document.render keeps it)."""
NAVY, GREY, RULE, HEAD_FILL = "1F3864", "595959", "BFBFBF", "DCE3EE"
CAUTION_LINE, CAUTION_FILL, CAUTION_TEXT = "C55A11", "FBE9DD", "9C3D00"
SYMBOL_FONT = "DejaVu Sans"
"""Has the ballot box ☐ (U+2610) Carlito lacks; Word falls back to Segoe UI Symbol where it is missing."""
W = nsdecls("w")


# ---------------------------------------------------------------- styles.xml

def _rpr(size: float | None = None, *, bold: bool = False, italic: bool = False, color: str | None = None,
         caps: bool = False, spacing: int | None = None, extra: str = "", font: str | None = None) -> str:
    """Run properties in the order the schema wants; ``extra`` (underline, border) comes last."""
    fonts = (f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>' if font else "")
    parts = [fonts, "<w:b/><w:bCs/>" if bold else "", "<w:i/><w:iCs/>" if italic else "", "<w:caps/>" if caps else "",
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


def _char_style(sid: str, name: str, rpr: str, *, builtin: bool = False, based: str = "DefaultParagraphFont") -> str:
    custom = "" if builtin else ' w:customStyle="1"'
    return (f'<w:style w:type="character"{custom} w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="{based}"/><w:uiPriority w:val="10"/><w:qFormat/>{rpr}</w:style>')


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
        _para_style("Logo", "Logo", _spacing(0, 0, 240)),
        _para_style("FactsGap", "Facts Gap", "<w:keepNext/>" + _spacing(0, 0, 240), _rpr(4)),
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
        _para_style("StepImage", "Step Image", "<w:keepNext/>" + _spacing(80, 0, 240), "", based="TableText"),
        _para_style("Caution", "Caution", caution_box + _spacing(80, 40, 252) + '<w:ind w:left="85" w:right="85"/>',
                    _rpr(9), based="TableText"),
        _para_style("TickBoxCell", "Tick Box Cell", _spacing(0, 0, 240) + '<w:jc w:val="center"/>', "",
                    based="TableText"),
        _para_style("Figure", "Figure", keep + _spacing(120, 60, 240) + '<w:jc w:val="center"/>'),
        _para_style("Caption", "caption", _spacing(40, 60, 240), _rpr(8.5, italic=True, color=GREY),
                    based="TableText", builtin=True, priority=35),
        _para_style("FigureCaption", "Figure Caption", _spacing(0, 200, 240) + '<w:jc w:val="center"/>', "",
                    based="Caption"),
        _para_style("TableTitle", "Table Title", keep + _spacing(240, 80, 240), _rpr(10, bold=True, color=NAVY)),
        _para_style("MatrixStep", "Matrix Step", '<w:tabs><w:tab w:val="left" w:pos="454"/></w:tabs>'
                    + _spacing(0, 0, 240) + '<w:ind w:left="454" w:hanging="454"/>', _rpr(9), based="TableText"),
        _para_style("MatrixHeading", "Matrix Heading", _spacing(0, 0, 216) + '<w:jc w:val="center"/>',
                    _rpr(7.5, bold=True, color=NAVY), based="TableHeading"),
        _para_style("MatrixMark", "Matrix Mark", _spacing(0, 0, 240) + '<w:jc w:val="center"/>',
                    _rpr(10, color=NAVY), based="TableText"),
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
        _char_style("CrossReference", "Cross Reference",
                    _rpr(None, color=NAVY, extra='<w:u w:val="dotted" w:color="8EA9DB"/>'), based="Hyperlink"),
        _char_style("TickBox", "Tick Box", _rpr(18, color=NAVY, font=SYMBOL_FONT)),
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
        _table_style("SOPMatrix", "SOP Matrix", _all_borders(4, RULE), header_fill=HEAD_FILL, margins=(40, 45)),
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
    """Carlito, with Calibri (its metric twin) named as the substitute where Carlito is not installed;
    DejaVu Sans for the tick box, with Segoe UI Symbol (Windows) as its substitute."""
    return (f'<w:fonts {W}><w:font w:name="Carlito"><w:altName w:val="Calibri"/>'
            '<w:panose1 w:val="020F0502020204030204"/><w:charset w:val="00"/><w:family w:val="swiss"/>'
            '<w:pitch w:val="variable"/></w:font><w:font w:name="Times New Roman"><w:panose1 '
            'w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch '
            f'w:val="variable"/></w:font><w:font w:name="{SYMBOL_FONT}"><w:altName w:val="Segoe UI Symbol"/>'
            '<w:panose1 w:val="020B0603030804020204"/><w:charset w:val="00"/><w:family w:val="swiss"/>'
            '<w:pitch w:val="variable"/></w:font></w:fonts>')
