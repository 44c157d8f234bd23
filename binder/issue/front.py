"""Front matter of binders and packs: cover, contents (with the binder page of each SOP, as links),
the changes page and a pack's acknowledgement sheet, rendered from the built-in templates (in the
styles of the Settings ``Template``) or the ``Front template``, and converted with the SOPs' converter.

The contents needs the page where each SOP starts, which depends on how many
pages the front matter itself takes: render with a guess, convert, and render
again only when the guess was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import InlineImage, RichText
from pypdf import PdfReader

from binder.convert.base import Converting as Converter
from binder.convert.base import Job
from binder.document import template_files
from binder.document.diagnose import template_problem
from binder.document.docx_template import template_from
from binder.document.front_context import ACKNOWLEDGEMENT, FRONT, PACK, FrontData, FrontRow, front_context
from binder.document.front_styles import dressed, style_id
from binder.document.labels import language_tag
from binder.document.ooxml import keep_hyphens, set_paper_size, set_properties
from binder.document.render import make_environment
from binder.errors import InputError
from binder.interrupts import shielded
from binder.issue.assemble import page_count, start_pages
from binder.model import Library, Settings, Sop

BINDER_TEMPLATE = template_files.BINDER_FRONT
REDLINE_LOOK: dict[str, dict[str, Any]] = {
    "ins": {"underline": True, "color": "1A6B2F"},
    "del": {"strike": True, "color": "B3261E"},
    "label": {"bold": True},
}
"""Insertions underlined, deletions struck through: told apart in black and white, coloured for the screen."""
PACK_TEMPLATE = template_files.PACK_FRONT
ACK_TEMPLATE = template_files.ACKNOWLEDGEMENT


@dataclass(frozen=True)
class MadeFront:
    pdf: Path
    pages: int
    items: tuple[tuple[str, int | None], ...]
    """(heading, 0-based page) of the front matter's own headings: Contents, Changes.

    The page is None for a bookmark whose destination is not a page of the PDF."""


@dataclass(frozen=True)
class FrontSpec:
    """Everything one front matter shows."""

    key: str
    title: str
    subtitle: str
    facts: dict
    """department, owner, help_contact: shown in the cover's table."""
    sop_ids: tuple[str, ...]
    template: Path = BINDER_TEMPLATE
    changes: dict | None = None


@dataclass(frozen=True)
class Early:
    """A front matter rendered and converted beside its SOPs, with the pages they had last time: a rebuild
    that changed an SOP without changing its page count then waits for one conversion, not two in a row."""

    spec: FrontSpec
    guess: int
    starts: tuple[int, ...]
    pdf: Path

    def fits(self, spec: FrontSpec, guess: int, starts: list[int]) -> bool:
        """Whether this is the front matter ``make_fronts`` would render now: same content, guess and pages."""
        return self.spec == spec and self.guess == guess and self.starts == tuple(starts)


