"""Front matter in the look of the workbook's templates: the built-in covers, contents and
acknowledgement sheets dressed in the Settings ``Template``'s styles, or the ``Front template``;
unbreakable SOP IDs, repeating header rows, and re-issue when either template changes."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import wb
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Mm, RGBColor
from pipeline import LATER, first_build, manifest, page_texts, rebuild, two_packs

from binder.build import BuildOptions
from binder.document import template_files
from binder.issue import front
from binder.issue.plan import plan_binders
from binder.issue.reissue import issue_key
from binder.preflight import preflight
from binder.workbook.load import check_workbook

DARK_RED = RGBColor(0x8B, 0x00, 0x00)
ISSUED = date(2026, 3, 1)


def serif_template(path: Path, colour: RGBColor = DARK_RED, margin_mm: int = 30) -> Path:
    """A company template made in Word's way: Normal, Title and Heading 1 in a serif, Heading 1 coloured."""
    doc = Document()
    for name in ("Normal", "Title", "Heading 1"):
        font = doc.styles[name].font
        font.name = "Caladea"
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        for theme in ("w:asciiTheme", "w:hAnsiTheme"):  # a theme font would win over the named one
            fonts.attrib.pop(qn(theme), None)
    doc.styles["Heading 1"].font.color.rgb = colour
    section = doc.sections[0]
    section.left_margin = section.right_margin = Mm(margin_mm)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The base workbook, read once: a Library is immutable."""
    library, problems = check_workbook(wb.write(tmp_path_factory.mktemp("book") / "book.xlsx"), today=wb.TODAY)
    assert library is not None, problems
    return library


@pytest.fixture
def library(loaded, tmp_path):
    """The base workbook with a company template of this test's own (some tests edit it)."""
    template = serif_template(tmp_path / "company.docx")
    return replace(loaded, settings=replace(loaded.settings, template=template))


def render(library, kind: Path, tmp_path: Path, changes: dict | None = None) -> Document:
    ids = tuple(s.sop_id for s in library.sops if s.department == "FIN")
    facts = (
        {"department": "Finance", "owner": "Dana", "help_contact": "help@acme.test"}
        if kind == front.BINDER_TEMPLATE
        else {}
    )
    spec = front.FrontSpec("b", "Finance SOPs", "FIN · Finance", facts, ids, template=kind, changes=changes)
    out = front.render_front(library, spec, dict.fromkeys(ids, 3), ISSUED, tmp_path / f"{kind.stem}.docx")
    return Document(str(out))


CHANGES = {
    "show": True,
    "since": "",
    "rows": [{"id": "FIN-001", "title": "T", "kind": "Added", "versions": "1", "text": ""}],
}


@pytest.fixture(scope="module")
def shared(loaded, tmp_path_factory):
    """For the tests that only read: the library with a company template no test edits, and each front matter
    rendered once, (kind, with the changes table) -> the .docx (each test opens its own Document of it)."""
    folder = tmp_path_factory.mktemp("shared")
    library = replace(loaded, settings=replace(loaded.settings, template=serif_template(folder / "company.docx")))
    made: dict[tuple[Path, bool], Path] = {}

    def rendered(kind: Path, changes: bool = False) -> Document:
        if (kind, changes) not in made:
            into = folder / f"{kind.stem}-{changes}"
            into.mkdir()
            render(library, kind, into, CHANGES if changes else None)
            made[kind, changes] = into / f"{kind.stem}.docx"
        return Document(str(made[kind, changes]))

    return library, rendered


def paragraph(doc, text: str):
    return next(p for p in doc.paragraphs if p.text == text)


def test_built_in_front_matter_wears_the_settings_template_styles(shared):
    _, rendered = shared
    for kind in (front.BINDER_TEMPLATE, front.PACK_TEMPLATE, front.ACK_TEMPLATE):
        doc = rendered(kind)
        heading = doc.styles["Heading 1"]
        assert heading.font.name == "Caladea" and heading.font.color.rgb == DARK_RED, kind.name
        assert doc.styles["Normal"].font.name == "Caladea"
        first_heading = next(p for p in doc.paragraphs if p.style.name == "Heading 1")
        assert first_heading.text in ("Contents", "Read-and-understood acknowledgement")
        # the company template has no SOP Table or Hyperlink: the built-in ones, without their fonts
        for name in ("SOP Table", "Hyperlink"):
            assert doc.styles[name].element.find(f".//{qn('w:rFonts')}") is None, name
        assert all(t.style.name == "SOP Table" for t in doc.tables)


