"""Rendering SOPs to Word: sections, tables, literal data, languages, paper, watermark, template errors."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate
from helpers_docx import headings, make_library, make_sop, paragraphs, part_xml, step, table_rows, write_png
from hypothesis import given
from hypothesis import strategies as st

from binder.document.context import Image, Link, sop_context
from binder.document.docx_template import template_from
from binder.document.labels import LABELS, format_date, labels_for
from binder.document.links import LINK_PREFIX
from binder.document.render import (
    BUILTIN_TEMPLATE,
    choose_template,
    make_environment,
    render_docx,
    render_sop,
    sanitise,
)
from binder.errors import InputError
from binder.text import ILLEGAL, LINE_BREAKS
from binder.text import clean as clean_text

EN = LABELS["en"]
ALL_SECTIONS = [
    "purpose",
    "scope",
    "policy",
    "roles",
    "definitions",
    "procedure",
    "kpis",
    "faq",
    "references",
    "help",
    "revisions",
    "approvals",
]


def render(tmp_path: Path, sop=None, name: str = "out.docx", **settings) -> Path:
    sop = sop or make_sop()
    return render_sop(sop, make_library(sop, folder=tmp_path, **settings), tmp_path / name)


def body_text(path: Path) -> str:
    return "\n".join(text for _, text in paragraphs(path))


def custom_template(tmp_path: Path, *texts: str, name: str = "custom.docx") -> Path:
    doc = Document()
    for text in texts:
        doc.add_paragraph(text)
    doc.save(tmp_path / name)
    return tmp_path / name


# ---------------------------------------------------------------- sections


def test_every_section_heading_in_order(tmp_path):
    out = render(tmp_path)
    assert headings(out) == [EN[key] for key in ALL_SECTIONS]


def test_empty_sections_are_left_out(tmp_path):
    sop = make_sop(
        department="OPS",
        scope="",
        policy="",
        help_contact="",
        roles=(),
        definitions=(),
        kpis=(),
        faq=(),
        references=(),
        related=(),
    )
    library = dataclasses.replace(make_library(sop, folder=tmp_path), shared_definitions=())
    out = render_sop(sop, library, tmp_path / "lean.docx")
    # Without Roles rows the section still shows who performs each step (the roles matrix).
    assert headings(out) == [EN["purpose"], EN["roles"], EN["procedure"], EN["revisions"], EN["approvals"]]
    nobody = tuple(dataclasses.replace(s, responsible="") for s in sop.steps)
    out = render_sop(dataclasses.replace(sop, steps=nobody), library, tmp_path / "leaner.docx")
    assert headings(out) == [EN["purpose"], EN["procedure"], EN["revisions"], EN["approvals"]]
    assert not any(text.startswith("{%") or "{{" in text for _, text in paragraphs(out))


def test_title_block_and_contents_field(tmp_path):
    out = render(tmp_path)
    styles = dict((text, style) for style, text in paragraphs(out))
    assert styles["Payroll processing"] == "Title"
    xml = part_xml(out, "word/document.xml")
    assert 'TOC \\o "1-2" \\h \\z \\u' in xml
    assert EN["toc_placeholder"] in xml
    rows = table_rows(out)
    at = rows.index(["SOP ID", "Version", "Status", "Effective date"])  # labels over values
    assert rows[at + 1] == ["FIN-001", "2.1", "Approved", "1 Mar 2026"]
    assert rows[at + 2] == ["Department", "Owner", "Audience", "Next review"]
    assert rows[at + 3] == ["Finance", "Dana Ruiz", "Payroll team", "1 Mar 2027"]


def test_revision_and_approval_tables_hold_the_rows(tmp_path):
    rows = table_rows(render(tmp_path))
    assert ["Version", "Date", "Author", "Change"] in rows
    assert ["1.0", "10 Jan 2025", "Dana Ruiz", "First issue."] in rows
    assert ["2.1", "1 Feb 2026", "Sam Lee", "Overtime check added (step 2.1)."] in rows
    assert ["Approved by", "Lee Chen", "Chief Financial Officer", "20 Feb 2026", "Approver", ""] in rows
    assert ["Prepared by", "Dana Ruiz", "Payroll lead", "1 Feb 2026", "Author", ""] in rows


def test_procedure_rows_keep_author_numbers_details_and_cautions(tmp_path):
    out = render(tmp_path)
    rows = [r for r in table_rows(out) if len(r) == 3]
    numbers = [r[0] for r in rows[1:] if r[0] and r[0][0].isdigit()]
    assert numbers == [s.number for s in make_sop().steps]
    styles = paragraphs(out)
    assert ("SubStepNumber", "2.1") in styles and ("StepNumber", "2") in styles
    cautions = [text for style, text in styles if style == "Caution"]
    assert cautions == [
        "Caution: Never enter hours from an unsigned timesheet: return it to the manager.",
        "Caution: Stop the run if any net pay is negative.",
    ]
    assert ("Decision", "Yes → go to step 5 · No → go to step 4") in styles


def test_checklist_format_gets_tick_boxes(tmp_path):
    out = render(tmp_path, make_sop(format="Checklist"))
    header = next(r for r in table_rows(out) if r[0] == "Done")
    assert header == ["Done", "Step", "Action", "Responsible", "Initials", "Date"]
    assert sum(1 for style, text in paragraphs(out) if style == "TickBoxCell" and text == "\u2610") == 12


def test_images_logo_and_extra_flowchart(tmp_path):
    pic = write_png(tmp_path / "pic.png", 600, 300)
    sop = make_sop(steps=(step("1", "Look at the picture.", image=pic),))
    library = make_library(sop, folder=tmp_path, logo=write_png(tmp_path / "logo.png", 300, 100))
    out = render_sop(sop, library, tmp_path / "pics.docx", extra={"flowchart": Image(pic, 170, 120)})
    xml = part_xml(out, "word/document.xml")
    assert xml.count("<w:drawing>") == 2  # the step's picture and the flowchart
    assert part_xml(out, "word/header").count("<w:drawing>") == 1  # the logo, in the page header
    assert len([n for n in part_xml_names(out) if n.startswith("word/media/")]) >= 1


def part_xml_names(path: Path) -> list[str]:

    with zipfile.ZipFile(path) as z:
        return z.namelist()


def test_references_and_related_sops_are_links(tmp_path):
    out = render(tmp_path)
    rels = part_xml(out, "word/_rels/document.xml.rels")
    assert "https://intranet.acme.test/payroll" in rels
    assert LINK_PREFIX + "OPS-001" in rels
    # OPS-001 is in another department, so in another binder.
    assert ("ListBullet", "see OPS-001 Receiving goods (Operations binder)") in paragraphs(out)


# ---------------------------------------------------------------- data is never template


def test_markup_and_template_syntax_in_data_come_out_literally(tmp_path):
    sop = make_sop(
        purpose="R&D <QA> {{ 7*7 }}",
        policy="Use the {% if %} form & check <totals>.",
        steps=(step("1", "Ship to R&D <QA> {{ 7*7 }}", "R&D <lead>"),),
    )
    out = render(tmp_path, sop)
    text = body_text(out)
    assert "R&D <QA> {{ 7*7 }}" in text
    assert "Use the {% if %} form & check <totals>." in text
    assert "R&D <lead>" in text
    assert "49" not in text.replace("2049", "")


def test_accents_are_kept(tmp_path):
    sop = make_sop(title="Procédure d'évaluation", purpose="Évaluer « équitablement » — ça compte.")
    out = render(tmp_path, sop)
    text = body_text(out)
    assert "Procédure d'évaluation" in text and "Évaluer « équitablement » — ça compte." in text
    assert "Procédure d'évaluation" in part_xml(out, "word/header")


def test_control_characters_do_not_corrupt_following_text(tmp_path):
    sop = make_sop(steps=(step("1", "Line one\x0bLine two\x01 R&D <QA>", details="a\x07b\x0cc"),))
    out = render(tmp_path, sop)
    cell = next(r[1] for r in table_rows(out) if r[0] == "1")
    assert "Line one" in cell and "Line two R&D <QA>" in cell
    assert "ab" in body_text(out)


def test_multiline_text_becomes_line_breaks(tmp_path):
    out = render(tmp_path)
    doc = Document(out)
    scope = next(p for p in doc.paragraphs if p.text.startswith("All salaried"))
    assert scope._p.xpath(".//w:br")
    assert scope.text == "All salaried and hourly staff in the UK.\nContractors are out of scope."


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("a\x0bb", "a\nb"),
        ("a\r\nb", "a\nb"),
        ("a\x01b\x1fc", "abc"),
        ("tab\tok", "tab\tok"),
        ("é « »", "é « »"),
    ],
)
def test_sanitise(raw, clean):
    assert sanitise(raw) == clean


@given(st.text())
def test_any_text_is_cleaned_to_what_xml_holds_and_printable_text_kept_as_it_is(text):
    cleaned = clean_text(text)
    assert cleaned == ILLEGAL.sub("", LINE_BREAKS.sub("\n", text))  # line breaks made newlines, the rest dropped
    assert not ILLEGAL.search(cleaned) and "\r" not in cleaned
    if text.isprintable():
        assert cleaned is text


# ---------------------------------------------------------------- language, paper, properties, watermark


def test_french_labels_dates_and_page_footer(tmp_path):
    out = render(tmp_path, language="fr")
    fr = LABELS["fr"]
    assert headings(out) == [fr[key] for key in ALL_SECTIONS]
    assert "Historique des révisions" in headings(out) and "Procédure" in headings(out)
    footer = part_xml(out, "word/footer")
    assert "1 mars 2026" in footer and ">sur<" in footer.replace(" sur ", ">sur<")
    assert "Statut\u00a0: Approuvée" in part_xml(out, "word/header")
    assert ["Rédigé par", "Dana Ruiz", "Payroll lead", "1 févr. 2026", "Auteur", ""] in table_rows(out)
    assert Document(out).core_properties.language == "fr-FR"


@pytest.mark.parametrize("paper, width_mm, height_mm", [("A4", 210, 297), ("Letter", 215.9, 279.4)])
def test_paper_size_on_every_section(tmp_path, paper, width_mm, height_mm):
    doc = Document(render(tmp_path, paper_size=paper))
    for section in doc.sections:
        assert abs(section.page_width - Mm(width_mm)) < Mm(0.1)
        assert abs(section.page_height - Mm(height_mm)) < Mm(0.1)
        text_width = section.page_width - section.left_margin - section.right_margin
        assert abs(text_width - Mm(170)) < Mm(0.1)


def test_core_properties(tmp_path):
    props = Document(render(tmp_path)).core_properties
    assert (props.title, props.author, props.keywords) == ("Payroll processing", "Dana Ruiz", "FIN-001")
    assert props.subject == "FIN-001 Payroll processing"
    assert props.language == "en-GB"


@pytest.mark.parametrize(
    "status, watermarked", [("Draft", True), ("In review", True), ("Approved", False), ("Retired", False)]
)
def test_watermark_only_on_drafts(tmp_path, status, watermarked):
    header = part_xml(render(tmp_path, make_sop(status=status)), "word/header")
    assert ("PowerPlusWaterMarkObject" in header) is watermarked
    assert ('string="DRAFT"' in header) is watermarked
    assert ("DRAFT — not approved for use" in header) is watermarked


# ---------------------------------------------------------------- templates


def test_template_choice(tmp_path):
    mine = custom_template(tmp_path, "{{ sop.title }}", name="mine.docx")
    sop = make_sop()
    library = make_library(sop, folder=tmp_path)
    assert choose_template(sop, library) == BUILTIN_TEMPLATE
    library = dataclasses.replace(library, settings=dataclasses.replace(library.settings, template=mine))
    assert choose_template(sop, library) == mine
    own = custom_template(tmp_path, "Own: {{ sop.id }}", name="own.docx")
    assert choose_template(make_sop(template=Path("own.docx")), library) == own
    out = render_sop(make_sop(template=own), library, tmp_path / "x.docx")
    assert body_text(out) == "Own: FIN-001"


def test_unknown_variable_names_template_and_paragraph(tmp_path):
    template = custom_template(tmp_path, "Title: {{ sop.title }}", "Owner: {{ nope }}")
    with pytest.raises(InputError) as caught:
        render_sop(make_sop(), make_library(folder=tmp_path), tmp_path / "x.docx", template=template)
    (problem,) = caught.value.problems
    assert problem.where == str(template)
    assert "nope" in problem.message and "Owner: {{ nope }}" in problem.message
    assert not (tmp_path / "x.docx").exists()


def test_unknown_field_in_a_loop_names_the_paragraph(tmp_path):
    template = custom_template(tmp_path, "{%p for s in steps %}", "Do {{ s.actoin }}", "{%p endfor %}")
    with pytest.raises(InputError) as caught:
        render_sop(make_sop(), make_library(folder=tmp_path), tmp_path / "x.docx", template=template)
    assert "actoin" in caught.value.problems[0].message and "Do {{ s.actoin }}" in caught.value.problems[0].message


def test_template_syntax_error(tmp_path):
    template = custom_template(tmp_path, "Fine", "{% if sop.title %}Broken")
    with pytest.raises(InputError) as caught:
        render_docx(template, sop_context(make_sop(), make_library()), tmp_path / "x.docx")
    assert "syntax" in caught.value.problems[0].message


def test_sandbox_blocks_python_internals(tmp_path):
    template = custom_template(tmp_path, "{{ ''.__class__.__mro__ }}")
    with pytest.raises(InputError) as caught:
        render_sop(make_sop(), make_library(folder=tmp_path), tmp_path / "x.docx", template=template)
    assert "not allowed" in caught.value.problems[0].message


def test_not_a_docx_is_one_clear_problem(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    with pytest.raises(InputError) as caught:
        render_sop(make_sop(), make_library(folder=tmp_path), tmp_path / "x.docx", template=bad)
    assert len(caught.value.problems) == 1 and "not a Word .docx" in caught.value.problems[0].message


# ---------------------------------------------------------------- context and labels


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, bool, int, Image, Link))


def test_context_holds_plain_values_only():
    sop = make_sop()
    context = sop_context(sop, make_library(sop))
    assert _plain(context)
    assert {
        "org",
        "confidentiality",
        "lang",
        "labels",
        "sop",
        "roles",
        "definitions",
        "steps",
        "kpis",
        "faq",
        "references",
        "related",
        "revisions",
        "approvals",
        "has",
    } <= set(context)
    assert context["related"][0]["id"] == "OPS-001" and context["related"][0]["title"] == "Receiving goods"
    assert context["steps"][4]["is_decision"] and context["steps"][2]["level"] == 2


def test_definitions_merge_shared_terms_without_duplicates():
    sop = make_sop()
    terms = sop_context(sop, make_library(sop))["definitions"]
    assert [t["term"] for t in terms] == ["Gross pay", "SOP"]
    assert terms[0]["definition"] == "Pay before deductions."


def test_extra_adds_keys_and_updates_sections():
    sop = make_sop(steps=())
    context = sop_context(sop, make_library(sop), {"flowchart": Image(Path("f.png")), "links": {"a": 1}})
    assert context["has"]["procedure"] and context["has"]["flowchart"] and context["links"] == {"a": 1}
    assert not sop_context(sop, make_library(sop))["has"]["procedure"]


def test_labels_are_complete_in_every_language_and_never_shadow_dict_methods():
    assert set(LABELS["fr"]) == set(LABELS["en"])
    assert not set(LABELS["en"]) & set(dir(dict))
    for needed in (
        "contents",
        "date_of_issue",
        "department",
        "owner",
        "help_contact",
        "version",
        "effective_date",
        "next_review",
        "standard_operating_procedures",
        "changes_in_issue",
        "added",
        "removed",
        "revised",
        "training_pack",
        "trainee",
        "trainer",
        "start_date",
        "read_and_understood",
        "initials",
        "date",
        "signature",
        "printed_name",
        "page",
        "of",
        "caution",
        "approved_by",
    ):
        assert needed in LABELS["en"]
    assert labels_for("fr")["revisions"] == "Historique des révisions"
    with pytest.raises(ValueError):
        labels_for("de")


def test_format_date():
    from datetime import date

    assert format_date(date(2026, 1, 31), "en") == "31 Jan 2026"
    assert format_date(date(2026, 2, 1), "fr") == "1 févr. 2026"
    assert format_date(None, "fr") == ""


# ---------------------------------------------------------------- LibreOffice


def _gray_pixels(pdf: Path, page: int, tmp_path: Path) -> list[int]:
    """Page ``page`` rendered to grey levels (PGM) at 30 dpi."""
    stem = tmp_path / f"{pdf.stem}-{page}"
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    _magic, _size, _maxval, pixels = stem.with_suffix(".pgm").read_bytes().split(b"\n", 3)
    return list(pixels)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"), reason="LibreOffice not installed")
def test_pdf_shows_header_footer_and_draft_watermark(tmp_path):
    draft = render(tmp_path, make_sop(status="Draft"), "draft.docx")
    approved = render(tmp_path, make_sop(status="Approved"), "approved.docx")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(draft),
            str(approved),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "draft.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Acme Ltd" in page and "FIN-001" in page and "Status: Draft" in page
        assert f"Page {number} of {len(pages)}" in page
        assert "Internal use only" in page and "Effective date: 1 Mar 2026" in page
        assert "DRAFT — NOT APPROVED FOR USE" in page  # the Draft Notice style sets capitals
    # LibreOffice draws the WordArt watermark as outlines, not text: look for it in the pixels.
    for page in range(1, len(pages) + 1):
        drawn = _gray_pixels(pdf, page, tmp_path)
        plain = _gray_pixels(tmp_path / "approved.pdf", page, tmp_path)
        changed = sum(1 for a, b in zip(drawn, plain) if abs(a - b) > 8)
        assert changed > len(drawn) // 50, f"no watermark drawn on page {page}"


def test_headers_and_footers_come_out_as_docxtpl_renders_them_those_it_would_not_change_left_as_they_are(tmp_path):
    """binder's ``Template`` skips a header or footer with nothing in it for docxtpl: what it saves is still
    byte for byte docxtpl's own rendering, for parts with tags, with a tab, and with neither."""
    doc = Document()
    doc.add_paragraph("{{ title }}")
    first = doc.sections[0]
    first.header.paragraphs[0].text = "Plain text & <more> – é"
    first.footer.paragraphs[0].text = "Page footer of {{ title }}"
    first.different_first_page_header_footer = True
    run = first.first_page_header.paragraphs[0].add_run("placeholder")
    run._r.find(qn("w:t")).text = "A\ttab in the text itself, which docxtpl turns into a tab element"
    first.even_page_header.paragraphs[0].text = "Nothing to change {not a tag"
    buffer = io.BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()

    def saved(tpl) -> dict[str, bytes]:
        tpl.render({"title": "Payroll & pay"}, jinja_env=make_environment(), autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
        with zipfile.ZipFile(out) as archive:
            return {n: archive.read(n) for n in archive.namelist() if "header" in n or "footer" in n}

    ours, theirs = saved(template_from(data)), saved(DocxTemplate(io.BytesIO(data)))
    assert ours == theirs and len(ours) >= 4
    assert any(b"Payroll &amp; pay" in part for part in ours.values())
    assert any(b"<w:tab/>" in part for part in ours.values())