def render_early(
    library: Library, specs: list[FrontSpec], pages: Mapping[str, int], workdir: Path, issued: date
) -> tuple[dict[str, Early], list[Job]]:
    """Front matter rendered with ``pages`` (this build's, or the last build's for SOPs not converted yet),
    and the jobs converting them: for ``make_fronts`` to use when those pages hold (``early``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    early, jobs = {}, []
    for spec in specs:
        guess = _first_guess(spec)
        starts = start_pages(guess, [pages[i] for i in spec.sop_ids])
        docx = workdir / f"{_safe(spec.key)}.early.docx"
        render_front(library, spec, dict(zip(spec.sop_ids, starts)), issued, docx)
        job = Job(f"front matter of {spec.key}", docx, docx.with_suffix(".pdf"))
        early[spec.key] = Early(spec, guess, tuple(starts), job.pdf)
        jobs.append(job)
    return early, jobs


def make_fronts(
    library: Library,
    specs: list[FrontSpec],
    pages: Mapping[str, int],
    workdir: Path,
    converter: Converter,
    issued: date,
    early: Mapping[str, Early] | None = None,
) -> dict[str, MadeFront]:
    """Render and convert every front matter (or take the ``early`` one that fits); repeat for those whose
    page count moved."""
    workdir.mkdir(parents=True, exist_ok=True)
    guess = {spec.key: _first_guess(spec) for spec in specs}
    made: dict[str, MadeFront] = {}
    pending = list(specs)
    ready = dict(early or {})
    for _ in range(4):
        jobs, pdfs = [], []
        for spec in pending:
            starts = start_pages(guess[spec.key], [pages[i] for i in spec.sop_ids])
            converted = ready.pop(spec.key, None)
            if converted is not None and converted.fits(spec, guess[spec.key], starts):
                pdfs.append(converted.pdf)
                continue
            docx = workdir / f"{_safe(spec.key)}.docx"
            render_front(library, spec, dict(zip(spec.sop_ids, starts)), issued, docx)
            jobs.append(Job(f"front matter of {spec.key}", docx, docx.with_suffix(".pdf")))
            pdfs.append(jobs[-1].pdf)
        if jobs:
            converter.convert(jobs)
        still = []
        for spec, pdf in zip(pending, pdfs):
            with shielded():
                count = page_count(pdf)
                headings = _headings(pdf)
            if count == guess[spec.key]:
                made[spec.key] = MadeFront(pdf, count, headings)
            else:
                guess[spec.key] = count
                still.append(spec)
        pending = still
        if not pending:
            return made
    raise RuntimeError(f"front matter page count does not settle for {[s.key for s in pending]}")


CONTENTS_ROWS = (12, 11)
"""Contents rows on the front matter's second page, and on each page after: measured with the built-in binder
template (A4, one-line titles). A wrong guess costs one more rendering and conversion, never a wrong page."""


def _first_guess(spec: FrontSpec) -> int:
    """The front matter's pages: a cover and a contents page, more for a long contents, one for the changes."""
    first, later = CONTENTS_ROWS
    more = max(0, -(-(len(spec.sop_ids) - first) // later))
    return 2 + more + bool(spec.changes and spec.changes.get("show"))


def render_front(library: Library, spec: FrontSpec, starts: dict[str, int], issued: date, out: Path) -> Path:
    """Render one front (or back) matter .docx with the given start pages."""
    body, styles = front_sources(library.settings, spec.template)
    tpl = template_from(dressed(body, styles))
    link_style = style_id(tpl.docx, "Hyperlink")

    def link(text: str, url: str) -> RichText:
        made = RichText()
        made.add(text, url_id=tpl.build_url_id(url), style=link_style)
        return made

    settings = library.settings
    data = FrontData(
        _kind(spec.template),
        settings.organisation,
        settings.language,
        spec.title,
        spec.subtitle,
        issued,
        tuple(_row(library.sop(i), starts.get(i)) for i in spec.sop_ids),
        spec.facts,
        spec.changes,
    )
    logo = InlineImage(tpl, str(settings.logo), height=Mm(18)) if settings.logo else None
    try:
        tpl.render(front_context(data, link, logo, redline_runs), jinja_env=make_environment(), autoescape=True)
    except Exception as exc:  # noqa: BLE001 - only mistakes made in the template are turned into InputError
        problem = template_problem(tpl, body, exc)
        if problem is None:
            raise
        raise InputError([problem], f"{body}: {problem.message}") from exc
    set_paper_size(tpl.docx, settings.paper_size)
    # the dressing template's own language would otherwise be the PDF's
    set_properties(tpl.docx, {"language": language_tag(settings.language)})
    keep_hyphens(tpl.docx)
    tpl.save(out)
    return out


def redline_runs(pieces) -> RichText:
    """(text, style) pieces as runs; RichText escapes the text, so workbook text stays text."""
    made = RichText()
    for text, look in pieces:
        made.add(text, **REDLINE_LOOK.get(look, {}))
    return made


def front_sources(settings: Settings, builtin: Path) -> tuple[Path, Path | None]:
    """(the template whose content to render, the template whose styles to dress it in, if another).

    A ``Front template`` replaces the binder's built-in one and dresses the packs' built-in ones;
    without it, the built-in ones wear the styles of the Settings ``Template`` (not of a single
    SOP's: one binder holds SOPs of several templates)."""
    if settings.front_template is not None:
        return (settings.front_template, None) if builtin == BINDER_TEMPLATE else (builtin, settings.front_template)
    return builtin, settings.template


def _kind(template: Path) -> str:
    return {PACK_TEMPLATE: PACK, ACK_TEMPLATE: ACKNOWLEDGEMENT}.get(template, FRONT)


def _row(sop: Sop, page: int | None) -> FrontRow:
    return FrontRow(sop.sop_id, sop.title, sop.version, sop.effective_date, sop.next_review, page)


def _headings(pdf: Path) -> tuple[tuple[str, int | None], ...]:
    """The front matter's own bookmarks (LibreOffice exports Heading 1 paragraphs)."""
    reader = PdfReader(pdf)
    return tuple(
        (str(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    )


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in key)
