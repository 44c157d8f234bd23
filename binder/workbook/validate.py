"""Check the rows against the contract and build the immutable ``Library``.

This module owns the per-row rules of ``docs/workbook.md`` (required cells,
IDs and names, departments, links, training packs) and assembles each SOP
with its rows; the rules across one SOP's rows live in
``binder.workbook.rules``. Problems are collected, never raised, so the author
sees all of them in one run, each once: a row left out for an error, or a sheet
not read, is remembered in ``Gaps`` so that nothing is then reported as
missing because of it. It imports ``binder.model``, ``binder.problems`` and
its own package only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date

from binder.model import (
    FORMATS,
    STATUSES,
    Definition,
    Department,
    Faq,
    Kpi,
    Library,
    Role,
    Settings,
    Sop,
)
from binder.problems import Problems
from binder.workbook import values as v
from binder.workbook.names import shown, unsafe_name
from binder.workbook.reader import RawRow, RawWorkbook
from binder.workbook.records import SHEET as RECORDS
from binder.workbook.records import read_training_records
from binder.workbook.rows import SOP_ID, AboutSop, Gaps, approval_row, find_sop, reference_row, revision_row, step_row
from binder.workbook.rules import AMBIGUOUS, BAD_VERSION, check_sop
from binder.workbook.settings import read_settings
from binder.workbook.training import read_packs
from binder.workbook.values import origin, required_filled

_CODE = re.compile(r"[A-Za-z0-9-]+")
_SHARED = "__shared__"
_CHILD_SHEETS = ("Steps", "Roles", "Definitions", "KPIs", "FAQ", "References", "Revisions", "Approvals")


def validate(raw: RawWorkbook, problems: Problems, *, today: date, include_drafts: bool = False) -> Library:
    """Every rule of the contract; the valid part of the workbook as a ``Library``."""
    folder = raw.path.parent
    gaps = Gaps(raw.incomplete)
    settings = Settings() if "Settings" in gaps.unread else read_settings(raw.rows("Settings"), folder, problems)
    departments, codes = _departments(raw.rows("Departments"), problems, gaps)
    sops = _sops(raw.rows("SOPs"), codes, folder, problems, gaps)
    known = {s.sop_id: s for s in sops}
    children = _children(raw, known, folder, problems, gaps)
    shared = children.pop(_SHARED, {}).get("definitions", ())
    built = tuple(
        _complete(s, children.get(s.sop_id, {}), shared, AboutSop(problems, s.sop_id), today, gaps.of(s.sop_id))
        for s in sops
    )
    packs = (
        ()
        if "Training" in gaps.unread
        else read_packs(
            raw.rows("Training"),
            {s.sop_id: s for s in built},
            problems,
            include_drafts,
            report_unknown="SOPs" not in gaps.anywhere,
        )
    )
    _related(built, problems, gaps)
    records = read_training_records(
        raw.rows(RECORDS),
        {s.sop_id: s for s in built},
        packs,
        problems,
        gaps,
        packs_read="Training" not in gaps.anywhere,
    )
    if RECORDS in gaps.unread:  # checked, not used: a missing column would make every row wrong
        records = ()
    return Library(raw.path, raw.sha256, settings, departments, built, packs, tuple(shared), records)


def _new_identifier(
    cell, pattern: re.Pattern, wording: tuple[str, str, str, str, str], seen: dict[str, str], problems
) -> bool:
    """An ID cell can be a file name, holds only allowed characters and was not used before (case-insensitively).

    ``wording``: the column's name, the characters allowed, an example, what it identifies, and its noun."""
    label, allowed, example, owner, noun = wording
    value = v.text(cell)
    reason = unsafe_name(value)
    if reason:
        problems.error(
            cell.coord,
            f'{label} "{shown(value)}" cannot be used in a file name: {reason}',
            f"choose another {noun}, e.g. {example}",
            code="unsafe-name",
        )
        return False
    if not pattern.fullmatch(value):
        problems.error(
            cell.coord, f'{label} "{shown(value)}" may hold only {allowed}', f"e.g. {example}", code="bad-id"
        )
        return False
    if value.casefold() in seen:
        problems.error(
            cell.coord,
            f'{label} "{value}" is used twice (also at {seen[value.casefold()]})',
            f"give each {owner} its own {noun}",
            code="duplicate-id",
        )
        return False
    seen[value.casefold()] = cell.coord
    return True


