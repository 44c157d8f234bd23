"""The built-in templates (styles, tables, fields) and ``check_template`` of SOP and front-matter templates."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path

import cli
import pytest
from docx import Document

from binder.document import template_files
from binder.document.check_template import check_template, check_template_as
from binder.document.render import BUILTIN_TEMPLATE

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROOT = Path(__file__).resolve().parents[2]


def _make_templates():
    spec = importlib.util.spec_from_file_location("make_templates", ROOT / "tools" / "templates" / "make_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xml(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def custom(tmp_path: Path, *texts: str, footer: str | None = None) -> Path:
    doc = Document()
    for text in texts:
        doc.add_paragraph(text)
    if footer:
        doc.sections[0].footer.paragraphs[0].text = footer
    doc.save(tmp_path / "t.docx")
    return tmp_path / "t.docx"


# ---------------------------------------------------------------- the built-in template


def test_committed_template_matches_its_generator(tmp_path):
    made = _make_templates().build(tmp_path / "sop.docx")
    for part in ("word/document.xml", "word/styles.xml", "word/header1.xml", "word/footer1.xml", "word/numbering.xml"):
        assert _xml(made, part) == _xml(BUILTIN_TEMPLATE, part), f"run tools/templates/make_templates.py ({part})"


def test_named_styles_exist():
    names = {s.name for s in Document(BUILTIN_TEMPLATE).styles}
    for name in (
        "Title",
        "Subtitle",
        "Heading 1",
        "Heading 2",
        "TOC Heading",
        "Step",
        "Step Number",
        "Sub-step Number",
        "Step Detail",
        "Caution",
        "Caution Label",
        "Decision",
        "Table Text",
        "Table Heading",
        "SOP Table",
        "SOP Facts",
        "FAQ Question",
        "List Bullet",
        "Hyperlink",
    ):
        assert name in names, name


def test_body_font_is_carlito_and_headings_keep_with_next():
    styles = _xml(BUILTIN_TEMPLATE, "word/styles.xml")
    assert '<w:rFonts w:ascii="Carlito" w:hAnsi="Carlito"' in styles
    doc = Document(BUILTIN_TEMPLATE)
    for name in ("Heading 1", "Heading 2", "Title", "TOC Heading", "FAQ Question"):
        assert doc.styles[name].paragraph_format.keep_with_next, name
    assert doc.styles["Heading 1"].element.pPr.find(f"{W}outlineLvl").get(f"{W}val") == "0"


def test_tables_use_the_table_style_repeat_headers_and_do_not_split_rows():
    doc = Document(BUILTIN_TEMPLATE)
    data_tables = [t for t in doc.tables if t.style.name == "SOP Table"]
    assert len(data_tables) == 7  # roles, definitions, checklist, steps, KPIs, revisions, approvals
    for table in data_tables:
        assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
        assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows if row._tr.trPr is not None)


def test_contents_is_a_toc_field_with_placeholder_result():
    xml = _xml(BUILTIN_TEMPLATE, "word/document.xml")
    assert '<w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText>' in xml
    separate = xml.index('w:fldCharType="separate"', xml.index("TOC \\o"))
    result = xml[separate : xml.index('w:fldCharType="end"', separate)]
    assert "{{ labels.toc_placeholder }}" in result


def test_footer_has_page_of_pages_and_header_the_watermark():
    footer = _xml(BUILTIN_TEMPLATE, "word/footer1.xml")
    assert "> PAGE <" in footer and "> NUMPAGES <" in footer
    header = _xml(BUILTIN_TEMPLATE, "word/header1.xml")
    assert "{% if sop.is_draft %}" in header and 'string="{{ labels.draft_watermark }}"' in header
    assert "rotation:315" in header and "{{ labels.draft_notice }}" in header


def test_no_fixed_words_outside_labels():
    """Every visible word in the template comes from a variable, so French works."""
    doc = Document(BUILTIN_TEMPLATE)
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    for text in texts:
        stripped = text
        for start, end in (("{{", "}}"), ("{%", "%}")):
            while start in stripped:
                i = stripped.index(start)
                stripped = stripped[:i] + stripped[stripped.index(end, i) + 2 :]
        assert not any(ch.isalpha() for ch in stripped), text


def test_builtin_template_checks_clean():
    assert check_template(BUILTIN_TEMPLATE) == ()


# ---------------------------------------------------------------- check_template


def test_unknown_variable_with_its_paragraph(tmp_path):
    path = custom(tmp_path, "Title {{ sop.title }}", "Owner: {{ nope }} and {{ nope }}")
    (problem,) = check_template(path)
    assert problem.where == str(path) and problem.is_error
    assert 'unknown variable "nope"' in problem.message and '"Owner: {{ nope }} and {{ nope }}"' in problem.message


def test_unknown_fields_of_known_variables_and_loop_items(tmp_path):
    path = custom(
        tmp_path,
        "{{ sop.titel }}",
        "{{ labels.purpse }}",
        "{%p for s in steps %}",
        "{{ s.actoin }}",
        "{{ s.action }}",
        "{%p endfor %}",
        "{{ has.scope }}",
    )
    messages = [p.message for p in check_template(path)]
    assert len(messages) == 3
    assert 'unknown field "sop.titel"' in messages[0]
    assert 'unknown field "labels.purpse"' in messages[1]
    assert 'unknown field "s.actoin"' in messages[2] and '"{{ s.actoin }}"' in messages[2]


def test_syntax_error_with_its_paragraph(tmp_path):
    path = custom(tmp_path, "Fine {{ sop.id }}", "{%p if sop.title %}", "Never closed")
    (problem,) = check_template(path)
    assert "syntax error" in problem.message and "in the body" in problem.message


def test_syntax_error_in_the_footer(tmp_path):
    path = custom(tmp_path, "{{ sop.id }}", footer="Page {{ sop.version }")
    (problem,) = check_template(path)
    assert "syntax error" in problem.message and "in the footer" in problem.message
    assert "Page {{ sop.version }" in problem.message


def test_sandbox_violation_found_by_trial_render(tmp_path):
    path = custom(tmp_path, "{{ sop.title.__class__.__mro__ }}")
    (problem,) = check_template(path)
    assert "not allowed" in problem.message


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 broken", b"plain text"])
def test_not_a_docx_is_one_problem(tmp_path, content):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    (problem,) = check_template(path)
    assert problem.where == str(path) and "not a Word .docx file" in problem.message


def test_missing_file_is_one_problem(tmp_path):
    (problem,) = check_template(tmp_path / "missing.docx")
    assert "not found" in problem.message


# ---------------------------------------------------------------- front-matter templates


def test_committed_front_templates_match_their_generator(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_front", ROOT / "tools" / "templates" / "make_front_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("OUT", "PACK_OUT", "ACK_OUT"):
        monkeypatch.setattr(module, name, tmp_path / getattr(module, name).name)
    for made in (module.build(), module.build_pack(), module.build_acknowledgement()):
        committed = template_files.FOLDER / made.name
        for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
            assert _xml(made, part) == _xml(committed, part), (
                f"run tools/templates/make_front_template.py ({made.name})"
            )


@pytest.mark.parametrize(
    ("template", "kind"),
    [
        (template_files.BINDER_FRONT, "front"),
        (template_files.PACK_FRONT, "pack"),
        (template_files.ACKNOWLEDGEMENT, "acknowledgement"),
    ],
)
def test_built_in_front_templates_are_told_apart_and_check_clean(template, kind):
    assert check_template_as(template) == (kind, ())
    assert check_template(template, kind=kind) == ()


def test_a_copy_of_the_front_template_is_checked_as_one(tmp_path):
    """Users saw 13 unknown variables: the copy was checked against the SOP variables."""
    copy = tmp_path / "front.docx"
    shutil.copy(template_files.BINDER_FRONT, copy)
    assert check_template_as(copy) == ("front", ())
    as_sop = check_template(copy, kind="sop")
    assert {p.code for p in as_sop} == {"unknown-variable"} and len(as_sop) >= 5


def test_front_variables_are_checked_against_their_kind(tmp_path):
    path = custom(
        tmp_path, "{{ binder.title }} {{ binder.departmnt }}", "{%p for s in sops %}", "{{ s.pgae }}", "{%p endfor %}"
    )
    kind, problems = check_template_as(path)
    assert kind == "front"
    assert [p.message.split(" (")[0] for p in problems] == [
        'unknown field "binder.departmnt"',
        'unknown field "s.pgae"',
    ]
    # a pack's cover has no department: the same variable is unknown there
    (problem,) = check_template(custom(tmp_path, "{{ binder.department }} {{ sops }}"), kind="pack")
    assert 'unknown field "binder.department"' in problem.message
    (problem,) = check_template(custom(tmp_path, "{{ sop.title }}"), kind="front")
    assert 'unknown variable "sop"' in problem.message


def test_styles_the_front_matter_needs_and_the_template_lacks_are_a_warning(tmp_path):
    path = custom(tmp_path, "{{ sop.title }}")
    (problem,) = check_template(path)
    assert problem.code == "front-style-missing" and not problem.is_error
    assert "'Hyperlink'" in problem.message and "'SOP Table'" in problem.message
    assert "'Heading 1'" not in problem.message.replace("'heading 1'", "'Heading 1'")
    assert check_template(path, front_styles=False) == ()


def test_check_template_command_names_the_kind(tmp_path):
    result = cli.run("check-template", template_files.PACK_FRONT, cwd=tmp_path)
    assert result.returncode == 0 and "training pack front-matter template" in result.stderr
    result = cli.run("check-template", "--kind", "sop", template_files.PACK_FRONT, cwd=tmp_path)
    assert result.returncode == 1 and "unknown variable" in result.stderr + result.stdout
