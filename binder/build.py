"""``binder build``: the pipeline, top to bottom, one call per stage.

read and validate → plan → change control → SOP documents (cache, render, convert) →
binders and packs (keep or re-issue, front matter, assemble, sign) → manifest → commit.
Nothing in the output folder changes until every stage has succeeded; an interrupt at any
moment leaves it as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from binder import interrupts
from binder.console import NullProgress
from binder.convert.pool import Converter
from binder.convert.remote import RemoteConverter, parse_endpoint
from binder.errors import InputError
from binder.files import link_or_copy
from binder.issue.issuing import WORK, IssueContext, issue
from binder.issue.plan import IssuePlan, plan_binders, plan_packs
from binder.issue.reissue import carry_over, decide, issue_key, reissue_warnings
from binder.model import Library
from binder.output.cache import DocumentCache
from binder.output.changes import unversioned_changes
from binder.output.documents import Documents, linked_pdf, make_documents
from binder.output.manifest import DocumentEntry, IssueEntry, Manifest, new_manifest, read_manifest, write_manifest
from binder.output.transaction import (
    CACHE,
    Transaction,
    check_out_folder,
    full_disk_explained,
    output_lock,
    profiles_folder,
)
from binder.problems import Problem, select
from binder.signing.options import Signing
from binder.workbook.load import check_workbook


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    include_drafts: bool = False
    """Put Draft and In-review SOPs in binders and packs (watermarked)."""
    strict: bool = False
    ignore: tuple[str, ...] = ()
    """Warning codes not to report."""
    jobs: int = 1
    """LibreOffice processes converting in parallel."""
    timeout: float = 180.0
    """Seconds one document (or one flowchart) may take."""
    wait: float = 0.0
    """Seconds to wait for another build writing the same output folder."""
    allow_unversioned: bool = False
    """Let SOPs change without a new Version (while drafting)."""
    force: bool = False
    """Build into a folder binder did not make, or past a manifest that cannot be trusted."""
    pack: str | None = None
    """Build only this training pack and its SOPs; keep the rest of the previous output."""
    signing: Signing | None = None
    """Sign every binder and pack issued."""
    use_cache: bool = True
    """Reuse the Word and PDF documents of unchanged SOPs from the previous build."""
    converters: tuple[str, ...] = ()
    """``unoserver://HOST:PORT`` endpoints to convert on instead of local LibreOffice processes."""
    today: date | None = None


@dataclass(frozen=True)
class BuildResult:
    out: Path
    documents: tuple[DocumentEntry, ...]
    binders: tuple[IssueEntry, ...]
    packs: tuple[IssueEntry, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())
    converted: tuple[str, ...] = ()
    """SOPs rendered and converted by this build; the others came from the cache."""


def build(workbook: Path, options: BuildOptions, progress=None) -> BuildResult:
    """Validate ``workbook`` and build everything into ``options.out``; raises on any error."""
    progress = progress or NullProgress()
    library, warnings = read(workbook, options)
    binders, packs = plan(library, options, workbook)
    check_out_folder(options.out, options.force)
    interrupts.check()
    with output_lock(options.out, options.wait):
        previous = previous_build(options)
        change_control(library, previous, options, workbook)
        with _located(workbook), full_disk_explained(options.out), Transaction(options.out) as stage:
            made = produce(library, binders, packs, previous, options, workbook, stage.path, progress)
            # LibreOffice is stopped: nothing writes into the staging folder any more.
            documents, issues = keep_the_rest(options, previous, stage.path, made.documents, made.issues)
            shutil.rmtree(stage.path / WORK, ignore_errors=True)
            write_manifest(
                stage.path,
                new_manifest(workbook, library.sha256, documents, _of(issues, "binder"), _of(issues, "pack")),
            )
            interrupts.check()
            stage.commit(_previous_files(options, previous), on_commit=interrupts.committed)
    return BuildResult(
        options.out,
        tuple(documents),
        _of(issues, "binder"),
        _of(issues, "pack"),
        warnings + made.warnings,
        made.documents.converted,
    )


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


def produce(
    library: Library,
    binders: tuple[IssuePlan, ...],
    packs: tuple[IssuePlan, ...],
    previous: Manifest | None,
    options: BuildOptions,
    workbook: Path,
    root: Path,
    progress,
) -> Made:
    """The SOP documents, then the binders and packs, into ``root``, with LibreOffice running until it returns."""
    plans = binders + packs
    with make_converter(options) as converter:
        cache = DocumentCache(_cache(options), root / CACHE)
        documents = make_documents(
            library, _selected(library, packs, options), root, converter, progress, cache, options.jobs, options.timeout
        )
        decisions = decide(plans, _keys(library, plans, documents), previous, options.out)
        warnings = select(
            reissue_warnings(decisions, options.signing is not None) + _discarded(cache),
            ignore=_ignored(library, options),
        )
        judge(warnings, options, workbook)
        context = IssueContext(
            library,
            root,
            options.out,
            converter,
            progress,
            options.today or date.today(),
            previous,
            documents.pages,
            lambda sop_id: linked_pdf(root, sop_id),
            options.signing,
        )
        return Made(documents, issue(context, decisions), warnings)


def read(workbook: Path, options: BuildOptions) -> tuple[Library, tuple[Problem, ...]]:
    """The valid library and its warnings; every problem at once when there is any error."""
    library, problems = preflight(workbook, options, change_control=False)
    if library is None or any(p.is_error for p in problems):
        raise InputError(problems, source=str(workbook))
    return library, problems


