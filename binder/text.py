"""Text rules shared by every stage: what XML can hold, and short forms of long text."""

from __future__ import annotations

import re

LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c]")
"""Excel's Alt+Enter leaves \\x0b; a form feed or a lone carriage return means a new line too."""
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (tab, newline and carriage return it can)."""


def clean(text: str) -> str:
    """``text`` that XML can hold: line-break characters become newlines, the other illegal ones go."""
    text = str(text)
    if text.isprintable():  # no control character, surrogate or non-character: nearly every cell, and cheap
        return text
    return ILLEGAL.sub("", LINE_BREAKS.sub("\n", text))


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters, with an ellipsis."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:") + "…"


NON_BREAKING_HYPHEN = "\u2011"
"""Marks a hyphen a line must not break at; ``binder.document.ooxml.keep_hyphens`` turns it into
Word's own non-breaking hyphen, as many fonts (Carlito among them) have no glyph for U+2011."""


def unbreakable(identifier: str) -> str:
    """An ID such as ``FRONT-001`` that never wraps at its hyphen ("FRONT-/001")."""
    return identifier.replace("-", NON_BREAKING_HYPHEN)
