"""Rules that look across one SOP's rows: steps, roles, revisions, approvals, dates, review.

This module owns the cross-sheet rules for a single, assembled ``Sop``. Each
rule that would call something missing (a parent step, a role, a revision, an
approval) stays quiet when ``incomplete`` says a row it needs was left out for
another error, so one mistake gives one error. It imports ``binder.model``,
``binder.problems`` and its own package only.
"""

from __future__ import annotations

import re
from datetime import date

from binder.model import Revision, Sop, Step
from binder.workbook.flow import flow_problems, step_targets

BAD_VERSION = "version"
"""In ``incomplete``: the SOP's own Version cell has an error."""
AMBIGUOUS = "ambiguous"
"""In ``incomplete``: two SOPs rows share the ID, so which rows are whose is unknown."""

_SAYS_GO_TO_EN = r"\b(?:go(?:\s+back)?\s+to|continue\s+(?:at|with|from)|return\s+to|skip\s+to)\s+step"
_SAYS_GO_TO_FR = r"\b(?:aller|passer|revenir|retourner)\s+à\s+l['’]\s*étape"
SAYS_GO_TO = re.compile(rf"(?:{_SAYS_GO_TO_EN}|{_SAYS_GO_TO_FR})\s+([0-9]{{1,6}}(?:\.[0-9]{{1,6}})*)", re.IGNORECASE)
"""An Action that names the step it continues at: "go to step 6", "return to step 2", "continue at step 4";
in French "aller à l'étape 6", "passer à l'étape 6", "revenir à l'étape 2"."""


def check_sop(sop: Sop, problems, today: date, incomplete: frozenset[str] = frozenset()) -> None:
    """Every cross-sheet rule for one SOP; ``incomplete`` names the sheets with one of its rows left out."""
    if AMBIGUOUS in incomplete:
        return
    roles_whole = _roles(sop, problems) and "Roles" not in incomplete
    _steps(sop, problems, incomplete, roles_whole)
    _dates(sop, _revisions(sop, problems, incomplete), problems, incomplete)
    _review(sop, problems, today)


def _steps(sop: Sop, problems, incomplete: frozenset[str], roles_whole: bool) -> None:
    numbers: dict[str, str] = {}
    whole = "Steps" not in incomplete
    clean = whole
    for step in sop.steps:
        where = step.origin.at("step")
        if step.number in numbers:
            problems.error(
                where,
                f"step {step.number} of {sop.sop_id} appears twice (also at {numbers[step.number]})",
                "number each step once",
                code="duplicate-step",
            )
            whole = clean = False  # which step was meant is unknown: nothing is reported missing
            continue
        numbers[step.number] = where
    for step in sop.steps:
        parent = step.number.rpartition(".")[0]
        if whole and parent and parent not in numbers:
            problems.error(
                step.origin.at("step"),
                f"sub-step {step.number} of {sop.sop_id} has no step {parent}",
                f"add step {parent} or renumber the sub-step",
                code="missing-parent-step",
            )
        clean = _decision(sop, step, numbers, problems, whole) and clean
        clean = _go_to(sop, step, numbers, problems, whole) and clean
    if roles_whole:
        roles = {r.role.casefold() for r in sop.roles}
        for step in sop.steps:
            if step.responsible and step.responsible.casefold() not in roles:
                problems.warning(
                    step.origin.at("responsible"),
                    f'Responsible "{step.responsible}" is not a role of {sop.sop_id}',
                    "add it to the Roles sheet for this SOP, or correct the name",
                    code="unknown-role",
                )
    if clean:
        _said_go_to(sop, numbers, problems)
    for step, reached, message in flow_problems(sop) if clean else ():
        if reached:
            problems.warning(step.origin.at("step"), message, "give the loop a way out to End", code="endless-loop")
        else:
            problems.warning(
                step.origin.at("step"),
                message,
                "check the If yes / If no targets of its decisions and the Go to of its steps",
                code="unreachable-step",
            )
    if whole and not sop.steps and sop.status != "Retired":
        problems.warning(
            sop.origin.at("sop_id"), f"{sop.sop_id} has no steps", "add its steps to the Steps sheet", code="no-steps"
        )


