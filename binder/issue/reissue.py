"""The one home of "keep the previous issue": a binder or pack whose content did not change is
not re-issued; its file (signature included), date of issue and signed copies are carried over.

What counts as a change is everything the issue is made of, but its date and its signature:
the SOP PDFs in it (their bytes), what the cover and contents show, the front-matter
templates (and the Settings ``Template`` and ``Front template`` they take their look from), the
organisation's settings and logo, and the code and tools that assemble it
(``binder.output.codehash.ISSUE_CODE``). ``--sign`` is not part of it: an unchanged issue
keeps its signature whether or not this build signs.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from binder.files import link_or_copy, same_file, sha256
from binder.issue.plan import IssuePlan
from binder.model import Library
from binder.output.cache import issue_environment_fingerprint, template_sha256
from binder.output.manifest import DocumentEntry, IssueEntry, Manifest
from binder.output.users_files import OutputError
from binder.problems import Problem


def issue_key(library: Library, plan: IssuePlan, pdf_hashes: dict[str, str]) -> str:
    """Equal keys: the binder or pack would come out the same but for its date, so the previous issue stands."""
    settings = library.settings
    templates = [plan.front_template] + ([plan.back_template] if plan.back_template else [])
    # the front matter wears the styles of the Settings Template, or is the Front template
    templates += [t for t in (settings.template, settings.front_template) if t is not None]
    payload = {
        "plan": [
            plan.kind,
            plan.name,
            plan.path,
            plan.record,
            plan.title,
            plan.subtitle,
            plan.top_bookmark,
            list(plan.facts),
            plan.back_title,
        ],
        "settings": [
            settings.organisation,
            settings.language,
            settings.paper_size,
            settings.pdf_a,
            sha256(settings.logo) if settings.logo else "",
        ],
        "sops": [
            [s.sop_id, s.title, s.version, str(s.effective_date), str(s.next_review), pdf_hashes[s.sop_id]]
            for s in (library.sop(i) for i in plan.sop_ids)
        ],
        "templates": [template_sha256(t) for t in templates],
        "code": issue_environment_fingerprint(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Decision:
    plan: IssuePlan
    key: str
    previous: IssueEntry | None
    """The previous build's issue of the same file, if any."""
    keep: bool
    """True: the previous issue stands, carried over as it is."""
    tampered: bool = False
    """The previous issue would have stood, but one of its files is not what binder wrote."""


def decide(
    plans: tuple[IssuePlan, ...], keys: dict[str, str], previous: Manifest | None, out: Path
) -> tuple[Decision, ...]:
    """For each plan: keep the previous issue (same key, every file as recorded), or issue anew."""
    decisions = []
    for plan in plans:
        old = previous.issue(plan.kind, plan.path) if previous else None
        same = old is not None and old.key == keys[plan.path] and old.record == plan.record
        intact = same and old is not None and _intact(out, old)
        decisions.append(Decision(plan, keys[plan.path], old, intact, tampered=same and not intact))
    return tuple(decisions)


def _intact(out: Path, entry: IssueEntry) -> bool:
    """The issued file and each signed copy still there have the SHA-256 the (authenticated) manifest recorded. A
    pack's training record may have been filled in (it is a form: ``binder training record`` reads it from there) or
    taken away (``carry_over`` writes it again); a signed copy handed on (moved away) is dropped from the issue.
    Neither is a reason to re-issue it."""
    try:
        return (
            all(entry.recorded(p) and sha256(out / p) == entry.recorded(p) for p in _present(out, entry.copies))
            and bool(entry.recorded(entry.path))
            and sha256(out / entry.path) == entry.recorded(entry.path)
        )
    except OSError:
        return False


def _present(out: Path, paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in paths if (out / p).is_file())


