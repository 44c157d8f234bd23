"""``binder build``: the pipeline, top to bottom, one call per stage.

validate → change control → plan → render Word → convert to PDF → assemble
binders and packs → manifest → swap the staging folder in. Nothing in the
output folder changes until every stage has succeeded.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from binder.issue import front
from binder.issue.assemble import Document, FrontItem, Part, assemble, standalone_copy, start_pages
from binder.output.cache import DocumentCache, document_key, issue_environment_fingerprint, template_sha256
from binder.output.changes import binder_changes, unversioned_changes
from binder.console import NullProgress
from binder.document.context import Image
from binder.convert.base import Job
from binder.convert.pool import Converter
from binder.convert.remote import RemoteConverter, parse_endpoint
from binder.errors import InputError
from binder.files import sha256 as file_sha256
from binder.output.fingerprint import fingerprint, parts
from binder.document.flowchart import render_flowchart
from binder.workbook.flow import flow_graph, needs_flowchart
from binder.document.labels import labels_for
from binder.workbook.load import load_workbook
from binder.output.manifest import (BinderEntry, DocumentEntry, PackEntry, binder_from, document_from, pack_from,
                             write_manifest)
from binder.model import Library, Sop
from binder.output.staging import CACHE, Staging, output_lock, place, previous_issue, previous_manifest
from binder.issue.packs import PackPlan, make_packs, plan_packs
from binder.problems import Problem
from binder.document.render import render_sop
from binder.signing.options import Signing, sign_outputs

WORK = ".work"
FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM = 170, 200


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    include_drafts: bool = False
    """Put Draft and In-review SOPs in binders and packs (watermarked)."""
    strict: bool = False
    jobs: int = 1
    """LibreOffice processes converting in parallel."""
    timeout: float = 180.0
    """Seconds one document may take to convert."""
    wait: float = 0.0
    """Seconds to wait for another build writing the same output folder."""
    allow_unversioned: bool = False
    """Let SOPs change without a new Version (while drafting)."""
    pack: str | None = None
    """Build only this training pack and its SOPs; keep the rest of the previous output."""
    signing: Signing | None = None
    """Sign every binder and pack written."""
    use_cache: bool = True
    """Reuse the Word and PDF documents of unchanged SOPs from the previous build."""
    converters: tuple[str, ...] = ()
    """``unoserver://HOST:PORT`` endpoints to convert on instead of local LibreOffice processes."""
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
    packs: tuple[PackEntry, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())
    converted: tuple[str, ...] = ()
    """SOPs rendered and converted by this build; the others came from the cache."""


def build(workbook: Path, options: BuildOptions, progress=None) -> BuildResult:
    """Validate ``workbook`` and build everything into ``options.out``; raises on any error."""
    progress = progress or NullProgress()
    issued = options.today or date.today()
    loaded = load_workbook(workbook, today=options.today, include_drafts=options.include_drafts, strict=options.strict)
    library = loaded.library
    packs = plan_packs(library, options.pack)
    if options.pack is not None and not packs:
        raise InputError([Problem.error("Training!A1", f'there is no training pack named "{options.pack}"',
                                        "packs: " + (", ".join(p.name for p in library.packs) or "none"))],
                         source=str(workbook))
    binders = () if options.pack else plan_binders(library, options.include_drafts)
    with output_lock(options.out, options.wait):
        previous = previous_manifest(options.out)
        if not options.allow_unversioned:
            problems = unversioned_changes(library, previous)
            if problems:
                raise InputError(problems, source=str(workbook))
        sops = _selected_sops(library, packs, options.pack)
        with Staging(options.out) as stage:
            with make_converter(options) as converter:
                previous_cache = options.out / CACHE if options.use_cache and (options.out / CACHE).is_dir() else None
                cache = DocumentCache(previous_cache, stage.path / CACHE)
                documents, converted, pdf_hashes = make_documents(library, sops, stage.path, converter, progress,
                                                                  cache, options.jobs)
                pages = {d.sop_id: d.pages for d in documents}
                keys = {p.department: binder_key(library, p, pdf_hashes, options.signing) for p in binders}
                made_binders = make_binders(library, binders, pages, stage.path, converter, progress, issued,
                                            previous, options.out, keys)
                pack_keys = {p.path: pack_key(library, p, pdf_hashes, options.signing) for p in packs}
                made_packs = make_packs(library, packs, pages, stage.path, lambda i: linked_pdf(stage.path, i),
                                        converter, progress, issued, previous, options.out, pack_keys)
            # LibreOffice is stopped: nothing writes into the staging folder any more.
            documents, made_binders, made_packs, keep = _merge_partial(options.pack, previous, documents,
                                                                       made_binders, made_packs)
            shutil.rmtree(stage.path / WORK, ignore_errors=True)
            if options.signing is not None:
                sign_outputs(options.signing, library.settings, stage.path,
                             [b.path for b in made_binders if b.path not in keep and not b.reused]
                             + [p.path for p in made_packs if p.path not in keep and not p.reused])
            stage.carry_over(keep)
            write_manifest(stage.path, library.source, library.sha256, documents, made_binders, made_packs)
            stage.commit()
    return BuildResult(options.out, tuple(documents), tuple(made_binders), tuple(made_packs), loaded.warnings,
                       converted)


