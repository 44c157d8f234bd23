"""``binder build``: the pipeline, top to bottom, one call per stage.

validate → plan → render Word → convert to PDF → assemble binders and packs
→ manifest → swap the staging folder in. Nothing in the output folder changes
until every stage has succeeded.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from binder import front
from binder.assemble import Document, FrontItem, Part, assemble, page_count, start_pages, strip_sop_links
from binder.console import NullProgress
from binder.convert.pool import Converter, Job
from binder.fingerprint import fingerprint
from binder.load import load_workbook
from binder.manifest import BinderEntry, DocumentEntry, write_manifest
from binder.model import Library, Sop
from binder.output import Staging, output_lock
from binder.problems import Problem
from binder.render import render_sop

WORK = ".work"


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    include_drafts: bool = False
    """Put Draft and In-review SOPs in binders (watermarked)."""
    strict: bool = False
    jobs: int = 1
    """LibreOffice processes converting in parallel."""
    timeout: float = 180.0
    """Seconds one document may take to convert."""
    wait: float = 0.0
    """Seconds to wait for another build writing the same output folder."""
    today: date | None = None


@dataclass(frozen=True)
class BinderPlan:
    department: str
    sops: tuple[Sop, ...]
    path: str
    """Relative to the output folder."""


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[DocumentEntry, ...]
    binders: tuple[BinderEntry, ...]
    warnings: tuple[Problem, ...] = field(default=())


def build(workbook: Path, options: BuildOptions, progress=None) -> BuildResult:
    """Validate ``workbook`` and build everything into ``options.out``; raises on any error."""
    progress = progress or NullProgress()
    loaded = load_workbook(workbook, today=options.today, include_drafts=options.include_drafts, strict=options.strict)
    library = loaded.library
    binders = plan_binders(library, options.include_drafts)
    with output_lock(options.out, options.wait), Staging(options.out) as stage, \
            Converter(workers=options.jobs, timeout=options.timeout, workdir=stage.path / WORK / "lo") as converter:
        documents = make_documents(library, stage.path, converter, progress)
        made = make_binders(library, binders, documents, stage.path, converter, progress, options.today or date.today())
        write_manifest(stage.path, library.source, library.sha256, documents, made, [])
        shutil.rmtree(stage.path / WORK, ignore_errors=True)
        stage.commit()
    return BuildResult(options.out, tuple(documents), tuple(made), loaded.warnings)


def plan_binders(library: Library, include_drafts: bool) -> tuple[BinderPlan, ...]:
    """One binder per department holding SOPs: Approved ones (and drafts on request), by SOP ID."""
    plans = []
    for dept in library.departments:
        sops = tuple(sorted((s for s in library.sops if s.department == dept.code and _in_binder(s, include_drafts)),
                            key=lambda s: s.sop_id))
        if sops:
            plans.append(BinderPlan(dept.code, sops, f"binders/{dept.code}-binder.pdf"))
    return tuple(plans)


def _in_binder(sop: Sop, include_drafts: bool) -> bool:
    return sop.status == "Approved" or (include_drafts and sop.is_draft)


def make_documents(library: Library, root: Path, converter: Converter, progress) -> list[DocumentEntry]:
    """Word and PDF for every SOP: ``sops/<ID>.docx`` and ``sops/<ID>.pdf``."""
    (root / "sops").mkdir(parents=True, exist_ok=True)
    (root / WORK / "linked").mkdir(parents=True, exist_ok=True)
    sops = sorted(library.sops, key=lambda s: s.sop_id)
    advance = progress.stage("Word", len(sops))
    jobs = []
    for sop in sops:
        docx = root / "sops" / f"{sop.sop_id}.docx"
        render_sop(sop, library, docx)
        jobs.append(Job(sop.sop_id, docx, linked_pdf(root, sop.sop_id)))
        advance()
    converter.convert(jobs, progress.stage("PDF", len(jobs)))
    entries = []
    for sop in sops:
        pdf = root / "sops" / f"{sop.sop_id}.pdf"
        shutil.copyfile(linked_pdf(root, sop.sop_id), pdf)
        strip_sop_links(pdf)
        entries.append(DocumentEntry(sop.sop_id, sop.version, sop.status, sop.department, f"sops/{sop.sop_id}.docx",
                                     f"sops/{sop.sop_id}.pdf", page_count(pdf), fingerprint(sop), sop.title))
    return entries


def linked_pdf(root: Path, sop_id: str) -> Path:
    """The SOP's PDF as converted, links to other SOPs still marked: what binders are made from."""
    return root / WORK / "linked" / f"{sop_id}.pdf"


def make_binders(library: Library, plans: tuple[BinderPlan, ...], documents: list[DocumentEntry], root: Path,
                 converter: Converter, progress, issued: date) -> list[BinderEntry]:
    """Front matter for every binder (converted together), then each binder assembled."""
    pages = {d.sop_id: d.pages for d in documents}
    fronts = front.make_binder_fronts(library, plans, pages, root / WORK / "front", converter, issued)
    (root / "binders").mkdir(exist_ok=True)
    advance = progress.stage("Binders", len(plans))
    made = []
    for plan in plans:
        dept = library.department(plan.department)
        made_front = fronts[plan.department]
        doc = Document(title=dept.binder_title, author=library.settings.organisation or dept.owner,
                       subject=f"{dept.name}: Standard Operating Procedures issued {issued.isoformat()}",
                       top_bookmark=f"{dept.code} {dept.name}", front=made_front.pdf,
                       front_items=tuple(FrontItem(t, p) for t, p in made_front.items),
                       parts=tuple(Part(s.sop_id, f"{s.sop_id} {s.title}", linked_pdf(root, s.sop_id)) for s in plan.sops))
        result = assemble(doc, root / plan.path)
        expected = start_pages(made_front.pages, [pages[s.sop_id] for s in plan.sops])
        assert [p for _, p in result.starts] == expected, "contents page numbers disagree with the binder"
        made.append(BinderEntry(plan.department, plan.path, result.pages, tuple(s.sop_id for s in plan.sops)))
        advance()
    return made
