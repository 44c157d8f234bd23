"""Each SOP's Word and PDF documents in the staging folder: unchanged ones from the cache, the
others rendered, converted, and stored in the cache for the next build."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from binder.convert.base import Converting, Job, Result, export_options
from binder.document.links import standalone_copy
from binder.document.pool import PARALLEL_SOPS, converter_input, render_all
from binder.files import link_or_copy
from binder.interrupts import check, shielded
from binder.model import Library, Sop
from binder.output.cache import DocumentCache, Entry, Untrusted, document_key
from binder.output.fingerprint import fingerprint, parts
from binder.output.manifest import DocumentEntry
from binder.workbook.flow import needs_flowchart

WORK = ".work"


@dataclass(frozen=True)
class Documents:
    entries: tuple[DocumentEntry, ...]
    converted: tuple[str, ...]
    """SOPs rendered and converted by this build; the others came from the cache."""
    pdf_hashes: Mapping[str, str]
    """SHA-256 of each SOP's linked PDF: what a binder is made of."""

    @property
    def pages(self) -> dict[str, int]:
        return {d.sop_id: d.pages for d in self.entries}


def linked_pdf(root: Path, sop_id: str) -> Path:
    """The SOP's PDF as converted, links to other SOPs still marked: what binders are made from."""
    return root / WORK / "linked" / f"{sop_id}.pdf"


def make_documents(
    library: Library,
    sops: list[Sop],
    root: Path,
    converter: Converting,
    progress,
    cache: DocumentCache,
    workers: int = 1,
    timeout: float = 180.0,
    alongside: Callable[[list[Sop], dict[str, Entry]], list[Job]] = lambda todo, cached: [],
    check_later: bool = False,
) -> Documents:
    """``sops/<ID>.docx`` and ``sops/<ID>.pdf`` for each SOP in ``root``.

    ``alongside(todo, cached)``: told the SOPs to convert and the cache's entries of the others (their PDFs in
    place) before the SOPs are rendered, returns more jobs to convert in the same batch (the issues' front matter,
    rendered ahead: ``binder.issue.issuing.early_fronts``) and may begin what waits for them
    (``binder.issue.ahead``).

    ``check_later``: when only a few SOPs are to be made, the cache's files are hashed (checked against their
    sealed records) while those are rendered and converted, not before; a file found changed then raises
    ``Untrusted``, and the caller makes the documents again, checking first."""
    (root / "sops").mkdir(parents=True, exist_ok=True)
    (root / WORK / "linked").mkdir(parents=True, exist_ok=True)
    keys = {sop.sop_id: document_key(sop, library, needs_flowchart(sop)) for sop in sops}
    found = {sop.sop_id: cache.find(keys[sop.sop_id]) for sop in sops}
    # Rendered in this process (no worker forked while the checking thread runs), and worth it: a rebuild.
    later = check_later and 0 < sum(entry is None for entry in found.values()) < PARALLEL_SOPS
    made, todo = {}, []
    for sop in sops:
        entry = found[sop.sop_id]
        if entry is not None:
            entry = entry if later and cache.present(entry) else cache.checked(entry)
        if entry is None:
            todo.append(sop)
            # What an earlier attempt placed there may be the cache's own file: never converted onto.
            linked_pdf(root, sop.sop_id).unlink(missing_ok=True)
            continue
        cache.keep(entry)
        _place(entry.pdf, linked_pdf(root, sop.sop_id))  # in place now: issues begin with it while others convert
        made[sop.sop_id] = entry
    if todo:
        converter.warm_up()  # LibreOffice boots while the documents are rendered
    extra = alongside(todo, dict(made)) if todo else []
    pages: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=1) if later else nullcontext() as checking:
        # Hashing and reading let the other threads run: the files are checked while LibreOffice converts.
        unchecked = checking.submit(_changed, cache, list(made.values())) if checking is not None else None
        _render_and_convert(library, todo, root, converter, progress, workers, timeout, extra, pages)
    if unchecked is not None and (changed := unchecked.result()):
        for sop_id, entry in made.items():
            if entry in changed:
                linked_pdf(root, sop_id).unlink(missing_ok=True)  # the cache's file: never to be written through
        raise Untrusted(f"{len(changed)} cache entries changed since they were recorded")
    for sop in todo:
        if sop.sop_id not in pages:  # a converter that reports no progress
            pages[sop.sop_id] = _standalone(root, sop.sop_id)
        made[sop.sop_id] = cache.store(
            keys[sop.sop_id],
            root / "sops" / f"{sop.sop_id}.docx",
            linked_pdf(root, sop.sop_id),
            _standalone_path(root, sop.sop_id),
            pages[sop.sop_id],
        )
    entries = []
    for sop in sops:
        entry = made[sop.sop_id]
        _place(entry.docx, root / "sops" / f"{sop.sop_id}.docx")
        _place(entry.pdf, linked_pdf(root, sop.sop_id))
        _place(entry.standalone, root / "sops" / f"{sop.sop_id}.pdf")
        entries.append(
            DocumentEntry(
                sop.sop_id,
                sop.version,
                sop.status,
                sop.department,
                f"sops/{sop.sop_id}.docx",
                f"sops/{sop.sop_id}.pdf",
                entry.pages,
                fingerprint(sop),
                sop.title,
                tuple(parts(sop).items()),
                # The files placed are the cache's, hashed when stored or checked when found: the same bytes.
                (("docx", entry.hashes["docx"]), ("pdf", entry.hashes["standalone"])),
            )
        )
    return Documents(tuple(entries), tuple(s.sop_id for s in todo), {s: e.hashes["pdf"] for s, e in made.items()})


