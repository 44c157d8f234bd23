"""``binder training record``: a filled pack record's signed rows into the workbook's Training records sheet.

Owns the order of the steps and what makes a row new: the workbook is read and
must have no errors (its SOPs and versions are what the record is checked
against), the record is read and checked (``intake``), rows the sheet already
holds (same person, SOP, version and date) are not added again, and the rest
are appended without touching anything else in the workbook (``append``).
Imports ``binder.errors``, ``binder.workbook`` and its own package only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from binder.errors import InputError
from binder.problems import Problem
from binder.training.append import Refused, append_rows, refuse_if_open
from binder.training.intake import TrainedRow, read_record
from binder.workbook.container import open_book, read_bytes
from binder.workbook.load import check_workbook
from binder.workbook.records import SHEET, person_key
from binder.workbook.schema import sheet


@dataclass(frozen=True)
class Recorded:
    """What ``record_training`` did: the trainee, rows added, rows already there, rows not signed, warnings."""

    person: str
    pack: str
    added: tuple[TrainedRow, ...]
    already: int
    unsigned: int
    warnings: tuple[Problem, ...]
    workbook_warnings: tuple[Problem, ...]
    no_column: tuple[str, ...]
    """Headers of the sheet's columns the workbook lacks, whose values were therefore not written."""


def record_training(record: Path, workbook: Path, person: str | None = None) -> Recorded:
    """Append the signed rows of ``record`` to ``workbook``'s Training records; nothing is written on any error."""
    refuse_if_open(workbook)  # before anything is read: the user is told at once to close it
    library, problems = check_workbook(workbook)
    errors = tuple(p for p in problems if p.is_error)
    if errors or library is None:
        raise InputError(errors, source=str(workbook))
    if SHEET.casefold() not in _sheets_present(workbook):
        raise Refused(
            f'{workbook} has no "{SHEET}" sheet: nothing was written',
            hint=f'add a sheet named "{SHEET}" with the header row of the one `binder init` writes '
            "(run `binder init blank.xlsx` and copy it), then run the command again",
        )
    intake = read_record(record, library, person)
    held = {(person_key(r.person), r.sop_id.casefold(), r.version, r.date) for r in library.training_records}
    # A person already in the sheet keeps the spelling the sheet has: one name per person in the matrix.
    spelled = {person_key(r.person): r.person for r in library.training_records}
    new: list[TrainedRow] = []
    for row in intake.rows:
        if row.key() not in held:
            held.add(row.key())
            new.append(replace(row, person=spelled.get(person_key(row.person), row.person)))
    spec = sheet(SHEET)
    missing: list[str] = []
    if new:
        missing = append_rows(
            workbook,
            SHEET,
            [
                {
                    "person": r.person,
                    "sop_id": r.sop_id,
                    "version": r.version,
                    "date": r.date,
                    "trainer": r.trainer,
                    "pack": r.pack,
                }
                for r in new
            ],
            {c.field: c.header for c in spec.columns},
        )
    return Recorded(
        person=intake.person,
        pack=intake.pack,
        added=tuple(new),
        already=len(intake.rows) - len(new),
        unsigned=intake.unsigned,
        warnings=intake.warnings,
        workbook_warnings=tuple(p for p in problems if not p.is_error),
        no_column=tuple(spec.column(f).header for f in missing),
    )


def _sheets_present(workbook: Path) -> frozenset[str]:
    """The contract's names of the workbook's sheets (matched as the reader matches them)."""
    book = open_book(workbook, read_bytes(workbook))
    try:
        return frozenset(name.strip().casefold() for name in book.sheetnames)
    finally:
        book.close()
