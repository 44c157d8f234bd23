"""Issuing binders and packs, both through one path: plan → keep or re-issue → front matter →
assemble → record → sign.

An issue whose content did not change is carried over as it is (``binder.issue.reissue``);
the others get their front matter rendered and converted together, are assembled with pikepdf
and, with ``--sign``, signed as their last write. With ``--sign``, an unchanged issue that was
not signed is signed now, keeping its date of issue.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from binder.convert.base import Converting, Job, WithOptions, export_options
from binder.interrupts import shielded
from binder.issue.plan import BINDER, IssuePlan
from binder.issue.reissue import Decision, carry_over
from binder.model import Library
from binder.output.manifest import IssueEntry, Manifest
from binder.parallel import in_processes, workers_ready
from binder.signing.options import Signing

if TYPE_CHECKING:
    from binder.issue import front
    from binder.issue.ahead import Ahead, Begun
    from binder.issue.assemble import Assembled, Document, Part

# Front matter, assembly, the stamp and the training record are imported by the functions that make an
# issue anew: with pikepdf, fontTools' subsetter and the writers behind them they cost ~0.3 s of start-up,
# which a rebuild that keeps every issue would pay for nothing (tests/architecture/test_startup_imports.py).

WORK = ".work"


@dataclass(frozen=True)
class IssueContext:
    """What issuing needs from the build."""

    library: Library
    root: Path
    """The staging folder everything is written into."""
    out: Path
    """The output folder, holding the previous issues."""
    converter: Converting
    progress: Any
    issued: date
    previous: Manifest | None
    pages: Mapping[str, int]
    """Pages of each SOP's PDF."""
    linked: Callable[[str], Path]
    """An SOP's PDF as converted, links to other SOPs still marked: what issues are made of."""
    signing: Signing | None = None
    workers: int = 1
    """Processes that may assemble issues at the same time."""
    converted: Callable[[], None] = lambda: None
    """Called once nothing is left to convert: a build stops its LibreOffice before assembling, whose
    processes would otherwise hold their memory next to the assembly's (1,000 SOPs: 0.7 GB)."""
    early: Mapping[str, front.Early] | None = None
    """Front matter converted beside the SOPs (``early_fronts``), by issue path."""
    ahead: Ahead | None = None
    """Issues begun while the SOPs converted (``begun_issues``)."""


def issue(
    ctx: IssueContext, decisions: tuple[Decision, ...], meanwhile: Callable[[], None] = lambda: None
) -> list[IssueEntry]:
    """Every planned binder or pack: carried over, or made anew; in plan order.

    ``meanwhile()`` is the build's other work, run once here while worker processes assemble (when they are
    ready: ``binder.parallel.workers_ready``), else before assembling."""
    if not decisions:
        meanwhile()
        return []
    kept = {
        d.plan.path: carry_over(ctx.out, ctx.root, d.previous, ctx.library) for d in decisions if d.keep and d.previous
    }
    fresh = [d for d in decisions if d.plan.path not in kept]
    fronts = _fronts(ctx, [d.plan for d in fresh])
    backs = _backs(ctx, [d.plan for d in fresh if d.plan.back_template is not None])
    ctx.converted()
    advance = ctx.progress.stage("Binders" if decisions[0].plan.kind == BINDER else "Packs", len(decisions))
    documents = {d.plan.path: _document(ctx, d.plan, fronts[d.plan.path], backs.get(d.plan.path)) for d in fresh}
    assembled = {}
    for path, result in _assemble_all(documents, ctx.workers, meanwhile, ctx.ahead):
        assembled[path] = result
        advance()
    made = []
    for decision in decisions:
        entry = kept.get(decision.plan.path)
        if entry is None:
            entry = _record(ctx, decision, fronts[decision.plan.path], assembled[decision.plan.path])
        else:
            if ctx.signing is not None and not entry.signed:
                entry = _sign(ctx, entry, source=ctx.out / entry.path)
            advance()
        made.append(entry)
    return made


def assemble(document: Document, out: Path) -> Assembled:
    """``binder.issue.assemble.assemble``, imported on first use; a module-level function worker processes can run."""
    from binder.issue.assemble import assemble as assemble_now

    return assemble_now(document, out)


PARALLEL_PARTS = 24
"""Fewer SOPs than this in all the issues to assemble: one process does it sooner than starting others."""


