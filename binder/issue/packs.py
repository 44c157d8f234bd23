"""Training packs: cover with blank trainee fields, contents, the SOPs exactly as issued,
a read-and-understood acknowledgement sheet, and an Excel training record to keep.

Each acknowledgement row names the SOP's ID and version, so a signature is
tied to the revision the trainee read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.page import PageMargins

from binder.issue import front
from binder.issue.assemble import Document, FrontItem, Part, assemble
from binder.convert.base import Converting as Converter, Job
from binder.document.labels import format_date, labels_for
from binder.output.manifest import PackEntry, pack_from
from binder.output.staging import previous_issue
from binder.files import atomic_write
from binder.model import Library, Pack


@dataclass(frozen=True)
class PackPlan:
    pack: Pack
    path: str
    record: str


def slug(name: str) -> str:
    """A file name for a pack: lower case, letters, digits and dashes."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", name.strip().lower()).strip("-")
    return text or "pack"


def plan_packs(library: Library, only: str | None = None) -> tuple[PackPlan, ...]:
    """Every pack of the Training sheet (or only the one named), with unique file names."""
    plans, used = [], set()
    for pack in library.packs:
        if only is not None and pack.name.casefold() != only.casefold():
            continue
        name, n = slug(pack.name), 2
        while name in used:
            name, n = f"{slug(pack.name)}-{n}", n + 1
        used.add(name)
        plans.append(PackPlan(pack, f"packs/{name}.pdf", f"packs/{name}-record.xlsx"))
    return tuple(plans)


def make_packs(library: Library, all_plans: tuple[PackPlan, ...], pages: dict[str, int], root: Path, linked,
               converter: Converter, progress, issued: date, previous: dict | None = None, out: Path | None = None,
               keys: dict[str, str] | None = None) -> list[PackEntry]:
    """Write each pack's PDF and training record; ``linked(sop_id)`` gives the SOP's PDF as issued.

    A pack whose ``keys`` entry equals the previous build's is not re-issued: its files are kept."""
    keys = keys or {}
    old = {p.get("path"): p for p in (previous or {}).get("packs", [])}
    kept = {plan.path: pack_from(old[plan.path], reused=True) for plan in all_plans
            if out is not None and plan.path in keys
            and previous_issue(out, old.get(plan.path), keys[plan.path], ("path", "record"), root)}
    plans = tuple(p for p in all_plans if p.path not in kept)
    if not plans:
        return [kept[p.path] for p in all_plans]
    work = root / ".work" / "packs"
    labels = labels_for(library.settings.language)
    specs = [front.FrontSpec(plan.path, plan.pack.name, labels["training_pack"], {},
                             tuple(e.sop_id for e in plan.pack.entries), template=front.PACK_TEMPLATE)
             for plan in plans]
    fronts = front.make_fronts(library, specs, pages, work, converter, issued)
    acks = _acknowledgements(library, plans, specs, work, converter, issued)
    (root / "packs").mkdir(exist_ok=True)
    advance = progress.stage("Packs", len(plans))
    made = []
    for plan in plans:
        made_front = fronts[plan.path]
        sop_ids = tuple(e.sop_id for e in plan.pack.entries)
        doc = Document(title=f"{labels['training_pack']}: {plan.pack.name}", author=library.settings.organisation,
                       subject=f"{labels['training_pack']} {plan.pack.name}, issued {issued.isoformat()}",
                       top_bookmark=plan.pack.name, front=made_front.pdf,
                       front_items=tuple(FrontItem(t, p) for t, p in made_front.items),
                       parts=tuple(Part(i, f"{i} {library.sop(i).title}", linked(i)) for i in sop_ids),
                       back=acks[plan.path], back_title=labels["acknowledgement"])
        result = assemble(doc, root / plan.path)
        write_record(library, plan, root / plan.record, issued)
        made.append(PackEntry(plan.pack.name, plan.path, result.pages, sop_ids, plan.record, issued.isoformat(),
                              keys.get(plan.path, "")))
        advance()
    fresh = {m.path: m for m in made}
    return [kept.get(p.path) or fresh[p.path] for p in all_plans]


def _acknowledgements(library: Library, plans, specs, work: Path, converter: Converter, issued: date) -> dict[str, Path]:
    jobs = []
    for plan, spec in zip(plans, specs):
        docx = work / f"{Path(plan.path).stem}-ack.docx"
        ack = front.FrontSpec(spec.key, spec.title, spec.subtitle, {}, spec.sop_ids, template=front.ACK_TEMPLATE)
        front.render_front(library, ack, {}, issued, docx)
        jobs.append(Job(f"acknowledgement of {plan.pack.name}", docx, docx.with_suffix(".pdf")))
    converter.convert(jobs)
    return {plan.path: job.pdf for plan, job in zip(plans, jobs)}


def acknowledgement_rows(library: Library, pack: Pack) -> list[tuple[str, str, str, str]]:
    """(SOP ID, title, version, effective date) for each SOP of the pack, in the sheet's order."""
    lang = library.settings.language
    rows = []
    for entry in pack.entries:
        sop = library.sop(entry.sop_id)
        rows.append((sop.sop_id, sop.title, sop.version, format_date(sop.effective_date, lang) if sop.effective_date else ""))
    return rows


def write_record(library: Library, plan: PackPlan, path: Path, issued: date) -> Path:
    """The Excel training record: the acknowledgement's rows, for the trainer to fill in and keep."""
    labels = labels_for(library.settings.language)
    wb = Workbook()
    ws = wb.active
    ws.title = "Training record"
    bold = Font(bold=True)
    ws.append([labels["training_pack"], plan.pack.name])
    ws.append([labels["organisation"], library.settings.organisation])
    ws.append([labels["date_of_issue"], issued])
    ws["B3"].number_format = "yyyy-mm-dd"
    for label in ("trainee_name", "start_date", "trainer"):
        ws.append([labels[label], None])
    ws.append([])
    headers = [labels["sop_id"], labels["title"], labels["version"], labels["effective_date"],
               labels["trainee_initials"], labels["date"]]
    ws.append(headers)
    header_row = ws.max_row
    for row in acknowledgement_rows(library, plan.pack):
        ws.append(list(row) + [None, None])
    thin = Side(style="thin", color="999999")
    for row in ws.iter_rows(min_row=header_row, max_row=ws.max_row, max_col=len(headers)):
        for cell in row:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[header_row]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r in range(1, 7):
        ws.cell(r, 1).font = bold
    for letter, width in zip("ABCDEF", (16, 48, 10, 16, 16, 14)):
        ws.column_dimensions[letter].width = width
    for column in "CD":  # versions stay text, so 1.10 is not read back as 1.1
        for cell in ws[column][header_row:]:
            cell.number_format = "@"
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_margins = PageMargins(left=0.5, right=0.5)
    ws.print_title_rows = f"{header_row}:{header_row}"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, wb.save)
    return path
