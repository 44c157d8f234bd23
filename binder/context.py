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

from binder.assemble import sop_link
from binder.labels import (approval_role_label, format_date, format_label, labels_for, meaning_label,
                           status_label)
from binder.model import Definition, Library, Sop, Step

STEP_IMAGE_MAX_MM = (90.0, 90.0)
"""Width and height a step's picture may take in the procedure table."""
LOGO_HEIGHT_MM = 14.0
_WEB_LINK = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Image:
    """A picture to place where the variable is: ``{{ logo }}``, in a paragraph of its own."""

    path: Path
    max_width_mm: float | None = None
    max_height_mm: float | None = None
    """The picture keeps its proportions and is scaled down to fit within both limits."""


@dataclass(frozen=True)
class Link:
    """Text that is a hyperlink when ``url`` is set; use it as ``{{r ref.linked }}`` (a run of its own)."""

    text: str
    url: str = ""


def sop_context(sop: Sop, library: Library, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the SOP template may use; keys of ``extra`` are added or replace the built ones."""
    lang = library.settings.language
    context: dict[str, Any] = {
        "org": library.settings.organisation,
        "confidentiality": library.settings.confidentiality,
        "lang": lang,
        "paper_size": library.settings.paper_size,
        "labels": dict(labels_for(lang)),
        "logo": _image(library.settings.logo, library, None, LOGO_HEIGHT_MM),
        "department": _department(sop, library),
        "sop": _sop(sop, library, lang),
        "roles": [{"role": r.role, "responsibility": r.responsibility} for r in sop.roles],
        "definitions": _definitions(sop.definitions, library.shared_definitions),
        "steps": [_step(step, lang, library) for step in sop.steps],
        "checklist": [],
        "flowchart": None,
        "kpis": [{"measure": k.measure, "target": k.target, "frequency": k.frequency} for k in sop.kpis],
        "faq": [{"question": f.question, "answer": f.answer} for f in sop.faq],
        "references": [_reference(r.title, r.link, library) for r in sop.references],
        "related": [_related(sop_id, library) for sop_id in sop.related],
        "revisions": [{"version": r.version, "date": format_date(r.date, lang), "author": r.author,
                       "change": r.change} for r in sop.revisions],
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
        "roles": bool(context["roles"]),
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
        "id": sop.sop_id,
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
    return {"code": dept.code, "name": dept.name, "binder_title": dept.binder_title, "owner": dept.owner,
            "help_contact": dept.help_contact}


def _image(path: Path | None, library: Library, max_width_mm: float | None,
           max_height_mm: float | None) -> Image | None:
    """A workbook picture; paths in the workbook are relative to its folder."""
    if path is None:
        return None
    return Image(path if path.is_absolute() else library.folder / path, max_width_mm, max_height_mm)


def _step(step: Step, lang: str, library: Library) -> dict[str, Any]:
    return {
        "number": step.number,
        "level": step.level,
        "action": step.action,
        "responsible": step.responsible,
        "details": step.details,
        "caution": step.caution,
        "type": step.type,
        "is_decision": step.is_decision,
        "is_end": step.type == "End",
        "if_yes": step.if_yes,
        "if_no": step.if_no,
        "decision_text": _decision_text(step, lang) if step.is_decision else "",
        "image": _image(step.image, library, *STEP_IMAGE_MAX_MM),
    }


def _decision_text(step: Step, lang: str) -> str:
    """``Yes → go to step 4 · No → end of the procedure``."""
    labels = labels_for(lang)

    def target(to: str) -> str:
        return labels["end_of_procedure"] if to.casefold() == "end" else f'{labels["go_to_step"]} {to}'

    return f'{labels["yes"]} → {target(step.if_yes)} · {labels["no"]} → {target(step.if_no)}'


def _definitions(own: tuple[Definition, ...], shared: tuple[Definition, ...]) -> list[dict[str, str]]:
    """The SOP's terms and the shared ones, alphabetically; the SOP's own wording wins on a clash."""
    terms: dict[str, Definition] = {}
    for d in (*shared, *own):
        terms[d.term.strip().casefold()] = d
    return [{"term": d.term, "definition": d.definition}
            for _, d in sorted(terms.items(), key=lambda item: item[0])]


def _reference(title: str, link: str, library: Library) -> dict[str, Any]:
    url = link if link.lower().startswith(_WEB_LINK) else ""
    if link and not url and any(s.sop_id == link for s in library.sops):
        url = sop_link(link)
    return {"title": title, "link": link, "url": url, "linked": Link(title, url)}


def _related(sop_id: str, library: Library) -> dict[str, Any]:
    title = next((s.title for s in library.sops if s.sop_id == sop_id), "")
    return {"id": sop_id, "title": title, "linked": Link(f"{sop_id} {title}".strip(), sop_link(sop_id))}


def _approval(approval, lang: str) -> dict[str, str]:
    return {
        "role": approval_role_label(approval.role, lang),
        "role_key": approval.role,
        "name": approval.name,
        "job_title": approval.job_title,
        "date": format_date(approval.date, lang),
        "meaning": meaning_label(approval.meaning, lang),
    }
