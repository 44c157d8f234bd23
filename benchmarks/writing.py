"""Precision and recall of the writing checks on the labelled sets in tests/workbook/writing_sets/.

    .venv/bin/python benchmarks/writing.py [--show-misses train]

Each set is a TSV of step texts (Action ``A`` or Details ``D``) with the codes a careful reviewer
would give them, in two splits: ``train`` (looked at while tuning the rules) and ``heldout`` (never
looked at; its figures are the ones docs/writing-checks.md reports). Rules that look at a whole SOP
(too-many-steps, missing-section) count structure and are exact; they have no row here.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from binder.workbook.writing.checks import action_problems, undefined_terms
from binder.workbook.writing.readability import reading_ease

SETS = Path(__file__).resolve().parents[1] / "tests" / "workbook" / "writing_sets"
RULES = ("verb-first", "passive-voice", "one-action", "step-length", "undefined-term", "readability")
THRESHOLD = 40


@dataclass(frozen=True)
class Row:
    lang: str
    split: str
    field: str
    expected: frozenset[str]
    text: str


def read_set(lang: str) -> tuple[list[Row], list[str]]:
    """The rows of ``<lang>.tsv`` and the terms its ``# defined:`` line says are in Definitions."""
    rows, defined = [], []
    for line in (SETS / f"{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("# defined:"):
            defined = line.split(":", 1)[1].split()
        if not line or line.startswith("#") or line.startswith("split\t"):
            continue
        split, field, codes, text = line.split("\t")
        rows.append(Row(lang, split, field, frozenset() if codes == "-" else frozenset(codes.split(",")), text))
    return rows, defined


def found_codes(row: Row, defined: list[str]) -> frozenset[str]:
    """What binder reports for the row's text, as the Steps sheet's Action or Details cell."""
    codes: set[str] = set()
    if row.field == "A":
        codes |= {p.code for p in action_problems(row.text, row.lang)}
    else:
        score = reading_ease(row.text, row.lang)
        if score is not None and score < THRESHOLD:
            codes.add("readability")
    if undefined_terms(row.text, defined):
        codes.add("undefined-term")
    return frozenset(codes)


def score(rows: list[Row], defined: list[str], show: bool) -> dict[str, tuple[int, int, int]]:
    """Rule → (true positives, false positives, false negatives)."""
    counts: dict[str, Counter] = {rule: Counter() for rule in RULES}
    for row in rows:
        got = found_codes(row, defined)
        for rule in RULES:
            hit, want = rule in got, rule in row.expected
            key = "tp" if hit and want else "fp" if hit else "fn" if want else "tn"
            counts[rule][key] += 1
            if show and key in ("fp", "fn"):
                print(f"  {key} {rule:15} {row.text}")
    return {rule: (c["tp"], c["fp"], c["fn"]) for rule, c in counts.items()}


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  - "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", choices=("train", "heldout"), help="print each false positive and negative")
    args = parser.parse_args(argv)
    print(
        f"{'lang':4} {'split':8} {'rule':15} {'texts':>5} {'flagged':>7} {'TP':>3} {'FP':>3} {'FN':>3} {'prec':>5} {'recall':>6}"
    )
    for lang in ("en", "fr"):
        rows, defined = read_set(lang)
        for split in ("train", "heldout"):
            part = [r for r in rows if r.split == split]
            for rule, (tp, fp, fn) in score(part, defined, args.show_misses == split).items():
                print(
                    f"{lang:4} {split:8} {rule:15} {len(part):5} {tp + fp:7} {tp:3} {fp:3} {fn:3} "
                    f"{ratio(tp, tp + fp):>5} {ratio(tp, tp + fn):>6}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