def test_tables_and_footer_fit_the_templates_text_width(shared):
    library, rendered = shared
    doc = rendered(front.BINDER_TEMPLATE)
    model = Document(str(library.settings.template)).sections[0]
    width = Length(model.page_width - model.left_margin - model.right_margin).twips
    section = doc.sections[0]
    # paper size is the workbook's (A4, the template's is Letter); the text keeps the template's width
    assert abs(Length(section.page_width - section.left_margin - section.right_margin).twips - width) <= 1
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    for table in doc.tables:
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert width - len(grid) <= sum(grid) <= width
    tabs = [int(t.get(qn("w:pos"))) for t in section.footer._element.iter(qn("w:tab")) if t.get(qn("w:val"))]
    assert tabs and max(tabs) <= width


def test_without_a_template_the_built_in_look_is_kept(library, tmp_path):
    plain = replace(library, settings=replace(library.settings, template=None))
    doc = render(plain, front.BINDER_TEMPLATE, tmp_path)
    assert doc.styles["Heading 1"].font.color.rgb != DARK_RED
    assert "Carlito" in doc.styles.element.xml


def test_front_template_is_used_as_it_is_and_dresses_the_packs(library, tmp_path):
    mine = Document(str(template_files.BINDER_FRONT))
    mine.add_paragraph("Company front matter {{ binder.department }}")
    mine.styles["Heading 1"].font.color.rgb = RGBColor(0x00, 0x55, 0x00)
    mine.save(tmp_path / "front.docx")
    own = replace(library, settings=replace(library.settings, front_template=tmp_path / "front.docx"))
    binder_front = render(own, front.BINDER_TEMPLATE, tmp_path)
    assert "Company front matter Finance" in [p.text for p in binder_front.paragraphs]
    pack = render(own, front.PACK_TEMPLATE, tmp_path)
    assert not any("Company" in p.text for p in pack.paragraphs)
    assert pack.styles["Heading 1"].font.color.rgb == RGBColor(0x00, 0x55, 0x00)


def test_sop_ids_never_break_at_their_hyphen(shared):
    _, rendered = shared
    for kind in (front.BINDER_TEMPLATE, front.PACK_TEMPLATE, front.ACK_TEMPLATE):
        doc = rendered(kind, changes=kind == front.BINDER_TEMPLATE)
        id_cells = [
            row.cells[0] for table in doc.tables for row in table.rows[1:] if row.cells[0].text.startswith("FIN")
        ]
        assert id_cells, kind.name
        for cell in id_cells:
            texts = [t.text for t in cell._tc.iter(qn("w:t"))]
            assert cell._tc.find(f".//{qn('w:noBreakHyphen')}") is not None and "-" not in "".join(texts), kind.name
        assert "\u2011" not in doc.element.xml


def test_every_front_matter_table_has_a_repeating_header_row(shared):
    _, rendered = shared
    counts = {}
    for kind in (front.BINDER_TEMPLATE, front.PACK_TEMPLATE, front.ACK_TEMPLATE):
        doc = rendered(kind, changes=kind == front.BINDER_TEMPLATE)
        counts[kind.stem] = len(doc.tables)
        for table in doc.tables:
            header = table.rows[0]._tr.trPr
            assert header is not None and header.find(qn("w:tblHeader")) is not None, (
                kind.name,
                table.rows[0].cells[0].text,
            )
    # binder: cover facts, SOPs, contents, changes; pack: two cover tables, SOPs, contents; the sheet and its signatures
    assert counts == {"front": 4, "pack": 4, "acknowledgement": 2}


