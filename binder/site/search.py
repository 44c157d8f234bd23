"""The search index: one entry per SOP page, shipped as a script (``site/search-index.js``).

A script, not a JSON file fetched at run time: browsers refuse ``fetch`` from ``file://``, and the
site must work opened straight from a shared drive. The index is data assigned to one global; the
page's own script (``static/search.js``) matches it and writes results as text nodes, never as HTML.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

GLOBAL = "BINDER_SEARCH"


def entry(context: Mapping[str, Any], href: str) -> dict[str, str]:
    """What search looks in for one SOP: its title, steps (actions, details, cautions), roles and FAQ."""
    sop = context["sop"]
    words = [sop["title"]]
    for step in context["steps"]:
        words += [step["action"], step["details"], step["caution"], step["responsible"]]
    for role in context["roles"]:
        words += [role["role"], role["responsibility"]]
    for faq in context["faq"]:
        words += [faq["question"], faq["answer"]]
    return {
        "id": sop["id"],
        "title": sop["title"],
        "department": sop["department_name"],
        "href": href,
        "text": " ".join(w for w in words if w),
    }


def index_script(entries: list[dict[str, str]]) -> bytes:
    """``window.BINDER_SEARCH = [...];``: JSON is a JavaScript literal, and the file is never inlined in HTML."""
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.{GLOBAL} = {data};\n".encode()
