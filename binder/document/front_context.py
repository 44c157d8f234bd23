"""The variables of front-matter templates (binder cover, contents and changes page; training
pack cover and contents; a pack's acknowledgement sheet): the one definition the build renders
with and ``check-template`` checks against, per kind of template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from binder.document.context import Link
from binder.document.labels import format_date, labels_for
from binder.document.links import sop_link
from binder.text import clean, unbreakable

SOP, FRONT, PACK, ACKNOWLEDGEMENT = "sop", "front", "pack", "acknowledgement"
KINDS = (SOP, FRONT, PACK, ACKNOWLEDGEMENT)
KIND_NAMES = {
    SOP: "an SOP template",
    FRONT: "a binder front-matter template (cover, contents, changes)",
    PACK: "a training pack front-matter template (cover, contents)",
    ACKNOWLEDGEMENT: "an acknowledgement sheet template",
}
FACTS = ("department", "owner", "help_contact")
"""What a binder's cover shows about its department; a pack's cover has none of them."""
NO_CHANGES: Mapping[str, Any] = {"show": False, "rows": [], "since": "", "redlines": [], "legend": ()}


@dataclass(frozen=True)
class FrontRow:
    """One SOP as the front matter lists it."""

    sop_id: str
    title: str
    version: str
    effective_date: date | None
    next_review: date | None
    page: int | None = None


@dataclass(frozen=True)
class FrontData:
    """What one front matter shows, in workbook terms."""

    kind: str
    organisation: str
    language: str
    title: str
    subtitle: str
    issued: date
    rows: tuple[FrontRow, ...]
    facts: Mapping[str, str] = field(default_factory=dict)
    changes: Mapping[str, Any] | None = None


def front_context(data: FrontData, link: Any, logo: Any = None, rich: Any = None) -> dict[str, Any]:
    """The template context; ``link(text, url)`` makes a hyperlink of the renderer's kind, ``rich(pieces)``
    a run of (text, style) pieces (``binder.redline.lines``: underlined insertions, struck deletions).

    SOP IDs are unbreakable: "FRONT-001" must not wrap as "FRONT-/001" in a narrow column."""
    lang = data.language
    binder = {"title": clean(data.title), "subtitle": clean(data.subtitle), "issued": format_date(data.issued, lang)}
    if data.kind == FRONT:
        binder.update({k: clean(data.facts.get(k) or "—") for k in FACTS})
    context: dict[str, Any] = {
        "org": clean(data.organisation),
        "logo": logo,
        "labels": labels_for(lang),
        "binder": binder,
        "sops": [
            {
                "id": unbreakable(row.sop_id),
                "title": clean(row.title),
                "version": row.version,
                "effective_date": format_date(row.effective_date, lang) if row.effective_date else "",
                "next_review": format_date(row.next_review, lang) if row.next_review else "",
                "page": row.page if row.page is not None else "",
                "link": link(clean(row.title), sop_link(row.sop_id)),
            }
            for row in data.rows
        ],
    }
    if data.kind == FRONT:
        changes = dict(data.changes or NO_CHANGES)
        changes["rows"] = [{**r, "id": unbreakable(r["id"]), "title": clean(r["title"])} for r in changes["rows"]]
        runs = rich or _plain_runs
        changes["redlines"] = [
            {
                **r,
                "id": unbreakable(r["id"]),
                "title": clean(r["title"]),
                "versions": clean(r["versions"]),
                "note": clean(r["note"]),
                "lines": [runs(tuple((clean(text), style) for text, style in line)) for line in r["lines"]],
            }
            for r in changes.get("redlines", [])
        ]
        changes["legend"] = runs(tuple(changes["legend"])) if changes.get("legend") else ""
        context["changes"] = changes
    return context


def _plain_runs(pieces) -> str:
    return "".join(text for text, _ in pieces)


def sample_front_context(kind: str) -> dict[str, Any]:
    """A context of ``kind`` in which every list has an item, so every field can be checked."""
    changes = {
        "show": True,
        "rows": [{"id": "S-1", "title": "Sample", "kind": "Revised", "versions": "1.0 → 2.0", "text": "Change."}],
        "since": "Changes since 1 Jan 2026",
        "redlines": [
            {
                "id": "S-1",
                "title": "Sample",
                "versions": "1.0 → 2.0",
                "note": "",
                "lines": [(("Step 1, reworded: ", "label"), ("old", "del"), ("new", "ins"))],
            }
        ],
        "legend": (("Inserted", "ins"), ("deleted", "del")),
    }
    data = FrontData(
        kind,
        "Org",
        "en",
        "Title",
        "Subtitle",
        date(2026, 1, 31),
        (FrontRow("S-1", "Sample", "1.0", date(2026, 1, 1), date(2027, 1, 1), 3),),
        {k: "Fact" for k in FACTS},
        changes,
    )
    return front_context(data, lambda text, url: Link(text, url))


def candidate_kinds(names: Sequence[str], labels_used: Sequence[str]) -> tuple[str, ...]:
    """The kinds a template using these top-level ``names`` and ``labels.*`` keys may be, likeliest first.

    An SOP template names ``sop`` (or none of the front matter's variables); the three front-matter
    kinds differ in a few variables only, so the caller keeps the one its template fits best."""
    if "sop" in names or not {"binder", "sops", "changes"} & set(names):
        return (SOP,)
    if {"acknowledgement_text", "trainee_initials"} & set(labels_used):
        return (ACKNOWLEDGEMENT, FRONT, PACK)
    if {"sops_in_pack", "trainee_name"} & set(labels_used):
        return (PACK, FRONT, ACKNOWLEDGEMENT)
    return (FRONT, PACK, ACKNOWLEDGEMENT)
