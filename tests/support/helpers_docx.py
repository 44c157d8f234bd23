"""Small libraries built straight from the model's dataclasses, and readers of rendered .docx files."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import date
from pathlib import Path

from docx import Document

from binder.model import (
    Approval,
    Definition,
    Department,
    Faq,
    Kpi,
    Library,
    Origin,
    Reference,
    Revision,
    Role,
    Settings,
    Sop,
    Step,
)

ORIGIN = Origin("Test", 2)
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def step(
    number: str,
    action: str,
    responsible: str = "Payroll clerk",
    *,
    details: str = "",
    caution: str = "",
    type_: str = "Action",
    if_yes: str = "",
    if_no: str = "",
    image: Path | None = None,
) -> Step:
    return Step(number, action, responsible, details, caution, type_, if_yes, if_no, image, ORIGIN)


def steps_payroll() -> tuple[Step, ...]:
    """Ten steps with sub-steps, a decision, details and a caution: a realistic procedure."""
    return (
        step(
            "1",
            "Collect the signed timesheets from every department manager.",
            details="Timesheets arrive by e-mail or in the payroll tray by 10:00 on Monday.",
        ),
        step(
            "2",
            "Enter the hours worked into the payroll system.",
            caution="Never enter hours from an unsigned timesheet: return it to the manager.",
        ),
        step(
            "2.1",
            "Check overtime against the approved overtime list.",
            details="Overtime over 10 h needs the department head's written approval.",
        ),
        step("2.2", "Record absences and leave."),
        step("3", "Are all timesheets in?", "Payroll clerk", type_="Decision", if_yes="5", if_no="4"),
        step("4", "Chase the missing timesheets and wait until noon.", "Payroll clerk"),
        step(
            "5",
            "Run the payroll calculation.",
            "Payroll officer",
            details="Use the 'Monthly' profile.\nCompare totals with last month's run.",
        ),
        step(
            "6",
            "Review exceptions over 10 % of usual pay.",
            "Finance manager",
            caution="Stop the run if any net pay is negative.",
        ),
        step("7", "Approve the payroll run.", "Finance manager"),
        step("8", "Send the bank file.", "Payroll officer"),
        step("9", "File the payroll report.", "Payroll clerk"),
        step("10", "End of procedure.", "Payroll clerk", type_="End"),
    )


def make_sop(**changes) -> Sop:
    """A full SOP (every section filled); ``changes`` replace fields."""
    sop = Sop(
        sop_id="FIN-001",
        title="Payroll processing",
        department="FIN",
        version="2.1",
        status="Approved",
        owner="Dana Ruiz",
        audience="Payroll team",
        effective_date=date(2026, 3, 1),
        review_months=12,
        format="Steps",
        purpose="Pay every employee correctly and on time.",
        scope="All salaried and hourly staff in the UK.\nContractors are out of scope.",
        policy="Payroll follows the company pay policy.",
        help_contact="payroll@acme.test, extension 4411",
        related=("OPS-001",),
        template=None,
        origin=ORIGIN,
        steps=steps_payroll(),
        roles=(
            Role("Payroll clerk", "Collects timesheets and enters hours.", ORIGIN),
            Role("Payroll officer", "Runs the payroll and sends the bank file.", ORIGIN),
            Role("Finance manager", "Reviews exceptions and approves the run.", ORIGIN),
        ),
        definitions=(Definition("Gross pay", "Pay before deductions.", ORIGIN),),
        kpis=(
            Kpi("Payroll errors", "0 per month", "Monthly", ORIGIN),
            Kpi("Payroll run on time", "100 %", "Monthly", ORIGIN),
        ),
        faq=(Faq("What if a timesheet is late?", "Chase the manager, then escalate to the finance manager.", ORIGIN),),
        references=(
            Reference("Payroll policy", "https://intranet.acme.test/payroll", ORIGIN),
            Reference("Receiving goods", "OPS-001", ORIGIN),
        ),
        revisions=(
            Revision("1.0", date(2025, 1, 10), "Dana Ruiz", "First issue.", ORIGIN),
            Revision("2.0", date(2026, 1, 5), "Dana Ruiz", "New payroll system.", ORIGIN),
            Revision("2.1", date(2026, 2, 1), "Sam Lee", "Overtime check added (step 2.1).", ORIGIN),
        ),
        approvals=(
            Approval("Prepared by", "Dana Ruiz", "Payroll lead", date(2026, 2, 1), "Author", ORIGIN),
            Approval("Reviewed by", "Sam Lee", "Payroll officer", date(2026, 2, 10), "Reviewer", ORIGIN),
            Approval("Approved by", "Lee Chen", "Chief Financial Officer", date(2026, 2, 20), "Approver", ORIGIN),
        ),
    )
    return dataclasses.replace(sop, **changes)


def other_sop() -> Sop:
    return dataclasses.replace(
        make_sop(),
        sop_id="OPS-001",
        title="Receiving goods",
        department="OPS",
        related=(),
        steps=(step("1", "Check the delivery."),),
        references=(),
    )


def make_library(*sops: Sop, folder: Path = Path("/tmp/binder-test"), **settings) -> Library:
    """A library holding ``sops`` (and OPS-001, the target of related links)."""
    base = {"organisation": "Acme Ltd", "confidentiality": "Internal use only", **settings}
    all_sops = tuple(sops) + (() if any(s.sop_id == "OPS-001" for s in sops) else (other_sop(),))
    return Library(
        source=folder / "book.xlsx",
        sha256="0" * 64,
        settings=Settings(**base),
        departments=(
            Department("FIN", "Finance", "Finance SOPs", "Dana Ruiz", "finance@acme.test", ORIGIN),
            Department("OPS", "Operations", "Operations SOPs", "Sam Lee", "", ORIGIN),
        ),
        sops=all_sops,
        shared_definitions=(
            Definition("SOP", "Standard Operating Procedure.", ORIGIN),
            Definition("Gross pay", "Shared wording that the SOP's own replaces.", ORIGIN),
        ),
    )


def paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph, tables included, in document order."""
    doc = Document(path)
    out = []
    for p in doc.element.body.iter(f"{W_NS}p"):
        style = p.find(f"{W_NS}pPr/{W_NS}pStyle")
        text = printed(p)
        out.append((style.get(f"{W_NS}val") if style is not None else "Normal", text))
    return out


def printed(element) -> str:
    """The text of ``element`` as printed: its ``w:t`` texts, and a hyphen for each non-breaking hyphen of an ID."""
    return "".join(
        "-" if node.tag == f"{W_NS}noBreakHyphen" else node.text or ""
        for node in element.iter(f"{W_NS}t", f"{W_NS}noBreakHyphen")
    )


def headings(path: Path) -> list[str]:
    return [text for style, text in paragraphs(path) if style == "Heading1"]


def table_rows(path: Path) -> list[list[str]]:
    doc = Document(path)
    return [[cell.text.strip() for cell in row.cells] for table in doc.tables for row in table.rows]


def part_xml(path: Path, prefix: str) -> str:
    """The XML of every part whose name starts with ``prefix`` (``word/header``), joined."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in sorted(z.namelist()) if n.startswith(prefix))


def write_png(path: Path, width: int, height: int, rgb: tuple[int, int, int] = (46, 92, 154)) -> Path:
    """A plain-colour PNG at 96 dpi, written without an imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"pHYs", struct.pack(">IIB", 3780, 3780, 1))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path
