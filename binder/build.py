"""``binder build``: the pipeline, top to bottom, one call per stage.

read and validate → plan → change control → SOP documents (cache, render, convert) →
binders and packs (keep or re-issue, front matter, assemble, sign) → manifest → commit.
Nothing in the output folder changes until every stage has succeeded; an interrupt at any
moment leaves it as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from binder import interrupts
from binder.convert.base import Converting, Job
from binder.convert.pool import Converter
from binder.document.pool import PARALLEL_SOPS
from binder.errors import InputError
from binder.issue.ahead import Ahead
from binder.issue.issuing import WORK, IssueContext, begun_issues, early_fronts, issue
from binder.issue.plan import IssuePlan, plan_binders, plan_packs
from binder.issue.reissue import Decision, decide, issue_key, keep_others, refuse_filled_records, reissue_warnings
from binder.model import Library, Sop
from binder.options import BuildOptions
from binder.output.cache import DocumentCache, Entry, Untrusted, discarded_warnings, previous_cache
from binder.output.documents import Documents, linked_pdf, make_documents
from binder.output.manifest import MANIFEST, DocumentEntry, IssueEntry, Manifest, new_manifest, write_manifest
from binder.output.transaction import (
    CACHE,
    Transaction,
    full_disk_explained,
    output_lock,
    previous_files,
    profiles_folder,
)
from binder.output.users_files import check_out_folder, untrusted_manifest
from binder.parallel import Background, can_fork, start_forkserver, workers_ready
from binder.preflight import change_control, ignored, judge, previous_build, read
from binder.problems import Problem, select
from binder.redline.content import tampered_contents, write_contents
from binder.site.pages import SITE, build_site, waits_for_charts


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[DocumentEntry, ...]
    binders: tuple[IssueEntry, ...]
    packs: tuple[IssueEntry, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())
    converted: tuple[str, ...] = ()
    """SOPs rendered and converted by this build; the others came from the cache."""
    library: Library | None = None
    """The workbook as read (``binder watch`` watches the templates and pictures it names)."""


def build(workbook: Path, options: BuildOptions, progress=None, converter: Converting | None = None) -> BuildResult:
    """Validate ``workbook`` and build everything into ``options.out``; raises on any error.

    ``converter``: a running one to use and leave running (``binder watch`` keeps LibreOffice warm between
    builds; its owner closes it); None: one of the build's own, stopped when the build ends."""
    # Imported here, as binder.convert.remote below: rich (binder.console) is the command line's, and
    # http.client and ssl serve --converter only (tests/architecture/test_startup_imports.py).
    from binder.console import NullProgress

    progress = progress or NullProgress()
    if converter is None:
        start_converters(options)
    library, warnings = read(workbook, options)
    start_workers(options, len(library.sops))
    binders, packs = plan(library, options, workbook)
    check_out_folder(options.out, options.force)
    interrupts.check()
    with output_lock(options.out, options.wait):
        previous = previous_build(options)
        change_control(library, previous, options, workbook)
        with _located(workbook), full_disk_explained(options.out), Transaction(options.out) as stage:
            site = partial(
                build_site, library, binders, packs, stage.path, options.out, previous, keep=bool(options.pack)
            )
            make = partial(
                produce, library, binders, packs, previous, options, workbook, stage.path, progress, converter
            )
            try:
                made = make(site, check_later=True)
            except Untrusted:  # a cache entry changed while the SOPs were converted: again, checking each first
                shutil.rmtree(stage.path / SITE, ignore_errors=True)  # what a site begun beside left
                made = make(site, check_later=False)
            documents, issues = (
                keep_others(options.out, stage.path, previous, made.recorded, made.issues, library)
                if options.pack
                else (list(made.recorded), made.issues)
            )
            shutil.rmtree(stage.path / WORK, ignore_errors=True)
            write_manifest(
                stage.path,
                new_manifest(
                    workbook, library.sha256, documents, _of(issues, "binder"), _of(issues, "pack"), made.site
                ),
            )
            interrupts.check()
            # again: a trainer may have saved a record meanwhile
            refuse_filled_records(
                options.out, _records_known(options, previous), made.decisions, bool(options.pack), stage.path
            )
            stage.commit(
                previous_files(options.out, previous, keep_cache=options.pack is not None),
                on_commit=interrupts.committed,
                # --force past a manifest that cannot be trusted: binder's files may be replaced, never removed
                replace_any=options.force and previous is None and (options.out / MANIFEST).exists(),
            )
    return BuildResult(
        options.out,
        tuple(documents),
        _of(issues, "binder"),
        _of(issues, "pack"),
        warnings + made.warnings,
        made.documents.converted,
        library,
    )


