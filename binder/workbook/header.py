"""Match a sheet's header row to the contract's columns (``binder.workbook.schema``), by name.

Headers match case-insensitively, ignoring surrounding spaces. A header that is no contract column is a
warning; a required column that is missing is one error, at the header that most likely misspells it
when there is one (difflib, or one header's words starting or ending the other's), telling to rename it.
It imports openpyxl's cell helpers, ``binder.problems``, ``binder.text`` and its own package only.
"""

from __future__ import annotations

import difflib

from openpyxl.utils import get_column_letter

from binder.problems import Problems
from binder.text import clean
from binder.workbook.schema import Column, Sheet
from binder.workbook.sheets import MAX_COLUMN_NUMBER, SheetCell

_CLOSE_ENOUGH = 0.6
"""difflib ratio from which a header is taken for a misspelling of a contract column."""


def match_header(title: str, cells: list[SheetCell], spec: Sheet, problems: Problems) -> tuple[dict[int, str], bool]:
    """Column index → field, matching headers case-insensitively, ignoring surrounding spaces.

    Also True when every required column was found. A required column that is
    missing is one error; when another header looks like a misspelling of it,
    the error is at that header and says to rename it.
    """
    wanted = {c.header.casefold(): c for c in spec.columns}
    found: dict[int, str] = {}
    seen: dict[str, str] = {}
    unknown: list[tuple[str, str]] = []  # (cell, header as shown) of the headers that are no contract column
    last = 0
    for cell in cells:
        if cell.value is None or str(cell.value).strip() == "":
            continue
        last = max(last, cell.column)
        where = f"{title}!{cell.coordinate}"
        column = wanted.get(str(cell.value).strip().casefold())
        if column is None:
            unknown.append((where, clean(str(cell.value)).strip()))
        elif column.field in seen:
            problems.error(
                where,
                f'column "{column.header}" appears twice (also at {seen[column.field]})',
                "delete or rename one of them",
                code="duplicate-column",
            )
        else:
            found[cell.column] = column.field
            seen[column.field] = where
    missing = [c for c in spec.columns if c.field not in seen]
    renamed = _misspellings(missing, unknown)
    for where, shown in unknown:
        column = renamed.get(where)
        if column is None or not column.required:
            hint = f'rename it to "{column.header}" if that is what it holds' if column else ""
            problems.warning(
                where,
                f'column "{shown}" is not part of the {spec.name} sheet and is ignored',
                hint,
                code="unknown-column",
            )
    misspelt = {renamed[where].field: (where, shown) for where, shown in unknown if where in renamed}
    for column in missing:
        if not column.required:
            continue
        if column.field in misspelt:
            where, shown = misspelt[column.field]
            problems.error(
                where,
                f'column "{column.header}" is missing; found "{shown}": rename it to "{column.header}"',
                code="missing-column",
            )
        elif last < MAX_COLUMN_NUMBER:
            last += 1
            problems.error(
                f"{title}!{get_column_letter(last)}1",
                f'column "{column.header}" is missing',
                f'add a column headed "{column.header}" in row 1',
                code="missing-column",
            )
    return found, not any(c.required for c in missing)


def _misspellings(missing: list[Column], unknown: list[tuple[str, str]]) -> dict[str, Column]:
    """Header cell → the missing column it most likely misspells (each used once, closest pairs first)."""
    pairs = []
    for i, column in enumerate(missing):
        expected = column.header.casefold()
        for j, (_, shown) in enumerate(unknown):
            header = " ".join(shown.casefold().split())
            score = difflib.SequenceMatcher(None, expected, header).ratio()
            if _contains(expected, header):
                score = max(score, _CLOSE_ENOUGH)
            if score >= _CLOSE_ENOUGH:
                pairs.append((-score, not column.required, i, j))
    result: dict[str, Column] = {}
    used_columns: set[int] = set()
    for _, _, i, j in sorted(pairs):
        where = unknown[j][0]
        if i not in used_columns and where not in result:
            used_columns.add(i)
            result[where] = missing[i]
    return result


def _contains(expected: str, header: str) -> bool:
    """``Step number`` for ``Step``, ``ID`` for ``SOP ID``: one header's words start or end the other's."""
    words, wanted = header.split(), expected.split()
    if not words or len(header) < 2:
        return False
    shorter, longer = sorted((words, wanted), key=len)
    return longer[: len(shorter)] == shorter or longer[-len(shorter) :] == shorter