def make_converter(options: BuildOptions):
    """Remote unoserver endpoints when given, else a pool of local LibreOffice processes."""
    if options.converters:
        return RemoteConverter([parse_endpoint(c) for c in options.converters], timeout=options.timeout)
    profiles = options.out.parent / f".{options.out.name}.lo-{os.getpid()}"
    return Converter(workers=options.jobs, timeout=options.timeout, workdir=profiles)


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


def _selected_sops(library: Library, packs, only_pack: str | None) -> list[Sop]:
    """Every SOP; with ``--pack``, only that pack's."""
    if only_pack is None:
        return sorted(library.sops, key=lambda s: s.sop_id)
    wanted = {e.sop_id for plan in packs for e in plan.pack.entries}
    return sorted((s for s in library.sops if s.sop_id in wanted), key=lambda s: s.sop_id)


def make_documents(library: Library, sops: list[Sop], root: Path, converter: Converter, progress,
                   cache: DocumentCache, workers: int = 1) -> tuple[list[DocumentEntry], tuple[str, ...], dict]:
    """Word and PDF for each SOP: ``sops/<ID>.docx`` and ``sops/<ID>.pdf``; unchanged ones from the cache.

    Also returns the SHA-256 of each SOP's linked PDF, which identifies what a binder is made of."""
    (root / "sops").mkdir(parents=True, exist_ok=True)
    (root / WORK / "linked").mkdir(parents=True, exist_ok=True)
    keys = {sop.sop_id: document_key(sop, library, needs_flowchart(sop)) for sop in sops}
    made, todo = {}, []
    for sop in sops:
        entry = cache.lookup(keys[sop.sop_id])
        if entry is None:
            todo.append(sop)
            continue
        cache.keep(entry)
        made[sop.sop_id] = entry
    if todo:
        converter.warm_up()  # LibreOffice boots while the documents are rendered
    render_all(library, todo, root, progress, workers)
    jobs = [Job(s.sop_id, root / "sops" / f"{s.sop_id}.docx", linked_pdf(root, s.sop_id)) for s in todo]
    converter.convert(jobs, progress.stage("PDF", len(jobs)))
    for sop in todo:
        linked, standalone = linked_pdf(root, sop.sop_id), root / WORK / "linked" / f"{sop.sop_id}.standalone.pdf"
        pages = standalone_copy(linked, standalone)
        made[sop.sop_id] = cache.store(keys[sop.sop_id], root / "sops" / f"{sop.sop_id}.docx", linked, standalone,
                                       pages)
    entries = []
    for sop in sops:
        entry = made[sop.sop_id]
        place(entry.docx, root / "sops" / f"{sop.sop_id}.docx")
        place(entry.pdf, linked_pdf(root, sop.sop_id))
        place(entry.standalone, root / "sops" / f"{sop.sop_id}.pdf")
        entries.append(DocumentEntry(sop.sop_id, sop.version, sop.status, sop.department, f"sops/{sop.sop_id}.docx",
                                     f"sops/{sop.sop_id}.pdf", entry.pages, fingerprint(sop), sop.title,
                                     tuple(parts(sop).items())))
    return entries, tuple(s.sop_id for s in todo), {s: e.hashes["pdf"] for s, e in made.items()}


