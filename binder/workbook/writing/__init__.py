"""Writing checks: style warnings about how an SOP is written, not whether it is valid.

Owns the rules of docs/writing-checks.md (``verb-first``, ``passive-voice``, ``one-action``,
``step-length``, ``too-many-steps``, ``undefined-term``, ``readability``, ``missing-section``),
in English and French (Settings ``Language``). They are warnings with their cell and a suggested
rewrite; ``--strict`` leaves them warnings (``--strict-style`` does not), ``--no-style`` skips them.
Imports ``binder.model``, ``binder.problems`` and its own package only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from binder.model import Library
    from binder.problems import Problem

STYLE_CODES = frozenset(
    {
        "verb-first",
        "passive-voice",
        "one-action",
        "step-length",
        "too-many-steps",
        "undefined-term",
        "readability",
        "missing-section",
    }
)
"""The writing checks' codes: ``--strict`` leaves their warnings warnings."""

IN_PLAIN_WORDS = (
    "binder validate also warns about how steps are written, with the cell and a suggestion: start each "
    "Action with a verb (Check the form; in French Vérifier le bon), one instruction per step, no passive "
    "voice, at most 25 words (put the rest in Details), at most 10 main steps, every abbreviation in "
    "Definitions, plain Purpose, Scope, Policy and Details. They never stop a build (not even with "
    "--strict; --strict-style makes them errors). --ignore verb-first silences one, --no-style all."
)
"""The writing checks for the Instructions sheet of ``binder init``."""


def check_writing(library: Library, threshold: int = 40) -> tuple[Problem, ...]:
    """Every writing warning of every SOP that is not Retired, in the workbook's language."""
    # imported here: the dictionaries take most of a second to load, and --no-style should not pay it
    from binder.workbook.writing.checks import check_writing as check

    return check(library, threshold)