def _departments(rows: tuple[RawRow, ...], problems: Problems, gaps: Gaps) -> tuple[tuple[Department, ...], set[str]]:
    """The departments, and every code the sheet defines (also of rows left out for another cell's error)."""
    result: list[Department] = []
    seen: dict[str, str] = {}
    codes: set[str] = set()
    for row in rows:
        complete = required_filled(row, "Departments", problems)
        code = v.text(row.get("code"))
        if not code or not _new_identifier(
            row.get("code"),
            _CODE,
            ("Code", "letters, digits and -", "FIN or OPS-2", "department", "code"),
            seen,
            problems,
        ):
            gaps.anywhere.add("Departments")  # the code meant is unknown: SOPs naming a department are not reported
            continue
        codes.add(code)
        if not complete:
            continue
        name = v.text(row.get("name"))
        result.append(
            Department(
                code,
                name,
                v.text(row.get("binder_title")) or f"{name} Standard Operating Procedures",
                v.text(row.get("owner")),
                v.text(row.get("help_contact")),
                origin(row),
            )
        )
    return tuple(result), codes


def _sops(rows: tuple[RawRow, ...], codes: set[str], folder, problems: Problems, gaps: Gaps) -> tuple[Sop, ...]:
    result: list[Sop] = []
    seen: dict[str, str] = {}
    for row in rows:
        sop_id = v.text(row.get("sop_id"))
        if not sop_id or not _new_identifier(
            row.get("sop_id"), SOP_ID, ("SOP ID", "letters, digits, -, . and _", "FIN-001", "SOP", "ID"), seen, problems
        ):
            required_filled(row, "SOPs", problems)
            gaps.anywhere.add("SOPs")  # rows of other sheets naming this SOP cannot be told from typos
            if sop_id.casefold() in seen:  # a second row for an SOP: which rows are whose is unknown
                gaps.about[next(s.sop_id for s in result if s.sop_id.casefold() == sop_id.casefold())].add(AMBIGUOUS)
            continue
        about = AboutSop(problems, sop_id)
        required_filled(row, "SOPs", about)
        # kept even when incomplete, so its Steps, Roles ... rows are not reported as orphans
        result.append(_sop(row, sop_id, codes, folder, about, gaps))
    return tuple(result)


def _sop(row: RawRow, sop_id: str, codes: set[str], folder, problems: AboutSop, gaps: Gaps) -> Sop:
    department = v.text(row.get("department"))
    if department and department not in codes:
        match = next((c for c in codes if c.casefold() == department.casefold()), None)
        if match is None and "Departments" not in gaps.anywhere:
            problems.error(
                row.get("department").coord,
                f'Department "{department}" is not a Code in the Departments sheet',
                "pick one of: " + (", ".join(sorted(codes)) or "(add departments first)"),
                code="unknown-department",
            )
        department = match or department
    status = v.choice(row.get("status"), problems, "Status", STATUSES, "")
    effective = v.a_date(row.get("effective_date"), problems, "Effective date")
    if (
        status == "Approved"
        and effective is None
        and row.get("effective_date").blank
        and not row.get("effective_date").covered
    ):
        problems.error(
            row.get("effective_date").coord,
            f"{sop_id} is Approved but has no Effective date",
            "enter the date the SOP takes effect",
            code="required-value",
        )
    version = v.version(row.get("version"), problems) if not row.get("version").blank else ""
    if version is None:
        gaps.about[sop_id].add(BAD_VERSION)
    return Sop(
        sop_id=sop_id,
        title=v.text(row.get("title")),
        department=department,
        version=version or "",
        status=status,
        owner=v.text(row.get("owner")),
        audience=v.text(row.get("audience")),
        effective_date=effective,
        review_months=v.whole_number(row.get("review_months"), problems, "Review every (months)", 1, 60, 12),
        format=v.choice(row.get("format"), problems, "Format", FORMATS, "Steps"),
        purpose=v.text(row.get("purpose")),
        scope=v.text(row.get("scope")),
        policy=v.text(row.get("policy")),
        help_contact=v.text(row.get("help_contact")),
        related=v.id_list(row.get("related")),
        template=v.confined_path(row.get("template"), folder, problems, "Template", (".docx",)),
        origin=origin(row),
    )


