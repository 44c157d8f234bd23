"""Page-break rules for the tables of rendered Word documents: what stays together on a printed page.

A template cannot say "keep the last two rows together": its rows come from a ``{%tr for %}`` loop, so
which row is last is only known once rendered. After rendering, every table gets

- rows that never split across pages (``w:cantSplit``);
- its header rows (``w:tblHeader``) and first body row kept with the row after them, so a heading
  kept with its table (Heading 1 keeps with next) never stands above a lone header row;
- its second-to-last row kept with the last, so a page never starts with a table's last row alone;
- a short table (at most ``WHOLE_TABLE_ROWS`` body rows and no picture, e.g. the approvals) kept whole.

"Keep with next" on the paragraphs of a row is Word's way to keep rows together; LibreOffice 7.4
honours it the same way (measured in tests/end_to_end/test_print_layout_pdf.py). Nested tables are
left to their outer row.
"""

from __future__ import annotations

from docx.oxml.ns import qn
from lxml import etree

WHOLE_TABLE_ROWS = 4
"""Body rows up to which a table is kept on one page (approvals, roles, the title block's facts)."""
_PPR_BEFORE_KEEP_NEXT = ("pStyle",)
"""``w:keepNext`` comes right after ``w:pStyle`` in ``w:pPr`` (the schema's order)."""
_TRPR_FIRST = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter")
"""Children of ``w:trPr`` that ``w:cantSplit`` must follow."""


def keep_tables(document) -> None:
    """Apply the rules above to every top-level table of the body."""
    body = document.element.body
    for tbl in body.iter(qn("w:tbl")):
        if _inside_table(tbl):
            continue
        rows = tbl.findall(qn("w:tr"))
        for row in rows:
            _cant_split(row)
        heads = [row for row in rows if row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None]
        data = [row for row in rows if row not in heads]
        if len(data) <= WHOLE_TABLE_ROWS and not any(row.find(f".//{qn('w:drawing')}") is not None for row in data):
            kept = rows[:-1]
        else:
            kept = [*heads, *data[:1], *data[-2:-1]]
        for row in kept:
            _keep_with_next(row)


def _inside_table(tbl) -> bool:
    return any(ancestor.tag == qn("w:tbl") for ancestor in tbl.iterancestors())


def _cant_split(row) -> None:
    tr_pr = row.find(qn("w:trPr"))
    if tr_pr is None:
        tr_pr = etree.Element(qn("w:trPr"))
        tbl_pr_ex = row.find(qn("w:tblPrEx"))
        (tbl_pr_ex.addnext(tr_pr) if tbl_pr_ex is not None else row.insert(0, tr_pr))
    if tr_pr.find(qn("w:cantSplit")) is not None:
        return
    first = [child for child in tr_pr if etree.QName(child).localname in _TRPR_FIRST]
    mark = etree.Element(qn("w:cantSplit"))
    (first[-1].addnext(mark) if first else tr_pr.insert(0, mark))


def _keep_with_next(row) -> None:
    """Every paragraph of the row's own cells keeps with the next (not those of a nested table)."""
    for cell in row.findall(qn("w:tc")):
        for paragraph in cell.findall(qn("w:p")):
            p_pr = paragraph.find(qn("w:pPr"))
            if p_pr is None:
                p_pr = etree.Element(qn("w:pPr"))
                paragraph.insert(0, p_pr)
            if p_pr.find(qn("w:keepNext")) is not None:
                continue
            before = [child for child in p_pr if etree.QName(child).localname in _PPR_BEFORE_KEEP_NEXT]
            mark = etree.Element(qn("w:keepNext"))
            (before[-1].addnext(mark) if before else p_pr.insert(0, mark))
