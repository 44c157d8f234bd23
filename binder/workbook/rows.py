"""One row of a child sheet → a record: steps, references (with the link rules), revisions and
approvals; and ``Gaps`` and ``AboutSop``, which validation uses to report each mistake once and
to tag problems with their SOP.

May import ``binder.model``, ``binder.problems`` and its own package only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote

from binder.model import APPROVAL_ROLES, DEFAULT_MEANINGS, STEP_TYPES, Approval, Reference, Revision, Sop, Step
from binder.problems import Location, Problems
from binder.workbook import values as v
from binder.workbook.names import shown
from binder.workbook.reader import RawRow
from binder.workbook.values import origin

_STEP = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})*")
_WEB = re.compile(r"https?://[^\s/$.?#][^\s]*|mailto:[^\s@]+@[^\s@]+", re.IGNORECASE)
SOP_ID = re.compile(r"[A-Za-z0-9._-]+")
"""What an SOP ID may hold; a References Link of this form names an SOP."""
_ONE_ADDRESS = re.compile(r'[^\s@?%,;<>"\x00-\x1f\x7f]+@[\w.-]+')
"""A ``mailto:`` link's address, decoded: one address, no header fields, no second recipient."""


@dataclass
class Gaps:
    """What could not be read, so that rules which would call something missing stay quiet about it."""

    unread: frozenset[str]
    """Sheets missing, lacking a required column or too long: their rows are checked but not used."""
    anywhere: set[str] = field(default_factory=set)
    """Sheets with a row left out that could belong to any SOP (or, for SOPs and Departments, any ID)."""
    about: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """SOP ID → sheets with one of its rows left out, and flags (``rules.BAD_VERSION``, ``rules.AMBIGUOUS``)."""

    def __post_init__(self) -> None:
        self.anywhere |= set(self.unread)

    def of(self, sop_id: str) -> frozenset[str]:
        return frozenset(self.anywhere | self.about.get(sop_id, set()))


class AboutSop:
    """``Problems`` that tags every problem with one SOP's ID (for per-SOP ``ignore``)."""

    def __init__(self, problems: Problems, sop_id: str) -> None:
        self._problems, self._sop_id = problems, sop_id

    def error(self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = "") -> None:
        self._problems.error(where, message, hint, code=code, sop_id=sop_id or self._sop_id)

    def warning(self, where: str | Location, message: str, hint: str = "", *, code: str = "", sop_id: str = "") -> None:
        self._problems.warning(where, message, hint, code=code, sop_id=sop_id or self._sop_id)


def step_row(row: RawRow, folder, problems) -> Step | None:
    number_cell = row.get("step")
    number: str | None = v.text(number_cell).strip()
    if number and not _STEP.fullmatch(number):
        problems.error(
            number_cell.coord,
            f'Step "{shown(number)}" must be a number such as 3 or 2.1',
            "number the steps 1, 2, 3 and their sub-steps 2.1, 2.2",
            code="bad-step-number",
        )
        number = None
    step_type = v.choice(row.get("type"), problems, "Type", STEP_TYPES, "")
    image = v.image_path(row.get("image"), folder, problems, "Image")
    if number is None or (not step_type and not row.get("type").blank):
        return None
    return Step(
        number=number,
        action=v.text(row.get("action")),
        responsible=v.text(row.get("responsible")),
        details=v.text(row.get("details")),
        caution=v.text(row.get("caution")),
        type=step_type or "Action",
        if_yes=target(row.get("if_yes")),
        if_no=target(row.get("if_no")),
        image=image,
        origin=origin(row),
        go_to=target(row.get("go_to")),
    )


def target(cell) -> str:
    value = v.text(cell).strip()
    return "End" if value.casefold() == "end" else value


def reference_row(row: RawRow, known: dict[str, Sop], problems, gaps: Gaps) -> Reference:
    """A reference; its Link an http(s) or mailto: address (the address only), or the ID of an SOP of the workbook."""
    link_cell = row.get("link")
    link = v.text(link_cell).strip()
    extra = mail_extra(link)
    if extra:
        problems.error(
            link_cell.coord,
            f'Link "{shown(link, 80)}" {extra}',
            "give the address only, e.g. mailto:help@example.com",
            code="bad-link",
        )
        link = ""
    elif link and not _WEB.fullmatch(link) and SOP_ID.fullmatch(link):
        match = find_sop(link, known)
        if match is None and "SOPs" not in gaps.anywhere:
            problems.error(
                link_cell.coord,
                f'Link "{shown(link)}" is not an SOP ID of the SOPs sheet',
                "give the ID of an SOP of this workbook, or a full address such as https://…",
                code="unknown-sop",
            )
        link = match or ""
    elif link and not _WEB.fullmatch(link):
        problems.error(
            link_cell.coord,
            f'Link "{link}" is not an http(s):// or mailto: address or an SOP ID',
            "e.g. https://intranet.example.com/policy, mailto:help@example.com or FIN-001",
            code="bad-link",
        )
        link = ""
    return Reference(v.text(row.get("reference")), link, origin(row))


def mail_extra(link: str) -> str:
    """Why a ``mailto:`` link is more than one address (``?bcc=…``, percent-encoded or not), or ""."""
    if link[:7].casefold() != "mailto:":
        return ""
    decoded = link[7:]
    for _ in range(5):  # %253F is %3F is ?
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    if "?" in decoded:
        return f"carries more than an e-mail address (?{shown(decoded.partition('?')[2], 30)})"
    if "@" in decoded and not _ONE_ADDRESS.fullmatch(decoded):
        return "is not one plain e-mail address"
    return ""


def revision_row(row: RawRow, problems) -> Revision | None:
    version = v.version(row.get("version"), problems) if not row.get("version").blank else ""
    when = v.a_date(row.get("date"), problems, "Date")
    if when is None or version is None:
        return None
    return Revision(version, when, v.text(row.get("author")), v.text(row.get("change")), origin(row))


def approval_row(row: RawRow, problems) -> Approval | None:
    role = v.choice(row.get("role"), problems, "Role", APPROVAL_ROLES, "")
    when = v.a_date(row.get("date"), problems, "Date")
    if not role or (when is None and not row.get("date").blank):
        return None
    return Approval(
        role,
        v.text(row.get("name")),
        v.text(row.get("job_title")),
        when,
        v.text(row.get("meaning")) or DEFAULT_MEANINGS[role],
        origin(row),
    )


def find_sop(sop_id: str, known) -> str | None:
    """The ID as the SOPs sheet spells it (matched case-insensitively), or None."""
    if sop_id in known:
        return sop_id
    return next((k for k in known if k.casefold() == sop_id.casefold()), None)
