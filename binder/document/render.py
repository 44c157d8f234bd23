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
from pathlib import Path
from typing import Any

from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from binder.document import template_files
from binder.document.alt_text import step_picture_alt
from binder.document.context import Image, Link, sop_context
from binder.document.diagnose import template_problem
from binder.document.docx_template import template_from
from binder.document.keeps import keep_tables
from binder.document.labels import language_tag
from binder.document.landscape import landscape_charts
from binder.document.ooxml import fit_matrix_columns, keep_hyphens, set_paper_size, set_properties
from binder.document.svg import Chart, ChartRuns, describe, split_at_page_breaks
from binder.errors import FileProblem, InputError
from binder.model import Library, Sop
from binder.text import clean

BUILTIN_TEMPLATE = template_files.SOP

# XML 1.0 cannot hold these (\t \n \r it can); Excel's Alt+Enter leaves \x0b, form feeds mean a new line too.


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


def compile_templates(paths: tuple[Path, ...] = template_files.BUILT_IN) -> None:
    """Compile the parts of each template as rendering it does, into the environment's cache: a build host
    does it once for the built-in templates, and the builds it runs do not (~0.1 s each)."""
    environment = make_environment()
    for path in paths:
        tpl = open_template(path)
        parts = [tpl.get_xml()] + [
            tpl.get_part_xml(part)
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI)
            for _, part in tpl.get_headers_footers(uri)
        ]
        for xml in parts:
            # As docxtpl's render_xml_part gives it to the environment (a mismatch only misses the cache).
            environment.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml)))


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
    split_at_page_breaks(tpl.docx.element.body)
    keep_tables(tpl.docx)
    keep_hyphens(tpl.docx)
    if paper_size:
        set_paper_size(tpl.docx, paper_size)
    landscape_charts(tpl.docx.element.body)  # after the paper size: its pages turn that paper
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
        tpl = template_from(path.read_bytes())
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise FileProblem(
            str(path),
            f"not a Word .docx file ({type(exc).__name__})",
            "save the template from Word as a .docx document",
        ) from exc
    return tpl


# ---------------------------------------------------------------- context


def bind(value: Any, tpl: DocxTemplate, alt: str = "") -> Any:
    """A copy of ``value`` with texts sanitised and ``Image``/``Link``/``Chart`` turned into docxtpl objects.

    A picture's alt text comes from the mapping it is in: a step's caption and action, the organisation.
    """
    if isinstance(value, str):
        return sanitise(value)
    if isinstance(value, Mapping):
        alt = _alt_text(value) or alt
        return {key: bind(item, tpl, alt) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [bind(item, tpl, alt) for item in value]
    if isinstance(value, Image):
        return _inline_image(value, tpl, alt)
    if isinstance(value, Chart):
        return ChartRuns(tpl, value)
    if isinstance(value, Link):
        return _rich_link(value, tpl)
    return value


def _alt_text(mapping: Mapping[str, Any]) -> str:
    if isinstance(mapping.get("action"), str):
        return step_picture_alt(sanitise(str(mapping.get("image_caption") or "")), sanitise(mapping["action"]))
    return sanitise(mapping["org"]) if isinstance(mapping.get("org"), str) else ""


def _inline_image(image: Image, tpl: DocxTemplate, alt: str = "") -> InlineImage:
    """The picture scaled down (never up) to fit the limits, keeping its proportions, described by ``alt``."""
    try:
        picture = DocxImage.from_file(str(image.path))
    except (OSError, UnrecognizedImageError) as exc:
        raise FileProblem(str(image.path), "cannot read the picture", "use a PNG or JPEG file") from exc
    width_mm, height_mm = picture.width.mm, picture.height.mm
    limits = ((image.max_width_mm, width_mm), (image.max_height_mm, height_mm))
    scale = min([1.0, *(limit / size for limit, size in limits if limit and size)])
    return DescribedImage(tpl, str(image.path), width=Mm(width_mm * scale), height=Mm(height_mm * scale), alt=alt)


class DescribedImage(InlineImage):
    """docxtpl's picture, with a description (alt text) on its ``wp:docPr``."""

    def __init__(self, tpl: DocxTemplate, path: str, *, width, height, alt: str) -> None:
        super().__init__(tpl, path, width=width, height=height)
        self.alt = alt

    def _insert_image(self) -> str:
        inline = self.tpl.current_rendering_part.new_pic_inline(self.image_descriptor, self.width, self.height)
        describe(inline, self.alt)
        return f'</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r><w:t xml:space="preserve">'


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


def _department_name(sop: Sop, library: Library) -> str:
    return next((d.name for d in library.departments if d.code == sop.department), sop.department)


# ---------------------------------------------------------------- template mistakes
