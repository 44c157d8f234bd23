"""Template diagnosis: what a mistake in a template amounts to, in words its author understands,
with the part and paragraph it is in. Used when rendering fails and by ``check-template``.

May import docxtpl, jinja2, lxml and ``binder.problems``/``binder.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError
from lxml import etree

from binder.problems import Problem
from binder.text import shorten

PARAGRAPH_TEXT_LIMIT = 80
_TAGS = re.compile(r"<[^>]+>")
_FIELD_CODES = re.compile(r"<w:instrText[^>]*>.*?</w:instrText>")


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
    ("unknown field", "unknown-field"),
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
