"""Check the rows against the contract and build the immutable ``Library``.

Every rule of ``docs/workbook.md`` lives here (images and flowchart
reachability rules live with those stages' helpers). Problems are collected,
never raised, so the author sees all of them in one run.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date

from binder.workbook import values as v
from binder.model import (APPROVAL_ROLES, DEFAULT_MEANINGS, FORMATS, STATUSES, STEP_TYPES, Approval,
                          Definition, Department, Faq, Kpi, Library, Origin, Pack, PackEntry, Reference,
                          Revision, Role, Sop, Step)
from binder.problems import Problems
from binder.workbook.reader import RawRow, RawWorkbook
from binder.workbook.rules import check_sop
from binder.workbook.schema import sheet
from binder.workbook.settings import read_settings

_CODE = re.compile(r"^[A-Za-z0-9-]+$")
_SOP_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_STEP = re.compile(r"^[0-9]{1,6}(\.[0-9]{1,6})*$")
_WEB = re.compile(r"^(https?://[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+)$", re.IGNORECASE)


def origin(row: RawRow) -> Origin:
    return Origin(row.sheet, row.row, row.columns)


def required_filled(row: RawRow, sheet_name: str, problems: Problems) -> bool:
    """Report every blank required cell of a non-blank row; True when none is blank."""
    ok = True
    present = {name for name, _ in row.cells}
    for column in sheet(sheet_name).columns:
        if column.required and column.field in present and row.get(column.field).blank:
            problems.error(row.get(column.field).coord, f"{column.header} is required",
                           f"fill in {column.header}, or clear the whole row")
            ok = False
    return ok


def validate(raw: RawWorkbook, problems: Problems, *, today: date, include_drafts: bool = False) -> Library:
    """Every rule of the contract; the valid part of the workbook as a ``Library``."""
    folder = raw.path.parent
    settings = read_settings(raw.rows("Settings"), folder, problems)
    departments = _departments(raw.rows("Departments"), problems)
    sops = _sops(raw.rows("SOPs"), {d.code for d in departments}, folder, problems)
    known = {s.sop_id: s for s in sops}
    children = _children(raw, known, folder, problems)
    shared = children.pop("__shared__", {}).get("definitions", ())
    built = tuple(_complete(s, children.get(s.sop_id, {}), shared, problems, today) for s in sops)
    packs = _packs(raw.rows("Training"), {s.sop_id: s for s in built}, problems, include_drafts)
    _related(built, problems)
    return Library(raw.path, raw.sha256, settings, departments, built, packs, tuple(shared))


def _new_identifier(cell, pattern: re.Pattern, wording: tuple[str, str, str, str, str], seen: dict[str, str],
                    problems: Problems) -> bool:
    """An ID cell's characters are allowed and the ID was not used before (case-insensitively); records it.

    ``wording``: the column's name, the characters allowed, an example, what it identifies, and its noun."""
    label, allowed, example, owner, noun = wording
    value = v.text(cell)
    if not pattern.match(value):
        problems.error(cell.coord, f'{label} "{value}" may hold only {allowed}', f"e.g. {example}")
        return False
    if value.casefold() in seen:
        problems.error(cell.coord, f'{label} "{value}" is used twice (also at {seen[value.casefold()]})',
                       f"give each {owner} its own {noun}")
        return False
    seen[value.casefold()] = cell.coord
    return True


def _departments(rows: tuple[RawRow, ...], problems: Problems) -> tuple[Department, ...]:
    result, seen = [], {}
    for row in rows:
        if not required_filled(row, "Departments", problems):
            continue
        code = v.text(row.get("code"))
        if not _new_identifier(row.get("code"), _CODE, ("Code", "letters, digits and -", "FIN or OPS-2",
                                                        "department", "code"), seen, problems):
            continue
        name = v.text(row.get("name"))
        result.append(Department(code, name, v.text(row.get("binder_title")) or f"{name} Standard Operating Procedures",
                                 v.text(row.get("owner")), v.text(row.get("help_contact")), origin(row)))
    return tuple(result)


def _sops(rows: tuple[RawRow, ...], codes: set[str], folder, problems: Problems) -> tuple[Sop, ...]:
    result, seen = [], {}
    for row in rows:
        required_filled(row, "SOPs", problems)
        sop_id = v.text(row.get("sop_id"))
        if sop_id and not _new_identifier(row.get("sop_id"), _SOP_ID, ("SOP ID", "letters, digits, -, . and _",
                                                                        "FIN-001", "SOP", "ID"), seen, problems):
            continue
        sop = _sop(row, sop_id, codes, folder, problems)
        if sop_id:  # kept even when incomplete, so its Steps, Roles ... rows are not reported as orphans
            result.append(sop)
    return tuple(result)