def _records_known(options: BuildOptions, previous: Manifest | None) -> Manifest | None:
    """The manifest that tells which training records binder wrote as they are: with ``--force`` past one that
    cannot be trusted, still that one (a filled record must not be lost to a blank one)."""
    return previous or (untrusted_manifest(options.out) if options.force else None)


@contextmanager
def _located(workbook: Path) -> Iterator[None]:
    """Problems found while building (a flowchart too large, a template mistake) point into the workbook too."""
    try:
        yield
    except InputError as exc:
        if not exc.source:
            exc.source = str(workbook)
        raise


@dataclass(frozen=True)
class Made:
    documents: Documents
    issues: list[IssueEntry]
    warnings: tuple[Problem, ...]
    recorded: tuple[DocumentEntry, ...]
    """The documents' entries with their content files (``content/<SOP ID>.json``)."""
    site: tuple[str, ...]
    """The site's files."""
    decisions: tuple[Decision, ...] = ()


def produce(
    library: Library,
    binders: tuple[IssuePlan, ...],
    packs: tuple[IssuePlan, ...],
    previous: Manifest | None,
    options: BuildOptions,
    workbook: Path,
    root: Path,
    progress,
    converter: Converting | None = None,
    site: Callable[..., tuple[str, ...]] = lambda **_: (),
    check_later: bool = False,
) -> Made:
    """The SOP documents, then the binders and packs, into ``root``; while these are assembled, the documents'
    content files and the ``site()`` (a rebuild's by a process beside from the start). LibreOffice runs until the
    last conversion (``converter``: a running one, lent by the caller and left running). ``check_later``: the
    cache's files may be checked while the SOPs convert (``make_documents``), ``Untrusted`` raised when one has
    changed."""
    plans = binders + packs
    issued = options.today or date.today()  # once: the fronts rendered early and late must agree at midnight
    early: dict[str, Any] = {}
    ahead: list[Ahead] = []
    linked = partial(linked_pdf, root)

    def alongside(todo: list[Sop], cached: dict[str, Entry]) -> list[Job]:
        converting = [s.sop_id for s in todo]
        linked_hashes = {sop_id: entry.hashes["pdf"] for sop_id, entry in cached.items()}
        begun = begun_issues(library, plans, converting, linked_hashes, linked) if previous is not None else ()
        if begun and _processes(options) > 1 and workers_ready():
            # Begun first: the issues' own work, the longest beside LibreOffice's, starts before the fronts render.
            ahead.append(stack.enter_context(closing(Ahead(begun))))
        pages = {sop_id: entry.pages for sop_id, entry in cached.items()}
        made, jobs = early_fronts(library, previous, options.out, plans, converting, pages, root, issued)
        early.update(made)
        return jobs

    with (
        ExitStack() as stack,
        make_converter(options, progress.warn) if converter is None else nullcontext(converter) as running,
    ):
        # A rebuild's site is written from now on by a process of its own, on the core that this one's reading of
        # the cache and rendering leave idle, not beside LibreOffice and the issues later: it needs nothing made
        # here but the flowcharts drawn for the SOPs rendered now, and waits for those (``waits_for_charts``).
        beside = (
            stack.enter_context(closing(Background(_site, (site,))))
            if previous is not None and _processes(options) > 1 and can_fork()
            else None
        )
        cache = DocumentCache(previous_cache(options.out, options.use_cache), root / CACHE)
        documents = make_documents(
            library,
            _selected(library, packs, options),
            root,
            running,
            progress,
            cache,
            _processes(options),
            options.timeout,
            alongside,
            check_later,
        )
        if beside is not None and waits_for_charts(library, binders, keep=bool(options.pack)):
            with suppress(Exception):  # a process that ended: the site is written here (``_site_written``)
                beside.send("drawn")
        decisions = decide(plans, _keys(library, plans, documents), previous, options.out)
        refuse_filled_records(options.out, _records_known(options, previous), decisions, only=bool(options.pack))
        warnings = select(
            reissue_warnings(decisions, options.signing is not None)
            + discarded_warnings(cache)
            + tampered_contents(options.out, previous),
            ignore=ignored(library, options),
        )
        judge(warnings, options, workbook)
        context = IssueContext(
            library,
            root,
            options.out,
            running,
            progress,
            issued,
            previous,
            documents.pages,
            linked,
            options.signing,
            _processes(options),
            running.close if converter is None else lambda: None,
            early,
            ahead[0] if ahead else None,
        )
        written: dict[str, tuple[Any, ...]] = {}

        def meanwhile() -> None:
            # LibreOffice is stopped (or idle, when the caller keeps it): it writes nothing into root any more.
            cached = {d.sop_id for d in documents.entries} - set(documents.converted)
            written["recorded"] = write_contents(library, documents.entries, root, None, previous, cached)
            written["site"] = _site_written(beside, site, root / SITE)

        issues = issue(context, decisions, meanwhile)
        return Made(documents, issues, warnings, written["recorded"], written["site"], decisions)


