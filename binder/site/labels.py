"""The words only the site prints (the documents' own words come from ``binder.document.labels``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from binder.document.labels import labels_for

_EN = {
    "skip": "Skip to the content",
    "home": "All SOPs",
    "search": "Search the SOPs",
    "search_hint": "Words from a title, a step, a role or a question",
    "search_button": "Search",
    "results": "{count} matching SOPs",
    "one_result": "1 matching SOP",
    "no_results": "No SOP matches these words.",
    "sop_pdf": "PDF of this SOP",
    "binder_pdf": "{department} binder (PDF)",
    "suggest": "Suggest a change",
    "draft_banner": "{status}: this SOP is not approved for use.",
    "packs": "Training packs",
    "pack_pdf": "Training pack (PDF)",
    "pack_record": "Training record (Excel)",
    "sops_count": "{count} SOPs",
    "on_this_page": "On this page",
    "step_picture": "Picture",
    "external": "(external link)",
}
_FR = {
    "skip": "Aller au contenu",
    "home": "Toutes les procédures",
    "search": "Rechercher dans les procédures",
    "search_hint": "Mots d'un titre, d'une étape, d'un rôle ou d'une question",
    "search_button": "Rechercher",
    "results": "{count} procédures trouvées",
    "one_result": "1 procédure trouvée",
    "no_results": "Aucune procédure ne contient ces mots.",
    "sop_pdf": "PDF de cette procédure",
    "binder_pdf": "Classeur {department} (PDF)",
    "suggest": "Proposer une modification",
    "draft_banner": "{status} : cette procédure n'est pas approuvée.",
    "packs": "Parcours de formation",
    "pack_pdf": "Parcours de formation (PDF)",
    "pack_record": "Fiche de formation (Excel)",
    "sops_count": "{count} procédures",
    "on_this_page": "Sur cette page",
    "step_picture": "Image",
    "external": "(lien externe)",
}
_SITE = {"en": _EN, "fr": _FR}


def site_labels(lang: str) -> Mapping[str, str]:
    """The document labels of ``lang`` and the site's own words, in one read-only mapping."""
    return MappingProxyType({**labels_for(lang), **_SITE[lang]})
