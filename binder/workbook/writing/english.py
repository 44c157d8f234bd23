"""English: is an Action an instruction (an imperative first), in the active voice, one instruction?

Word classes come from lemminflect's dictionary (no model, no download). Every test errs towards
saying nothing: a word it does not know, a sentence it cannot parse, is taken as well written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllInflections, getAllLemmas

from binder.workbook.writing.tokens import Word, capitalise, sentence_case, words

_NOT_VERBS = frozenset(
    "the a an this that these those each every all any some no it they he she we you i one someone everyone "
    "everybody nobody staff there our your their his her its my both either neither another other".split()
)
_LEAD_INS = frozenset("please then next first firstly finally now also always never only again afterwards just".split())
_OPENERS = frozenset(
    "if when whenever once before after unless where while as until for on at in within by during upon using with "
    "from following to under after via per".split()
)
_CHAIN = frozenset(
    "should must shall will would can could may might need needs has have had is are am was were be been being to "
    "also then always first".split()
)
_BE = frozenset("be is are am was were been being".split())
_MODALS = frozenset("should must shall will would can could may might need needs to".split())
# Words before a "be" that make it part of a clause the instruction is about ("Check that the box is sealed").
_CLAUSE = frozenset(
    "that if whether when whenever once until unless before after while where which who whose because so as since "
    "than though although ensure ensures check checks verify confirm sure see note inspect test until what how "
    "whatever wherever why".split()
)
_OBJECTS = frozenset(
    "the a an it them this that these those all each every any your their his her its our him us me one both "
    "either to with for up out back down in on off over into from through onto at by".split()
)
_DETERMINERS = frozenset(
    "the a an it them this that these those all each every any your their his her its our him us me both".split()
)
_PARTICLES = frozenset("up out back down off away".split())
_JUMP = re.compile(
    r"^(?:then\s+)?(?:go|return|continue|proceed|skip|move|jump|loop|repeat|restart|resume)\b.*\bsteps?\b"
    r"|^(?:then\s+)?(?:go|skip|jump)\s+(?:straight\s+)?to\s+(?:the\s+)?end\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[.;:!?]\s+|,\s*(?:and\s+)?(?:then\s+)?|\s+and\s+then\s+|\s+then\s+|\s+and\s+", re.IGNORECASE)
_IT_IS = re.compile(
    r"^(?:it\s+is|it's)\s+(?:\w+\s+)?(?:necessary|important|essential|required|mandatory|vital|advisable)\s+to\s+"
    r"(?:\w+ly\s+)?(?P<verb>[a-z]+)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


_LEXICON: dict[str, dict[str, tuple[str, ...]]] = {}
"""Each word looked up so far and what lemminflect said, given back by ``seed``: loading its dictionary takes
most of a second, and a rebuild's changed SOP seldom has a word its unchanged ones had not."""