def _site(receive: Callable[[], Any], site: Callable[..., tuple[str, ...]]) -> Iterator[tuple[str, ...]]:
    yield site(drawn=receive)  # told once the SOPs are made: their flowcharts are drawn


def _site_written(beside: Background | None, site: Callable[[], tuple[str, ...]], folder: Path) -> tuple[str, ...]:
    """The site's files, as the process beside wrote them into ``folder``; written here when there is none, or
    when it failed (here its error is raised as it is, with its type, where the build turns it into a message),
    after what it left there (a half-written file of a killed process) is gone."""
    if beside is not None:
        with suppress(Exception):
            for files in beside.results():
                return files
        shutil.rmtree(folder, ignore_errors=True)
    return site()


def plan(library: Library, options: BuildOptions, workbook: Path) -> tuple[tuple[IssuePlan, ...], ...]:
    """The binders and packs to issue (with ``--pack``, that pack only)."""
    packs = plan_packs(library, options.pack)
    if options.pack is not None and not packs:
        raise InputError(
            [
                Problem.error(
                    "Training!A1",
                    f'there is no training pack named "{options.pack}"',
                    "packs: " + (", ".join(p.name for p in library.packs) or "none"),
                    code="unknown-pack",
                )
            ],
            source=str(workbook),
        )
    return (() if options.pack else plan_binders(library, options.include_drafts)), packs


def make_converter(options: BuildOptions, warn: Callable[[str], None]):
    """Remote unoserver endpoints when given, else the user's converter daemon (``options.daemon``), else a pool
    of local LibreOffice processes, stopped with the build. The daemon falls back to that pool when it cannot help,
    and ``warn`` is told why."""
    if options.converters:
        from binder.convert.remote import RemoteConverter, parse_endpoint

        return RemoteConverter([parse_endpoint(c) for c in options.converters], timeout=options.timeout)

    def local() -> Converter:
        return Converter(workers=options.jobs, timeout=options.timeout, workdir=profiles_folder(options.out))

    if options.daemon:
        from binder.convert.client import DaemonConverter
        from binder.runtime import Unsafe

        try:
            return DaemonConverter(local, timeout=options.timeout, warn=warn)
        except (Unsafe, OSError) as error:
            warn(f"not using the converter daemon: {error}")
    return local()


def start_converters(options: BuildOptions) -> None:
    """Start the user's converter daemon (when the build will use it) without waiting: it and its LibreOffice
    boot while the workbook is read. It writes nothing into the output folder, so a workbook with errors
    changes nothing there either; the daemon is left for the next build. Any trouble is the converter's to
    report, when ``make_converter`` makes it."""
    if options.daemon and not options.converters:
        from binder.convert.client import DaemonGone, start_daemon
        from binder.runtime import Unsafe, runtime_dir, secure_dir

        with suppress(DaemonGone, Unsafe, OSError):
            start_daemon(secure_dir(runtime_dir()), wait=False)


WORKER_MODULES = ("binder.document.pool", "binder.issue.issuing", "binder.issue.assemble", "fontTools.subset")
"""What render and assembly processes run: imported once, in the process they are forked from."""


def start_workers(options: BuildOptions, sops: int) -> None:
    """A build of enough SOPs renders and assembles in worker processes: the process they are forked from
    starts as soon as the workbook is read, and imports their code on the other core while the build plans
    and looks in its cache. A first build renders and assembles in them; a rebuild assembles its changed
    binder in one while this process writes the site. A small build starts them only if it ever needs them."""
    if _processes(options) > 1 and sops >= PARALLEL_SOPS:
        with suppress(OSError):  # no socket for it now: the first worker pool starts it, and says why it cannot
            start_forkserver(WORKER_MODULES)


def _processes(options: BuildOptions) -> int:
    """Python processes that render and assemble: ``--jobs``, but no more than the CPUs (they never wait)."""
    return min(options.jobs, os.cpu_count() or 1)


def _selected(library: Library, packs: tuple[IssuePlan, ...], options: BuildOptions) -> list:
    """Every SOP; with ``--pack``, only that pack's."""
    wanted = {i for plan in packs for i in plan.sop_ids} if options.pack else {s.sop_id for s in library.sops}
    return sorted((s for s in library.sops if s.sop_id in wanted), key=lambda s: s.sop_id)


def _keys(library: Library, plans: tuple[IssuePlan, ...], documents: Documents) -> dict[str, str]:
    return {p.path: issue_key(library, p, dict(documents.pdf_hashes)) for p in plans}


def _of(made: list[IssueEntry], kind: str) -> tuple[IssueEntry, ...]:
    return tuple(e for e in made if e.kind == kind)
