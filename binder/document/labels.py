"""Every fixed word the documents print, in each supported language, and dates written per language.

Templates reach these as ``labels.<key>``. Keys never shadow a ``dict``
method (``items``, ``get`` ...), because Jinja looks attributes up before keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"

_EN: dict[str, str] = {
    # The SOP: title block and document control
    "standard_operating_procedure": "Standard Operating Procedure",
    "standard_operating_procedures": "Standard Operating Procedures",
    "sop_id": "SOP ID",
    "title": "Title",
    "version": "Version",
    "status": "Status",
    "owner": "Owner",
    "audience": "Audience",
    "department": "Department",
    "effective_date": "Effective date",
    "next_review": "Next review",
    "review_every": "Review every",
    "months": "months",
    "format": "Format",
    "help_contact": "Help contact",
    "not_set": "—",
    "colon": ":",
    # Section titles
    "contents": "Contents",
    "toc_placeholder": "Right-click to update the table of contents.",
    "purpose": "Purpose",
    "scope": "Scope",
    "policy": "Policy",
    "roles": "Roles and responsibilities",
    "definitions": "Definitions",
    "procedure": "Procedure",
    "flowchart": "Flowchart",
    "checklist": "Checklist",
    "kpis": "Performance measures",
    "faq": "Frequently asked questions",
    "references": "References",
    "related_sops": "Related SOPs",
    "help": "How to get help",
    "revisions": "Revision history",
    "approvals": "Approvals",
    # Table headings
    "role": "Role",
    "responsibility": "Responsibility",
    "term": "Term",
    "definition": "Definition",
    "step": "Step",
    "action": "Action",
    "responsible": "Responsible",
    "details": "Details",
    "caution": "Caution",
    "done": "Done",
    "measure": "Measure",
    "target": "Target",
    "frequency": "Frequency",
    "question": "Question",
    "answer": "Answer",
    "reference": "Reference",
    "link": "Link",
    "date": "Date",
    "author": "Author",
    "change": "Change",
    "printed_name": "Printed name",
    "job_title": "Job title",
    "meaning": "Meaning of signature",
    "signature": "Signature",
    # Decisions in the procedure
    "yes": "Yes",
    "no": "No",
    "flow_start": "Start",
    "flow_end": "End",
    "go_to_step": "go to step",
    "end_of_procedure": "end of the procedure",
    # Roles matrix, figures and cross-references
    "roles_matrix": "Who performs each step",
    "figure_step": "Figure — step {number}",
    "figure_flowchart": "Figure — flowchart of the procedure",
    "flow_continued_next": "Continued on next page",
    "flow_continued_from": "Continued from previous page",
    "flow_to_step": "to step {number}",
    "flow_from_step": "from step {numbers}",
    "flow_no_role": "No role given",
    "alt_flowchart": "Flowchart of the procedure, {paths} from Start.",
    "alt_paths": "{count} paths",
    "alt_one_path": "one path",
    "alt_path": "Path {number}:",
    "alt_if": "if {answer},",
    "alt_back": "back to step {number}",
    "alt_ends": "ends at {end}",
    "alt_more": "More paths are given in the procedure table.",
    "alt_part": "Flowchart of the procedure, part {part} of {parts}.",
    "see": "see",
    "binder_of": "{department} binder",
    # Page furniture
    "page": "Page",
    "of": "of",
    "draft_watermark": "DRAFT",
    "draft_notice": "DRAFT — not approved for use",
    # Statuses, formats, approval roles and default meanings of a signature
    "status_draft": "Draft",
    "status_in_review": "In review",
    "status_approved": "Approved",
    "status_retired": "Retired",
    "format_steps": "Steps",
    "format_checklist": "Checklist",
    "format_flowchart": "Flowchart",
    "prepared_by": "Prepared by",
    "reviewed_by": "Reviewed by",
    "approved_by": "Approved by",
    "meaning_author": "Author",
    "meaning_reviewer": "Reviewer",
    "meaning_approver": "Approver",
    # Binder front matter
    "binder": "Binder",
    "date_of_issue": "Date of issue",
    "issued": "Issued",
    "sops_in_binder": "SOPs in this binder",
    "changes_in_issue": "Changes in this issue",
    "changes_since": "Changes since the issue of {date}.",
    "no_longer_in_workbook": "No longer in the workbook.",
    "status_now": "Now {status}.",
    "added": "Added",
    "removed": "Removed",
    "revised": "Revised",
    "no_changes": "No SOP was added, removed or revised.",
    "redline_heading": "What changed",
    "redline_legend": "Inserted words are underlined, deleted words are struck through:",
    "redline_inserted": "inserted",
    "redline_deleted": "deleted",
    "redline_not_recorded": "No content was recorded for version {version}: only the change text above is listed.",
    "redline_unverified": "The content recorded for version {version} could not be verified: only the change text above is listed.",
    "redline_same_content": "Only the version changed: the content is the same.",
    "redline_added": "added",
    "redline_removed": "removed",
    "redline_reworded": "reworded",
    "redline_was": "(was {old})",
    "redline_type": "Type",
    "redline_picture": "Picture",
    "signature_block": "Electronic signature of the issuing organisation:",
    # Training packs
    "training_pack": "Training pack",
    "trainee": "Trainee",
    "trainer": "Trainer",
    "start_date": "Start date",
    "read_and_understood": "Read and understood",
    "sops_in_pack": "SOPs in this pack",
    "trainee_name": "Trainee name",
    "trainee_initials": "Trainee's initials",
    "acknowledgement": "Read-and-understood acknowledgement",
    "acknowledgement_text": "I have read and understood the procedures listed below and will follow them.",
    "initials": "Initials",
    "organisation": "Organisation",
}

_FR: dict[str, str] = {
    "standard_operating_procedure": "Procédure opératoire normalisée",
    "standard_operating_procedures": "Procédures opératoires normalisées",
    "sop_id": "Réf. procédure",
    "title": "Titre",
    "version": "Version",
    "status": "Statut",
    "owner": "Responsable",
    "audience": "Public visé",
    "department": "Service",
    "effective_date": "Date d'entrée en vigueur",
    "next_review": "Prochaine révision",
    "review_every": "Révision tous les",
    "months": "mois",
    "format": "Format",
    "help_contact": "Contact d'assistance",
    "not_set": "—",
    "colon": "\u00a0:",
    "contents": "Sommaire",
    "toc_placeholder": "Clic droit pour mettre à jour la table des matières.",
    "purpose": "Objet",
    "scope": "Domaine d'application",
    "policy": "Politique",
    "roles": "Rôles et responsabilités",
    "definitions": "Définitions",
    "procedure": "Procédure",
    "flowchart": "Logigramme",
    "checklist": "Liste de contrôle",
    "kpis": "Indicateurs de performance",
    "faq": "Questions fréquentes",
    "references": "Références",
    "related_sops": "Procédures associées",
    "help": "Obtenir de l'aide",
    "revisions": "Historique des révisions",
    "approvals": "Approbations",
    "role": "Rôle",
    "responsibility": "Responsabilité",
    "term": "Terme",
    "definition": "Définition",
    "step": "Étape",
    "action": "Action",
    "responsible": "Responsable",
    "details": "Détails",
    "caution": "Attention",
    "done": "Fait",
    "measure": "Indicateur",
    "target": "Objectif",
    "frequency": "Fréquence",
    "question": "Question",
    "answer": "Réponse",
    "reference": "Référence",
    "link": "Lien",
    "date": "Date",
    "author": "Auteur",
    "change": "Modification",
    "printed_name": "Nom en capitales",
    "job_title": "Fonction",
    "meaning": "Portée de la signature",
    "signature": "Signature",
    "yes": "Oui",
    "no": "Non",
    "flow_start": "Début",
    "flow_end": "Fin",
    "go_to_step": "aller à l'étape",
    "end_of_procedure": "fin de la procédure",
    "roles_matrix": "Qui réalise chaque étape",
    "figure_step": "Figure — étape {number}",
    "figure_flowchart": "Figure — logigramme de la procédure",
    "flow_continued_next": "Suite à la page suivante",
    "flow_continued_from": "Suite de la page précédente",
    "flow_to_step": "vers l'étape {number}",
    "flow_from_step": "depuis l'étape {numbers}",
    "flow_no_role": "Rôle non précisé",
    "alt_flowchart": "Logigramme de la procédure, {paths} depuis le début.",
    "alt_paths": "{count} chemins",
    "alt_one_path": "un chemin",
    "alt_path": "Chemin {number} :",
    "alt_if": "si {answer},",
    "alt_back": "retour à l'étape {number}",
    "alt_ends": "se termine à {end}",
    "alt_more": "Les autres chemins figurent dans le tableau de la procédure.",
    "alt_part": "Logigramme de la procédure, partie {part} sur {parts}.",
    "see": "voir",
    "binder_of": "classeur {department}",
    "page": "Page",
    "of": "sur",
    "draft_watermark": "PROJET",
    "draft_notice": "PROJET — non approuvé, ne pas appliquer",
    "status_draft": "Brouillon",
    "status_in_review": "En relecture",
    "status_approved": "Approuvée",
    "status_retired": "Retirée",
    "format_steps": "Étapes",
    "format_checklist": "Liste de contrôle",
    "format_flowchart": "Logigramme",
    "prepared_by": "Rédigé par",
    "reviewed_by": "Vérifié par",
    "approved_by": "Approuvé par",
    "meaning_author": "Auteur",
    "meaning_reviewer": "Vérificateur",
    "meaning_approver": "Approbateur",
    "binder": "Classeur",
    "date_of_issue": "Date d'émission",
    "issued": "Émis le",
    "sops_in_binder": "Procédures de ce classeur",
    "changes_in_issue": "Modifications de cette édition",
    "changes_since": "Modifications depuis l'édition du {date}.",
    "no_longer_in_workbook": "Ne figure plus dans le classeur Excel.",
    "status_now": "Désormais : {status}.",
    "added": "Ajoutée",
    "removed": "Supprimée",
    "revised": "Révisée",
    "no_changes": "Aucune procédure n'a été ajoutée, supprimée ni révisée.",
    "redline_heading": "Ce qui a changé",
    "redline_legend": "Les mots ajoutés sont soulignés, les mots supprimés sont barrés :",
    "redline_inserted": "ajouté",
    "redline_deleted": "supprimé",
    "redline_not_recorded": "Aucun contenu n'a été enregistré pour la version {version} : seul le texte de la modification ci-dessus est indiqué.",
    "redline_unverified": "Le contenu enregistré pour la version {version} n'a pas pu être vérifié : seul le texte de la modification ci-dessus est indiqué.",
    "redline_same_content": "Seule la version a changé : le contenu est le même.",
    "redline_added": "ajout",
    "redline_removed": "suppression",
    "redline_reworded": "reformulation",
    "redline_was": "(auparavant {old})",
    "redline_type": "Type",
    "redline_picture": "Image",
    "signature_block": "Signature électronique de l'organisation émettrice\u00a0:",
    "training_pack": "Parcours de formation",
    "trainee": "Apprenant",
    "trainer": "Formateur",
    "start_date": "Date de début",
    "read_and_understood": "Lu et compris",
    "sops_in_pack": "Procédures de ce parcours",
    "trainee_name": "Nom de l'apprenant",
    "trainee_initials": "Initiales de l'apprenant",
    "acknowledgement": "Attestation de lecture",
    "acknowledgement_text": "J'ai lu et compris les procédures ci-dessous et je m'engage à les appliquer.",
    "initials": "Initiales",
    "organisation": "Organisation",
}

LABELS: dict[str, dict[str, str]] = {"en": _EN, "fr": _FR}

_STATUS_KEYS = {
    "Draft": "status_draft",
    "In review": "status_in_review",
    "Approved": "status_approved",
    "Retired": "status_retired",
}
_FORMAT_KEYS = {"Steps": "format_steps", "Checklist": "format_checklist", "Flowchart": "format_flowchart"}
_APPROVAL_KEYS = {"Prepared by": "prepared_by", "Reviewed by": "reviewed_by", "Approved by": "approved_by"}
_MEANING_KEYS = {"Author": "meaning_author", "Reviewer": "meaning_reviewer", "Approver": "meaning_approver"}

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}

_LANGUAGE_TAGS = {"en": "en-GB", "fr": "fr-FR"}


def _check(lang: str) -> str:
    if lang not in LABELS:
        raise ValueError(f'unknown language "{lang}"; expected one of {", ".join(LANGUAGES)}')
    return lang


def labels_for(lang: str) -> Mapping[str, str]:
    """The read-only labels of ``lang`` (``en`` or ``fr``)."""
    return MappingProxyType(LABELS[_check(lang)])


def format_date(d: date | None, lang: str) -> str:
    """``31 Jan 2026`` in English, ``31 janv. 2026`` in French; ``""`` for no date."""
    if d is None:
        return ""
    return f"{d.day} {_MONTHS[_check(lang)][d.month - 1]} {d.year}"


def language_tag(lang: str) -> str:
    """The BCP 47 tag Word and PDF metadata use, e.g. ``fr-FR``."""
    return _LANGUAGE_TAGS[_check(lang)]


def _translate(value: str, keys: dict[str, str], lang: str) -> str:
    key = keys.get(value)
    return LABELS[_check(lang)][key] if key else value


def status_label(status: str, lang: str) -> str:
    """``In review`` → ``En relecture`` in French; unknown values are returned as they are."""
    return _translate(status, _STATUS_KEYS, lang)


def format_label(fmt: str, lang: str) -> str:
    """The SOP format (``Steps``, ``Checklist``, ``Flowchart``) in ``lang``."""
    return _translate(fmt, _FORMAT_KEYS, lang)


def approval_role_label(role: str, lang: str) -> str:
    """``Approved by`` → ``Approuvé par`` in French."""
    return _translate(role, _APPROVAL_KEYS, lang)


def meaning_label(meaning: str, lang: str) -> str:
    """A default meaning of signature (``Author`` ...) in ``lang``; an author's own wording is kept."""
    return _translate(meaning, _MEANING_KEYS, lang)