def _sop(row: RawRow, sop_id: str, codes: set[str], folder, problems: Problems) -> Sop:
    department = v.text(row.get("department"))
    if department and department not in codes:
        match = next((c for c in codes if c.casefold() == department.casefold()), None)
        if match is None:
            problems.error(row.get("department").coord, f'Department "{department}" is not a Code in the Departments sheet',
                           "pick one of: " + (", ".join(sorted(codes)) or "(add departments first)"))
        department = match or department
    status = v.choice(row.get("status"), problems, "Status", STATUSES, "")
    effective = v.a_date(row.get("effective_date"), problems, "Effective date")
    if status == "Approved" and effective is None and row.get("effective_date").blank:
        problems.error(row.get("effective_date").coord, f"{sop_id} is Approved but has no Effective date",
                       "enter the date the SOP takes effect")
    return Sop(
        sop_id=sop_id, title=v.text(row.get("title")), department=department,
        version=v.version(row.get("version"), problems) if not row.get("version").blank else "",
        status=status, owner=v.text(row.get("owner")), audience=v.text(row.get("audience")),
        effective_date=effective,
        review_months=v.whole_number(row.get("review_months"), problems, "Review every (months)", 1, 60, 12),
        format=v.choice(row.get("format"), problems, "Format", FORMATS, "Steps"),
        purpose=v.text(row.get("purpose")), scope=v.text(row.get("scope")), policy=v.text(row.get("policy")),
        help_contact=v.text(row.get("help_contact")), related=v.id_list(row.get("related")),
        template=v.confined_path(row.get("template"), folder, problems, "Template", (".docx",)),
        origin=origin(row))


def _owner(row: RawRow, known: dict[str, Sop], problems: Problems, *, blank_ok: bool = False) -> str | None:
    """The SOP a child row belongs to; None (and an error) when it names no SOP."""
    cell = row.get("sop_id")
    sop_id = v.text(cell)
    if not sop_id:
        return "__shared__" if blank_ok else None
    if sop_id not in known:
        match = next((k for k in known if k.casefold() == sop_id.casefold()), None)
        if match is None:
            problems.error(cell.coord, f'SOP ID "{sop_id}" is not in the SOPs sheet',
                           "check the spelling, or add the SOP to the SOPs sheet")
            return None
        sop_id = match
    return sop_id


def _children(raw: RawWorkbook, known: dict[str, Sop], folder, problems: Problems) -> dict[str, dict[str, list]]:
    """Rows of every per-SOP sheet, grouped by SOP ID then by kind."""
    grouped: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    readers = {
        "Steps": ("steps", lambda r: _step(r, folder, problems)),
        "Roles": ("roles", lambda r: Role(v.text(r.get("role")), v.text(r.get("responsibility")), origin(r))),
        "Definitions": ("definitions", lambda r: Definition(v.text(r.get("term")), v.text(r.get("definition")), origin(r))),
        "KPIs": ("kpis", lambda r: Kpi(v.text(r.get("measure")), v.text(r.get("target")), v.text(r.get("frequency")), origin(r))),
        "FAQ": ("faq", lambda r: Faq(v.text(r.get("question")), v.text(r.get("answer")), origin(r))),
        "References": ("references", lambda r: _reference(r, problems)),
        "Revisions": ("revisions", lambda r: _revision(r, problems)),
        "Approvals": ("approvals", lambda r: _approval(r, problems)),
    }
    for sheet_name, (kind, make) in readers.items():
        for row in raw.rows(sheet_name):
            complete = required_filled(row, sheet_name, problems)
            owner = _owner(row, known, problems, blank_ok=sheet_name == "Definitions")
            record = make(row)
            if complete and owner is not None and record is not None:
                grouped[owner][kind].append(record)
    return grouped


def _step(row: RawRow, folder, problems: Problems) -> Step | None:
    number_cell = row.get("step")
    number = v.text(number_cell).strip()
    if number and not _STEP.match(number):
        problems.error(number_cell.coord, f'Step "{number}" must be a number such as 3 or 2.1')
        return None
    step_type = v.choice(row.get("type"), problems, "Type", STEP_TYPES, "Action")
    return Step(number=number, action=v.text(row.get("action")), responsible=v.text(row.get("responsible")),
                details=v.text(row.get("details")), caution=v.text(row.get("caution")), type=step_type,
                if_yes=_target(row.get("if_yes")), if_no=_target(row.get("if_no")),
                image=v.image_path(row.get("image"), folder, problems, "Image"),
                origin=origin(row))