def _assemble_all(
    documents: dict[str, tuple[Document, Path]],
    workers: int,
    meanwhile: Callable[[], None],
    ahead: Ahead | None = None,
) -> Iterator[tuple[str, Assembled]]:
    """Each document assembled at its path: those begun ``ahead`` finished there while this process does
    ``meanwhile`` (a rebuild's binder, while the site is written); the others in worker processes when there
    is enough to share, or when they are ready and can do it meanwhile."""
    begun = {path: documents[path] for path in documents if ahead is not None and path in ahead.paths}
    if ahead is not None and begun:
        yield from ahead.finish(begun, meanwhile)
        others = {path: document for path, document in documents.items() if path not in begun}
        yield from _assemble_all(others, workers, lambda: None)
        return
    paths = list(documents)
    shared = len(paths) > 1 and sum(len(d.parts) for d, _ in documents.values()) >= PARALLEL_PARTS
    if paths and workers > 1 and (shared or workers_ready()):
        for index, result in in_processes(assemble, [documents[p] for p in paths], workers, meanwhile=meanwhile):
            yield paths[index], result
        return
    meanwhile()
    for path in paths:
        with shielded():
            yield path, assemble(*documents[path])


def _fronts(ctx: IssueContext, plans: list[IssuePlan]) -> dict[str, front.MadeFront]:
    if not plans:
        return {}
    from binder.issue import front

    specs = front_specs(ctx.library, ctx.previous, ctx.out, plans)
    workdir = ctx.root / WORK / "front"
    return front.make_fronts(ctx.library, specs, ctx.pages, workdir, _converter(ctx), ctx.issued, ctx.early)


def front_specs(
    library: Library, previous: Manifest | None, out: Path, plans: list[IssuePlan]
) -> list[front.FrontSpec]:
    """What each plan's front matter shows."""
    from binder.issue import front
    from binder.issue.changes_page import binder_changes

    return [
        front.FrontSpec(
            p.path,
            p.cover_title,
            p.subtitle,
            dict(p.facts),
            p.sop_ids,
            template=p.front_template,
            changes=binder_changes(library, previous, p.name, p.sop_ids, out) if p.kind == BINDER else None,
        )
        for p in plans
    ]


def few(converting: Collection[str], others: Collection[str]) -> bool:
    """Whether a build converts some SOPs, at most as many as it takes from the cache (``others``): a rebuild,
    whose issues' front matter is converted beside them and whose issues are begun while they convert."""
    return 0 < len(converting) <= len(others)


def early_fronts(
    library: Library,
    previous: Manifest | None,
    out: Path,
    plans: tuple[IssuePlan, ...],
    converting: Collection[str],
    pages: Mapping[str, int],
    root: Path,
    issued: date,
) -> tuple[dict[str, front.Early], list[Job]]:
    """The front matter of each issue holding an SOP about to be converted, rendered with the pages that SOP
    had in the last build, and the jobs to convert them in the same batch (``front.Early``); none for an issue
    with an SOP the last build had not got. ``pages``: the SOPs' not converted (taken from the cache).

    Only for a build converting at most half its SOPs: there the fronts would be converted alone, after the
    SOPs, on the critical path. When most are converted (a first build, ``--no-cache``) the fronts' wait is a
    small part, and issues whose SOPs come out byte for byte the same are kept, their fronts never needed."""
    if previous is None or not few(converting, pages):
        return {}, []
    from binder.issue import front

    last = {d.sop_id: d.pages for d in previous.documents}
    guessed = {**{s: last[s] for s in converting if s in last}, **pages}
    ahead = [p for p in plans if set(p.sop_ids) & set(converting) and set(p.sop_ids) <= guessed.keys()]
    if not ahead:
        return {}, []
    specs = front_specs(library, previous, out, ahead)
    early, jobs = front.render_early(library, specs, guessed, root / WORK / "front", issued)
    options = export_options(library.settings.pdf_a == "yes")  # as _converter gives the fronts made later
    return early, [replace(job, options=options) for job in jobs]


def begun_issues(
    library: Library,
    plans: tuple[IssuePlan, ...],
    converting: Collection[str],
    cached: Mapping[str, str],
    linked: Callable[[str], Path],
) -> tuple[Begun, ...]:
    """The issues to begin assembling (``binder.issue.ahead``) while ``converting`` convert, with the SOPs
    ``cached`` (their PDFs in place; the SHA-256 the cache records for each): each holding one of those, when
    they are ``few`` (in a first build most issues wait for many SOPs, and are assembled in parallel)."""
    if not few(converting, cached):
        return ()
    from binder.issue.ahead import Begun
    from binder.issue.stamp import stamp_label

    begun: list[Begun] = []
    for plan in plans:
        if not set(plan.sop_ids) & set(converting):
            continue
        if sum(len(b.parts) for b in begun) + len(plan.sop_ids) > BEGUN_PARTS:
            break
        begun.append(
            Begun(
                plan.path,
                parts(library, plan, linked),
                library.settings.language,
                tuple((index, cached[sop_id]) for index, sop_id in enumerate(plan.sop_ids) if sop_id in cached),
                stamp_label(plan.kind, plan.name),
            )
        )
    return tuple(begun)


