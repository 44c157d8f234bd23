"""The template context of one SOP: plain strings, lists, dicts and booleans built from the model.

Templates never see model objects. Two small records stand for things only
the renderer can make, because they need the document being rendered:
``Image`` (a picture) and ``Link`` (a hyperlink). ``render`` turns them into
docxtpl objects; everything else reaches the template as it is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from binder.document.labels import (
    approval_role_label,
    format_date,
    format_label,
    labels_for,
    meaning_label,
    status_label,
)
from binder.document.links import sop_link
from binder.model import Definition, Library, Sop, Step
from binder.text import NON_BREAKING_HYPHEN, unbreakable
from binder.workbook.flow import jumps, short

STEP_IMAGE_MAX_MM = {"Checklist": (70.0, 100.0), "Steps": (110.0, 100.0), "Flowchart": (110.0, 100.0)}
"""Width and height a step's picture may take: the text width of the Action column of the built-in template."""
LOGO_MAX_MM = (30.0, 12.0)
"""The logo in the page header: at most 12 mm high, 30 mm wide."""
MATRIX_MARK = "\u25cf"
"""● marks who performs a step in the roles matrix (in Carlito and Calibri, so no symbol font is needed)."""
MATRIX_ACTION_CHARS = 60
JUMP_STEP_WORD = {"en": "step", "fr": "étape"}
"""The word before a step number in a jump ("→ step 6", "→ étape 6"); the end is ``labels.flow_end``."""
WEB_LINK_SCHEMES = ("http://", "https://", "mailto:")
"""The schemes a link in a document may have: the PDFs and the site follow the same rule."""


@dataclass(frozen=True)
class Image:
    """A picture to place where the variable is: ``{{ logo }}``, in a paragraph of its own."""

    path: Path
    max_width_mm: float | None = None
    max_height_mm: float | None = None
    """The picture keeps its proportions and is scaled down to fit within both limits."""


@dataclass(frozen=True)
class Link:
    """Text that is a hyperlink when ``url`` is set; use it as ``{{r ref.linked }}`` (a run of its own).

    ``before`` and ``after`` are plain text printed around the linked ``text``; ``style`` is the
    character style of the linked text. LibreOffice exports a link to the PDF only when its run has a
    character style, so a link always gets one.
    """

    text: str
    url: str = ""
    before: str = ""
    after: str = ""
    style: str = "Hyperlink"

    def __str__(self) -> str:
        return self.before + self.text + self.after


