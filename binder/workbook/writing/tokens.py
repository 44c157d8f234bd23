"""Words and sentences of a cell's text, shared by the English and French checks and readability."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,:/]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.casefold().replace("’", "'")


def words(text: str) -> list[Word]:
    """The words (and numbers) of ``text`` with their place, so a suggestion can reuse the rest verbatim."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def sentences(text: str) -> list[str]:
    """Sentences (and lines: a cell's Alt+Enter lines are separate statements) that hold a word."""
    return [s for s in _SENTENCE_END.split(text.strip()) if _WORD.search(s)]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence_case(text: str) -> str:
    """``The form`` → ``the form``, but ``SAP`` and ``PO`` keep their capitals."""
    first, _, rest = text.partition(" ")
    if first[1:2].isupper():
        return text
    return (first[:1].lower() + first[1:] + (" " + rest if rest else "")).strip()