def render_all(library: Library, sops: list[Sop], root: Path, progress, workers: int) -> None:
    """Render the Word documents, in ``workers`` processes when there are enough to share."""
    advance = progress.stage("Word", len(sops))
    if workers <= 1 or len(sops) < 8:
        _start_renderer(library, root)
        for sop in sops:
            _render_one(sop.sop_id)
            advance()
        return
    # forkserver, not fork: the converter's threads are running, and forking a threaded process is unsafe.
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_renderer,
                               initargs=(library, root))
    try:
        # Ctrl-C while the render processes are being started would leave them half-started.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            results = pool.map(_render_one, [s.sop_id for s in sops], chunksize=max(1, len(sops) // (workers * 8)))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for _ in results:
            advance()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


_RENDERER: dict = {}
"""The library and output folder of this render process, sent once rather than with every SOP."""


def _start_renderer(library: Library, root: Path) -> None:
    _RENDERER.update(library=library, root=root)
    if multiprocessing.parent_process() is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build itself handles Ctrl-C and stops this process
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked while we were started


def _render_one(sop_id: str) -> None:
    library, root = _RENDERER["library"], _RENDERER["root"]
    sop = library.sop(sop_id)
    extra = {}
    if needs_flowchart(sop):
        labels = labels_for(library.settings.language)
        graph = flow_graph(sop, yes=labels["yes"], no=labels["no"], start=labels["flow_start"], end=labels["flow_end"])
        png = render_flowchart(graph, root / WORK / "flow" / f"{sop.sop_id}.png")
        extra["flowchart"] = Image(png, FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM)
    render_sop(sop, library, root / "sops" / f"{sop.sop_id}.docx", extra=extra)


def linked_pdf(root: Path, sop_id: str) -> Path:
    """The SOP's PDF as converted, links to other SOPs still marked: what binders are made from."""
    return root / WORK / "linked" / f"{sop_id}.pdf"


def binder_key(library: Library, plan: BinderPlan, pdf_hashes: dict[str, str], signing: Signing | None) -> str:
    """Hash of everything a binder shows and how it is made, except its date of issue."""
    dept = library.department(plan.department)
    return issue_key(library, [dept.code, dept.name, dept.binder_title, dept.owner, dept.help_contact],
                     plan.sops, pdf_hashes, (front.BINDER_TEMPLATE,), signing)


def pack_key(library: Library, plan: PackPlan, pdf_hashes: dict[str, str], signing: Signing | None) -> str:
    """Hash of everything a training pack shows and how it is made, except its date of issue."""
    sops = [library.sop(e.sop_id) for e in plan.pack.entries]
    return issue_key(library, [plan.pack.name, plan.path, plan.record], sops, pdf_hashes,
                     (front.PACK_TEMPLATE, front.ACK_TEMPLATE), signing)


