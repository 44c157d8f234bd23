"""IDs never break at their hyphen: U+2011 in the rendered text becomes Word's non-breaking hyphen."""

from docx import Document
from docx.oxml.ns import qn

from binder.document.ooxml import keep_hyphens
from binder.text import NON_BREAKING_HYPHEN, unbreakable


def run_content(paragraph) -> list[str]:
    return [
        "~" if child.tag == qn("w:noBreakHyphen") else child.text
        for run in paragraph._p.iter(qn("w:r"))
        for child in run
        if child.tag in (qn("w:t"), qn("w:noBreakHyphen"))
    ]


def test_an_id_keeps_its_text_with_word_hyphens_that_do_not_break():
    doc = Document()
    body = doc.add_paragraph("Read " + unbreakable("FRONT-001-A") + " now")
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = unbreakable("QA-7-")
    keep_hyphens(doc)
    assert run_content(body) == ["Read FRONT", "~", "001", "~", "A now"]
    assert run_content(footer) == ["QA", "~", "7", "~"]
    assert NON_BREAKING_HYPHEN not in doc.element.xml


def test_text_without_ids_is_left_alone():
    doc = Document()
    paragraph = doc.add_paragraph("a - b")
    before = paragraph._p.xml
    keep_hyphens(doc)
    assert paragraph._p.xml == before
