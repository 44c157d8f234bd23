"""Word-level differences between two recorded contents of SOPs (``binder.redline.content``).

Steps are matched by what they say, not by their number: a step inserted at the top renumbers
every step after it, and those are not changes. Within a changed text, words are compared with
``difflib.SequenceMatcher`` over word, punctuation and space tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

SAME, DELETED, INSERTED = "same", "del", "ins"
ADDED, REMOVED, REWORDED, REVISED = "added", "removed", "reworded", "revised"

TEXT_PARTS = ("title", "owner", "audience", "purpose", "scope", "policy", "help_contact")
"""Single texts of an SOP compared as a whole, in the order a reader meets them."""
KEYED_PARTS = {
    "role": ("roles", "role", ("responsibility",)),
    "definition": ("definitions", "term", ("definition",)),
    "kpi": ("kpis", "measure", ("target", "frequency")),
    "faq": ("faq", "question", ("answer",)),
}
"""Lists whose rows are named by one column: (context key, naming column, compared columns)."""
STEP_FIELDS = ("action", "responsible", "details", "caution", "type", "if_yes", "if_no", "go_to", "image")
SAME_STEP = 0.5
"""Two steps at the same place whose actions share at least this share of words are one step reworded."""
_TOKEN = re.compile(r"\w+|[^\w\s]+|\s+")


@dataclass(frozen=True)
class Segment:
    op: str
    """``same``, ``del`` (only in the old text) or ``ins`` (only in the new)."""
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    """``text`` for a part that is one text; a step's or row's column otherwise (``action``, ``details`` ...)."""
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Change:
    part: str
    """``step``, ``role``, ``definition``, ``kpi``, ``faq`` or one of ``TEXT_PARTS``."""
    kind: str
    """``added``, ``removed`` or ``reworded``."""
    key: str = ""
    """A step's number (in the new version; the old one when removed), a row's name; "" for a text."""
    old_key: str = ""
    """A reworded step's number in the old version."""
    fields: tuple[FieldDiff, ...] = ()


@dataclass(frozen=True)
class SopDiff:
    sop_id: str
    title: str
    kind: str
    """``added``, ``removed`` or ``revised``."""
    old_version: str
    new_version: str
    changes: tuple[Change, ...] = ()


# --- words -----------------------------------------------------------------------------------------


def words(old: str, new: str) -> tuple[Segment, ...]:
    """``old`` → ``new`` as kept, deleted and inserted runs of text."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    pieces: list[tuple[str, str, str]] = []  # (tag, old text, new text)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        pieces.append((op, "".join(a[i1:i2]), "".join(b[j1:j2])))
    # A lone space kept between two changes reads better inside them: "[-a b-][+c d+]", not "[-a-][+c+] [-b-][+d+]".
    merged: list[list[str]] = []
    for index, (kind, before, after) in enumerate(pieces):
        between = 0 < index < len(pieces) - 1 and pieces[index - 1][0] != "equal" and pieces[index + 1][0] != "equal"
        if kind == "equal" and not (between and before.isspace()):
            merged.append(["equal", before, after])
        elif merged and merged[-1][0] == "change":
            merged[-1][1] += before
            merged[-1][2] += after
        else:
            merged.append(["change", before, after])
    segments: list[Segment] = []
    for kind, before, after in merged:
        if kind == "equal":
            segments.append(Segment(SAME, before))
            continue
        if before:
            segments.append(Segment(DELETED, before))
        if after:
            segments.append(Segment(INSERTED, after))
    return _words_first(segments)


def _words_first(segments: list[Segment]) -> tuple[Segment, ...]:
    """``Enter[+ the approved+] hours`` → ``Enter [+the approved +]hours``: the same text, underlined from its first word."""
    found = list(segments)
    for i in range(1, len(found) - 1):
        before, change, after = found[i - 1], found[i], found[i + 1]
        if before.op == SAME == after.op and change.op != SAME and change.text[:1].isspace():
            if after.text[:1] == change.text[:1]:
                space = change.text[0]
                found[i - 1] = Segment(SAME, before.text + space)
                found[i] = Segment(change.op, change.text[1:] + space)
                found[i + 1] = Segment(SAME, after.text[1:])
    return tuple(s for s in found if s.text)


def similarity(old: str, new: str) -> float:
    a, b = _words_of(old), _words_of(new)
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _words_of(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text or "") if not t.isspace()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):  # a picture or a link as recorded
        return str(value.get("picture") or value.get("text") or "")
    return str(value)


def _field(name: str, old: Any, new: Any) -> FieldDiff | None:
    before, after = _text(old), _text(new)
    return None if before == after else FieldDiff(name, words(before, after))


# --- one SOP ---------------------------------------------------------------------------------------


def diff_content(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every change from ``old`` to ``new``, two SOP contexts as recorded (``content.snapshot``'s ``context``)."""
    changes: list[Change] = []
    old_sop, new_sop = old.get("sop", {}), new.get("sop", {})
    for part in TEXT_PARTS[:6]:
        changes.extend(_text_change(part, old_sop.get(part), new_sop.get(part)))
    for part, (key, name, columns) in KEYED_PARTS.items():
        if part in ("role", "definition"):
            changes.extend(_rows(part, old.get(key, []), new.get(key, []), name, columns))
    changes.extend(_steps(old.get("steps", []), new.get("steps", [])))
    for part in ("kpi", "faq"):
        key, name, columns = KEYED_PARTS[part]
        changes.extend(_rows(part, old.get(key, []), new.get(key, []), name, columns))
    changes.extend(_text_change("help_contact", old_sop.get("help_contact"), new_sop.get("help_contact")))
    return tuple(changes)


