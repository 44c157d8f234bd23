"""The writing checks through ``binder validate``: compiler-style and JSON output, ``--ignore``,
``--no-style``, ``--strict`` (not counting them) and ``--strict-style``; the labelled sets and their
benchmark (benchmarks/writing.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import wb
from cli import run

REPO = Path(__file__).resolve().parents[2]


def benchmark():
    """benchmarks/writing.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("writing_bench", REPO / "benchmarks" / "writing.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    return bench


def badly_written(tmp_path: Path, **settings: object) -> Path:
    data = wb.base()
    data["Steps"][0]["Action"] = "The timesheets should be collected by the clerk."
    data["Settings"] += [{"Key": key, "Value": value} for key, value in settings.items()]
    return wb.write(tmp_path / "book.xlsx", data)


def test_validate_prints_style_warnings_like_a_compiler_and_as_json(tmp_path):
    badly_written(tmp_path)
    text = run("validate", "book.xlsx", "--out", "out", cwd=tmp_path)
    assert text.returncode == 0
    cell = wb.cell("Steps", "Action", 0)
    assert (
        f"book.xlsx:{cell}: warning: step 1 of FIN-001 does not start with what to do "
        '("The timesheets should be collected by the clerk."). Start with the verb, e.g. "Collect the timesheets" '
        "[verb-first]"
    ) in text.stderr
    report = json.loads(run("validate", "book.xlsx", "--out", "out", "--format", "json", cwd=tmp_path).stdout)
    found = {(p["code"], p["sheet"], p["cell"], p["severity"], p["sop_id"]) for p in report["problems"]}
    sheet, ref = cell.split("!")
    assert found == {
        ("verb-first", sheet, ref, "warning", "FIN-001"),
        ("passive-voice", sheet, ref, "warning", "FIN-001"),
    }
    assert report["warnings"] == 2 and report["errors"] == 0


def test_ignore_no_style_strict_and_strict_style(tmp_path):
    badly_written(tmp_path)

    def codes(*options: str) -> tuple[int, list[tuple[str, str]]]:
        done = run("validate", "book.xlsx", "--out", "out", "--format", "json", *options, cwd=tmp_path)
        return done.returncode, sorted((p["code"], p["severity"]) for p in json.loads(done.stdout)["problems"])

    assert codes("--ignore", "verb-first") == (0, [("passive-voice", "warning")])
    assert codes("--no-style") == (0, [])
    # --strict is about correctness: style warnings stay warnings and do not fail the run
    assert codes("--strict") == (0, [("passive-voice", "warning"), ("verb-first", "warning")])
    assert codes("--strict-style") == (1, [("passive-voice", "error"), ("verb-first", "error")])
    assert codes("--strict-style", "--ignore", "verb-first,passive-voice") == (0, [])


def test_settings_silence_a_style_code_and_set_the_readability_threshold(tmp_path):
    badly_written(tmp_path, **{"Ignore warnings": "FIN-001: verb-first", "Readability threshold": "101"})
    done = run("validate", "book.xlsx", "--out", "out", cwd=tmp_path)
    assert "[verb-first]" not in done.stderr and "[passive-voice]" in done.stderr
    assert done.returncode == 1
    assert re.search(r'Readability threshold "101" must be a whole number from 0 to 100.*\[bad-number\]', done.stderr)


def test_the_labelled_sets_are_large_split_and_labelled_with_known_codes():
    from binder.workbook.writing import STYLE_CODES

    bench = benchmark()
    for lang in ("en", "fr"):
        rows, defined = bench.read_set(lang)
        assert len(rows) >= 150 and defined
        heldout = [r for r in rows if r.split == "heldout"]
        assert len(heldout) >= len(rows) // 4 and {r.split for r in rows} == {"train", "heldout"}
        assert set().union(*(r.expected for r in rows)) == set(bench.RULES) <= STYLE_CODES
        # the tuning set stays tuned: every rule that flags anything there is right 9 times in 10
        for rule, (tp, fp, _fn) in bench.score([r for r in rows if r.split == "train"], defined, False).items():
            assert tp + fp == 0 or tp / (tp + fp) >= 0.9, (lang, rule, tp, fp)


def test_the_benchmark_prints_precision_and_recall_per_rule_and_split(capsys):
    bench = benchmark()
    assert bench.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["lang", "split", "rule", "texts", "flagged", "TP", "FP", "FN", "prec", "recall"]
    assert len(lines) == 1 + 2 * 2 * len(bench.RULES)
    assert any(line.split()[:3] == ["fr", "heldout", "verb-first"] for line in lines)
