"""The writing rules applied to a library's SOPs: where each looks, what it says, what it suggests."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from types import ModuleType

from binder.model import Library, Sop
from binder.problems import Problem, Problems
from binder.workbook.writing.readability import reading_ease
from binder.workbook.writing.tokens import word_count

MAX_WORDS = 25
MAX_STEPS = 10
_LANGUAGES = {"en": "binder.workbook.writing.english", "fr": "binder.workbook.writing.french"}
"""Each language's rules, imported when a workbook is in it: French's dictionary package alone takes 0.2 s."""
_EXAMPLE = {"en": '"Check …"', "fr": '"Vérifier …" (an infinitive)'}
_FORMULA = {"en": "Flesch reading ease", "fr": "Kandel-Moles reading ease"}
# An acronym: two or more capitals (digits after the first allowed), not part of an ID like FIN-001.
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z0-9]*[A-Z][A-Z0-9]*)s?(?![\w-])")
_EMPHASIS = frozenset(
    "NOT NEVER ALWAYS ONLY MUST DO DONT STOP WARNING CAUTION NOTE IMPORTANT ALL NO YES AND OR ANY "
    "NE PAS JAMAIS TOUJOURS ATTENTION NON OUI ET OU TOUT TOUS".split()
)
# Common knowledge: file and device names, and ISO currency codes, need no definition.
_WELL_KNOWN = frozenset(
    "ID PDF OK SOP FAQ KPI URL PIN USB PC IT HR CEO UK US EU AM PM ASAP EUR USD GBP CHF JPY CAD AUD".split()
)


def check_writing(library: Library, threshold: int = 40) -> tuple[Problem, ...]:
    """Every writing warning of every SOP that is not Retired, in the workbook's language."""
    return tuple(p for sop in library.sops for p in sop_writing(sop, library, threshold))


def sop_writing(sop: Sop, library: Library, threshold: int = 40) -> tuple[Problem, ...]:
    """The writing warnings of one SOP (none when Retired). Besides the SOP, they read only the library's
    language, shared definitions and departments (``binder.output.writing_cache`` keys on exactly those)."""
    if sop.status == "Retired":
        return ()
    lang = library.settings.language if library.settings.language in _LANGUAGES else "en"
    problems = Problems()
    shared = {d.term for d in library.shared_definitions}
    known = {d.code for d in library.departments} | _WELL_KNOWN
    for step in sop.steps:
        kind = "Decision" if step.is_decision else ("End" if step.is_end else "Action")
        where = step.origin.at("action")
        problems.extend(action_problems(step.action, lang, where, sop.sop_id, step.number, kind))
    _structure(sop, library, problems)
    _terms(sop, shared, known, problems)
    for field, text, where in _paragraphs(sop):
        _readability(sop, field, text, where, lang, threshold, problems)
    return problems.items


def _rules(lang: str) -> ModuleType:
    return importlib.import_module(_LANGUAGES[lang])


def action_problems(
    text: str, lang: str, where: str = "", sid: str = "", n: str = "1", kind: str = "Action"
) -> list[Problem]:
    """The warnings about one step's Action: ``kind`` Decision (a question) and End are not instructions."""
    rules, text = _rules(lang), text.strip()
    found: list[Problem] = []
    if not text:
        return found
    if kind == "Action":
        rewrite = rules.verb_first(text)
        if rewrite is not None:
            found.append(
                Problem.warning(
                    where,
                    f'step {n} of {sid} does not start with what to do ("{_short(text)}")',
                    f'start with the verb, e.g. "{rewrite}"'
                    if rewrite
                    else f"start with the verb, e.g. {_EXAMPLE[lang]}",
                    code="verb-first",
                    sop_id=sid,
                )
            )
        count = rules.instructions(text)
        if count > 1:
            found.append(
                Problem.warning(
                    where,
                    f"step {n} of {sid} gives {count} instructions in one Action",
                    f"give each its own step, or make them sub-steps {n}.1, {n}.2 …",
                    code="one-action",
                    sop_id=sid,
                )
            )
    passive = rules.passive(text)
    if passive:
        rewrite = rules.verb_first(text) or ""
        found.append(
            Problem.warning(
                where,
                f'step {n} of {sid} is in the passive voice ("{passive}")',
                f'say who does what: "{rewrite}", with the doer as Responsible'
                if rewrite
                else "say who does what, in the active voice, with the doer as Responsible",
                code="passive-voice",
                sop_id=sid,
            )
        )
    words = word_count(text)
    if words > MAX_WORDS:
        found.append(
            Problem.warning(
                where,
                f"step {n} of {sid} is {words} words long (more than {MAX_WORDS})",
                "keep the instruction in Action and move the explanation to Details",
                code="step-length",
                sop_id=sid,
            )
        )
    return found


