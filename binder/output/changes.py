"""Between two builds into the same folder: change control and the "Changes in this issue" page.

The previous build's ``manifest.json`` holds each SOP's content fingerprint and
version. An SOP whose content changed while its Version did not is an error at
its Version cell (Draft SOPs are exempt, ``--allow-unversioned`` overrides).
"""
from __future__ import annotations

from binder.output.fingerprint import fingerprint, parts
from binder.document.labels import format_date, labels_for, status_label
from binder.model import Library, Sop
from binder.problems import Problem


def previous_documents(previous: dict | None) -> dict[str, dict]:
    return {d["sop_id"]: d for d in (previous or {}).get("documents", []) if "sop_id" in d}


def describe(changed: list[str]) -> str:
    """``['step 2', 'step 4', 'purpose']`` → ``steps 2, 4; purpose``."""
    steps = [c.split(" ", 1)[1] for c in changed if c.startswith("step ") and c != "step list"]
    others = [c for c in changed if not c.startswith("step ") or c == "step list"]
    pieces = []
    if steps:
        pieces.append(("step " if len(steps) == 1 else "steps ") + ", ".join(steps))
    return "; ".join(pieces + others)


def changed_parts(sop: Sop, before: dict) -> list[str]:
    """Names of the parts whose hash differs from the previous build's."""
    old = before.get("content") or {}
    now = parts(sop)
    names = [k for k in now if old.get(k) != now[k] and k != "step list"]
    names += [k for k in old if k not in now and k.startswith("step ")]
    if not names and now.get("step list") != old.get("step list"):
        names.append("step list")
    return sorted(set(names), key=lambda n: (not n.startswith("step "), _step_key(n)))


def _step_key(name: str):
    number = name.split(" ", 1)[1] if name.startswith("step ") else ""
    try:
        return (tuple(int(p) for p in number.split(".")), name)
    except ValueError:
        return ((), name)


def unversioned_changes(library: Library, previous: dict | None) -> tuple[Problem, ...]:
    """Errors for SOPs whose content changed since the last build while their Version stayed."""
    before = previous_documents(previous)
    problems = []
    for sop in library.sops:
        old = before.get(sop.sop_id)
        if old is None or sop.status == "Draft" or old.get("version") != sop.version:
            continue
        if old.get("fingerprint") == fingerprint(sop):
            continue
        what = describe(changed_parts(sop, old)) or "content"
        problems.append(Problem.error(
            sop.origin.at("version"),
            f"{sop.sop_id} changed since the last build ({what}) but Version is still {sop.version}",
            "add a row to Revisions and raise the version (or build with --allow-unversioned while drafting)"))
    return tuple(problems)


def binder_changes(library: Library, previous: dict | None, department: str, sop_ids: tuple[str, ...]) -> dict:
    """Context for the changes page of one binder: SOPs added, removed and revised since the last build."""
    labels = labels_for(library.settings.language)
    if not previous:
        return {"show": False, "rows": [], "since": ""}
    old_binder = next((b for b in previous.get("binders", []) if b.get("department") == department), None)
    old_ids = list(old_binder.get("sops", [])) if old_binder else []
    before = previous_documents(previous)
    rows = []
    for sop_id in sop_ids:
        sop = library.sop(sop_id)
        if sop_id not in old_ids:
            rows.append(_row(sop_id, sop.title, labels["added"], sop.version, _change_text(sop, None)))
        elif before.get(sop_id, {}).get("version") != sop.version:
            old_version = before.get(sop_id, {}).get("version", "?")
            rows.append(_row(sop_id, sop.title, labels["revised"], f"{old_version} → {sop.version}",
                             _change_text(sop, old_version)))
    for sop_id in old_ids:
        if sop_id not in sop_ids:
            old = before.get(sop_id, {})
            rows.append(_row(sop_id, old.get("title", ""), labels["removed"], old.get("version", ""),
                             _removal_reason(library, sop_id, labels)))
    built_at = previous.get("built_at", "")[:10]
    since = labels["changes_since"].format(date=_format_iso(built_at, library.settings.language)) if built_at else ""
    return {"show": True, "rows": rows, "since": since}


def _row(sop_id, title, kind, versions, text) -> dict:
    return {"id": sop_id, "title": title, "kind": kind, "versions": versions, "text": text}


def _change_text(sop: Sop, old_version: str | None) -> str:
    """The Change text of the revisions after ``old_version`` (the newest one when unknown)."""
    versions = [r.version for r in sop.revisions]
    if old_version in versions:
        newer = sop.revisions[versions.index(old_version) + 1:]
    else:
        newer = sop.revisions[-1:]
    return "\n".join(r.change for r in newer)


def _removal_reason(library: Library, sop_id: str, labels) -> str:
    try:
        sop = library.sop(sop_id)
    except KeyError:
        return labels["no_longer_in_workbook"]
    return labels["status_now"].format(status=status_label(sop.status, library.settings.language))


def _format_iso(text: str, lang: str) -> str:
    from datetime import date

    try:
        return format_date(date.fromisoformat(text), lang)
    except ValueError:
        return text
