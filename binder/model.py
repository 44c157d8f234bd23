"""The validated workbook as immutable, typed objects.

Every record keeps its ``Origin`` (sheet, row and the column letter of each
field) so that any later stage can still point an author at the exact cell.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

STATUSES = ("Draft", "In review", "Approved", "Retired")
FORMATS = ("Steps", "Checklist", "Flowchart")
STEP_TYPES = ("Action", "Decision", "End")
APPROVAL_ROLES = ("Prepared by", "Reviewed by", "Approved by")
DEFAULT_MEANINGS = {"Prepared by": "Author", "Reviewed by": "Reviewer", "Approved by": "Approver"}


@dataclass(frozen=True)
class Origin:
    """Where a record came from: its sheet, its row and each field's column letter."""

    sheet: str
    row: int
    columns: tuple[tuple[str, str], ...] = ()

    def at(self, field_name: str | None = None) -> str:
        """The cell of ``field_name`` as ``Sheet!C7`` (the row's first cell when unknown)."""
        letters = dict(self.columns)
        letter = letters.get(field_name or "", None)
        if letter is None:
            letter = self.columns[0][1] if self.columns else "A"
        return f"{self.sheet}!{letter}{self.row}"


@dataclass(frozen=True)
class Settings:
    """The Settings sheet, with defaults filled in."""

    organisation: str = ""
    logo: Path | None = None
    paper_size: str = "A4"
    language: str = "en"
    confidentiality: str = ""
    template: Path | None = None
    front_template: Path | None = None
    """Binder and pack front matter's template; None: the built-in one, in the styles of ``template``."""
    signature_reason: str = ""
    signature_location: str = ""
    signature_contact: str = ""
    flowchart: str = "flow"
    """``flow`` (boxes top to bottom) or ``swimlanes`` (a column per Responsible role)."""
    pdf_a: str = "no"
    """``yes``: every SOP, binder and pack PDF is PDF/A-2 (archival)."""
    readability_threshold: int = 40
    """Purpose, Scope, Policy and Details reading under this reading-ease score are warned about."""
    ignore: tuple[tuple[str, str], ...] = ()
    """(SOP ID or "", warning code) pairs not to report: "" means every SOP."""
    origins: tuple[tuple[str, str], ...] = ()

    def at(self, key: str) -> str:
        """The Value cell of a Settings key, e.g. ``Settings!B4``."""
        return dict(self.origins).get(key, "Settings!A1")


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    binder_title: str
    owner: str
    help_contact: str
    origin: Origin


@dataclass(frozen=True)
class Step:
    number: str
    """``1``, ``2``, ``2.1`` ... as written by the author."""
    action: str
    responsible: str
    details: str
    caution: str
    type: str
    """``Action``, ``Decision`` or ``End``."""
    if_yes: str
    """For a Decision: the target step number or ``End``."""
    if_no: str
    image: Path | None
    origin: Origin
    go_to: str = ""
    """For an Action: the step number it jumps to, or ``End``; "" flows to the next step."""

    @property
    def level(self) -> int:
        """1 for a main step, 2 for ``2.1``, and so on."""
        return self.number.count(".") + 1

    @property
    def is_decision(self) -> bool:
        return self.type == "Decision"

    @property
    def is_end(self) -> bool:
        return self.type == "End"


@dataclass(frozen=True)
class Role:
    role: str
    responsibility: str
    origin: Origin


@dataclass(frozen=True)
class Definition:
    term: str
    definition: str
    origin: Origin


@dataclass(frozen=True)
class Kpi:
    measure: str
    target: str
    frequency: str
    origin: Origin


@dataclass(frozen=True)
class Faq:
    question: str
    answer: str
    origin: Origin


@dataclass(frozen=True)
class Reference:
    title: str
    link: str
    origin: Origin


@dataclass(frozen=True)
class Revision:
    version: str
    date: date
    author: str
    change: str
    origin: Origin


@dataclass(frozen=True)
class Approval:
    role: str
    name: str
    job_title: str
    date: date | None
    meaning: str
    origin: Origin


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Sop:
    sop_id: str
    title: str
    department: str
    version: str
    status: str
    owner: str
    audience: str
    effective_date: date | None
    review_months: int
    format: str
    purpose: str
    scope: str
    policy: str
    help_contact: str
    related: tuple[str, ...]
    template: Path | None
    origin: Origin
    steps: tuple[Step, ...] = ()
    roles: tuple[Role, ...] = ()
    definitions: tuple[Definition, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    faq: tuple[Faq, ...] = ()
    references: tuple[Reference, ...] = ()
    revisions: tuple[Revision, ...] = ()
    approvals: tuple[Approval, ...] = ()

    @property
    def next_review(self) -> date | None:
        """Effective date plus the review period; None without an effective date."""
        if self.effective_date is None:
            return None
        return add_months(self.effective_date, self.review_months)

    def is_overdue(self, today: date) -> bool:
        due = self.next_review
        return self.status == "Approved" and due is not None and due < today

    @property
    def is_draft(self) -> bool:
        """Draft and In-review SOPs: watermarked, kept out of binders by default."""
        return self.status in ("Draft", "In review")

    @property
    def has_decisions(self) -> bool:
        return any(step.is_decision for step in self.steps)


@dataclass(frozen=True)
class PackEntry:
    sop_id: str
    origin: Origin


@dataclass(frozen=True)
class Pack:
    """A training pack: SOPs in the order of the Training sheet."""

    name: str
    entries: tuple[PackEntry, ...]
    origin: Origin


@dataclass(frozen=True)
class TrainingRecord:
    """One row of the Training records sheet: a person read and understood one version of an SOP."""

    person: str
    """As typed (spaces collapsed); matched trimmed and case-folded."""
    sop_id: str
    version: str
    date: date
    trainer: str
    pack: str
    """The training pack the person follows ("" when the row names none)."""
    origin: Origin


@dataclass(frozen=True)
class Library:
    """Everything a valid workbook holds."""

    source: Path
    sha256: str
    settings: Settings
    departments: tuple[Department, ...]
    sops: tuple[Sop, ...]
    packs: tuple[Pack, ...] = ()
    shared_definitions: tuple[Definition, ...] = field(default=())
    training_records: tuple[TrainingRecord, ...] = ()

    def sop(self, sop_id: str) -> Sop:
        """The SOP with this ID (KeyError when there is none)."""
        return self._sops_by_id[sop_id]

    @cached_property
    def _sops_by_id(self) -> dict[str, Sop]:
        return {s.sop_id: s for s in self.sops}

    def department(self, code: str) -> Department:
        return next(d for d in self.departments if d.code == code)

    @property
    def folder(self) -> Path:
        return self.source.parent
