"""What a page shows: the SOP template's own context (``sop_context``), made fit for HTML.

Content is never worked out twice: sections, labels, dates, jumps and cross-references come from
``binder.document.context``. Here its text is cleaned (characters HTML cannot hold, the non-breaking
hyphens of printed IDs), its ``Link`` records become links between pages (or plain text where the
target has no page), and the page's own links are added: its PDF, its binder, "Suggest a change".
Escaping is Jinja's (autoescape), never done here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from binder.document.context import WEB_LINK_SCHEMES, Image, Link, sop_context
from binder.document.links import LINK_PREFIX
from binder.model import Library, Sop
from binder.text import NON_BREAKING_HYPHEN, clean

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Figure:
    """A picture on a page: where it is, relative to the page, and what it shows."""

    src: str
    alt: str


@dataclass(frozen=True)
class SiteMap:
    """What the site holds, so that pages link only to what is there."""

    sops: frozenset[str]
    """SOP IDs that have a page."""
    binders: Mapping[str, str] = field(default_factory=dict)
    """Department code → its binder's PDF, relative to the output folder."""


def web_text(text: str) -> str:
    """Workbook text as a page shows it: no control characters, IDs with plain hyphens."""
    return clean(text).replace(NON_BREAKING_HYPHEN, "-")


def safe_url(url: str) -> str:
    """``url`` when its scheme is one the documents allow, else "" (the text is shown unlinked)."""
    return url if url.strip().lower().startswith(WEB_LINK_SCHEMES) else ""


def sop_page(sop_id: str) -> str:
    """The file name of an SOP's page (pages of SOPs sit side by side in ``site/sops``)."""
    return f"{quote(sop_id)}.html"


def email_address(contact: str) -> str:
    """The e-mail address of a help contact ("Warehouse office, wh@acme.test, ext. 250" has one); "" when it
    has none, or several (which one to write to is then a guess)."""
    found = set(_EMAIL.findall(contact))
    return found.pop() if len(found) == 1 else ""


def suggest_link(contacts: list[str], sop_id: str, version: str, words: Mapping[str, str]) -> str:
    """``mailto:`` the first of ``contacts`` (the SOP's help contact, then its department's) that has an
    e-mail address, with the SOP ID and version in the subject; "" when none has."""
    address = next((a for a in map(email_address, contacts) if a), "")
    if not address:
        return ""
    subject = f"{words['suggest']}: {sop_id} {words['version']} {version}"
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"


def page_context(
    sop: Sop,
    library: Library,
    site: SiteMap,
    words: Mapping[str, str],
    pictures: Mapping[int, Figure],
    flowchart: tuple[Figure, ...],
) -> dict[str, Any]:
    """Everything ``sop.html.j2`` uses: the SOP's document context, for the web, and the page's links."""
    document = sop_context(sop, library)
    labels = _web_labels(tuple(document.pop("labels").items()))
    context = webify(document, site)
    context["labels"] = labels
    for index, step in enumerate(context["steps"]):
        step["image"] = pictures.get(index)
    binder = site.binders.get(sop.department)
    context["page"] = {
        "pdf": f"../../sops/{quote(sop.sop_id)}.pdf",
        "binder": f"../../{quote(binder)}" if binder and sop.sop_id in site.sops else "",
        "binder_label": words["binder_pdf"].format(department=context["sop"]["department_name"]),
        "suggest": suggest_link(
            [context["sop"]["help_contact"], context["department"]["help_contact"]], sop.sop_id, sop.version, words
        ),
        "flowchart": flowchart,
        "banner": words["draft_banner"].format(status=context["sop"]["status_label"]) if sop.is_draft else "",
    }
    context["has"]["flowchart"] = bool(flowchart)
    context["has"]["procedure"] = context["has"]["procedure"] or bool(flowchart)
    return context


@lru_cache(maxsize=8)
def _web_labels(labels: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    """The labels of every page of a language, cleaned once: cleaning them for each page was a third of making
    its context. Read-only: every page holds the same mapping."""
    return MappingProxyType({key: web_text(text) for key, text in labels})


def webify(value: Any, site: SiteMap) -> Any:
    """A copy of ``value`` with texts cleaned and ``Link`` records as ``{text, url, before, after}``."""
    if isinstance(value, str):
        return web_text(value)
    if isinstance(value, Mapping):
        item = {key: webify(v, site) for key, v in value.items()}
        if "url" in item and isinstance(item["url"], str):
            item["url"] = _href(item["url"], site)
        return item
    if isinstance(value, (list, tuple)):
        return [webify(v, site) for v in value]
    if isinstance(value, Link):
        return {
            "text": web_text(value.text),
            "url": _href(value.url, site),
            "before": web_text(value.before),
            "after": web_text(value.after),
        }
    if isinstance(value, Image):
        return None  # placed by the site as a file of its own (``assets``)
    return value


def _href(url: str, site: SiteMap) -> str:
    """Where a link of the documents goes on the site: another SOP's page when it has one, a web address."""
    if url.startswith(LINK_PREFIX):
        target = url[len(LINK_PREFIX) :]
        return sop_page(target) if target in site.sops else ""
    return safe_url(url)