def refuse_filled_records(
    out: Path, previous: Manifest | None, decisions: tuple[Decision, ...], only: bool, staged: Path | None = None
) -> None:
    """Raise ``OutputError`` when a training record filled in since binder wrote it would be replaced by a re-issued
    pack's blank one, or removed with its pack (``only``: a ``--pack`` build, which keeps the other packs); with the
    ``staged`` folder, checked again just before the commit, also when a kept pack's record was saved again
    meanwhile (its staged copy is the record as it was)."""
    if previous is None:
        return
    kept = {d.plan.path for d in decisions if d.keep}
    planned = {d.plan.path for d in decisions}
    filled = []
    for entry in previous.packs:
        if not entry.record or not os.path.lexists(out / entry.record):
            continue  # gone: nothing of anyone's is lost
        if entry.path in kept or (only and entry.path not in planned):  # carried over as it is
            if staged is not None and not same_file(out / entry.record, staged / entry.record):
                filled.append(entry.record)
        else:
            try:
                changed = sha256(out / entry.record) != entry.recorded(entry.record)
            except OSError:
                changed = True  # there, but unreadable: not binder's to replace
            if changed:
                filled.append(entry.record)
    if filled:
        raise OutputError(
            f"{out}: {', '.join(filled)} was filled in since binder wrote it, and this build would replace it with "
            "a blank one (its pack is re-issued or gone) or with the copy it took before it was saved again",
            hint="move it elsewhere (read it in with `binder training record` first, if not done yet), then build again",
        )


def carry_over(out: Path, root: Path, entry: IssueEntry, library: Library) -> IssueEntry:
    """Place the previous issue's files into staging (hard links: binder never changes a file in place); a signed
    copy no longer there is dropped, a training record taken away is written again (blank, as issued)."""
    if not (out / entry.path).is_file():
        raise OutputError(
            f"{out / entry.path} is gone since the last build, which issued it",
            hint="build without --pack: binder then issues it again",
        )
    copies = _present(out, entry.copies)
    gone = set(entry.copies) - set(copies)
    record = (entry.record,) if entry.record and os.path.lexists(out / entry.record) else ()
    pack = next((p for p in library.packs if p.name == entry.name), None) if entry.record and not record else None
    if pack is not None:
        from binder.issue.record import write_record  # openpyxl's writer: only for a record taken away

        (root / entry.record).parent.mkdir(parents=True, exist_ok=True)
        write_record(library, pack, root / entry.record, date.fromisoformat(entry.issued))
    for rel in (entry.path, *record, *copies):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        link_or_copy(out / rel, target)
    return IssueEntry(
        entry.kind,
        entry.name,
        entry.path,
        entry.pages,
        entry.sops,
        entry.issued,
        entry.key,
        entry.record if record or pack is not None else "",
        entry.signed,
        copies,
        tuple(
            (p, sha256(root / p) if pack is not None and p == entry.record else h)  # a record written again: its own
            for p, h in entry.sha256
            if p not in gone
        ),
        reused=True,
    )


def reissue_warnings(decisions: tuple[Decision, ...], signing: bool) -> tuple[Problem, ...]:
    """Warnings for issues whose previous file was changed by someone else (re-issued, never trusted),
    and for changed issues whose previous issue was signed, when this build does not sign."""
    tampered = tuple(
        Problem.warning(
            d.plan.path,
            f"{_what(d.plan)}: the issued file is not the one binder wrote (changed or "
            "replaced since); it was re-issued, not carried over",
            "find out who changed it",
            code="issue-tampered",
        )
        for d in decisions
        if d.tampered
    )
    return tampered + _unsigned(decisions, signing)


def _unsigned(decisions: tuple[Decision, ...], signing: bool) -> tuple[Problem, ...]:
    if signing:
        return ()
    return tuple(
        Problem.warning(
            d.plan.path,
            f"{_what(d.plan)} re-issued unsigned; its previous issue was signed",
            "pass --sign --key KEY.p12 to sign the new issue",
            code="reissued-unsigned",
        )
        for d in decisions
        if not d.keep and d.previous is not None and d.previous.signed
    )


def _what(plan: IssuePlan) -> str:
    return f"{plan.name} binder" if plan.kind == "binder" else f'training pack "{plan.name}"'


def keep_others(
    out: Path,
    root: Path,
    previous: Manifest | None,
    documents: tuple[DocumentEntry, ...],
    made: list[IssueEntry],
    library: Library,
) -> tuple[list[DocumentEntry], list[IssueEntry]]:
    """With ``--pack``: the previous build's other documents, binders and packs stay as they are."""
    if previous is None:
        return list(documents), made
    rebuilt = {d.sop_id for d in documents}
    kept_docs = [d for d in previous.documents if d.sop_id not in rebuilt]
    for doc in kept_docs:
        for rel in doc.paths:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            if not (root / rel).exists():
                link_or_copy(out / rel, root / rel)
    names = {e.path for e in made}
    kept = [carry_over(out, root, e, library) for e in previous.binders + previous.packs if e.path not in names]
    return sorted(list(documents) + kept_docs, key=lambda d: d.sop_id), kept + made