def _decision(sop: Sop, step, numbers: dict[str, str], problems, whole: bool) -> bool:
    """The If yes / If no cells of a step; False when one has an error."""
    ok = True
    for field, label, target in (("if_yes", "If yes, go to", step.if_yes), ("if_no", "If no, go to", step.if_no)):
        where = step.origin.at(field)
        if not step.is_decision:
            if target:
                problems.warning(
                    where,
                    f"{label} is only used on Decision steps; step {step.number} is {step.type}",
                    "set Type to Decision, or clear the cell",
                    code="unused-target",
                )
            continue
        if not target:
            problems.error(
                where,
                f"Decision step {step.number} of {sop.sop_id} needs {label}",
                "give a step number of the same SOP, or End",
                code="required-value",
            )
            ok = False
        elif target != "End" and target not in numbers:
            if whole:
                problems.error(
                    where,
                    f'{label} "{target}": {sop.sop_id} has no step {target}',
                    "give a step number of the same SOP, or End",
                    code="unknown-step",
                )
            ok = False
        elif target == step.number:
            problems.error(
                where,
                f"{label} of step {step.number} points at itself",
                "give the step that follows the decision, or End",
                code="self-reference",
            )
            ok = False
    return ok


def _go_to(sop: Sop, step: Step, numbers: dict[str, str], problems, whole: bool) -> bool:
    """The Go to cell of a step: on an Action only, a step of the same SOP or End; False when it has an error."""
    target = step.go_to
    if not target:
        return True
    where = step.origin.at("go_to")
    if step.is_decision:
        problems.error(
            where,
            f"Go to is not used on Decision step {step.number} of {sop.sop_id}: a Decision goes on by its answer",
            "use If yes / If no, go to, and clear Go to",
            code="misplaced-go-to",
        )
        return False
    if step.is_end:
        problems.error(
            where,
            f"step {step.number} of {sop.sop_id} is an End step: the procedure ends there, it cannot go to {target}",
            "clear Go to, or set Type to Action",
            code="misplaced-go-to",
        )
        return False
    if target != "End" and target not in numbers:
        if whole:
            problems.error(
                where,
                f'Go to "{target}": {sop.sop_id} has no step {target}',
                "give a step number of the same SOP, or End",
                code="unknown-step",
            )
        return False
    if target == step.number:
        problems.error(
            where,
            f"Go to of step {step.number} points at itself",
            "give the step to continue at, or End",
            code="self-reference",
        )
        return False
    return True


def _said_go_to(sop: Sop, numbers: dict[str, str], problems) -> None:
    """An Action whose text says "go to step N" while its flow goes elsewhere: a warning at its Action cell."""
    targets: dict[str, tuple[str, ...]] | None = None
    for step in sop.steps:
        if step.type != "Action":
            continue
        said = [(m.group(0), m.group(1)) for m in SAYS_GO_TO.finditer(step.action)]
        if not said:
            continue
        if targets is None:
            targets = step_targets(sop)
        goes = targets.get(step.number, ("End",))[0]
        if goes in {number for _, number in said}:
            continue
        phrase, number = said[0]
        if number not in numbers:
            hint = f"{sop.sop_id} has no step {number}: correct the step number in the text"
        elif len({n for _, n in said}) > 1:
            hint = "an Action goes one way only: set Go to to the step it continues at, or make it a Decision"
        else:
            hint = f"set Go to to {number}, or correct the text"
        problems.warning(
            step.origin.at("action"),
            f'step {step.number} of {sop.sop_id} says "{phrase}", but it goes to '
            + ("End" if goes == "End" else f"step {goes}"),
            hint,
            code="goto-mismatch",
        )


def _roles(sop: Sop, problems) -> bool:
    """Roles listed twice; True when there is none (else the role meant is unknown)."""
    seen: dict[str, str] = {}
    for role in sop.roles:
        key = role.role.casefold()
        if key in seen:
            problems.warning(
                role.origin.at("role"),
                f'role "{role.role}" is listed twice for {sop.sop_id} (also at {seen[key]})',
                "keep one row per role",
                code="duplicate-role",
            )
        seen.setdefault(key, role.origin.at("role"))
    return len(seen) == len(sop.roles)


