"""What the Word files say about page breaks: rows never split, a table's first and last rows kept with
their neighbours, the approvals kept whole with their heading, headings kept with what follows, no forced
page breaks, IDs that never break at their hyphen. What LibreOffice makes of it is measured in
``tests/end_to_end/test_print_layout_pdf.py``."""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document
from flows import long_flow
from helpers_docx import make_library, make_sop, other_sop, part_xml, printed
from lxml import etree

from binder.document.context import sop_context
from binder.document.keeps import WHOLE_TABLE_ROWS, keep_tables
from binder.document.render import BUILTIN_TEMPLATE, render_sop
from binder.text import NON_BREAKING_HYPHEN

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def render(tmp_path: Path, sop) -> Path:
    return render_sop(sop, make_library(sop, folder=tmp_path), tmp_path / f"{sop.sop_id}.docx")


def tables(path: Path) -> dict[str, list]:
    """Top-level body tables by style; the approvals are the last SOP Table."""
    found: dict[str, list] = {}
    for tbl in Document(str(path)).element.body.iterchildren(f"{W}tbl"):
        found.setdefault(tbl.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val"), []).append(tbl)
    return found


HEADING_STYLES = ("TableHeading", "MatrixHeading")
"""Styles of header cells: they keep with the next (Matrix Heading is based on Table Heading)."""


def kept(row) -> bool:
    """Every paragraph of the row's cells keeps with the next, by its own property or its style."""
    paragraphs = [p for tc in row.findall(f"{W}tc") for p in tc.findall(f"{W}p")]
    return bool(paragraphs) and all(
        p.find(f"{W}pPr/{W}keepNext") is not None or style(p) in HEADING_STYLES for p in paragraphs
    )


def style(paragraph) -> str:
    found = paragraph.find(f"{W}pPr/{W}pStyle")
    return found.get(f"{W}val") if found is not None else "Normal"


def kept_directly(row) -> bool:
    return any(p.find(f"{W}pPr/{W}keepNext") is not None for p in row.iter(f"{W}p"))


def is_header(row) -> bool:
    return row.find(f"{W}trPr/{W}tblHeader") is not None


def test_rows_never_split_and_a_long_table_keeps_its_first_and_last_two_rows_together(tmp_path):
    sop = long_flow()  # 15 steps
    out = render(tmp_path, sop)
    found = tables(out)
    rows = [r for tbl in found["SOPTable"] + found["SOPMatrix"] + found["SOPFacts"] for r in tbl.findall(f"{W}tr")]
    assert rows and all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    steps = next(t for t in found["SOPTable"] if len(t.findall(f"{W}tr")) == len(sop.steps) + 1)
    pattern = [kept(r) for r in steps.findall(f"{W}tr")]
    # header, first step | free middle | second-to-last with the last, the last free
    assert pattern == [True, True] + [False] * (len(sop.steps) - 3) + [True, False]
    matrix = found["SOPMatrix"][0].findall(f"{W}tr")
    assert [kept(r) for r in matrix] == [True, True] + [False] * (len(sop.steps) - 3) + [True, False]
    assert all(kept_directly(tbl.findall(f"{W}tr")[0]) for tbl in found["SOPTable"] + found["SOPMatrix"])  # any style


def test_every_data_table_has_a_repeating_header_row(tmp_path):
    out = render(tmp_path, make_sop())
    found = tables(out)
    data = found["SOPTable"] + found["SOPMatrix"] + found["SOPFacts"]
    assert len(data) >= 9  # facts (2), roles, matrix, definitions, steps, KPIs, revisions, approvals
    for tbl in data:
        first, *rest = tbl.findall(f"{W}tr")
        assert is_header(first) and not any(is_header(r) for r in rest)


def test_short_tables_and_the_approvals_stay_whole_with_their_heading(tmp_path):
    out = render(tmp_path, make_sop())
    found = tables(out)
    approvals = found["SOPTable"][-1].findall(f"{W}tr")
    assert len(approvals) == 4 and all(kept(r) for r in approvals)  # its last row too: nothing follows it
    roles = found["SOPTable"][0].findall(f"{W}tr")  # three roles: kept whole
    assert [kept(r) for r in roles] == [True, True, True, False]
    facts = found["SOPFacts"]  # the title block's facts: labels over values, in two tables
    assert [[kept(r) for r in tbl.findall(f"{W}tr")] for tbl in facts] == [[True, False], [True, False]]
    body = Document(str(out)).element.body
    heading = [p for p in body.iter(f"{W}p") if "".join(t.text or "" for t in p.iter(f"{W}t")) == "Approvals"]
    assert heading and heading[-1].getnext().tag == f"{W}tbl"  # the heading is right above the table


def test_the_template_forces_no_page_break_and_keeps_headings_with_what_follows():
    with zipfile.ZipFile(BUILTIN_TEMPLATE) as z:
        document, styles = z.read("word/document.xml").decode(), z.read("word/styles.xml").decode()
    for forced in ("pageBreakBefore", 'w:type="page"'):
        assert forced not in document and forced not in styles
    root = etree.fromstring(styles.encode())
    by_id = {s.get(f"{W}styleId"): s for s in root.iter(f"{W}style")}
    for sid in ("Heading1", "Heading2", "TOCHeading", "TableTitle", "Title", "Subtitle", "FAQQuestion", "Figure"):
        assert by_id[sid].find(f"{W}pPr/{W}keepNext") is not None, sid
    assert by_id["Normal"].find(f"{W}pPr/{W}widowControl") is not None  # every paragraph style is based on it


def test_keep_rules_on_a_plain_table_and_nested_tables_left_alone():
    doc = Document()
    outer = doc.add_table(rows=WHOLE_TABLE_ROWS + 3, cols=2)
    inner = outer.cell(2, 1).add_table(rows=3, cols=1)
    keep_tables(doc)
    rows = outer._tbl.findall(f"{W}tr")
    assert [kept(r) for r in rows] == [True] + [False] * (len(rows) - 3) + [True, False]  # no header row
    assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    assert not any(kept(r) or r.find(f"{W}trPr") is not None for r in inner._tbl.findall(f"{W}tr"))
    doc.add_table(rows=WHOLE_TABLE_ROWS, cols=1)
    keep_tables(doc)  # twice changes nothing, once more for a short table: whole
    short = doc.tables[-1]._tbl.findall(f"{W}tr")
    assert [kept(r) for r in short] == [True] * (WHOLE_TABLE_ROWS - 1) + [False]
    assert all(len(r.findall(f"{W}trPr/{W}cantSplit")) == 1 for r in rows)


def test_sop_ids_never_break_at_their_hyphen(tmp_path):
    out = render(tmp_path, make_sop())  # FIN-001, related to OPS-001 of another department
    body, header = part_xml(out, "word/document"), part_xml(out, "word/header")
    assert NON_BREAKING_HYPHEN not in body + header
    assert "FIN-001 · Version 2.1" in printed(etree.fromstring(header.split("?>", 1)[1].encode()))
    assert "<w:noBreakHyphen/>" in header
    assert body.count("<w:noBreakHyphen/>") >= 4  # title block, facts, reference and related SOP
    context = sop_context(make_sop(), make_library(make_sop()))
    assert context["sop"]["id"] == f"FIN{NON_BREAKING_HYPHEN}001"
    assert context["related"][0]["text"] == "see OPS-001 Receiving goods (Operations binder)"  # plain, to compare
    assert context["related"][0]["id"] == other_sop().sop_id
