"""The corpus of bad workbooks (``tests/support/bad_workbooks.py``): each gives exactly its expected first problem.

Also the problem codes: every problem of the corpus and of the example has one,
and the codes used in ``binder/workbook/`` are exactly those of the table in
``docs/workbook.md``, with the same severity.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import bad_workbooks
import pytest
import sources
import wb

from binder.errors import FileProblem
from binder.workbook.load import check_workbook

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "support" / "bad_workbooks.py"
CODE = re.compile(r"[a-z]+(-[a-z]+)*")


def all_problems(path: Path):
    """Every problem of the workbook (a FileProblem's one), and whether the whole file was refused."""
    try:
        _, problems = check_workbook(path, today=wb.TODAY)
    except FileProblem as exc:
        return exc.problems, True
    return problems, False


def test_the_corpus_is_big_and_covers_every_sheet():
    names = [bad.name for bad in bad_workbooks.CORPUS]
    assert len(names) >= 40 and len(set(names)) == len(names)
    sheets = {bad.where.split("!")[0] for bad in bad_workbooks.CORPUS if "!" in bad.where}
    assert {
        "Settings",
        "Departments",
        "SOPs",
        "Steps",
        "Roles",
        "Definitions",
        "KPIs",
        "FAQ",
        "References",
        "Revisions",
        "Approvals",
        "Training",
    } <= sheets
    assert sum(bad.where == bad_workbooks.FILE for bad in bad_workbooks.CORPUS) >= 10


@pytest.mark.parametrize("bad", bad_workbooks.CORPUS, ids=[bad.name for bad in bad_workbooks.CORPUS])
def test_bad_workbook_gives_its_exact_first_problem(tmp_path, bad):
    path = bad.make(tmp_path / f"{bad.name}.xlsx")
    problems, whole_file = all_problems(path)
    assert problems, "no problem found"
    problem = problems[0]
    assert (problem.where, problem.severity, problem.message) == (bad.expected_where(path), bad.severity, bad.message)
    assert whole_file == (bad.where == bad_workbooks.FILE)
    problem.format(str(path)).encode("utf-8")  # printable as it will be printed
    # one mistake, one problem: nothing follows on from it
    assert len(problems) == bad.count, [p.format() for p in problems]
    # every problem has its code
    assert all(p.code and CODE.fullmatch(p.code) for p in problems), [(p.code, p.message) for p in problems]


@pytest.mark.slow
def test_the_script_writes_the_corpus_to_a_folder(tmp_path):
    out = tmp_path / "corpus"
    result = subprocess.run([sys.executable, str(SCRIPT), str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(p.stem for p in out.glob("*.xlsx"))
    assert written == sorted(bad.name for bad in bad_workbooks.CORPUS)
    assert f"{len(bad_workbooks.CORPUS)} bad workbooks in {out}" in result.stdout
    # the side files a workbook refers to are written next to it
    assert (out / "step-image-text.png").read_bytes().startswith(b"I am text")
    assert (out / "settings-logo-symlink.png").is_symlink()


def test_the_example_gives_problems_with_codes_only():
    _, problems = wb.checked(REPO / "inputs" / "example.xlsx", date(2026, 11, 21))
    assert problems and all(p.code and CODE.fullmatch(p.code) for p in problems)
    assert [(p.where, p.code, p.sop_id) for p in problems] == [("SOPs!H4", "review-overdue", "FIN-003")]


# ---------------------------------------------------------------- the codes in the source and in the docs

SEVERITY_OF_CALL = {
    "error": "error",
    "warning": "warning",
    "refused": "error",
    "CellIssue": "error",
    "FileProblem": "error",
}
"""Calls that make a problem: ``problems.error``/``warning``, ``limits.refused``, ``sheets.CellIssue``,
``errors.FileProblem`` (code ``bad-file`` unless given)."""


def dynamic_codes(call: ast.Call) -> set[str]:
    """Codes a non-literal ``code=`` can take: ``template_code(...)`` names one of diagnose's codes."""
    from binder.document import diagnose

    if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "template_code":
        return {code for _, code in diagnose._CODES} | {"template-error"}
    return set()


def source_codes() -> dict[str, set[str]]:
    """Code → severities, from every call in ``binder/`` that makes a problem; each must pass a code."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "binder").rglob("*.py")):
        for node in sources.nodes(path):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in SEVERITY_OF_CALL or (
                name in ("error", "warning") and not isinstance(node.func, ast.Attribute)
            ):
                continue
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            if name in ("error", "warning") and code is None and len(node.args) < 2:
                continue  # not a problem (e.g. a logger's error(...)): problems take a place and a message
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if getattr(code, "id", None) == "code" or getattr(code, "attr", None) == "code":
                continue  # passes on a code given to it (``refused``, ``AboutSop``, a ``CellIssue``'s)
            if name == "FileProblem" and code is None:
                code = ast.Constant("bad-file")
            if dynamic_codes(code):
                for dynamic in dynamic_codes(code):
                    found.setdefault(dynamic, set()).add(SEVERITY_OF_CALL[name])
                continue
            assert isinstance(code, ast.Constant) and isinstance(code.value, str), f"{where}: no literal code="
            assert CODE.fullmatch(code.value), f"{where}: {code.value!r} is not kebab-case"
            found.setdefault(code.value, set()).add(SEVERITY_OF_CALL[name])
    return found


def documented_codes() -> dict[str, str]:
    """Code → severity, from the table under "## Problem codes" in docs/workbook.md."""
    text = (REPO / "docs" / "workbook.md").read_text()
    section = text.split("\n## Problem codes", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"a row of the codes table needs 4 cells: {line}"
        code = cells[0].strip("`")
        assert code not in table, f"{code} is listed twice"
        table[code] = cells[1]
    return table


def test_every_code_in_the_source_is_documented_and_every_documented_code_is_used():
    used, documented = source_codes(), documented_codes()
    assert len(used) >= 40
    assert sorted(set(used) - set(documented)) == [], "codes missing from docs/workbook.md"
    assert sorted(set(documented) - set(used)) == [], "documented codes no longer used"
    assert {code: documented[code] for code in used} == {code: "/".join(sorted(s)) for code, s in used.items()}
