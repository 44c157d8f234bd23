"""Read a filled training record (``packs/*-record.xlsx``) into Training records rows.

This module owns what counts as a signed row and what is checked before a row
may enter the workbook: the file is a record binder wrote (its table's defined
name and header, ``binder.issue.record``'s contract), the trainee is named, a
row counts as trained when it has the trainee's initials and a date, and each
trained row names an SOP of the workbook and a version that SOP had. Problems
are reported at the record's cells, never raised one by one. Imports
``binder.model``, ``binder.problems``, ``binder.errors``, ``binder.workbook``
and ``binder.issue.record`` only.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook as openpyxl_load
from openpyxl.utils.cell import range_boundaries

from binder.errors import InputError
from binder.issue.record import COLUMNS, TABLE_NAME, column_headers, record_labels
from binder.model import Library
from binder.problems import File, Problem, Problems
from binder.workbook import values as v
from binder.workbook.container import check_container, read_bytes, unreadable
from binder.workbook.reader import RawCell
from binder.workbook.records import known_versions, person_key, version_key
from binder.workbook.rows import find_sop

LANGUAGES = ("en", "fr")
_COLUMN = {column.key: index for index, column in enumerate(COLUMNS)}
_NOT_A_RECORD = "give the training record binder wrote next to the pack (packs/<pack>-record.xlsx), filled in"


@dataclass(frozen=True)
class TrainedRow:
    """One signed row of a record, as a Training records row."""

    person: str
    sop_id: str
    version: str
    date: dt.date
    trainer: str
    pack: str

    def key(self) -> tuple[str, str, str, dt.date]:
        """Two rows with the same key record the same training (whoever typed the names how)."""
        return person_key(self.person), self.sop_id.casefold(), self.version, self.date


@dataclass(frozen=True)
class Intake:
    """What a record holds: its trained rows, how many rows were not signed yet, and its warnings."""

    person: str
    pack: str
    rows: tuple[TrainedRow, ...]
    unsigned: int
    warnings: tuple[Problem, ...]


def read_record(path: Path, library: Library, person: str | None = None) -> Intake:
    """The signed rows of the record at ``path``; raises ``InputError`` (at the record's cells) on any error."""
    data = read_bytes(path)
    check_container(path, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # data validations openpyxl reads but does not keep
            book = openpyxl_load(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for malformed parts
        raise unreadable(path, exc) from None
    problems = Problems()
    table = _table(book, path)
    ws, (first_col, header_row, _, last_row) = table
    language = _language(ws, header_row, first_col, path)
    labels = record_labels(language)
    block = _header_block(ws, header_row, first_col, labels)
    pack = _pack(library, block.get("training_pack"), problems)
    trainee = _trainee(ws.title, block, person, problems)
    trainer = " ".join(v.text(block["trainer"][1]).split()) if "trainer" in block else ""
    rows, unsigned = [], 0
    for number in range(header_row + 1, last_row + 1):
        cells = [_cell(ws, number, first_col + index) for index in range(len(COLUMNS))]
        if cells[_COLUMN["sop_id"]].blank:
            continue
        signed = _signed(cells, problems)
        if signed is None:
            unsigned += 1
            continue
        found = _sop_version(cells, library, problems)
        if found is not None and trainee:
            initials = v.text(cells[_COLUMN["trainer_initials"]])
            rows.append(TrainedRow(trainee, found[0], found[1], signed, trainer or initials, pack))
    if any(p.is_error for p in problems.items):
        raise InputError(problems.items, source=str(path))
    return Intake(trainee, pack, tuple(rows), unsigned, problems.items)


def _refuse(path: Path, message: str) -> InputError:
    problem = Problem.error(File(str(path)), message, _NOT_A_RECORD, code="not-a-training-record")
    return InputError([problem], source=str(path))


def _table(book, path: Path):
    """The record's table: its sheet and (first column, header row, last column, last row)."""
    defined = book.defined_names.get(TABLE_NAME)
    destinations = list(defined.destinations) if defined is not None else []
    if len(destinations) != 1 or destinations[0][0] not in book.sheetnames:
        raise _refuse(path, f"is not a binder training record: it has no {TABLE_NAME} table")
    title, ref = destinations[0]
    try:
        bounds = range_boundaries(ref.replace("$", ""))
    except (TypeError, ValueError):
        raise _refuse(path, f"is not a binder training record: its {TABLE_NAME} table is not a range") from None
    if None in bounds:
        raise _refuse(path, f"is not a binder training record: its {TABLE_NAME} table is not a range")
    return book[title], bounds


def _language(ws, header_row: int, first_col: int, path: Path) -> str:
    """The language the record was written in, told by its header; a header binder did not write is refused."""
    found = [v.text(_cell(ws, header_row, first_col + i)).strip() for i in range(len(COLUMNS))]
    for language in LANGUAGES:
        if found == column_headers(language):
            return language
    raise InputError(
        [
            Problem.error(
                f"{ws.title}!A{header_row}",
                "this is not a binder training record: its header row is not " + " | ".join(column_headers("en")),
                _NOT_A_RECORD,
                code="not-a-training-record",
            )
        ],
        source=str(path),
    )


def _cell(ws, row: int, column: int) -> RawCell:
    cell = ws.cell(row, column)
    value = cell.value.strip() if isinstance(cell.value, str) else cell.value
    return RawCell(value, f"{ws.title}!{cell.coordinate}")


def _header_block(ws, header_row: int, first_col: int, labels: dict[str, str]) -> dict[str, tuple[RawCell, RawCell]]:
    """The lines above the table by their label in the first column: key → (label cell, value cell)."""
    wanted = {labels[key].casefold(): key for key in ("training_pack", "trainee_name", "trainer")}
    block = {}
    for row in range(1, header_row):
        label = _cell(ws, row, first_col)
        key = wanted.get(v.text(label).strip().rstrip(":").casefold())
        if key:
            block[key] = (label, _cell(ws, row, first_col + 1))
    return block


def _pack(library: Library, found: tuple[RawCell, RawCell] | None, problems: Problems) -> str:
    """The record's pack as the Training sheet spells it; "" (and a warning) when the workbook has no such pack."""
    if found is None:
        return ""
    name = " ".join(v.text(found[1]).split())
    match = next((p.name for p in library.packs if p.name.casefold() == name.casefold()), None)
    if match is None:
        problems.warning(
            found[1].coord,
            f'the record is of pack "{name}", which the workbook\'s Training sheet does not have; '
            "its rows count for no pack",
            "check that this is the right workbook, or add the pack to its Training sheet",
            code="training-unknown-pack",
        )
    return match or ""


def _trainee(sheet: str, block: dict, person: str | None, problems: Problems) -> str:
    """The trainee: ``--person``, or the name written on the record; both given must be the same person."""
    label, written = block.get("trainee_name", (None, RawCell(None, f"{sheet}!B4")))
    on_record = " ".join(v.text(written).split())
    given = " ".join((person or "").split())
    if given and on_record and person_key(given) != person_key(on_record):
        problems.error(
            written.coord,
            f'the record was signed by "{on_record}", not by "{given}"',
            "give --person the trainee named on the record, or correct the name on the record",
            code="trainee-mismatch",
        )
        return ""
    if not (given or on_record):
        problems.error(
            written.coord,
            "the record does not name its trainee",
            "give --person NAME, or write the trainee's name on the record",
            code="missing-trainee",
        )
    return on_record or given  # the name as the trainee wrote it, when they did


def _signed(cells: list[RawCell], problems: Problems) -> dt.date | None:
    """The date a row was signed on; None when it is not signed (a half-signed row is a warning)."""
    initials, when = cells[_COLUMN["trainee_initials"]], cells[_COLUMN["date"]]
    signed = v.a_date(when, problems, "Date") if not when.blank else None
    if initials.blank and when.blank:
        return None
    if initials.blank or when.blank:
        missing = initials if initials.blank else when
        problems.warning(
            missing.coord,
            f"{v.text(cells[_COLUMN['sop_id']])} has "
            + ("a date but no initials" if initials.blank else "initials but no date")
            + ": the row is not counted as trained",
            "have the trainee initial and date the row, then record it again",
            code="incomplete-record-row",
        )
        return None
    return signed


def _sop_version(cells: list[RawCell], library: Library, problems: Problems) -> tuple[str, str] | None:
    """The SOP and version a signed row names, when the workbook has both."""
    id_cell, version_cell = cells[_COLUMN["sop_id"]], cells[_COLUMN["version"]]
    sop_id = find_sop(v.text(id_cell), {s.sop_id: s for s in library.sops})
    if sop_id is None:
        problems.error(
            id_cell.coord,
            f'SOP ID "{v.text(id_cell)}" is not in the workbook\'s SOPs sheet',
            "check that this is the right workbook for the record",
            code="unknown-sop",
        )
        return None
    version = v.version(version_cell, problems)
    if version is None:
        return None
    sop = library.sop(sop_id)
    if version not in known_versions(sop):
        shown = ", ".join(sorted(known_versions(sop), key=version_key))
        problems.error(
            version_cell.coord,
            f"{sop_id} has no version {version} (its versions: {shown})",
            "check that this is the right workbook for the record, or add the revision to its Revisions sheet",
            code="training-version-unknown",
            sop_id=sop_id,
        )
        return None
    return sop_id, version
