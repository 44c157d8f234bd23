"""Render Word documents from docxtpl templates: the SOPs, and (through ``render_docx``) any other.

Data is never template: docxtpl runs with ``autoescape`` in a sandboxed Jinja
environment with ``StrictUndefined``, and every text is cleaned of characters
XML cannot hold before rendering. A mistake in a template becomes an
``InputError`` naming the template and the paragraph.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from lxml import etree

from binder.document import template_files
from binder.document.context import Image, Link, sop_context
from binder.document.labels import language_tag
from binder.errors import FileProblem, InputError
from binder.model import Library, Sop
from binder.problems import Problem
from binder.text import clean, shorten

BUILTIN_TEMPLATE = template_files.SOP
PAPER_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MIN_SIDE_MARGIN_MM = 12.7
MATRIX_TABLE_STYLE = "SOPMatrix"
"""Tables of this style (the roles matrix) get their role columns sized after rendering."""
MATRIX_FIRST_MIN_MM = 40.0
MATRIX_ROLE_MAX_MM = 26.0
PARAGRAPH_TEXT_LIMIT = 80
CORE_PROPERTY_LIMIT = 255
"""python-docx refuses longer core property values."""

# XML 1.0 cannot hold these (\t \n \r it can); Excel's Alt+Enter leaves \x0b, form feeds mean a new line too.
_TAGS = re.compile(r"<[^>]+>")
_FIELD_CODES = re.compile(r"<w:instrText[^>]*>.*?</w:instrText>")


class _CompilingOnceEnvironment(ImmutableSandboxedEnvironment):
    """docxtpl compiles every part of the template again for each document; the source of a part
    is the same for every SOP, so its compiled form is kept (two thirds of the render time)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) >= 256:
                self._compiled.clear()
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


_ENVIRONMENT: _CompilingOnceEnvironment | None = None


def make_environment() -> ImmutableSandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, autoescaped, failing on unknown names."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _CompilingOnceEnvironment(undefined=StrictUndefined, autoescape=True)
    return _ENVIRONMENT


def sanitise(text: str) -> str:
    """``text`` safe for a Word document: Excel's line breaks become ``\\n``, control characters go."""
    return clean(text)


def choose_template(sop: Sop, library: Library) -> Path:
    """The SOP's own template, else the workbook's, else the built-in one."""
    chosen = sop.template or library.settings.template
    if chosen is None:
        return BUILTIN_TEMPLATE
    return chosen if chosen.is_absolute() else library.folder / chosen


def render_sop(
    sop: Sop, library: Library, out_path: Path, *, template: Path | None = None, extra: Mapping[str, Any] | None = None
) -> Path:
    """Write the Word document of ``sop`` to ``out_path``; raises ``InputError`` for a faulty template."""
    lang = library.settings.language
    properties = {
        "title": sop.title,
        "subject": f"{sop.sop_id} {sop.title}",
        "author": sop.owner,
        "keywords": sop.sop_id,
        "language": language_tag(lang),
        "category": _department_name(sop, library),
        "content_status": sop.status,
        "version": sop.version,
    }
    return render_docx(
        template or choose_template(sop, library),
        sop_context(sop, library, extra),
        out_path,
        paper_size=library.settings.paper_size,
        properties=properties,
    )


def render_docx(
    template: Path,
    context: Mapping[str, Any],
    out_path: Path,
    *,
    paper_size: str | None = None,
    properties: Mapping[str, str] | None = None,
) -> Path:
    """Render any docxtpl ``template`` with ``context`` (texts sanitised, ``Image``/``Link`` made real)."""
    tpl = open_template(template)
    try:
        tpl.render(bind(context, tpl), jinja_env=make_environment(), autoescape=True)
    except Exception as exc:  # noqa: BLE001 - only mistakes made in the template are turned into InputError
        problem = template_problem(tpl, template, exc)
        if problem is None:
            raise
        raise InputError([problem], f"{template}: {problem.message}") from exc
    fit_matrix_columns(tpl.docx)
    if paper_size:
        set_paper_size(tpl.docx, paper_size)
    if properties:
        set_properties(tpl.docx, properties)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(out_path)
    return out_path


def open_template(path: Path) -> DocxTemplate:
    """The template, loaded; ``FileProblem`` when it is missing or not a Word .docx file."""
    if not path.is_file():
        raise FileProblem(str(path), "template not found", "check the Template path in the workbook")
    try:
        tpl = DocxTemplate(path)
        tpl.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise FileProblem(
            str(path),
            f"not a Word .docx file ({type(exc).__name__})",
            "save the template from Word as a .docx document",
        ) from exc
    return tpl


# ---------------------------------------------------------------- context


