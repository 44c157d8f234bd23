"""French: is an Action an instruction (an infinitive or an imperative first), in the active voice,
one instruction?

Lemmas come from simplemma's dictionary (no model, no download); a word is taken as a verb's
infinitive when its "vous" imperative leads back to it (``vérifiez`` → ``vérifier``), which tells
``classer`` from ``dossier``. Every test errs towards saying nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import simplemma

from binder.workbook.writing.tokens import Word, capitalise, sentence_case, words

_NOT_VERBS = frozenset(
    "le la les un une des du ce cet cette ces chaque tout toute tous toutes il elle ils elles on nous vous je son sa "
    "ses leur leurs notre nos votre vos mon ma mes aucun aucune certains certaines plusieurs cela ceci ça celui celle "
    "ceux personne".split()
)
_ELIDED_NOT_VERBS = ("l'", "j'", "c'", "qu'")
_LEAD_INS = frozenset(
    "ensuite puis enfin alors aussi également toujours bien d'abord immédiatement systématiquement soigneusement "
    "obligatoirement impérativement rapidement veuillez".split()
)
_NEGATION = frozenset("ne n' pas jamais plus rien".split())
_OPENERS = frozenset(
    "si s'il lorsque lorsqu' quand dès une avant après en pour à au aux pendant sauf selon dans sur par chez avec "
    "sous entre depuis jusqu'à dès lors une fois faute via".split()
)
_NOMINAL = ("tion", "sion", "ement", "age", "ture")
_IRREGULAR = frozenset(
    "prendre reprendre apprendre comprendre joindre rejoindre faire refaire dire lire relire écrire inscrire décrire "
    "mettre remettre transmettre soumettre permettre boire croire voir revoir prévoir recevoir devoir savoir pouvoir "
    "vouloir aller venir revenir prévenir tenir obtenir maintenir contenir ouvrir rouvrir couvrir offrir partir sortir "
    "servir suivre poursuivre vivre connaître reconnaître être avoir conduire produire réduire traduire introduire "
    "attendre rendre vendre descendre répondre suspendre peindre éteindre atteindre craindre plaindre".split()
)
_MOTION = frozenset(
    "arriver partir venir revenir entrer rentrer sortir rester tomber monter descendre retourner naître mourir "
    "devenir passer aller parvenir intervenir survenir".split()
)
_ETRE = frozenset("est sont était étaient sera seront soit soient être été serait seraient".split())
_MODALS = frozenset("doit doivent devra devront peut peuvent faut".split())
_CLAUSE = frozenset(
    "que qu' si s'il lorsque lorsqu' quand qui dont où jusqu'à afin pourquoi comment vérifier contrôler s'assurer "
    "assurer confirmer valider constater veiller".split()
)
_OBJECTS = frozenset(
    "le la les l' un une des du de d' au aux à ce cet cette ces son sa ses leur leurs tout toute tous toutes "
    "chaque en sur dans avec par pour".split()
)
_CLITICS = frozenset("le la les l' lui leur en y se s' me m' ne n' pas".split())
_OBJECT_CLITICS = frozenset("le la les l' lui leur en y".split())
_JUMP = re.compile(
    r"^(?:ensuite\s+|puis\s+)?(?:aller|passer|revenir|retourner|continuer|reprendre|poursuivre|sauter)\b.*\bétapes?\b"
    r"|^(?:ensuite\s+|puis\s+)?(?:aller|passer)\s+à\s+la\s+fin\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"[.;:!?]\s+|,\s*(?:et\s+)?(?:puis\s+|ensuite\s+)?|\s+et\s+(?:puis\s+|ensuite\s+)?|\s+puis\s+", re.I
)
_MUST = re.compile(
    r"^(?:il\s+faut|vous\s+devez|on\s+doit|nous\s+devons|il\s+(?:est|sera)\s+(?:nécessaire|important|obligatoire|"
    r"impératif|indispensable)\s+d[e'])\s*(?P<verb>[^\W\d_]+)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def _lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="fr")


@lru_cache(maxsize=8192)
def is_infinitive(word: str) -> bool:
    """``vérifier``, ``remplir``, ``mettre``; not ``dossier``, ``lettre``."""
    if word in _IRREGULAR or word.startswith(("s'", "se ")) and is_infinitive(word.split("'", 1)[-1]):
        return True
    forms: tuple[str, ...]
    if word.endswith("er"):
        forms = (word[:-2] + "ez",)
    elif word.endswith("ir"):
        forms = (word[:-2] + "issez", word[:-2] + "ez", word[:-1] + "ssez")
    elif word.endswith("re"):
        forms = (word[:-2] + "ez", word[:-3] + "ez")
    else:
        return False
    return any(_lemma(f) == word for f in forms)


def _imperative(word: str) -> bool:
    """An infinitive, a "vous" or "nous" imperative (``vérifiez``, ``vérifions``)."""
    if "'" in word:
        head, _, tail = word.partition("'")
        return head in ("n", "s") and _imperative(tail)
    if is_infinitive(word):
        return True
    return word.endswith(("ez", "ons")) and is_infinitive(_lemma(word))


@lru_cache(maxsize=8192)
def participle_infinitive(word: str) -> str:
    """``vérifiée`` → ``vérifier``, ``transmis`` → ``transmettre``; "" when not a past participle."""
    if not word.endswith(
        ("é", "ée", "és", "ées", "i", "ie", "is", "ies", "u", "ue", "us", "ues", "t", "te", "ts", "tes", "se", "ses")
    ):
        return ""
    masculine = re.sub(r"(?<=[éiu])(?:e?s|e)$|(?<=[ts])(?:es|e)$", "", word)
    for guess in (_lemma(word), _lemma(masculine), masculine[:-1] + "er", masculine + "r"):
        if guess != word and is_infinitive(guess):
            return guess
    return ""


def _conjugated(word: str) -> str:
    """``vérifie`` → ``vérifier`` (a conjugated verb other than the imperatives); "" otherwise."""
    lemma = _lemma(word)
    return lemma if lemma != word and is_infinitive(lemma) and not word.endswith(("ez", "ons")) else ""


def _skip(ws: list[Word], i: int, skipped: frozenset[str]) -> int:
    while i < len(ws) and (
        ws[i].low in skipped or (ws[i].low.endswith("ment") and i + 1 < len(ws) and _imperative(ws[i + 1].low))
    ):
        i += 1
    return i


def main_start(text: str, ws: list[Word]) -> int | None:
    i = _skip(ws, 0, _LEAD_INS | _NEGATION)
    one = i < len(ws) and ws[i].low == "une" and not (i + 1 < len(ws) and ws[i + 1].low == "fois")
    if i < len(ws) and not one and (ws[i].low in _OPENERS or ws[i].low.startswith(("lorsqu'", "jusqu'", "s'il"))):
        comma = text.find(",", ws[i].end)
        if comma < 0:
            return None
        i = _skip(ws, next((k for k, w in enumerate(ws) if w.start > comma), len(ws)), _LEAD_INS | _NEGATION)
    return i if i < len(ws) else None


def verb_first(text: str) -> str | None:
    """None when ``text`` starts with an infinitive or an imperative (or cannot be told); else a rewrite, or ""."""
    ws = words(text)
    i = main_start(text, ws)
    if i is None:
        return None
    first = ws[i].low
    if _imperative(first) or (first in _CLITICS and i + 1 < len(ws) and _imperative(ws[i + 1].low)):
        return None  # "le diriger vers le quai 3"
    nominal = first.endswith(_NOMINAL) and not is_infinitive(first) and len(first) > 5
    if (
        first in _NOT_VERBS
        or first.startswith(_ELIDED_NOT_VERBS)
        or nominal
        or first.endswith("ent")
        and _conjugated(first)
    ):
        return _rewrite(text, ws, i)
    return None


def _rewrite(text: str, ws: list[Word], i: int) -> str:
    """ "Le bon doit être vérifié" → "Vérifier le bon"; "Il faut vérifier le bon" → "Vérifier le bon"."""
    must = _MUST.match(text[ws[i].start :])
    if must and is_infinitive(must["verb"].lower()):
        return capitalise(must["verb"].lower()) + must["rest"].rstrip(". ")
    for j in range(i + 1, min(len(ws), i + 8)):
        w = ws[j].low
        if any(c in text[ws[i].start : ws[j].start] for c in ",;"):
            break
        if w in _ETRE or w in _MODALS:
            k = j + 1
            while k < len(ws) and (ws[k].low in _ETRE or ws[k].low in ("être", "bien", "ensuite", "toujours")):
                k += 1
            if k >= len(ws):
                break
            rest = text[ws[k].end :].rstrip(". ")
            infinitive = participle_infinitive(ws[k].low)
            if infinitive and (w in _ETRE or ws[j + 1].low == "être"):
                rest = re.sub(r"^\s*par\s+[\w' -]+?(?=$|[,;.]|\s+(?:avant|après|dans|sous|et|au|en)\b)", "", rest)
                return f"{capitalise(infinitive)} {sentence_case(text[ws[i].start : ws[j - 1].end])}{rest}"
            if w in _MODALS and is_infinitive(ws[k].low):
                return capitalise(ws[k].low) + rest
            break
        infinitive = _conjugated(w)
        if infinitive:
            return capitalise(infinitive) + text[ws[j].end :].rstrip(". ")
    return ""


def passive(text: str) -> str | None:
    """The first passive in a main clause ("est vérifié", "doit être signée"), or None."""
    ws = words(text)
    for n, w in enumerate(ws):
        if w.low not in _ETRE:
            continue
        j = n + 1
        while j < len(ws) and ws[j].low in (
            "bien",
            "ensuite",
            "toujours",
            "immédiatement",
            "pas",
            "jamais",
            "été",
            "être",
        ):
            j += 1
        if j >= len(ws):
            continue
        infinitive = participle_infinitive(ws[j].low)
        if infinitive and infinitive not in _MOTION and not _in_clause(text, ws, n):
            start = n - 1 if n and ws[n - 1].low in _MODALS else n
            return text[ws[start].start : ws[j].end]
    return None


def _in_clause(text: str, ws: list[Word], n: int) -> bool:
    """Is ws[n] inside a clause a word before it opens (que, si, lorsque ... or "vérifier")?"""
    for k in range(n - 1, -1, -1):
        w = ws[k]
        if any(c in text[w.end : ws[k + 1].start] for c in ",;.:") or w.low in ("et", "mais", "ou"):
            return False
        if w.low in _CLAUSE or w.low.startswith(("qu'", "lorsqu'", "s'il", "jusqu'", "s'assurer")):
            return True
    return False


def instructions(text: str) -> int:
    """How many instructions ``text`` gives: each part, split at "et", "puis", ";", ". ", that starts
    with an infinitive acting on something ("le classer", "envoyer le bon"). A jump ("et passer à
    l'étape 6") is not an instruction."""
    count = 0
    for part in _SPLIT.split(text.strip()):
        ws = words(part)
        i = _skip(ws, 0, _LEAD_INS)
        if i >= len(ws) or _JUMP.match(part[ws[i].start :]):
            continue
        clitic = False
        while i < len(ws) - 1 and ws[i].low in _CLITICS:
            clitic, i = clitic or ws[i].low in _OBJECT_CLITICS, i + 1
        head, elided, verb = ws[i].low.rpartition("'")
        clitic = clitic or (bool(elided) and head == "l")  # "l'envoyer"
        if not _imperative(verb):
            continue
        if clitic and ws[i - 1].low in ("le", "la", "les") and i + 1 < len(ws) and ws[i + 1].low in ("de", "des", "du"):
            continue  # "le déjeuner des visiteurs": an article and a noun, not "le classer"
        if clitic or (i + 1 < len(ws) and (ws[i + 1].low in _OBJECTS or ws[i + 1].low.startswith(("l'", "d'")))):
            count += 1
    return count