def _target(cell) -> str:
    value = v.text(cell).strip()
    return "End" if value.casefold() == "end" else value


def _reference(row: RawRow, problems: Problems) -> Reference:
    link_cell = row.get("link")
    link = v.text(link_cell).strip()
    if link and not _WEB.match(link) and not _SOP_ID.match(link):
        problems.error(link_cell.coord, f'Link "{link}" is not an http(s):// or mailto: address or an SOP ID',
                       "e.g. https://intranet.example.com/policy, mailto:help@example.com or FIN-001")
        link = ""
    return Reference(v.text(row.get("reference")), link, origin(row))


def _revision(row: RawRow, problems: Problems) -> Revision | None:
    version = v.version(row.get("version"), problems) if not row.get("version").blank else ""
    when = v.a_date(row.get("date"), problems, "Date")
    if when is None:
        return None
    return Revision(version, when, v.text(row.get("author")), v.text(row.get("change")), origin(row))


def _approval(row: RawRow, problems: Problems) -> Approval | None:
    role = v.choice(row.get("role"), problems, "Role", APPROVAL_ROLES, "")
    when = v.a_date(row.get("date"), problems, "Date")
    if not role or (when is None and not row.get("date").blank):
        return None
    return Approval(role, v.text(row.get("name")), v.text(row.get("job_title")), when,
                    v.text(row.get("meaning")) or DEFAULT_MEANINGS[role], origin(row))


def _complete(sop: Sop, kids: dict[str, list], shared, problems: Problems, today: date) -> Sop:
    """The SOP with its child rows, after the rules that need them."""
    steps = sorted(kids.get("steps", ()), key=lambda s: tuple(int(p) for p in s.number.split(".")) if s.number else ())
    own_terms = {d.term.casefold() for d in kids.get("definitions", ())}
    definitions = [d for d in shared if d.term.casefold() not in own_terms] + list(kids.get("definitions", ()))
    full = replace(sop, **{"steps": tuple(steps), "roles": tuple(kids.get("roles", ())),
                  "definitions": tuple(sorted(definitions, key=lambda d: d.term.casefold())),
                  "kpis": tuple(kids.get("kpis", ())), "faq": tuple(kids.get("faq", ())),
                  "references": tuple(kids.get("references", ())), "revisions": tuple(kids.get("revisions", ())),
                  "approvals": tuple(kids.get("approvals", ()))})
    check_sop(full, problems, today)
    return full


def _related(sops: tuple[Sop, ...], problems: Problems) -> None:
    ids = {s.sop_id for s in sops}
    for sop in sops:
        for other in sop.related:
            if other == sop.sop_id:
                problems.error(sop.origin.at("related"), f"{sop.sop_id} lists itself in Related SOPs")
            elif other not in ids:
                problems.error(sop.origin.at("related"), f'Related SOP "{other}" is not in the SOPs sheet',
                               "check the spelling, or remove it from the list")


def _packs(rows: tuple[RawRow, ...], sops: dict[str, Sop], problems: Problems, include_drafts: bool) -> tuple[Pack, ...]:
    packs: dict[str, list[PackEntry]] = {}
    first_row: dict[str, Origin] = {}
    for row in rows:
        if not required_filled(row, "Training", problems):
            continue
        name, id_cell = v.text(row.get("pack")), row.get("sop_id")
        sop = sops.get(v.text(id_cell))
        if sop is None:
            problems.error(id_cell.coord, f'SOP ID "{v.text(id_cell)}" is not in the SOPs sheet',
                           "check the spelling, or add the SOP to the SOPs sheet")
            continue
        if sop.status == "Retired" or (sop.is_draft and not include_drafts):
            problems.error(id_cell.coord, f'{sop.sop_id} is {sop.status}: a training pack may hold only Approved SOPs',
                           "remove it from the pack" + ("" if sop.status == "Retired" else ", or build with --include-drafts"))
            continue
        entries = packs.setdefault(name, [])
        if any(e.sop_id == sop.sop_id for e in entries):
            problems.warning(id_cell.coord, f'{sop.sop_id} is already in pack "{name}"; the repeat is ignored')
            continue
        first_row.setdefault(name, origin(row))
        entries.append(PackEntry(sop.sop_id, origin(row)))
    return tuple(Pack(name, tuple(entries), first_row[name]) for name, entries in packs.items())