def sop_context(sop: Sop, library: Library, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the SOP template may use; keys of ``extra`` are added or replace the built ones."""
    lang = library.settings.language
    context: dict[str, Any] = {
        "org": library.settings.organisation,
        "confidentiality": library.settings.confidentiality,
        "lang": lang,
        "paper_size": library.settings.paper_size,
        "labels": dict(labels_for(lang)),
        "logo": _image(library.settings.logo, library, *LOGO_MAX_MM),
        "department": _department(sop, library),
        "sop": _sop(sop, library, lang),
        "roles": [{"role": r.role, "responsibility": r.responsibility} for r in sop.roles],
        "definitions": _definitions(sop.definitions, library.shared_definitions),
        "steps": [
            _step(
                step,
                lang,
                library,
                STEP_IMAGE_MAX_MM.get(sop.format, STEP_IMAGE_MAX_MM["Steps"]),
                last=index == len(sop.steps) - 1,
            )
            for index, step in enumerate(sop.steps)
        ],
        "checklist": [],
        "matrix": roles_matrix(sop),
        "flowchart": None,
        "kpis": [{"measure": k.measure, "target": k.target, "frequency": k.frequency} for k in sop.kpis],
        "faq": [{"question": f.question, "answer": f.answer} for f in sop.faq],
        "references": [_reference(r.title, r.link, sop, library) for r in sop.references],
        "related": [_related(sop_id, sop, library) for sop_id in sop.related],
        "revisions": [
            {"version": r.version, "date": format_date(r.date, lang), "author": r.author, "change": r.change}
            for r in sop.revisions
        ],
        "approvals": [_approval(a, lang) for a in sop.approvals],
    }
    if sop.format == "Checklist":
        context["checklist"] = context["steps"]
    context.update({k: v for k, v in (extra or {}).items() if k != "has"})
    context["has"] = {**sections_present(context), **dict((extra or {}).get("has", {}))}
    return context


def sections_present(context: Mapping[str, Any]) -> dict[str, bool]:
    """Which optional parts have content, so that the template leaves the others out."""
    sop = context["sop"]
    return {
        "contents": True,
        "logo": bool(context["logo"]),
        "purpose": bool(sop["purpose"]),
        "scope": bool(sop["scope"]),
        "policy": bool(sop["policy"]),
        "roles": bool(context["roles"] or context["matrix"]["rows"]),
        "matrix": bool(context["matrix"]["rows"]),
        "definitions": bool(context["definitions"]),
        "procedure": bool(context["steps"] or context["checklist"] or context["flowchart"]),
        "flowchart": bool(context["flowchart"]),
        "checklist": bool(context["checklist"]),
        "kpis": bool(context["kpis"]),
        "faq": bool(context["faq"]),
        "references": bool(context["references"] or context["related"]),
        "related": bool(context["related"]),
        "help": bool(sop["help_contact"]),
        "revisions": bool(context["revisions"]),
        "approvals": bool(context["approvals"]),
    }


def _sop(sop: Sop, library: Library, lang: str) -> dict[str, Any]:
    dept = _department(sop, library)
    return {
        # Printed IDs never wrap at their hyphen ("FIN-/001"): see binder.document.ooxml.keep_hyphens.
        "id": unbreakable(sop.sop_id),
        "title": sop.title,
        "version": sop.version,
        "status": sop.status,
        "status_label": status_label(sop.status, lang),
        "is_draft": sop.is_draft,
        "owner": sop.owner,
        "audience": sop.audience,
        "effective_date": format_date(sop.effective_date, lang),
        "next_review": format_date(sop.next_review, lang),
        "review_months": sop.review_months,
        "format": sop.format,
        "format_label": format_label(sop.format, lang),
        "purpose": sop.purpose,
        "scope": sop.scope,
        "policy": sop.policy,
        # Without its own contact, an SOP points readers at its department's.
        "help_contact": sop.help_contact or dept["help_contact"],
        "department": sop.department,
        "department_name": dept["name"],
    }


def _department(sop: Sop, library: Library) -> dict[str, str]:
    dept = next((d for d in library.departments if d.code == sop.department), None)
    if dept is None:
        return {"code": sop.department, "name": sop.department, "binder_title": "", "owner": "", "help_contact": ""}
    return {
        "code": dept.code,
        "name": dept.name,
        "binder_title": dept.binder_title,
        "owner": dept.owner,
        "help_contact": dept.help_contact,
    }


def _image(
    path: Path | None, library: Library, max_width_mm: float | None, max_height_mm: float | None
) -> Image | None:
    """A workbook picture; paths in the workbook are relative to its folder."""
    if path is None:
        return None
    return Image(path if path.is_absolute() else library.folder / path, max_width_mm, max_height_mm)


def _step(
    step: Step, lang: str, library: Library, image_mm: tuple[float, float], *, last: bool = False
) -> dict[str, Any]:
    return {
        "number": step.number,
        "level": step.level,
        "action": step.action,
        "responsible": step.responsible,
        "details": step.details,
        "caution": step.caution,
        "type": step.type,
        "is_decision": step.is_decision,
        "is_end": step.is_end,
        "if_yes": step.if_yes,
        "if_no": step.if_no,
        "decision_text": _decision_text(step, lang) if step.is_decision else "",
        "go_to": step.go_to if jumps(step) else "",
        "go_to_text": _go_to_text(step, lang, last),
        "image": _image(step.image, library, *image_mm),
        "image_caption": labels_for(lang)["figure_step"].format(number=step.number) if step.image else "",
    }


def _decision_text(step: Step, lang: str) -> str:
    """``Yes → go to step 4 · No → end of the procedure``."""
    labels = labels_for(lang)

    def target(to: str) -> str:
        return labels["end_of_procedure"] if to.casefold() == "end" else f"{labels['go_to_step']} {to}"

    return f"{labels['yes']} → {target(step.if_yes)} · {labels['no']} → {target(step.if_no)}"


def _go_to_text(step: Step, lang: str, last: bool) -> str:
    """Where the procedure goes after a step that does not go on to the next: ``→ step 6``, ``→ End``.

    An Action's Go to, and an End step that is not the last step (the reader would read on); else "".
    """
    if jumps(step):
        target = step.go_to
    elif step.is_end and not last:
        target = "End"
    else:
        return ""
    if target.casefold() == "end":
        return f"→ {labels_for(lang)['flow_end']}"
    return f"→ {JUMP_STEP_WORD.get(lang, JUMP_STEP_WORD['en'])} {target}"


def _definitions(own: tuple[Definition, ...], shared: tuple[Definition, ...]) -> list[dict[str, str]]:
    """The SOP's terms and the shared ones, alphabetically; the SOP's own wording wins on a clash."""
    terms: dict[str, Definition] = {}
    for d in (*shared, *own):
        terms[d.term.strip().casefold()] = d
    return [{"term": d.term, "definition": d.definition} for _, d in sorted(terms.items(), key=lambda item: item[0])]


def roles_matrix(sop: Sop) -> dict[str, Any]:
    """Who performs each step: columns are the SOP's roles (Roles sheet order), then any other Responsible.

    Names match case-insensitively; a column keeps the Roles sheet's spelling. Empty (no rows) when no
    step has a Responsible.
    """
    if not any(step.responsible.strip() for step in sop.steps):
        return {"roles": [], "rows": []}
    columns: dict[str, str] = {}
    for name in [r.role for r in sop.roles] + [s.responsible for s in sop.steps]:
        if name.strip():
            columns.setdefault(name.strip().casefold(), name.strip())
    rows = [
        {
            "number": step.number,
            "level": step.level,
            "action": short(step.action, MATRIX_ACTION_CHARS),
            "marks": [MATRIX_MARK if key == step.responsible.strip().casefold() else "" for key in columns],
        }
        for step in sop.steps
    ]
    return {"roles": list(columns.values()), "rows": rows}


def _reference(title: str, link: str, sop: Sop, library: Library) -> dict[str, Any]:
    """A References row: a web or mail link, or a cross-reference when ``link`` is an SOP ID."""
    target = _find(library, link) if link else None
    if target is not None:
        xref = cross_reference(target, sop, library)
        # The SOP's own title is printed; the author's wording only when it says something else.
        note = title if title.strip().casefold() != target.title.strip().casefold() else ""
        return {
            "title": title,
            "link": link,
            "url": xref["url"],
            "linked": xref["linked"],
            "text": xref["text"],
            "note": note,
            "is_sop": True,
            "kind": xref["kind"],
        }
    url = link if link.lower().startswith(WEB_LINK_SCHEMES) else ""
    note = link if link and link != title else ""
    return {
        "title": title,
        "link": link,
        "url": url,
        "linked": Link(title, url),
        "text": title,
        "note": note,
        "is_sop": False,
        "kind": "web" if url else "text",
    }


def _related(sop_id: str, sop: Sop, library: Library) -> dict[str, Any]:
    target = _find(library, sop_id)
    if target is None:
        return {
            "id": sop_id,
            "title": "",
            "status": "",
            "department": "",
            "kind": "unknown",
            "url": "",
            "text": sop_id,
            "linked": Link(unbreakable(sop_id)),
        }
    xref = cross_reference(target, sop, library)
    return {"id": sop_id, "title": target.title, "status": target.status, "department": target.department, **xref}


def cross_reference(target: Sop, sop: Sop, library: Library) -> dict[str, Any]:
    """How ``sop`` refers to ``target``, so that the words are right wherever the same PDF is issued.

    - ``same``: Approved, same department, so in the same binder: a link (a jump inside the binder).
    - ``other``: Approved, another department: "see ID Title (Dept binder)", still carrying the link,
      which becomes a jump in a training pack that holds both and is removed where the target is absent.
    - ``unavailable``: not Approved (Draft, In review, Retired): plain text with its status, no link.
    """
    lang = library.settings.language
    labels = labels_for(lang)
    name = f"{unbreakable(target.sop_id)} {target.title}".strip()
    if target.status != "Approved":
        linked = Link(name, after=f" ({status_label(target.status, lang)})")
        kind = "unavailable"
    elif target.department == sop.department:
        linked, kind = Link(name, sop_link(target.sop_id)), "same"
    else:
        department = _department(target, library)["name"]
        linked = Link(
            name,
            sop_link(target.sop_id),
            before=f"{labels['see']} ",
            after=f" ({labels['binder_of'].format(department=department)})",
            style="CrossReference",
        )
        kind = "other"
    return {"kind": kind, "url": linked.url, "text": str(linked).replace(NON_BREAKING_HYPHEN, "-"), "linked": linked}


def _find(library: Library, sop_id: str) -> Sop | None:
    return next((s for s in library.sops if s.sop_id == sop_id), None)


def _approval(approval, lang: str) -> dict[str, str]:
    return {
        "role": approval_role_label(approval.role, lang),
        "role_key": approval.role,
        "name": approval.name,
        "job_title": approval.job_title,
        "date": format_date(approval.date, lang),
        "meaning": meaning_label(approval.meaning, lang),
    }