def _render_and_convert(
    library: Library,
    todo: list[Sop],
    root: Path,
    converter: Converting,
    progress,
    workers: int,
    timeout: float,
    extra: list[Job],
    pages: dict[str, int],
) -> None:
    """Render and convert ``todo`` (with the ``extra`` jobs in the same batch); each one's pages into ``pages``."""
    render_all(library, todo, root, root / WORK, progress, workers, timeout)
    check()
    # LibreOffice gets the copy whose pictures are SVG only: it would export the PNG fallback instead
    options = export_options(library.settings.pdf_a == "yes")  # in document_key too
    jobs = [
        Job(
            s.sop_id,
            converter_input(root / WORK, root / "sops" / f"{s.sop_id}.docx"),
            linked_pdf(root, s.sop_id),
            options,
        )
        for s in todo
    ]
    advance = progress.stage("PDF", len(jobs))
    converting = {job.key for job in jobs}

    def converted(result: Result) -> None:
        # While LibreOffice converts the next documents, this thread would only wait.
        if result.key in converting:
            pages[result.key] = _standalone(root, result.key)
            advance()

    converter.convert(jobs + extra, converted)
    check()
    if any(needs_flowchart(sop) for sop in todo):
        # Imported only when an SOP with a flowchart was converted: it brings pypdf and pikepdf, which a
        # rebuild from the cache, or of SOPs without one, never needs (tests/architecture/test_startup_imports.py).
        from binder.output.chart_room import refit_charts

        pdfs = {s.sop_id: linked_pdf(root, s.sop_id) for s in todo}
        for sop_id in refit_charts(library, todo, root, root / WORK, pdfs, converter, options, timeout):
            pages[sop_id] = _standalone(root, sop_id)
        check()


def _changed(cache: DocumentCache, entries: list[Entry]) -> list[Entry]:
    """The entries whose files are not what their records say (gone, or changed)."""
    return [entry for entry in entries if cache.intact(entry) is not True]


def _standalone_path(root: Path, sop_id: str) -> Path:
    return root / WORK / "linked" / f"{sop_id}.standalone.pdf"


def _standalone(root: Path, sop_id: str) -> int:
    """The SOP's own PDF made from its linked one; its pages."""
    with shielded():
        return standalone_copy(linked_pdf(root, sop_id), _standalone_path(root, sop_id))


def _place(source: Path, target: Path) -> None:
    """Put a finished file (from the cache) at its place in staging: a hard link, never a change in place."""
    if target.exists() and target.samefile(source):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    link_or_copy(source, target)