def _structure(sop: Sop, library: Library, problems: Problems) -> None:
    main = [s for s in sop.steps if s.level == 1]
    if len(main) > MAX_STEPS:
        problems.warning(
            main[MAX_STEPS].origin.at("step"),
            f"{sop.sop_id} has {len(main)} main steps (more than {MAX_STEPS})",
            "split it into two SOPs, or group steps as sub-steps (3.1, 3.2 …)",
            code="too-many-steps",
            sop_id=sop.sop_id,
        )
    if sop.status != "Approved":
        return
    dept_help = next((d.help_contact for d in library.departments if d.code == sop.department), "")
    missing = [
        (label, field)
        for label, field, present in (
            ("Audience", "audience", sop.audience),
            ("Policy", "policy", sop.policy),
            ("Help contact", "help_contact", sop.help_contact or dept_help),
            ("FAQ row", "sop_id", sop.faq),
            ("KPI", "sop_id", sop.kpis),
        )
        if not present
    ]
    for label, field in missing:
        sheet = {"FAQ row": "the FAQ sheet", "KPI": "the KPIs sheet"}.get(label, "this cell")
        problems.warning(
            sop.origin.at(field),
            f"{sop.sop_id} is Approved but has no {label}",
            f"add it in {sheet}: readers of an approved SOP look for it",
            code="missing-section",
            sop_id=sop.sop_id,
        )


def _texts(sop: Sop):
    """Every text of the SOP a reader sees, with its cell, in reading order."""
    yield sop.title, sop.origin.at("title")
    for field in ("purpose", "scope", "policy"):
        yield getattr(sop, field), sop.origin.at(field)
    for role in sop.roles:
        yield role.responsibility, role.origin.at("responsibility")
    for step in sop.steps:
        for field in ("action", "details", "caution"):
            yield getattr(step, field), step.origin.at(field)
    for kpi in sop.kpis:
        yield kpi.measure, kpi.origin.at("measure")
    for faq in sop.faq:
        yield f"{faq.question} {faq.answer}", faq.origin.at("question")


def undefined_terms(text: str, defined: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """The acronyms of ``text`` (each once) that are neither a term of ``defined`` (or in one, as in
    "PO (purchase order)"), nor ``known`` (department codes), nor common knowledge (PDF, EUR)."""
    terms = " ".join(defined)
    skip = set(known) | _WELL_KNOWN | _EMPHASIS
    found: list[str] = []
    for acronym in _ACRONYM.findall(text or ""):
        if acronym in found or acronym in skip or len(acronym) > 6 or sum(c.islower() for c in acronym) > 1:
            continue
        if not re.search(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w-])", terms):
            found.append(acronym)
    return found


def _terms(sop: Sop, shared: set[str], known: set[str], problems: Problems) -> None:
    defined = [d.term for d in sop.definitions] + sorted(shared)
    seen: set[str] = set()
    for text, where in _texts(sop):
        for acronym in undefined_terms(text, defined, known | seen):
            seen.add(acronym)
            problems.warning(
                where,
                f'{sop.sop_id} uses "{acronym}" without defining it',
                f"add {acronym} to the Definitions sheet (for {sop.sop_id}, or with SOP ID blank for every SOP), "
                "or spell it out",
                code="undefined-term",
                sop_id=sop.sop_id,
            )


def _paragraphs(sop: Sop):
    for field, label in (("purpose", "Purpose"), ("scope", "Scope"), ("policy", "Policy")):
        yield label, getattr(sop, field), sop.origin.at(field)
    for step in sop.steps:
        yield f"Details of step {step.number}", step.details, step.origin.at("details")


def _readability(sop: Sop, field: str, text: str, where: str, lang: str, threshold: int, problems: Problems) -> None:
    score = reading_ease(text or "", lang)
    if score is not None and score < threshold:
        problems.warning(
            where,
            f"{field} of {sop.sop_id} is hard to read ({_FORMULA[lang]} {score:.0f}, under {threshold})",
            "use shorter sentences and everyday words",
            code="readability",
            sop_id=sop.sop_id,
        )


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
