"""The "Changes in this issue" page of a binder: SOPs added, removed and revised since its previous issue,
and, for each revised SOP, its redline against the content recorded for its previous version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from binder.document.labels import format_date, labels_for, status_label
from binder.model import Library, Sop
from binder.output.manifest import Manifest
from binder.redline.content import NOT_RECORDED, recorded, snapshot
from binder.redline.diff import diff_content
from binder.redline.lines import change_line, legend

NO_CHANGES = {"show": False, "rows": [], "since": "", "redlines": [], "legend": ()}


def binder_changes(
    library: Library, previous: Manifest | None, department: str, sop_ids: tuple[str, ...], out: Path | None = None
) -> dict:
    """Context for the changes page of one binder; not shown on a first issue or when nothing is listed.

    ``out``: the output folder holding the previous build's recorded contents (no redlines without it)."""
    if previous is None:
        return NO_CHANGES
    labels = labels_for(library.settings.language)
    old_binder = previous.binder(department)
    old_ids = list(old_binder.sops) if old_binder else []
    rows = []
    redlines = []
    for sop_id in sop_ids:
        sop = library.sop(sop_id)
        before = previous.document(sop_id)
        if sop_id not in old_ids:
            rows.append(_row(sop_id, sop.title, labels["added"], sop.version, _change_text(sop, None)))
        elif before is None or before.version != sop.version:
            old_version = before.version if before else "?"
            rows.append(
                _row(
                    sop_id,
                    sop.title,
                    labels["revised"],
                    f"{old_version} → {sop.version}",
                    _change_text(sop, old_version),
                )
            )
            redlines.append(_redline(library, sop, previous, out, old_version, labels))
    for sop_id in old_ids:
        if sop_id not in sop_ids:
            old = previous.document(sop_id)
            rows.append(
                _row(
                    sop_id,
                    old.title if old else "",
                    labels["removed"],
                    old.version if old else "",
                    _removal_reason(library, sop_id, labels),
                )
            )
    if not rows:
        return NO_CHANGES
    built_at = previous.built_at[:10]
    since = labels["changes_since"].format(date=_format_iso(built_at, library.settings.language)) if built_at else ""
    return {
        "show": True,
        "rows": rows,
        "since": since,
        "redlines": redlines,
        "legend": legend(labels) if redlines else (),
    }


def _redline(library: Library, sop: Sop, previous: Manifest, out: Path | None, old_version: str, labels) -> dict:
    """What changed in one revised SOP: a line per change, or a note saying why it cannot be shown."""
    before, state = recorded(out, previous.document(sop.sop_id)) if out is not None else (None, NOT_RECORDED)
    entry = {
        "id": sop.sop_id,
        "title": sop.title,
        "versions": f"{old_version} → {sop.version}",
        "note": "",
        "lines": [],
    }
    if before is None:
        key = "redline_not_recorded" if state == NOT_RECORDED else "redline_unverified"
        return entry | {"note": labels[key].format(version=old_version)}
    changes = diff_content(before["context"], snapshot(sop, library)["context"])
    if not changes:
        return entry | {"note": labels["redline_same_content"]}
    return entry | {"lines": [change_line(c, labels) for c in changes]}


def _row(sop_id, title, kind, versions, text) -> dict:
    return {"id": sop_id, "title": title, "kind": kind, "versions": versions, "text": text}


def _change_text(sop: Sop, old_version: str | None) -> str:
    """The Change text of the revisions after ``old_version`` (the newest one when unknown)."""
    versions = [r.version for r in sop.revisions]
    newer = sop.revisions[versions.index(old_version) + 1 :] if old_version in versions else sop.revisions[-1:]
    return "\n".join(r.change for r in newer)


def _removal_reason(library: Library, sop_id: str, labels) -> str:
    try:
        sop = library.sop(sop_id)
    except KeyError:
        return labels["no_longer_in_workbook"]
    return labels["status_now"].format(status=status_label(sop.status, library.settings.language))


def _format_iso(text: str, lang: str) -> str:
    try:
        return format_date(date.fromisoformat(text), lang)
    except ValueError:
        return text