def _text_change(part: str, old: Any, new: Any) -> list[Change]:
    before, after = _text(old), _text(new)
    if before == after:
        return []
    kind = ADDED if not before.strip() else REMOVED if not after.strip() else REWORDED
    return [Change(part, kind, fields=(FieldDiff("text", words(before, after)),))]


def _rows(part: str, old: Sequence[Mapping], new: Sequence[Mapping], name: str, columns: tuple[str, ...]) -> list:
    def keyed(rows: Sequence[Mapping]) -> dict[str, Mapping]:
        return {" ".join(_text(r.get(name)).split()).casefold(): r for r in rows}

    before, after = keyed(old), keyed(new)
    changes = []
    for key, row in after.items():
        if key not in before:
            changes.append(Change(part, ADDED, _text(row.get(name)), fields=_whole(row, columns, INSERTED)))
            continue
        fields = tuple(f for c in columns if (f := _field(c, before[key].get(c), row.get(c))) is not None)
        if fields:
            changes.append(Change(part, REWORDED, _text(row.get(name)), fields=fields))
    changes += [
        Change(part, REMOVED, _text(row.get(name)), fields=_whole(row, columns, DELETED))
        for key, row in before.items()
        if key not in after
    ]
    return changes


def _whole(row: Mapping, columns: Sequence[str], op: str) -> tuple[FieldDiff, ...]:
    """Every filled column of a row added or removed (a step's type only when it is not the usual Action)."""
    return tuple(
        FieldDiff(c, (Segment(op, _text(row.get(c))),))
        for c in columns
        if _text(row.get(c)) and not (c == "type" and _text(row.get(c)) == "Action")
    )


def _steps(old: Sequence[Mapping], new: Sequence[Mapping]) -> list[Change]:
    changes = []
    for i, j in _align([_text(s.get("action")) for s in old], [_text(s.get("action")) for s in new]):
        if i is None:
            step = new[j]  # type: ignore[index]
            changes.append(Change("step", ADDED, _text(step.get("number")), fields=_whole(step, STEP_FIELDS, INSERTED)))
        elif j is None:
            step = old[i]
            changes.append(
                Change("step", REMOVED, _text(step.get("number")), fields=_whole(step, STEP_FIELDS, DELETED))
            )
        else:
            fields = tuple(f for c in STEP_FIELDS if (f := _field(c, old[i].get(c), new[j].get(c))) is not None)
            if fields:
                number, was = _text(new[j].get("number")), _text(old[i].get("number"))
                changes.append(Change("step", REWORDED, number, was, fields))
    return changes


def _align(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Pairs (old index, new index) in reading order; None on one side for a step added or removed."""
    keys = [_words_of(t) for t in old], [_words_of(t) for t in new]
    matcher = SequenceMatcher(None, [" ".join(k) for k in keys[0]], [" ".join(k) for k in keys[1]], autojunk=False)
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2)))
            continue
        j = j1
        for i in range(i1, i2):
            match = next((k for k in range(j, j2) if similarity(old[i], new[k]) >= SAME_STEP), None)
            if match is None:
                pairs.append((i, None))
                continue
            pairs += [(None, k) for k in range(j, match)] + [(i, match)]
            j = match + 1
        pairs += [(None, k) for k in range(j, j2)]
    return pairs


# --- whole workbooks or folders --------------------------------------------------------------------


def diff_contents(old: Mapping[str, Mapping], new: Mapping[str, Mapping]) -> tuple[SopDiff, ...]:
    """SOPs added, removed, or whose content or version changed, by SOP ID; ``old``/``new``: ID → snapshot."""
    found = []
    for sop_id in sorted(set(old) | set(new)):
        before, after = old.get(sop_id), new.get(sop_id)
        if before is None and after is not None:
            found.append(SopDiff(sop_id, after["title"], ADDED, "", after["version"]))
        elif after is None and before is not None:
            found.append(SopDiff(sop_id, before["title"], REMOVED, before["version"], ""))
        elif before is not None and after is not None:
            changes = diff_content(before["context"], after["context"])
            if changes or before["version"] != after["version"]:
                found.append(SopDiff(sop_id, after["title"], REVISED, before["version"], after["version"], changes))
    return tuple(found)


def as_json(diffs: Sequence[SopDiff]) -> list[dict[str, Any]]:
    """The documented JSON shape of ``binder diff --format json`` (docs/outputs.md)."""
    return [
        {
            "sop_id": d.sop_id,
            "title": d.title,
            "kind": d.kind,
            "old_version": d.old_version,
            "new_version": d.new_version,
            "changes": [
                {
                    "part": c.part,
                    "kind": c.kind,
                    "key": c.key,
                    "old_key": c.old_key,
                    "fields": [
                        {"field": f.field, "segments": [{"op": s.op, "text": s.text} for s in f.segments]}
                        for f in c.fields
                    ],
                }
                for c in d.changes
            ],
        }
        for d in diffs
    ]
