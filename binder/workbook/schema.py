"""The workbook contract (``docs/workbook.md``) as data.

Reader, validator, ``binder init`` and the docs all read this one table, so
the contract is written down once. Imports ``binder.model`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from binder.model import APPROVAL_ROLES, FORMATS, STATUSES, STEP_TYPES


@dataclass(frozen=True)
class Column:
    header: str
    """The header as printed in row 1 (matched case-insensitively, spaces trimmed)."""
    field: str
    """The attribute name the reader gives the value."""
    required: bool = False
    note: str = ""
    """What goes in the column: the header cell's comment in ``binder init``."""
    width: int = 18
    choices: tuple[str, ...] = ()
    """Allowed values, offered as an Excel dropdown."""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    optional: bool = False
    note: str = ""

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


def _c(
    header: str, field: str, required: bool = False, note: str = "", width: int = 18, choices: tuple[str, ...] = ()
) -> Column:
    return Column(header, field, required, note, width, choices)


SETTING_KEYS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # key: (field, meaning, choices)
    "Organisation": ("organisation", "Printed on covers and page headers.", ()),
    "Logo": ("logo", "Image file (PNG or JPEG), path relative to the workbook.", ()),
    "Paper size": ("paper_size", "A4 or Letter. Default A4.", ("A4", "Letter")),
    "Language": ("language", "en or fr: the language of every fixed label. Default en.", ("en", "fr")),
    "Confidentiality": ("confidentiality", "Footer line on every page, e.g. Internal use only.", ()),
    "Template": (
        "template",
        "Default SOP template .docx, path relative to the workbook. Default: the built-in one.",
        (),
    ),
    "Front template": (
        "front_template",
        "Template .docx of binder covers, contents and changes pages, path relative to the workbook. "
        "Default: the built-in one in the styles of Template.",
        (),
    ),
    "Signature reason": (
        "signature_reason",
        "Reason shown in digital signatures. Default: Issued as controlled copy.",
        (),
    ),
    "Signature location": ("signature_location", "Location shown in digital signatures.", ()),
    "Signature contact": ("signature_contact", "Contact shown in digital signatures.", ()),
    "Flowchart": (
        "flowchart",
        "flow, or swimlanes: a column per Responsible role (a cross-functional flowchart). Default flow.",
        ("flow", "swimlanes"),
    ),
    "PDF/A": (
        "pdf_a",
        "yes: every SOP, binder and training pack PDF is PDF/A-2 (archival: fonts embedded, colour profile). "
        "Default no.",
        ("yes", "no"),
    ),
    "Readability threshold": (
        "readability_threshold",
        "Whole number 0 to 100: Purpose, Scope, Policy and step Details scoring under it (Flesch reading ease, "
        "Kandel-Moles in French) are warned about (readability). Default 40.",
        (),
    ),
    "Ignore warnings": (
        "ignore",
        "Warning codes not to report (docs/workbook.md lists them), separated by commas; "
        "FIN-003: review-overdue silences a code for one SOP only. Entries on separate lines or after semicolons.",
        (),
    ),
}

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Settings",
        (
            _c("Key", "key", True, "A setting name: " + ", ".join(SETTING_KEYS) + ".", 20),
            _c("Value", "value", False, "The setting's value.", 50),
        ),
        optional=True,
        note="Optional settings for the whole workbook.",
    ),
    Sheet(
        "Departments",
        (
            _c("Code", "code", True, "Unique short code: letters, digits and - (at most 64), e.g. FIN.", 10),
            _c("Name", "name", True, "Department name, e.g. Finance.", 22),
            _c(
                "Binder title",
                "binder_title",
                False,
                "Cover title of the binder. Default: <Name> Standard Operating Procedures.",
                40,
            ),
            _c("Owner", "owner", False, "Person accountable for the binder.", 22),
            _c("Help contact", "help_contact", False, "Shown on the binder cover.", 30),
        ),
    ),
    Sheet(
        "SOPs",
        (
            _c("SOP ID", "sop_id", True, "Unique ID: letters, digits, - . _ (at most 64), e.g. FIN-001.", 12),
            _c("Title", "title", True, "Short title of the procedure.", 32),
            _c("Department", "department", True, "A Code from the Departments sheet.", 12),
            _c(
                "Version",
                "version",
                True,
                "Numbers and dots such as 1.0 or 2.3. Type it as text ('1.10) so Excel keeps it.",
                9,
            ),
            _c("Status", "status", True, "Draft, In review, Approved or Retired.", 12, STATUSES),
            _c("Owner", "owner", True, "The SOP owner.", 20),
            _c("Audience", "audience", False, "Who it is for, e.g. Warehouse staff.", 20),
            _c(
                "Effective date",
                "effective_date",
                False,
                "A date (or text 2026-01-31). Required when Status is Approved.",
                14,
            ),
            _c("Review every (months)", "review_months", False, "Whole number 1 to 60. Default 12.", 12),
            _c("Format", "format", False, "Steps (default), Checklist or Flowchart.", 11, FORMATS),
            _c("Purpose", "purpose", True, "Why the procedure exists.", 40),
            _c("Scope", "scope", False, "What it covers and what it does not.", 40),
            _c("Policy", "policy", False, "The general policy it implements.", 40),
            _c("Help contact", "help_contact", False, "How to get help with this SOP.", 28),
            _c("Related SOPs", "related", False, "SOP IDs separated by commas or new lines; each must exist.", 16),
            _c("Template", "template", False, "Template .docx for this SOP only, path relative to the workbook.", 16),
        ),
    ),
    Sheet(
        "Steps",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Step", "step", True, "1, 2, 2.1, 2.2, 3 ... unique within the SOP; a sub-step needs its parent.", 7),
            _c("Action", "action", True, "One instruction starting with a verb. For a Decision: a question.", 45),
            _c(
                "Responsible", "responsible", False, "Role that performs the step; should be in Roles for that SOP.", 20
            ),
            _c("Details", "details", False, "Further explanation.", 40),
            _c("Caution", "caution", False, "A warning printed prominently.", 30),
            _c("Type", "type", False, "Action (default), Decision or End.", 10, STEP_TYPES),
            _c("If yes, go to", "if_yes", False, "For a Decision: a Step of the same SOP, or End.", 10),
            _c("If no, go to", "if_no", False, "For a Decision: a Step of the same SOP, or End.", 10),
            _c("Image", "image", False, "PNG or JPEG file, path relative to the workbook, inside its folder.", 20),
            _c(
                "Go to",
                "go_to",
                False,
                "For an Action: the Step of the same SOP it continues at, or End. Blank: the next step.",
                8,
            ),
        ),
    ),
    Sheet(
        "Roles",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Role", "role", True, "A role that takes part in the SOP.", 24),
            _c("Responsibility", "responsibility", True, "What that role is responsible for.", 60),
        ),
    ),
    Sheet(
        "Definitions",
        (
            _c("SOP ID", "sop_id", False, "An SOP ID; blank means the term applies to every SOP.", 12),
            _c("Term", "term", True, "The term or abbreviation.", 24),
            _c("Definition", "definition", True, "What it means.", 60),
        ),
    ),
    Sheet(
        "KPIs",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Measure", "measure", True, "e.g. First response time.", 32),
            _c("Target", "target", True, "e.g. < 4 business hours.", 24),
            _c("Frequency", "frequency", False, "How often it is measured.", 16),
        ),
    ),
    Sheet(
        "FAQ",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Question", "question", True, "A question staff ask.", 45),
            _c("Answer", "answer", True, "Its answer.", 60),
        ),
    ),
    Sheet(
        "References",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Reference", "reference", True, "Title of the referenced document.", 40),
            _c("Link", "link", False, "An http(s):// address, a mailto: address (the address only), or an SOP ID.", 40),
        ),
    ),
    Sheet(
        "Revisions",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Version", "version", True, "Unique within the SOP; the newest must equal the SOP's Version.", 9),
            _c(
                "Date",
                "date",
                True,
                "A date; versions in date order. The current version's: on or before the Effective date.",
                12,
            ),
            _c("Author", "author", True, "Who made the change.", 20),
            _c("Change", "change", True, "What changed and why.", 60),
        ),
    ),
    Sheet(
        "Approvals",
        (
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Role", "role", True, "Prepared by, Reviewed by or Approved by.", 14, APPROVAL_ROLES),
            _c("Name", "name", True, "Printed name of the signatory.", 22),
            _c("Job title", "job_title", False, "Job title of the signatory.", 24),
            _c(
                "Date",
                "date",
                False,
                "A date; required for Approved by on an Approved SOP: from its current revision's date "
                "to its Effective date.",
                12,
            ),
            _c(
                "Meaning",
                "meaning",
                False,
                "Meaning of the signature. Default: Author, Reviewer or Approver by Role.",
                24,
            ),
        ),
    ),
    Sheet(
        "Training",
        (
            _c(
                "Pack",
                "pack",
                True,
                "Name of the training pack, e.g. New warehouse staff. It names the pack's file: no / or \\.",
                28,
            ),
            _c("SOP ID", "sop_id", True, "An SOP ID; rows keep their order within a pack.", 12),
        ),
        optional=True,
        note="Optional: training packs for onboarding.",
    ),
    Sheet(
        "Training records",
        (
            _c("Person", "person", True, "Who was trained, e.g. Alex Morgan; matched ignoring case and spaces.", 22),
            _c("SOP ID", "sop_id", True, "An SOP ID from the SOPs sheet.", 12),
            _c("Version", "version", True, "The version signed: the SOP's Version or one of its revisions.", 9),
            _c("Date", "date", True, "The date the person signed the read-and-understood sheet.", 12),
            _c("Trainer", "trainer", False, "Who gave the training.", 22),
            _c("Pack", "pack", False, "The training pack the person follows, as named in the Training sheet.", 28),
        ),
        optional=True,
        note="Optional: who was trained on which version of each SOP.",
    ),
)

SHEETS_BY_KEY = {s.name.casefold(): s for s in SHEETS}


def sheet(name: str) -> Sheet:
    """The contract of a sheet by its canonical name."""
    return SHEETS_BY_KEY[name.casefold()]
