"""A change as one line of styled pieces, in the labels of a language: what the changes page and
``binder diff`` both print ("Step 3 (was 4), reworded: Check the ~~form~~ __order__")."""

from __future__ import annotations

from collections.abc import Mapping

from binder.redline.diff import Change

LABEL = "label"
"""A piece's style: ``label`` (words of binder's), or a segment's op (``same``, ``del``, ``ins``)."""
PART_LABELS = {
    "step": "step",
    "title": "title",
    "owner": "owner",
    "audience": "audience",
    "purpose": "purpose",
    "scope": "scope",
    "policy": "policy",
    "help_contact": "help_contact",
    "role": "role",
    "definition": "term",
    "kpi": "measure",
    "faq": "question",
}
FIELD_LABELS = {
    "responsible": "responsible",
    "details": "details",
    "caution": "caution",
    "type": "redline_type",
    "if_yes": "yes",
    "if_no": "no",
    "go_to": "go_to_step",
    "image": "redline_picture",
    "target": "target",
    "frequency": "frequency",
}
"""Fields printed after a label; the others (a step's action, a text, a row's main column) go unlabelled."""

Piece = tuple[str, str]


def change_line(change: Change, labels: Mapping[str, str]) -> tuple[Piece, ...]:
    head = labels[PART_LABELS.get(change.part, "title")]
    if change.key:
        head += f" {change.key}"
    if change.old_key and change.old_key != change.key:
        head += " " + labels["redline_was"].format(old=change.old_key)
    head += f", {labels['redline_' + change.kind]}{labels['colon']} "
    pieces: list[Piece] = [(head, LABEL)]
    for index, field in enumerate(change.fields):
        if index:
            pieces.append((" · ", LABEL))
        name = FIELD_LABELS.get(field.field)
        if name:
            pieces.append((f"{labels[name]}{labels['colon']} ", LABEL))
        pieces += [(s.text, s.op) for s in field.segments]
    return tuple(pieces)


def legend(labels: Mapping[str, str]) -> tuple[Piece, ...]:
    """ "Inserted words are underlined, deleted words are struck through: inserted, deleted"."""
    return (
        (labels["redline_legend"] + " ", "same"),
        (labels["redline_inserted"], "ins"),
        (", ", "same"),
        (labels["redline_deleted"], "del"),
    )