BEGUN_PARTS = 400
"""SOPs the issues begun ahead may hold in all: each is an open file until its issue is written (the others
are assembled after LibreOffice is done, as in a first build)."""


def parts(library: Library, plan: IssuePlan, linked: Callable[[str], Path]) -> tuple[Part, ...]:
    """The SOPs of ``plan`` as its document holds them."""
    from binder.issue.assemble import Part

    return tuple(Part(i, f"{i} {library.sop(i).title}", linked(i)) for i in plan.sop_ids)


def _converter(ctx: IssueContext) -> Converting:
    """Front and back matter export with the SOPs' options: tagged for PDF/UA, PDF/A when asked."""
    return WithOptions(ctx.converter, export_options(ctx.library.settings.pdf_a == "yes"))


def _backs(ctx: IssueContext, plans: list[IssuePlan]) -> dict[str, Path]:
    """Back matter (a pack's acknowledgement sheet), converted together."""
    if not plans:
        return {}
    from binder.issue import front

    work = ctx.root / WORK / "back"
    work.mkdir(parents=True, exist_ok=True)
    jobs = []
    for plan in plans:
        assert plan.back_template is not None
        docx = work / f"{Path(plan.path).stem}.docx"
        spec = front.FrontSpec(
            plan.path, plan.cover_title, plan.subtitle, {}, plan.sop_ids, template=plan.back_template
        )
        front.render_front(ctx.library, spec, {}, ctx.issued, docx)
        jobs.append(Job(f"{plan.back_title} of {plan.name}", docx, docx.with_suffix(".pdf")))
    if jobs:
        _converter(ctx).convert(jobs)
    return {plan.path: job.pdf for plan, job in zip(plans, jobs)}


def _document(
    ctx: IssueContext, plan: IssuePlan, made_front: front.MadeFront, back: Path | None
) -> tuple[Document, Path]:
    """What to assemble for ``plan``, and where."""
    from binder.issue.assemble import Document, FrontItem
    from binder.issue.stamp import stamp_label

    library = ctx.library
    doc = Document(
        title=plan.title,
        author=library.settings.organisation or dict(plan.facts).get("owner", ""),
        subject=_subject(plan, ctx.issued),
        top_bookmark=plan.top_bookmark,
        front=made_front.pdf,
        front_items=tuple(FrontItem(t, p) for t, p in made_front.items),
        parts=parts(library, plan, ctx.linked),
        back=back,
        back_title=plan.back_title,
        stamp=stamp_label(plan.kind, plan.name),
        lang=library.settings.language,
        pdfa=library.settings.pdf_a == "yes",
    )
    target = ctx.root / plan.path
    target.parent.mkdir(parents=True, exist_ok=True)
    return doc, target


def _record(ctx: IssueContext, decision: Decision, made_front: front.MadeFront, result: Assembled) -> IssueEntry:
    """The entry of an issue just assembled: checked, its training record written, signed when asked."""
    from binder.issue.assemble import start_pages
    from binder.issue.record import write_record

    plan, library = decision.plan, ctx.library
    expected = start_pages(made_front.pages, [ctx.pages[i] for i in plan.sop_ids])
    if [p for _, p in result.starts] != expected:
        raise RuntimeError(f"the contents of {plan.path} disagree with its pages")
    if plan.record and plan.pack is not None:
        write_record(library, plan.pack, ctx.root / plan.record, ctx.issued)
    entry = IssueEntry(
        plan.kind, plan.name, plan.path, result.pages, plan.sop_ids, ctx.issued.isoformat(), decision.key, plan.record
    )
    return _sign(ctx, entry, source=result.path) if ctx.signing is not None else entry


def _subject(plan: IssuePlan, issued: date) -> str:
    if plan.kind == BINDER:
        department = dict(plan.facts).get("department", plan.name)
        return f"{department}: Standard Operating Procedures issued {issued.isoformat()}"
    return f"{plan.subtitle} {plan.name}, issued {issued.isoformat()}"


def _sign(ctx: IssueContext, entry: IssueEntry, source: Path) -> IssueEntry:
    """Sign ``source`` into the staging folder as the issue's file: its last write."""
    from binder.signing.sign import SignOptions, sign_pdf

    assert ctx.signing is not None
    target = ctx.root / entry.path
    unsigned = target.with_name(target.name + ".unsigned")
    if source == target:
        source.rename(unsigned)
        source = unsigned
    options = ctx.signing.options(SignOptions(), ctx.library.settings)
    with shielded():
        target.unlink(missing_ok=True)
        sign_pdf(source, ctx.signing.key, ctx.signing.passphrase, target, options)
    unsigned.unlink(missing_ok=True)
    return replace(entry, signed=True)
