"""The training matrix: for each person and each SOP they must know, whether their training is current.

This module owns the states and who must know what. A person follows the packs
named in their Training records rows (the pack of the record they signed, or a
Pack typed in); they must know every Approved SOP of those packs, and every
Approved SOP they were ever trained on. Their newest training on an SOP is
``current`` when it is of the Version in force, ``retrain`` when it is of an
older one; an SOP of a followed pack they never trained on is ``missing``.
Draft, In review and Retired SOPs are in no one's matrix: no version of them is
in force. Plain data; the command line draws it. Imports ``binder.model`` and
``binder.workbook.records`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from binder.model import Library, TrainingRecord
from binder.workbook.records import person_key, version_key

CURRENT, RETRAIN, MISSING = "current", "retrain", "missing"
STATES = (CURRENT, RETRAIN, MISSING)


@dataclass(frozen=True)
class MatrixCell:
    """One person × SOP: the newest version they signed (None: never), the version in force, the state."""

    person: str
    sop_id: str
    trained_version: str | None
    current_version: str
    state: str
    trained_on: date | None = None

    def as_dict(self) -> dict:
        """The JSON form of ``binder training --format json``."""
        return {
            "person": self.person,
            "sop_id": self.sop_id,
            "trained_version": self.trained_version,
            "current_version": self.current_version,
            "state": self.state,
        }


def training_matrix(library: Library) -> tuple[MatrixCell, ...]:
    """Every person × SOP they must know, people by name, SOPs in the SOPs sheet's order."""
    in_force = {s.sop_id: s for s in library.sops if s.status == "Approved"}
    order = {s.sop_id: index for index, s in enumerate(library.sops)}
    pack_sops = {p.name: [e.sop_id for e in p.entries] for p in library.packs}
    names: dict[str, str] = {}
    newest: dict[tuple[str, str], TrainingRecord] = {}
    follows: dict[str, set[str]] = {}
    for record in library.training_records:
        key = person_key(record.person)
        names.setdefault(key, record.person)
        follows.setdefault(key, set())
        if record.pack in pack_sops:
            follows[key].add(record.pack)
        held = newest.get((key, record.sop_id))
        if held is None or (version_key(record.version), record.date) > (version_key(held.version), held.date):
            newest[(key, record.sop_id)] = record
    cells: list[MatrixCell] = []
    for key in sorted(names, key=lambda k: (k, names[k])):
        must = {sop_id for pack in follows[key] for sop_id in pack_sops[pack]}
        must |= {sop_id for (who, sop_id) in newest if who == key}
        for sop_id in sorted(must & in_force.keys(), key=order.__getitem__):
            current = in_force[sop_id].version
            signed = newest.get((key, sop_id))
            if signed is None:
                cells.append(MatrixCell(names[key], sop_id, None, current, MISSING))
                continue
            state = RETRAIN if version_key(signed.version) < version_key(current) else CURRENT
            cells.append(MatrixCell(names[key], sop_id, signed.version, current, state, signed.date))
    return tuple(cells)


def retrain_counts(library: Library) -> dict[str, int]:
    """SOP ID → how many people must retrain on it (only SOPs with at least one)."""
    counts: dict[str, int] = {}
    for cell in training_matrix(library):
        if cell.state == RETRAIN:
            counts[cell.sop_id] = counts.get(cell.sop_id, 0) + 1
    return counts
