"""The Training records sheet: who read and understood which version of each SOP, and in which pack.

This module owns the sheet's rules: the person is named, the SOP exists, the
version read is the SOP's Version or one of its revisions (a signature tied to a
version the SOP never had cannot tell anyone whether to retrain), the date is a
date, and a Pack, when given, is a pack of the Training sheet. It also owns how
people are matched: by name, trimmed, spacing and case ignored. It imports
``binder.model``, ``binder.problems`` and its own package only.
"""

from __future__ import annotations

from binder.model import Pack, Sop, TrainingRecord
from binder.problems import Problems
from binder.workbook import values as v
from binder.workbook.reader import RawRow
from binder.workbook.rows import Gaps, find_sop
from binder.workbook.rules import BAD_VERSION

SHEET = "Training records"


def person_key(name: str) -> str:
    """A name as people type it: "alex  MORGAN " is Alex Morgan."""
    return " ".join(name.split()).casefold()


def known_versions(sop: Sop) -> frozenset[str]:
    """The versions a person can have been trained on: the SOP's Version and every revision's."""
    return frozenset({sop.version, *(r.version for r in sop.revisions)} - {""})


def version_key(version: str) -> tuple[int, ...]:
    """``1.10`` after ``1.9``: versions compare number by number."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def read_training_records(
    rows: tuple[RawRow, ...],
    sops: dict[str, Sop],
    packs: tuple[Pack, ...],
    problems: Problems,
    gaps: Gaps,
    *,
    packs_read: bool = True,
) -> tuple[TrainingRecord, ...]:
    """The sheet's valid rows; a row with an error is left out (and reported at its cell).

    ``packs_read`` False: the Training sheet was not read whole, so an unknown Pack is not reported."""
    pack_names = {p.name.casefold(): p.name for p in packs}
    records: list[TrainingRecord] = []
    for row in rows:
        complete = v.required_filled(row, SHEET, problems)
        sop_id = _sop(row, sops, problems, gaps)
        version = v.version(row.get("version"), problems) if not row.get("version").blank else None
        when = v.a_date(row.get("date"), problems, "Date")
        pack = _pack(row, pack_names, problems, packs_read)
        if not complete or sop_id is None or version is None or when is None:
            continue
        sop = sops[sop_id]
        if version not in known_versions(sop):
            if not ({"Revisions", BAD_VERSION} & gaps.of(sop_id)):
                problems.error(
                    row.get("version").coord,
                    f"{sop_id} has no version {version} (its versions: {', '.join(sorted(known_versions(sop), key=version_key))})",
                    "enter the version printed on the signed read-and-understood sheet",
                    code="training-version-unknown",
                    sop_id=sop_id,
                )
            continue
        records.append(
            TrainingRecord(
                person=" ".join(v.text(row.get("person")).split()),
                sop_id=sop_id,
                version=version,
                date=when,
                trainer=v.text(row.get("trainer")),
                pack=pack,
                origin=v.origin(row),
            )
        )
    return tuple(records)


def _sop(row: RawRow, sops: dict[str, Sop], problems: Problems, gaps: Gaps) -> str | None:
    cell = row.get("sop_id")
    if cell.blank:
        return None
    found = find_sop(v.text(cell), sops)
    if found is None and "SOPs" not in gaps.anywhere:
        problems.error(
            cell.coord,
            f'SOP ID "{v.text(cell)}" is not in the SOPs sheet',
            "check the spelling, or add the SOP to the SOPs sheet",
            code="unknown-sop",
        )
    return found


def _pack(row: RawRow, names: dict[str, str], problems: Problems, packs_read: bool) -> str:
    """The pack as the Training sheet spells it; "" (and a warning) when it names none."""
    cell = row.get("pack")
    name = " ".join(v.text(cell).split())
    if not name:
        return ""
    if name.casefold() in names:
        return names[name.casefold()]
    if packs_read:
        problems.warning(
            cell.coord,
            f'Pack "{name}" is not a pack of the Training sheet; the row counts for no pack',
            "correct the name, or add the pack to the Training sheet",
            code="training-unknown-pack",
        )
    return ""
