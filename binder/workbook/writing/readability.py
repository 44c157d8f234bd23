"""Reading ease of a paragraph: Flesch (1948) for English, Kandel and Moles (1958) for French.

Both are 0-100ish, higher is easier; 60-70 is plain language, under 40 is hard. The formulas are
textstat's, with syllables counted by vowel groups (textstat fetches a pronouncing dictionary from
the network at run time, which binder must not). Too few words give a meaningless score, so short
texts get none.
"""

from __future__ import annotations

import re
from functools import lru_cache

from binder.workbook.writing.tokens import sentences, words

MIN_WORDS = 12
"""Below this a single long word swings the score by 20 points: no score."""

_EN_EXCEPTIONS = {"business": 2, "businesses": 3, "every": 2, "everyone": 3, "everything": 3, "different": 3}
_VOWELS = {"en": "aeiouy", "fr": "aeiouyàâäéèêëîïôöùûüœæ"}


@lru_cache(maxsize=16384)
def syllables(word: str, lang: str) -> int:
    """Vowel groups, less a silent ending; remembered per word: a workbook's SOPs share most of their words."""
    w = word.casefold()
    groups = len(re.findall(f"[{_VOWELS[lang]}]+", w))
    if lang == "en":
        if w in _EN_EXCEPTIONS:
            return _EN_EXCEPTIONS[w]
        silent = bool(re.search(r"[^aeiouy]e$|[^aeiouytd]ed$|[^aeiouysxzcg]es$", w)) and not w.endswith("le")
        # two vowels heard apart: "go-ing", "ra-di-o", "i-de-a" (not "-tion", "-cial")
        groups += len(re.findall(r"[aeiouy](?=ing$)|(?<![tsc])i[ao]|ea(?=s?$)|uo|iu", w))
    else:
        silent = bool(re.search(r"[^aeiouyàâäéèêëîïôöùûüœæ](?:e|es|ent)$", w))
    return max(1, groups - (1 if silent and groups > 1 else 0))


def reading_ease(text: str, lang: str) -> float | None:
    """The score of ``text``, or None when it has fewer than ``MIN_WORDS`` words."""
    found = [w.text for w in words(text) if not w.text[0].isdigit()]
    if len(found) < MIN_WORDS:
        return None
    per_sentence = len(found) / max(1, len(sentences(text)))
    per_word = sum(syllables(w, lang) for w in found) / len(found)
    if lang == "fr":
        return 207 - 1.015 * per_sentence - 73.6 * per_word
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word
