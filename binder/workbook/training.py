"""The Training sheet: training packs, each a list of Approved SOPs in the sheet's order.

This module owns the pack rules: a pack's name becomes a file name
(``binder.workbook.names``), so it must be a safe one and differ from every
other pack's file name; a pack holds only Approved SOPs (drafts too with
``--include-drafts``), each once. It imports ``binder.model``,
``binder.problems`` and its own package only.
"""

from __future__ import annotations

from binder.model import Origin, Pack, PackEntry, Sop
from binder.problems import Problems
from binder.workbook import values as v
from binder.workbook.names import pack_file_stem, shown, unsafe_pack_name
from binder.workbook.reader import RawRow


def read_packs(
    rows: tuple[RawRow, ...],
    sops: dict[str, Sop],
    problems: Problems,
    include_drafts: bool,
    *,
    report_unknown: bool = True,
) -> tuple[Pack, ...]:
    """The training packs; a pack whose name cannot be a file name, or gives another pack's file name, is left out.

    ``report_unknown`` False: an SOP ID not in ``sops`` is not reported (an SOPs row was left out for an error)."""
    packs: dict[str, list[PackEntry]] = {}
    first_row: dict[str, Origin] = {}
    stems: dict[str, tuple[str, str]] = {}
    refused: set[str] = set()
    for row in rows:
        if not v.required_filled(row, "Training", problems):
            continue
        name_cell, id_cell = row.get("pack"), row.get("sop_id")
        name = v.text(name_cell)
        if name in refused or (name not in packs and not _new_pack(name, name_cell, stems, problems)):
            refused.add(name)
            continue
        entries = packs.setdefault(name, [])
        sop = sops.get(v.text(id_cell))
        if sop is None:
            if report_unknown:
                problems.error(
                    id_cell.coord,
                    f'SOP ID "{v.text(id_cell)}" is not in the SOPs sheet',
                    "check the spelling, or add the SOP to the SOPs sheet",
                    code="unknown-sop",
                )
            continue
        if sop.status == "Retired" or (sop.is_draft and not include_drafts):
            problems.error(
                id_cell.coord,
                f"{sop.sop_id} is {sop.status}: a training pack may hold only Approved SOPs",
                "remove it from the pack" + ("" if sop.status == "Retired" else ", or build with --include-drafts"),
                code="unapproved-in-pack",
                sop_id=sop.sop_id,
            )
            continue
        if any(e.sop_id == sop.sop_id for e in entries):
            problems.warning(
                id_cell.coord,
                f'{sop.sop_id} is already in pack "{name}"; the repeat is ignored',
                "remove the repeated row",
                code="duplicate-pack-entry",
                sop_id=sop.sop_id,
            )
            continue
        first_row.setdefault(name, v.origin(row))
        entries.append(PackEntry(sop.sop_id, v.origin(row)))
    return tuple(Pack(name, tuple(entries), first_row[name]) for name, entries in packs.items() if entries)


def _new_pack(name: str, cell, stems: dict[str, tuple[str, str]], problems: Problems) -> bool:
    """A new pack's name can be a file name, and no other pack has the same file name; records it."""
    stem = pack_file_stem(name)
    reason = unsafe_pack_name(name)
    if reason:
        problems.error(
            cell.coord,
            f'Pack "{shown(name)}" cannot be used in a file name: {reason}',
            "choose another name, e.g. New warehouse staff",
            code="unsafe-name",
        )
        return False
    if stem in stems:
        other, where = stems[stem]
        problems.error(
            cell.coord,
            f'Pack "{shown(name)}" gets the same file name ({stem}.pdf) as pack "{shown(other)}" ({where})',
            "rename one of the packs so their names differ in letters or digits",
            code="duplicate-pack-file",
        )
        return False
    stems[stem] = (name, cell.coord)
    return True