def issue_key(library: Library, own: list, sops, pdf_hashes: dict[str, str], templates: tuple[Path, ...],
              signing: Signing | None) -> str:
    """Equal keys: the binder or pack would come out the same but for its date, so the previous issue stands."""
    settings = library.settings
    payload = {
        "own": own,
        "settings": [settings.organisation, settings.language, settings.paper_size,
                     file_sha256(settings.logo) if settings.logo else ""],
        "sops": [[s.sop_id, s.title, s.version, str(s.effective_date), str(s.next_review), pdf_hashes[s.sop_id]]
                 for s in sops],
        "templates": [template_sha256(t) for t in templates],
        "code": issue_environment_fingerprint(),
        "signing": [file_sha256(signing.key), signing.reason, signing.location, signing.contact,
                    signing.timestamp_url] if signing else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def make_binders(library: Library, plans: tuple[BinderPlan, ...], pages: dict[str, int], root: Path,
                 converter: Converter, progress, issued: date, previous: dict | None, out: Path,
                 keys: dict[str, str]) -> list[BinderEntry]:
    """Each department's binder: the previous issue when nothing in it changed, else a new issue
    (front matter converted together, then each binder assembled)."""
    (root / "binders").mkdir(exist_ok=True)
    kept = {plan.department: _unchanged_binder(plan, keys[plan.department], previous, out, root) for plan in plans}
    fresh = tuple(p for p in plans if kept[p.department] is None)
    changes = {p.department: binder_changes(library, previous, p.department, tuple(s.sop_id for s in p.sops))
               for p in fresh}
    fronts = front.make_binder_fronts(library, fresh, pages, root / WORK / "front", converter, issued, changes)
    advance = progress.stage("Binders", len(plans))
    made = []
    for plan in plans:
        if kept[plan.department] is not None:
            made.append(kept[plan.department])
            advance()
            continue
        made.append(_assemble_binder(library, plan, fronts[plan.department], pages, root, issued,
                                     keys[plan.department]))
        advance()
    return made


def _unchanged_binder(plan: BinderPlan, key: str, previous: dict | None, out: Path, root: Path) -> BinderEntry | None:
    """The previous issue of this binder, placed into staging, when nothing in it changed."""
    old = next((b for b in (previous or {}).get("binders", []) if b.get("department") == plan.department), None)
    if old is None or old.get("path") != plan.path or not previous_issue(out, old, key, ("path",), root):
        return None
    return binder_from(old, reused=True)


def _assemble_binder(library: Library, plan: BinderPlan, made_front, pages: dict[str, int], root: Path,
                     issued: date, key: str) -> BinderEntry:
    dept = library.department(plan.department)
    doc = Document(title=dept.binder_title, author=library.settings.organisation or dept.owner,
                   subject=f"{dept.name}: Standard Operating Procedures issued {issued.isoformat()}",
                   top_bookmark=f"{dept.code} {dept.name}", front=made_front.pdf,
                   front_items=tuple(FrontItem(t, p) for t, p in made_front.items),
                   parts=tuple(Part(s.sop_id, f"{s.sop_id} {s.title}", linked_pdf(root, s.sop_id)) for s in plan.sops))
    result = assemble(doc, root / plan.path)
    expected = start_pages(made_front.pages, [pages[s.sop_id] for s in plan.sops])
    if [p for _, p in result.starts] != expected:
        raise RuntimeError(f"the contents of {plan.path} disagree with its pages")
    return BinderEntry(plan.department, plan.path, result.pages, tuple(s.sop_id for s in plan.sops),
                       issued.isoformat(), key)


def _merge_partial(only_pack, previous, documents, binders, packs):
    """With ``--pack``: keep the previous build's other files and their manifest entries."""
    if only_pack is None or not previous:
        return documents, binders, packs, set()
    rebuilt = {d.sop_id for d in documents}
    kept_docs = [document_from(d) for d in previous.get("documents", []) if d.get("sop_id") not in rebuilt]
    kept_binders = [binder_from(b) for b in previous.get("binders", [])]
    names = {p.pack for p in packs}
    kept_packs = [pack_from(p) for p in previous.get("packs", []) if p.get("pack") not in names]
    keep = {path for d in kept_docs for path in (d.docx, d.pdf)} | {b.path for b in kept_binders} \
        | {path for p in kept_packs for path in (p.path, p.record)}
    all_docs = sorted(documents + kept_docs, key=lambda d: d.sop_id)
    return all_docs, kept_binders, kept_packs + packs, keep
