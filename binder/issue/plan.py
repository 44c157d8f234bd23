"""What to issue: one binder per department and one training pack per pack, as plans.

Binders and packs are the same shape (front matter, the SOPs as issued, an optional back
matter, and a pack's training record); a plan says which SOPs go in, where the file goes
and what its front matter shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from binder.document import template_files
from binder.document.labels import labels_for
from binder.model import Library, Pack, Sop
from binder.workbook.names import pack_file_stem

BINDER, PACK = "binder", "pack"


@dataclass(frozen=True)
class IssuePlan:
    kind: str
    """``binder`` or ``pack``."""
    name: str
    """Department code, or pack name."""
    path: str
    """The PDF, relative to the output folder."""
    sop_ids: tuple[str, ...]
    title: str
    """Document title (PDF metadata)."""
    cover_title: str
    subtitle: str
    top_bookmark: str
    facts: tuple[tuple[str, str], ...] = ()
    """What the cover's table shows (department, owner, help contact)."""
    front_template: Path = template_files.BINDER_FRONT
    back_template: Path | None = None
    """A pack's acknowledgement sheet."""
    back_title: str = ""
    record: str = ""
    """A pack's training record (.xlsx), relative to the output folder."""
    pack: Pack | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) + ((self.record,) if self.record else ())


def plan_binders(library: Library, include_drafts: bool) -> tuple[IssuePlan, ...]:
    """One binder per department holding SOPs: Approved ones (and drafts on request), by SOP ID."""
    plans = []
    for dept in library.departments:
        sops = sorted(
            (s for s in library.sops if s.department == dept.code and in_binder(s, include_drafts)),
            key=lambda s: s.sop_id,
        )
        if sops:
            facts = (("department", dept.name), ("owner", dept.owner), ("help_contact", dept.help_contact))
            plans.append(
                IssuePlan(
                    BINDER,
                    dept.code,
                    f"binders/{dept.code}-binder.pdf",
                    tuple(s.sop_id for s in sops),
                    dept.binder_title,
                    dept.binder_title,
                    f"{dept.code} · {dept.name}",
                    f"{dept.code} {dept.name}",
                    tuple((k, v or "") for k, v in facts),
                )
            )
    return tuple(plans)


def in_binder(sop: Sop, include_drafts: bool) -> bool:
    return sop.status == "Approved" or (include_drafts and sop.is_draft)


def plan_packs(library: Library, only: str | None = None) -> tuple[IssuePlan, ...]:
    """Every pack of the Training sheet (or only the one named)."""
    labels = labels_for(library.settings.language)
    plans = []
    for pack in library.packs:
        if only is not None and pack.name.casefold() != only.casefold():
            continue
        stem = pack_file_stem(pack.name)
        plans.append(
            IssuePlan(
                PACK,
                pack.name,
                f"packs/{stem}.pdf",
                tuple(e.sop_id for e in pack.entries),
                f"{labels['training_pack']}: {pack.name}",
                pack.name,
                labels["training_pack"],
                pack.name,
                front_template=template_files.PACK_FRONT,
                back_template=template_files.ACKNOWLEDGEMENT,
                back_title=labels["acknowledgement"],
                record=f"packs/{stem}-record.xlsx",
                pack=pack,
            )
        )
    return tuple(plans)