def test_issue_key_follows_the_template_and_the_front_template(library, tmp_path):
    plan = plan_binders(library, include_drafts=False)[0]
    hashes = dict.fromkeys((s.sop_id for s in library.sops), "0" * 64)
    first = issue_key(library, plan, hashes)
    assert issue_key(library, plan, hashes) == first
    serif_template(library.settings.template, colour=RGBColor(0, 0, 0x80))
    restyled = issue_key(library, plan, hashes)
    assert restyled != first
    shutil.copy(template_files.BINDER_FRONT, tmp_path / "front.docx")
    with_front = replace(library, settings=replace(library.settings, front_template=tmp_path / "front.docx"))
    assert issue_key(with_front, plan, hashes) != restyled


def test_a_new_front_template_reissues_every_binder_and_pack_without_converting_sops(built, converters):
    book, out = built
    shutil.copy(template_files.BINDER_FRONT, book.parent / "front.docx")
    data = wb.base()
    data["Training"].append({"Pack": "Warehouse basics", "SOP ID": "OPS-001"})
    data["Settings"].append({"Key": "Front template", "Value": "front.docx"})
    result = rebuild(book, out, data, today=LATER)
    assert result.converted == ()
    assert result.binders and not any(e.reused for e in result.binders + result.packs)


def test_validate_checks_the_front_template_and_the_templates_styles(tmp_path):
    serif_template(tmp_path / "company.docx")
    mine = Document(str(template_files.BINDER_FRONT))
    mine.add_paragraph("{{ binder.departmnt }}")
    mine.save(tmp_path / "front.docx")
    data = wb.base()
    data["Settings"] += [{"Key": "Template", "Value": "company.docx"}, {"Key": "Front template", "Value": "front.docx"}]
    _, problems = preflight(wb.write(tmp_path / "book.xlsx", data), BuildOptions(out=tmp_path / "out", today=wb.TODAY))
    found = {(p.code, Path(str(p.where)).name) for p in problems}
    assert ("unknown-field", "front.docx") in found and ("front-style-missing", "company.docx") in found
    missing = next(p for p in problems if p.code == "front-style-missing")
    assert "company.docx" in str(missing.where) and "'SOP Table'" in missing.message


def test_styles_are_matched_by_name_and_missing_ones_fall_back(library, tmp_path):
    """Word in German names Heading 1's id "berschrift1"; a template made in Word defines Subtitle only once used."""
    doc = Document(str(library.settings.template))
    styles = doc.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:styleId")) == "Heading1":
            style.set(qn("w:styleId"), "berschrift1")
        if style.get(qn("w:styleId")) == "Subtitle":
            styles.remove(style)
    doc.save(library.settings.template)
    rendered = render(library, front.BINDER_TEMPLATE, tmp_path)
    heading = paragraph(rendered, "Contents")
    assert heading.style.name == "Heading 1" and heading.style.style_id == "berschrift1"
    assert heading.style.font.color.rgb == DARK_RED
    subtitle = paragraph(rendered, "FIN · Finance")
    assert subtitle.style.name == "Subtitle" and subtitle.style.element.find(f".//{qn('w:rFonts')}") is None


def test_workbook_text_on_the_cover_and_contents_is_printed_as_typed_never_run(tmp_path, converters):
    """Jinja, XML and the terminal's markup in a department's name and owner and an SOP's title are text."""
    typed = "{{ 7*7 }} R&D <QA> [bold]x[/] {% if 1 %}"
    data = two_packs()
    fin = next(d for d in data["Departments"] if d["Code"] == "FIN")
    fin["Name"], fin["Owner"] = typed, typed
    next(s for s in data["SOPs"] if s["SOP ID"] == "FIN-001")["Title"] = typed
    book, out, _ = first_build(tmp_path, data)
    text = "\n".join(page_texts(out / "binders" / "FIN-binder.pdf")[:2])  # cover and contents
    assert text.count(typed) >= 2 and "49" not in text
    pack = next(p for p in manifest(out)["packs"] if "FIN-001" in p["sops"])
    assert typed in "\n".join(page_texts(out / pack["path"])[:2])
