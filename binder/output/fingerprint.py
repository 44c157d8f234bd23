"""Fingerprints of an SOP's content, for change control.

The content is every row of the SOP except the revision and approval
bookkeeping (Version, Status, Effective date, Revisions, Approvals). Each part
is hashed on its own so a message can say what changed ("steps 2, 4; purpose").
"""

from __future__ import annotations

import hashlib
import json

from binder.model import Sop

_SOP_FIELDS = (
    "title",
    "audience",
    "review_months",
    "format",
    "purpose",
    "scope",
    "policy",
    "help_contact",
    "related",
    "template",
)


def _h(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def parts(sop: Sop) -> dict[str, str]:
    """Hash of each part of the SOP's content: its fields, each step, and each other sheet."""
    result = {name: _h(getattr(sop, name)) for name in _SOP_FIELDS}
    for step in sop.steps:
        result[f"step {step.number}"] = _h(
            [
                step.action,
                step.responsible,
                step.details,
                step.caution,
                step.type,
                step.if_yes,
                step.if_no,
                str(step.image or ""),
            ]
        )
    result["step list"] = _h([s.number for s in sop.steps])
    result["roles"] = _h([[r.role, r.responsibility] for r in sop.roles])
    result["definitions"] = _h([[d.term, d.definition] for d in sop.definitions])
    result["KPIs"] = _h([[k.measure, k.target, k.frequency] for k in sop.kpis])
    result["FAQ"] = _h([[f.question, f.answer] for f in sop.faq])
    result["references"] = _h([[r.title, r.link] for r in sop.references])
    return result


def fingerprint(sop: Sop) -> str:
    """One hash of the whole content."""
    return _h(sorted(parts(sop).items()))