def _revisions(sop: Sop, problems, incomplete: frozenset[str]) -> Revision | None:
    """Check the revision history; the revision of the SOP's Version when it is the newest, else None."""
    seen: dict[str, str] = {}
    previous = None
    ordered = True
    for rev in sop.revisions:
        if rev.version in seen:
            problems.error(
                rev.origin.at("version"),
                f"version {rev.version} of {sop.sop_id} appears twice (also at {seen[rev.version]})",
                "each revision needs its own version",
                code="duplicate-version",
            )
            ordered = False
        seen.setdefault(rev.version, rev.origin.at("version"))
        if previous is not None and rev.date < previous.date:
            problems.error(
                rev.origin.at("date"),
                f"revision {rev.version} of {sop.sop_id} is dated "
                f"{rev.date.isoformat()}, before revision {previous.version} ({previous.date.isoformat()})",
                "list revisions oldest first, with dates in order",
                code="revisions-out-of-order",
            )
            ordered = False
        previous = rev
    if not ordered or not sop.version or BAD_VERSION in incomplete or "Revisions" in incomplete:
        return None
    approved = sop.status == "Approved"
    if not sop.revisions:
        if approved:
            problems.error(
                sop.origin.at("version"),
                f"{sop.sop_id} is Approved at version {sop.version} but has no revision in the Revisions sheet",
                f"add a Revisions row for version {sop.version}, dated on or before the Effective date",
                code="missing-revision",
            )
        return None
    newest = sop.revisions[-1]
    if newest.version != sop.version:
        problems.error(
            sop.origin.at("version"),
            f"Version is {sop.version} but the newest revision of {sop.sop_id} "
            f"is {newest.version} ({newest.origin.at('version')})",
            "make the SOP's Version its newest revision, or add a row to Revisions",
            code="version-mismatch",
        )
        return None
    return newest


def _dates(sop: Sop, current: Revision | None, problems, incomplete: frozenset[str]) -> None:
    """An Approved SOP: revised, then approved by an Approved by row, then effective, in that order."""
    if sop.status != "Approved":
        return
    effective = sop.effective_date
    complete = "Approvals" not in incomplete
    for app in sop.approvals:
        if app.role == "Approved by" and app.date is None:
            problems.error(
                app.origin.at("date"),
                f"the Approved by row of {sop.sop_id} needs a Date",
                "enter the date it was approved",
                code="required-value",
            )
            complete = False
    # The Approved by rows with a Name and a Date, each with its date (narrowed: not None)
    signed = [
        (app, app.date) for app in sop.approvals if app.role == "Approved by" and app.name and app.date is not None
    ]
    if effective is not None and current is not None and current.date > effective:
        if signed and all(day > effective for _, day in signed):  # the Effective date is the odd one out
            problems.error(
                sop.origin.at("effective_date"),
                f"Effective date {effective.isoformat()} of {sop.sop_id} "
                f"is before its revision {current.version} ({current.date.isoformat()}, "
                f"{current.origin.at('date')}) and its approval "
                f"({min(day for _, day in signed).isoformat()})",
                "an SOP takes effect once its current version is approved: correct the Effective date",
                code="effective-too-early",
            )
            return
        problems.error(
            current.origin.at("date"),
            f"revision {current.version} of {sop.sop_id} is dated "
            f"{current.date.isoformat()}, after the SOP's Effective date ({effective.isoformat()})",
            "a version takes effect after it is written: correct the revision's Date or the SOP's Effective date",
            code="revision-after-effective",
        )
        current = None
    late = False
    for app in sop.approvals:
        if app.date and effective and app.date > effective:
            problems.error(
                app.origin.at("date"),
                f"{app.role} date {app.date.isoformat()} is after the effective date "
                f"of {sop.sop_id} ({effective.isoformat()})",
                "an SOP must be approved before it takes effect",
                code="approval-after-effective",
            )
            late = late or app.role == "Approved by"
    if not complete:
        return
    if not signed:
        problems.error(
            sop.origin.at("status"),
            f"{sop.sop_id} is Approved but has no Approved by row with a Name and Date",
            "add its approval to the Approvals sheet, or set Status to In review",
            code="missing-approval",
        )
        return
    if current is None or effective is None or late or any(current.date <= day <= effective for _, day in signed):
        return
    last, last_date = max(signed, key=lambda pair: pair[1])
    problems.error(
        last.origin.at("date"),
        f"Approved by date {last_date.isoformat()} is before revision "
        f"{current.version} of {sop.sop_id} ({current.date.isoformat()}, {current.origin.at('date')}): "
        f"version {current.version} was never approved",
        f"add the Approved by row of version {current.version}, dated from {current.date.isoformat()} "
        f"to {effective.isoformat()}",
        code="approval-before-revision",
    )


def _review(sop: Sop, problems, today: date) -> None:
    if sop.is_overdue(today):
        due = sop.next_review
        assert due is not None  # is_overdue is only true when there is a review date
        problems.warning(
            sop.origin.at("effective_date"),
            f"review of {sop.sop_id} was due on {due.isoformat()}",
            "review the SOP, then record a new revision and effective date",
            code="review-overdue",
        )