def preflight(
    workbook: Path, options: BuildOptions, change_control: bool = True
) -> tuple[Library | None, tuple[Problem, ...]]:
    """The build's first half, writing nothing: every problem of the workbook, of every template it
    uses, and (with ``change_control``) of change control against the output folder's manifest."""
    library, problems = check_workbook(workbook, today=options.today, include_drafts=options.include_drafts)
    if library is not None:
        problems += template_problems(library)
    if change_control and library is not None and not any(p.is_error for p in problems):
        problems += _change_control_problems(library, options)
    return library, select(
        problems, ignore=_ignored(library, options), per_sop=_ignored_per_sop(library), strict=options.strict
    )


def _ignored(library: Library | None, options: BuildOptions) -> tuple[str, ...]:
    """``--ignore`` codes and the Settings' ``Ignore warnings`` codes for every SOP."""
    settings = library.settings.ignore if library else ()
    return options.ignore + tuple(code for sop_id, code in settings if not sop_id)


def _ignored_per_sop(library: Library | None) -> tuple[tuple[str, str], ...]:
    return tuple(pair for pair in (library.settings.ignore if library else ()) if pair[0])


def template_problems(library: Library) -> tuple[Problem, ...]:
    """Every problem of every template the workbook's SOPs use (not the built-in one: its tests check it)."""
    from binder.document.check_template import check_template
    from binder.document.render import BUILTIN_TEMPLATE, choose_template

    used = dict.fromkeys(choose_template(sop, library) for sop in library.sops)
    return tuple(
        p for template in used if template != BUILTIN_TEMPLATE and template.is_file() for p in check_template(template)
    )


def _change_control_problems(library: Library, options: BuildOptions) -> tuple[Problem, ...]:
    from binder.output.manifest import MANIFEST, ManifestError

    try:
        previous = read_manifest(options.out)
    except ManifestError as exc:
        if options.force:
            return ()
        return (Problem.error(str(options.out / MANIFEST), exc.message, exc.hint, code="manifest-untrusted"),)
    return () if options.allow_unversioned else unversioned_changes(library, previous)


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


def previous_build(options: BuildOptions) -> Manifest | None:
    """The manifest now in the output folder; with ``--force``, an untrustworthy one is set aside."""
    from binder.output.manifest import ManifestError

    try:
        return read_manifest(options.out)
    except ManifestError:
        if options.force:
            return None
        raise


def change_control(library: Library, previous: Manifest | None, options: BuildOptions, workbook: Path) -> None:
    if not options.allow_unversioned:
        problems = unversioned_changes(library, previous)
        if problems:
            raise InputError(problems, source=str(workbook))


def judge(warnings: tuple[Problem, ...], options: BuildOptions, workbook: Path) -> None:
    """Under ``--strict``, warnings found during the build stop it too (before anything is committed)."""
    found = select(warnings, ignore=options.ignore, strict=options.strict)
    if any(p.is_error for p in found):
        raise InputError(found, source=str(workbook))


def make_converter(options: BuildOptions):
    """Remote unoserver endpoints when given, else a pool of local LibreOffice processes."""
    if options.converters:
        return RemoteConverter([parse_endpoint(c) for c in options.converters], timeout=options.timeout)
    return Converter(workers=options.jobs, timeout=options.timeout, workdir=profiles_folder(options.out))


def _cache(options: BuildOptions) -> Path | None:
    folder = options.out / CACHE
    return folder if options.use_cache and folder.is_dir() and not folder.is_symlink() else None


def _discarded(cache: DocumentCache) -> tuple[Problem, ...]:
    if not cache.discarded:
        return ()
    return (
        Problem.warning(
            str(cache.previous),
            f"{cache.discarded} cache entr{'y' if cache.discarded == 1 else 'ies'} "
            "failed the integrity check (damaged, edited or not written by binder) and "
            "were rebuilt",
            code="cache-entry-discarded",
        ),
    )


def _selected(library: Library, packs: tuple[IssuePlan, ...], options: BuildOptions) -> list:
    """Every SOP; with ``--pack``, only that pack's."""
    wanted = {i for plan in packs for i in plan.sop_ids} if options.pack else {s.sop_id for s in library.sops}
    return sorted((s for s in library.sops if s.sop_id in wanted), key=lambda s: s.sop_id)


def _keys(library: Library, plans: tuple[IssuePlan, ...], documents: Documents) -> dict[str, str]:
    return {p.path: issue_key(library, p, dict(documents.pdf_hashes)) for p in plans}


def _of(made: list[IssueEntry], kind: str) -> tuple[IssueEntry, ...]:
    return tuple(e for e in made if e.kind == kind)


def keep_the_rest(
    options: BuildOptions, previous: Manifest | None, root: Path, documents: Documents, made: list[IssueEntry]
) -> tuple[list[DocumentEntry], list[IssueEntry]]:
    """With ``--pack``: the previous build's other documents, binders and packs stay as they are."""
    if options.pack is None or previous is None:
        return list(documents.entries), made
    rebuilt = {d.sop_id for d in documents.entries}
    kept_docs = [d for d in previous.documents if d.sop_id not in rebuilt]
    for doc in kept_docs:
        for rel in doc.paths:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            if not (root / rel).exists():
                link_or_copy(options.out / rel, root / rel)
    names = {e.path for e in made}
    kept = [carry_over(options.out, root, e) for e in previous.binders + previous.packs if e.path not in names]
    return sorted(list(documents.entries) + kept_docs, key=lambda d: d.sop_id), kept + made


def _previous_files(options: BuildOptions, previous: Manifest | None) -> set[str]:
    """What the previous build wrote, which this one may replace or remove: its files and the cache
    (with ``--pack`` the cache stays: the other SOPs' entries are still good)."""
    files = set(previous.paths) if previous else set()
    cache = options.out / CACHE
    if options.pack is None and cache.is_dir() and not cache.is_symlink():
        files |= {p.relative_to(options.out).as_posix() for p in cache.rglob("*") if p.is_file()}
    return files