def bind(value: Any, tpl: DocxTemplate) -> Any:
    """A copy of ``value`` with texts sanitised and ``Image``/``Link`` turned into docxtpl objects."""
    if isinstance(value, str):
        return sanitise(value)
    if isinstance(value, Mapping):
        return {key: bind(item, tpl) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [bind(item, tpl) for item in value]
    if isinstance(value, Image):
        return _inline_image(value, tpl)
    if isinstance(value, Link):
        return _rich_link(value, tpl)
    return value


def _inline_image(image: Image, tpl: DocxTemplate) -> InlineImage:
    """The picture scaled down (never up) to fit the limits, keeping its proportions."""
    try:
        picture = DocxImage.from_file(str(image.path))
    except (OSError, UnrecognizedImageError) as exc:
        raise FileProblem(str(image.path), "cannot read the picture", "use a PNG or JPEG file") from exc
    width_mm, height_mm = picture.width.mm, picture.height.mm
    limits = ((image.max_width_mm, width_mm), (image.max_height_mm, height_mm))
    scale = min([1.0, *(limit / size for limit, size in limits if limit and size)])
    return InlineImage(tpl, str(image.path), width=Mm(width_mm * scale), height=Mm(height_mm * scale))


def _rich_link(link: Link, tpl: DocxTemplate) -> RichText:
    """Plain ``before``, the linked text in its character style, plain ``after``.

    LibreOffice drops a link from the PDF when its run has no character style, so a style the
    template lacks falls back to Hyperlink.
    """
    rich = RichText()
    if link.before:
        rich.add(sanitise(link.before))
    if link.url:
        style = link.style if _has_style(tpl, link.style) else "Hyperlink"
        rich.add(sanitise(link.text), url_id=tpl.build_url_id(link.url), style=style)
    else:
        rich.add(sanitise(link.text))
    if link.after:
        rich.add(sanitise(link.after))
    return rich


def _has_style(tpl: DocxTemplate, style_id: str) -> bool:
    styles = tpl.docx.styles.element
    return any(s.get(qn("w:styleId")) == style_id for s in styles.iterchildren(qn("w:style")))


# ---------------------------------------------------------------- roles matrix


def fit_matrix_columns(document) -> None:
    """Size the columns of each roles matrix: narrow equal role columns, the rest for the steps.

    Its role columns come from a ``{%tc for %}`` loop, so the template cannot know how many there are.
    """
    for tbl in document.element.body.iter(qn("w:tbl")):
        style = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
        grid = tbl.find(qn("w:tblGrid"))
        if style is None or style.get(qn("w:val")) != MATRIX_TABLE_STYLE or grid is None:
            continue
        rows = tbl.findall(qn("w:tr"))
        columns = max((len(r.findall(qn("w:tc"))) for r in rows), default=0)
        if columns < 2:
            continue
        total = _table_width(tbl, grid)
        role = min(Mm(MATRIX_ROLE_MAX_MM).twips, (total - Mm(MATRIX_FIRST_MIN_MM).twips) // (columns - 1))
        widths = [total - role * (columns - 1)] + [role] * (columns - 1)
        for col in list(grid):
            grid.remove(col)
        for width in widths:
            etree.SubElement(grid, qn("w:gridCol")).set(qn("w:w"), str(width))
        for row in rows:
            for cell, width in zip(row.findall(qn("w:tc")), widths):
                tc_w = cell.get_or_add_tcPr().get_or_add_tcW()
                tc_w.set(qn("w:w"), str(width))
                tc_w.set(qn("w:type"), "dxa")


def _table_width(tbl, grid) -> int:
    """The table's width in twips: its own when fixed, else the sum of its grid."""
    tbl_w = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblW')}")
    if tbl_w is not None and tbl_w.get(qn("w:type")) == "dxa" and (tbl_w.get(qn("w:w")) or "").isdigit():
        return int(tbl_w.get(qn("w:w")))
    return sum(int(float(c.get(qn("w:w"), "0"))) for c in grid)


# ---------------------------------------------------------------- page and properties


def set_paper_size(document, paper_size: str) -> None:
    """A4 or Letter on every section, keeping orientation and the width between the margins."""
    width_mm, height_mm = PAPER_MM[paper_size]
    for section in document.sections:
        if section.page_width is None or section.page_height is None:
            section.page_width, section.page_height = Mm(width_mm), Mm(height_mm)
            continue
        landscape = section.page_width > section.page_height
        new_w, new_h = (Mm(height_mm), Mm(width_mm)) if landscape else (Mm(width_mm), Mm(height_mm))
        side = (new_w - section.page_width) // 2
        left, right = section.left_margin + side, section.right_margin + side
        if min(left, right) >= Mm(MIN_SIDE_MARGIN_MM):
            section.left_margin, section.right_margin = left, right
        section.page_width, section.page_height = new_w, new_h


def set_properties(document, properties: Mapping[str, str]) -> None:
    """Core properties (title, subject, author ...) and the language spelling and hyphenation use."""
    core = document.core_properties
    for name, value in properties.items():
        setattr(core, name, sanitise(value)[:CORE_PROPERTY_LIMIT])
    if "language" in properties:
        _set_default_language(document, properties["language"])


def _set_default_language(document, tag: str) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}") if defaults is not None else None
    if lang is not None:
        lang.set(qn("w:val"), tag)


def _department_name(sop: Sop, library: Library) -> str:
    return next((d.name for d in library.departments if d.code == sop.department), sop.department)


# ---------------------------------------------------------------- template mistakes


@dataclass(frozen=True)
class _Place:
    part: str
    """``body``, ``header`` or ``footer``."""
    paragraph: str


def template_problem(tpl: DocxTemplate, template: Path, exc: BaseException) -> Problem | None:
    """The ``Problem`` a template mistake amounts to; ``None`` when ``exc`` is not the template's doing."""
    line = _template_line(exc)
    if not isinstance(exc, (TemplateError, etree.XMLSyntaxError)) and line is None:
        return None
    place = _place(tpl, line, exc)
    where = f' (in the {place.part}, paragraph "{shorten(place.paragraph, PARAGRAPH_TEXT_LIMIT)}")' if place else ""
    message = describe(exc)
    return Problem.error(
        str(template),
        message + where,
        "see docs/templates.md for the variables a template can use; binder check-template lists every mistake",
        code=template_code(message),
    )


_CODES = (
    ("template syntax error", "template-syntax"),
    ("unknown variable", "unknown-variable"),
    ("not allowed in a template", "template-not-allowed"),
    ("the template's tags break", "template-structure"),
)


def template_code(message: str) -> str:
    """The problem code of a template mistake described by ``describe``."""
    return next((code for prefix, code in _CODES if message.startswith(prefix)), "template-error")


def describe(exc: BaseException) -> str:
    """What went wrong, in words a template author understands."""
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error: {message}"
    if isinstance(exc, UndefinedError):
        return f"unknown variable: {message}"
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {message}"
    if isinstance(exc, etree.XMLSyntaxError):
        return (
            "the template's tags break the document structure (a block tag that spans paragraphs, "
            "rows or cells needs {%p %}, {%tr %} or {%tc %})"
        )
    return f"template error: {message}"


def _template_line(exc: BaseException) -> int | None:
    """The template line the error is on: syntax errors know it; runtime errors leave it in the traceback."""
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _place(tpl: DocxTemplate, line: int | None, exc: BaseException) -> _Place | None:
    """The paragraph on ``line`` of the part docxtpl was rendering (docxtpl puts one paragraph per line)."""
    part = getattr(tpl, "current_rendering_part", None)
    if line is None or part is None:
        return None
    lines = part_source(tpl, part).splitlines()
    if not 0 < line <= len(lines):
        return None
    return _Place(part_kind(tpl, part), _culprit(lines[line - 1], exc))


def _culprit(line: str, exc: BaseException) -> str:
    """The paragraph (or stand-alone tag) of ``line`` that names what the error is about; else the whole line."""
    names = re.findall(r"'([^']+)'", str(exc))
    segments = [paragraph_text(s) for s in split_standalone_tags(line).splitlines()]
    if names:
        for segment in segments:
            if re.search(r"(\{\{|\{%)[^}%]*\b" + re.escape(names[-1]) + r"\b", segment):
                return segment
    return paragraph_text(line)


def split_standalone_tags(source: str) -> str:
    """Put each tag that stood for a whole paragraph, row or cell (``{%p``, ``{%tr``...) on a line of its own."""
    source = re.sub(r"(<(?!w:t[ >])[^>]*>)(\{%)", "\\1\n\\2", source)
    return re.sub(r"(%\})(\{%)", "\\1\n\\2", source)


def paragraph_text(line: str) -> str:
    """The text of one line of a part's Jinja source: its paragraph, without the XML."""
    return _TAGS.sub("", _FIELD_CODES.sub("", line))


def part_source(tpl: DocxTemplate, part) -> str:
    """The Jinja source docxtpl makes of a part, split like docxtpl does: one paragraph per line."""
    xml = tpl.get_xml() if part is tpl.docx.part else tpl.get_part_xml(part)
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))


def part_kind(tpl: DocxTemplate, part) -> str:
    """``body``, ``header`` or ``footer``."""
    if part is tpl.docx.part:
        return "body"
    return "footer" if "footer" in str(part.partname) else "header"