def seed(known: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Answers recorded by ``lexicon`` in an earlier process (with the same lemminflect)."""
    _LEXICON.update(known)


def lexicon() -> dict[str, dict[str, tuple[str, ...]]]:
    return dict(_LEXICON)


def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    found = _LEXICON.get(word)
    if found is None:
        found = getAllLemmas(word)
        if not found and "-" in word:  # re-scan, double-check: the last part says the class
            found = getAllLemmas(word.rsplit("-", 1)[1])
        _LEXICON[word] = found = {k: tuple(v) for k, v in found.items()}
    return found


def is_base_verb(word: str) -> bool:
    """``check``, ``re-scan``: a verb's bare form, the imperative."""
    last = word.rsplit("-", 1)[-1]
    return word in _lemmas(word).get("VERB", ()) or last in _lemmas(word).get("VERB", ())


def _known(word: str) -> bool:
    return bool(_lemmas(word))


@lru_cache(maxsize=8192)
def participle_lemma(word: str) -> str:
    """``checked`` → ``check``, ``sent`` → ``send``; "" when ``word`` is not a past participle."""
    for lemma in _lemmas(word).get("VERB", ()):
        if lemma != word and (word in getAllInflections(lemma).get("VBN", ()) or word.endswith(("ed", "en", "wn"))):
            return lemma
    return ""


def _third_person(word: str) -> str:
    """``checks`` → ``check``; "" otherwise."""
    if not word.endswith("s"):
        return ""
    for lemma in _lemmas(word).get("VERB", ()):
        if lemma != word and word in getAllInflections(lemma).get("VBZ", ()):
            return lemma
    return ""


def _is_adverb(word: str) -> bool:
    return word.endswith("ly") and "ADV" in _lemmas(word)


def _skip_lead_ins(ws: list[Word], i: int) -> int:
    while i < len(ws) and (ws[i].low in _LEAD_INS or _is_adverb(ws[i].low)):
        i += 1
    return i


def main_start(text: str, ws: list[Word]) -> int | None:
    """The index of the word the instruction starts with: after "Please", "Then", an "If ..., " clause.
    None when it cannot be told (an opening clause without a comma)."""
    i = _skip_lead_ins(ws, 0)
    if i < len(ws) and ws[i].low in _OPENERS:
        comma = text.find(",", ws[i].end)
        if comma < 0:
            return None
        i = _skip_lead_ins(ws, next((k for k, w in enumerate(ws) if w.start > comma), len(ws)))
    return i if i < len(ws) else None


def verb_first(text: str) -> str | None:
    """None when ``text`` starts with an imperative (or cannot be told); else a rewrite, or ""."""
    ws = words(text)
    i = main_start(text, ws)
    if i is None:
        return None
    first = ws[i].low
    if first in ("don't", "do"):
        return None
    if is_base_verb(first):
        # "Seal numbers need to be recorded": a verb-looking word that is the subject of a modal
        modal = i + 2 < len(ws) and ws[i + 2].low in _MODALS - {"to"} and ws[i + 1].low not in _DETERMINERS
        if not modal:
            return None
    if first not in _NOT_VERBS and (not _known(first) or first.isdigit()):
        return None  # a name, a code, a number: not ours to judge
    return _rewrite(text, ws, i)


def _rewrite(text: str, ws: list[Word], i: int) -> str:
    """ "The form should be checked" → "Check the form"; "The clerk checks the form" → "Check the form"."""
    it_is = _IT_IS.match(text[ws[i].start :])
    if it_is and is_base_verb(it_is["verb"].lower()):
        return capitalise(it_is["verb"].lower()) + it_is["rest"].rstrip(". ")
    k = next((k for k in range(i + 1, len(ws)) if ws[k].low in _CHAIN), None)
    if k is not None and not any(c in text[ws[i].start : ws[k].start] for c in ",;"):
        subject = text[ws[i].start : ws[k - 1].end]
        chain: set[str] = set()
        j = k
        while j < len(ws) and (ws[j].low in _CHAIN or _is_adverb(ws[j].low) or ws[j].low == "not"):
            chain.add(ws[j].low)
            j += 1
        if j < len(ws) and "not" not in chain:
            rest = text[ws[j].end :].rstrip(". ")
            lemma = participle_lemma(ws[j].low)
            if chain & _BE and lemma:
                rest = re.sub(
                    r"^\s*by\s+(?:the\s+)?[\w -]+?(?=$|[,;.]|\s+(?:before|after|within|and|in|on|at)\b)", "", rest
                )
                return f"{capitalise(lemma)} {sentence_case(subject)}{rest}"
            if chain & _MODALS and is_base_verb(ws[j].low) and ws[j].low not in _BE:
                return capitalise(ws[j].low) + rest
    for j in range(i + 1, min(len(ws), i + 5)):
        lemma = _third_person(ws[j].low)
        if lemma:
            return capitalise(lemma) + text[ws[j].end :].rstrip(". ")
    return ""


def passive(text: str) -> str | None:
    """The first passive in a main clause ("is checked", "must be approved"), or None."""
    ws = words(text)
    for n, w in enumerate(ws):
        if w.low not in _BE or (n == 0 and w.low == "be"):
            continue
        j = n + 1
        while j < len(ws) and (_is_adverb(ws[j].low) or ws[j].low in ("not", "also", "then", "always", "never", "all")):
            j += 1
        if j < len(ws) and participle_lemma(ws[j].low) and not _in_clause(text, ws, n):
            start = n - 1 if n and ws[n - 1].low in (_MODALS - {"to"}) | {"has", "have"} else n
            return text[ws[start].start : ws[j].end]
    return None


def _in_clause(text: str, ws: list[Word], n: int) -> bool:
    """Is ws[n] inside a clause a word before it opens (that, if, when ... or "ensure", "check"), or
    the object of an imperative ("Tell the customer the refund has been made")?"""
    first = 0
    for k in range(n - 1, -1, -1):
        w = ws[k]
        if any(c in text[w.end : ws[k + 1].start] for c in ",;.:") or w.low in ("and", "but", "or"):
            first = k + 1
            break
        if w.low in _CLAUSE:
            return True
    return first < n and is_base_verb(ws[first].low) and not _is_subject(ws, first, n)


def _is_subject(ws: list[Word], first: int, n: int) -> bool:
    """ "Seal numbers are ...": a verb-looking word right before a noun and the "be" is a subject."""
    return first + 2 <= n and ws[first + 1].low not in _DETERMINERS and ws[first + 2].low in _CHAIN


def instructions(text: str) -> int:
    """How many instructions ``text`` gives: each part, split at "and", "then", ";", ". ", that starts
    with an imperative followed by what it acts on ("file it", "email the manager"). A jump
    ("and go to step 6") is not an instruction."""
    count = 0
    for part in _SPLIT.split(text.strip()):
        ws = words(part)
        i = _skip_lead_ins(ws, 0)
        if i + 1 >= len(ws) or _JUMP.match(part[ws[i].start :]):
            continue
        verb, after = ws[i].low, ws[i + 1]
        # "the laptop and badge from ...": a word that is also a noun needs a determiner to be a verb
        objects = _DETERMINERS if "NOUN" in _lemmas(verb) else _OBJECTS
        if after.low in _PARTICLES and i + 2 < len(ws) and ws[i + 2].low in _DETERMINERS:
            after = ws[i + 2]  # "switch off the machine"
        if is_base_verb(verb) and (after.low in objects or after.text[:1].isupper() or after.text[:1].isdigit()):
            count += 1
    return count
