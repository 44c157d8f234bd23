"""Front matter of binders: cover, contents (with the binder page of each SOP, as links)
and the changes page, rendered from templates/front.docx and converted with the SOPs' converter.

The contents needs the page where each SOP starts, which depends on how many
pages the front matter itself takes: render with a guess, convert, and render
again only when the guess was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from pypdf import PdfReader

from binder.convert.base import Converting as Converter
from binder.convert.base import Job
from binder.document import template_files
from binder.document.labels import format_date, labels_for
from binder.document.links import sop_link
from binder.document.ooxml import set_paper_size
from binder.document.render import make_environment, sanitise
from binder.interrupts import shielded
from binder.issue.assemble import page_count, start_pages
from binder.model import Library

BINDER_TEMPLATE = template_files.BINDER_FRONT
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


def make_fronts(
    library: Library,
    specs: list[FrontSpec],
    pages: Mapping[str, int],
    workdir: Path,
    converter: Converter,
    issued: date,
) -> dict[str, MadeFront]:
    """Render and convert every front matter; repeat for those whose page count moved."""
    workdir.mkdir(parents=True, exist_ok=True)
    guess = {spec.key: 2 + bool(spec.changes and spec.changes.get("show")) for spec in specs}
    made: dict[str, MadeFront] = {}
    pending = list(specs)
    for _ in range(4):
        jobs = []
        for spec in pending:
            docx = workdir / f"{_safe(spec.key)}.docx"
            starts = start_pages(guess[spec.key], [pages[i] for i in spec.sop_ids])
            render_front(library, spec, dict(zip(spec.sop_ids, starts)), issued, docx)
            jobs.append(Job(f"front matter of {spec.key}", docx, docx.with_suffix(".pdf")))
        converter.convert(jobs)
        still = []
        for spec, job in zip(pending, jobs):
            with shielded():
                count = page_count(job.pdf)
                headings = _headings(job.pdf)
            if count == guess[spec.key]:
                made[spec.key] = MadeFront(job.pdf, count, headings)
            else:
                guess[spec.key] = count
                still.append(spec)
        pending = still
        if not pending:
            return made
    raise RuntimeError(f"front matter page count does not settle for {[s.key for s in pending]}")


def render_front(library: Library, spec: FrontSpec, starts: dict[str, int], issued: date, out: Path) -> Path:
    """Render one front (or back) matter .docx with the given start pages."""
    lang = library.settings.language
    tpl = DocxTemplate(spec.template)
    rows = []
    for sop_id in spec.sop_ids:
        sop = library.sop(sop_id)
        link = RichText()
        link.add(sanitise(sop.title), url_id=tpl.build_url_id(sop_link(sop_id)), style="Hyperlink")
        rows.append(
            {
                "id": sop_id,
                "title": sanitise(sop.title),
                "version": sop.version,
                "effective_date": format_date(sop.effective_date, lang) if sop.effective_date else "",
                "next_review": format_date(sop.next_review, lang) if sop.next_review else "",
                "page": starts.get(sop_id, ""),
                "link": link,
            }
        )
    context = {
        "org": sanitise(library.settings.organisation),
        "logo": InlineImage(tpl, str(library.settings.logo), height=Mm(18)) if library.settings.logo else None,
        "labels": labels_for(lang),
        "binder": {
            "title": sanitise(spec.title),
            "subtitle": sanitise(spec.subtitle),
            "issued": format_date(issued, lang),
            **{k: sanitise(v or "—") for k, v in spec.facts.items()},
        },
        "signature_space": False,
        "sops": rows,
        "changes": spec.changes or {"show": False, "rows": [], "since": ""},
    }
    tpl.render(context, jinja_env=make_environment(), autoescape=True)
    set_paper_size(tpl.docx, library.settings.paper_size)
    tpl.save(out)
    return out


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
