"""Fingerprints of an SOP's content, for change control.

The content is every row of the SOP except the revision and approval
bookkeeping (Version, Status, Effective date, Revisions, Approvals). Each part
is hashed on its own so a message can say what changed ("steps 2, 4; purpose").

A build compares these hashes with the ones the previous build recorded, so
they must not move when binder itself changes: a field added to the model
after the first version (a new optional column, such as a step's Go to) is
hashed only when it is set. Each record is hashed as the list of its first
fields, exactly as before, followed, only when one of the later fields is set,
by a mapping of those set fields by name; an SOP's own later fields are a part
each, present only when set. So an SOP that leaves a new column blank keeps
the fingerprint every earlier version of binder gave it, and filling the column
in is a change like any other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from typing import Any

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
"""The SOP's fields of the first fingerprint: one part each, always."""
_NOT_CONTENT = frozenset(
    {
        "sop_id",
        "department",
        "version",
        "status",
        "owner",
        "effective_date",
        "origin",
        "steps",
        "roles",
        "definitions",
        "kpis",
        "faq",
        "references",
        "revisions",
        "approvals",
    }
)
"""The SOP's fields that are not a part of their own: bookkeeping (who owns it is not content), and the rows
hashed below. Any other field, one added to ``Sop`` later, is a part of its own when it is set."""
_STEP_FIELDS = ("action", "responsible", "details", "caution", "type", "if_yes", "if_no", "image")
_ROLE_FIELDS = ("role", "responsibility")
_DEFINITION_FIELDS = ("term", "definition")
_KPI_FIELDS = ("measure", "target", "frequency")
_FAQ_FIELDS = ("question", "answer")
_REFERENCE_FIELDS = ("title", "link")
_NEVER = frozenset({"origin", "number"})
"""Record fields that are never content: where the row is, and a step's number (the step list holds it)."""


def _h(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:16]


def is_set(value: Any, default: Any = dataclasses.MISSING) -> bool:
    """False for None, "", an empty collection and the field's declared default: a value left blank."""
    if value is None or value == "" or (isinstance(value, (tuple, list, dict, set, frozenset)) and not value):
        return False
    return default is dataclasses.MISSING or value != default


def _later(record: Any, first: tuple[str, ...], skip: frozenset[str] = _NEVER) -> dict[str, Any]:
    """The fields of ``record`` added after ``first`` that are set, by name."""
    found = {}
    for spec in dataclasses.fields(record):
        if spec.name in first or spec.name in skip:
            continue
        value = getattr(record, spec.name)
        if is_set(value, spec.default):
            found[spec.name] = value
    return found


def _row(record: Any, first: tuple[str, ...], values: list[Any] | None = None) -> list[Any]:
    """The record's first fields in order (``values`` when given), then its later fields that are set."""
    row = list(values) if values is not None else [getattr(record, name) for name in first]
    later = _later(record, first)
    return row + [later] if later else row


def parts(sop: Sop) -> dict[str, str]:
    """Hash of each part of the SOP's content: its fields, each step, and each other sheet."""
    return dict(_parts(sop))


@lru_cache(maxsize=4096)
def _parts(sop: Sop) -> dict[str, str]:
    # Kept by the SOP's value (a frozen record: hashing it is a tenth of hashing its content): change control
    # and the manifest's entries both ask, for every SOP, on a rebuild's critical path.
    result = {name: _h(getattr(sop, name)) for name in _SOP_FIELDS}
    result.update({name: _h(value) for name, value in _later(sop, _SOP_FIELDS, _NOT_CONTENT).items()})
    for step in sop.steps:
        first = [getattr(step, name) for name in _STEP_FIELDS[:-1]] + [str(step.image or "")]
        result[f"step {step.number}"] = _h(_row(step, _STEP_FIELDS, first))
    result["step list"] = _h([s.number for s in sop.steps])
    result["roles"] = _h([_row(r, _ROLE_FIELDS) for r in sop.roles])
    result["definitions"] = _h([_row(d, _DEFINITION_FIELDS) for d in sop.definitions])
    result["KPIs"] = _h([_row(k, _KPI_FIELDS) for k in sop.kpis])
    result["FAQ"] = _h([_row(f, _FAQ_FIELDS) for f in sop.faq])
    result["references"] = _h([_row(r, _REFERENCE_FIELDS) for r in sop.references])
    return result


@lru_cache(maxsize=4096)
def fingerprint(sop: Sop) -> str:
    """One hash of the whole content."""
    return _h(sorted(_parts(sop).items()))