def _owner(row: RawRow, known: dict[str, Sop], problems: Problems, gaps: Gaps, *, blank_ok: bool = False) -> str | None:
    """The SOP a child row belongs to; None (and an error) when it names no SOP."""
    cell = row.get("sop_id")
    sop_id = v.text(cell)
    if not sop_id:
        return _SHARED if blank_ok else None
    match = find_sop(sop_id, known)
    if match is None and "SOPs" not in gaps.anywhere:
        problems.error(
            cell.coord,
            f'SOP ID "{sop_id}" is not in the SOPs sheet',
            "check the spelling, or add the SOP to the SOPs sheet",
            code="unknown-sop",
        )
    return match


def _children(
    raw: RawWorkbook, known: dict[str, Sop], folder, problems: Problems, gaps: Gaps
) -> dict[str, dict[str, list]]:
    """Rows of every per-SOP sheet, grouped by SOP ID then by kind; rows with an error are left out (and remembered)."""
    grouped: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    readers = {
        "Steps": lambda r, p: step_row(r, folder, p),
        "Roles": lambda r, p: Role(v.text(r.get("role")), v.text(r.get("responsibility")), origin(r)),
        "Definitions": lambda r, p: Definition(v.text(r.get("term")), v.text(r.get("definition")), origin(r)),
        "KPIs": lambda r, p: Kpi(
            v.text(r.get("measure")), v.text(r.get("target")), v.text(r.get("frequency")), origin(r)
        ),
        "FAQ": lambda r, p: Faq(v.text(r.get("question")), v.text(r.get("answer")), origin(r)),
        "References": lambda r, p: reference_row(r, known, p, gaps),
        "Revisions": revision_row,
        "Approvals": approval_row,
    }
    for sheet_name in _CHILD_SHEETS:
        make = readers[sheet_name]
        for row in raw.rows(sheet_name):
            owner = _owner(row, known, problems, gaps, blank_ok=sheet_name == "Definitions")
            about = AboutSop(problems, owner if owner and owner != _SHARED else "")
            complete = required_filled(row, sheet_name, about)
            record = make(row, about)
            complete = complete and not any(cell.covered for _, cell in row.cells)  # a cell already reported
            if owner is None:
                gaps.anywhere.add(sheet_name)  # the row may have been meant for any SOP
            elif not complete or record is None:
                gaps.about[owner].add(sheet_name)
            elif sheet_name not in gaps.unread:
                grouped[owner][sheet_name.lower()].append(record)
    return grouped


def _complete(sop: Sop, kids: dict[str, list], shared, problems, today: date, incomplete: frozenset[str]) -> Sop:
    """The SOP with its child rows, after the rules that need them."""
    steps = sorted(kids.get("steps", ()), key=lambda s: tuple(int(p) for p in s.number.split(".")) if s.number else ())
    own_terms = {d.term.casefold() for d in kids.get("definitions", ())}
    definitions = [d for d in shared if d.term.casefold() not in own_terms] + list(kids.get("definitions", ()))
    full = replace(
        sop,
        steps=tuple(steps),
        roles=tuple(kids.get("roles", ())),
        definitions=tuple(sorted(definitions, key=lambda d: d.term.casefold())),
        kpis=tuple(kids.get("kpis", ())),
        faq=tuple(kids.get("faq", ())),
        references=tuple(kids.get("references", ())),
        revisions=tuple(kids.get("revisions", ())),
        approvals=tuple(kids.get("approvals", ())),
    )
    check_sop(full, problems, today, incomplete)
    return full


def _related(sops: tuple[Sop, ...], problems: Problems, gaps: Gaps) -> None:
    ids = {s.sop_id for s in sops}
    for sop in sops:
        for other in sop.related:
            if other == sop.sop_id:
                problems.error(
                    sop.origin.at("related"),
                    f"{sop.sop_id} lists itself in Related SOPs",
                    "remove it from the list",
                    code="self-reference",
                    sop_id=sop.sop_id,
                )
            elif other not in ids and "SOPs" not in gaps.anywhere:
                problems.error(
                    sop.origin.at("related"),
                    f'Related SOP "{shown(other)}" is not in the SOPs sheet',
                    "check the spelling, or remove it from the list",
                    code="unknown-sop",
                    sop_id=sop.sop_id,
                )
