"""Rules that look across one SOP's rows: steps, roles, revisions, approvals, review dates."""
from __future__ import annotations

from datetime import date

from binder.workbook.flow import flow_problems
from binder.model import Sop
from binder.problems import Problems


def check_sop(sop: Sop, problems: Problems, today: date) -> None:
    """Every cross-sheet rule for one SOP."""
    _steps(sop, problems)
    _roles(sop, problems)
    _revisions(sop, problems)
    _approvals(sop, problems)
    _review(sop, problems, today)


def _steps(sop: Sop, problems: Problems) -> None:
    numbers: dict[str, str] = {}
    for step in sop.steps:
        where = step.origin.at("step")
        if step.number in numbers:
            problems.error(where, f"step {step.number} of {sop.sop_id} appears twice (also at {numbers[step.number]})",
                           "number each step once")
            continue
        numbers[step.number] = where
    for step in sop.steps:
        parent = step.number.rpartition(".")[0]
        if parent and parent not in numbers:
            problems.error(step.origin.at("step"), f"sub-step {step.number} of {sop.sop_id} has no step {parent}",
                           f"add step {parent} or renumber the sub-step")
        _decision(sop, step, numbers, problems)
    roles = {r.role.casefold() for r in sop.roles}
    for step in sop.steps:
        if step.responsible and step.responsible.casefold() not in roles:
            problems.warning(step.origin.at("responsible"), f'Responsible "{step.responsible}" is not a role of {sop.sop_id}',
                             "add it to the Roles sheet for this SOP, or correct the name")
    for step, message in flow_problems(sop):
        problems.warning(step.origin.at("step"), message, "check the If yes / If no targets of its decisions")
    if not sop.steps and sop.status != "Retired":
        problems.warning(sop.origin.at("sop_id"), f"{sop.sop_id} has no steps", "add its steps to the Steps sheet")


def _decision(sop: Sop, step, numbers: dict[str, str], problems: Problems) -> None:
    for field, label, target in (("if_yes", "If yes, go to", step.if_yes), ("if_no", "If no, go to", step.if_no)):
        where = step.origin.at(field)
        if not step.is_decision:
            if target:
                problems.warning(where, f"{label} is only used on Decision steps; step {step.number} is {step.type}",
                                 "set Type to Decision, or clear the cell")
            continue
        if not target:
            problems.error(where, f"Decision step {step.number} of {sop.sop_id} needs {label}",
                           "give a step number of the same SOP, or End")
        elif target != "End" and target not in numbers:
            problems.error(where, f'{label} "{target}": {sop.sop_id} has no step {target}',
                           "give a step number of the same SOP, or End")
        elif target == step.number:
            problems.error(where, f"{label} of step {step.number} points at itself")


def _roles(sop: Sop, problems: Problems) -> None:
    seen: dict[str, str] = {}
    for role in sop.roles:
        key = role.role.casefold()
        if key in seen:
            problems.warning(role.origin.at("role"), f'role "{role.role}" is listed twice for {sop.sop_id} (also at {seen[key]})')
        seen.setdefault(key, role.origin.at("role"))


def _revisions(sop: Sop, problems: Problems) -> None:
    seen: dict[str, str] = {}
    previous = None
    for rev in sop.revisions:
        if rev.version in seen:
            problems.error(rev.origin.at("version"), f"version {rev.version} of {sop.sop_id} appears twice (also at {seen[rev.version]})",
                           "each revision needs its own version")
        seen.setdefault(rev.version, rev.origin.at("version"))
        if previous is not None and rev.date < previous.date:
            problems.error(rev.origin.at("date"), f"revision {rev.version} of {sop.sop_id} is dated {rev.date.isoformat()}, "
                           f"before revision {previous.version} ({previous.date.isoformat()})",
                           "list revisions oldest first, with dates in order")
        previous = rev
    if sop.revisions and sop.version and sop.revisions[-1].version != sop.version:
        newest = sop.revisions[-1]
        problems.error(sop.origin.at("version"), f"Version is {sop.version} but the newest revision of {sop.sop_id} "
                       f"is {newest.version} ({newest.origin.at('version')})",
                       "make the SOP's Version its newest revision, or add a row to Revisions")


def _approvals(sop: Sop, problems: Problems) -> None:
    approved = sop.status == "Approved"
    signed = False
    for app in sop.approvals:
        if app.role == "Approved by" and approved and app.date is None:
            problems.error(app.origin.at("date"), f"the Approved by row of {sop.sop_id} needs a Date",
                           "enter the date it was approved")
        if app.date and sop.effective_date and app.date > sop.effective_date and approved:
            problems.error(app.origin.at("date"), f"{app.role} date {app.date.isoformat()} is after the effective date "
                           f"of {sop.sop_id} ({sop.effective_date.isoformat()})",
                           "an SOP must be approved before it takes effect")
        signed = signed or (app.role == "Approved by" and bool(app.name) and app.date is not None)
    if approved and not signed:
        problems.error(sop.origin.at("status"), f"{sop.sop_id} is Approved but has no Approved by row with a Name and Date",
                       "add its approval to the Approvals sheet, or set Status to In review")


def _review(sop: Sop, problems: Problems, today: date) -> None:
    if sop.is_overdue(today):
        problems.warning(sop.origin.at("effective_date"), f"review of {sop.sop_id} was due on {sop.next_review.isoformat()}",
                         "review the SOP, then record a new revision and effective date")
