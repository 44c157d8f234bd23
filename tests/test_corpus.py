"""The corpus of bad workbooks (``tests/bad_workbooks.py``): each gives exactly its expected first problem."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bad_workbooks
import wb
from binder.errors import FileProblem
from binder.workbook.load import check_workbook

HERE = Path(__file__).resolve().parent


def first_problem(path: Path):
    """The first problem of the workbook: the FileProblem's, or the first of the list."""
    try:
        _, problems = check_workbook(path, today=wb.TODAY)
    except FileProblem as exc:
        return exc.problems[0], True
    return (problems[0] if problems else None), False


def test_the_corpus_is_big_and_covers_every_sheet():
    names = [bad.name for bad in bad_workbooks.CORPUS]
    assert len(names) >= 40 and len(set(names)) == len(names)
    sheets = {bad.where.split("!")[0] for bad in bad_workbooks.CORPUS if "!" in bad.where}
    assert {"Settings", "Departments", "SOPs", "Steps", "Roles", "Definitions", "KPIs", "FAQ", "References",
            "Revisions", "Approvals", "Training"} <= sheets
    assert sum(bad.where == bad_workbooks.FILE for bad in bad_workbooks.CORPUS) >= 10


@pytest.mark.parametrize("bad", bad_workbooks.CORPUS, ids=[bad.name for bad in bad_workbooks.CORPUS])
def test_bad_workbook_gives_its_exact_first_problem(tmp_path, bad):
    path = bad.make(tmp_path / f"{bad.name}.xlsx")
    problem, whole_file = first_problem(path)
    assert problem is not None, "no problem found"
    assert (problem.where, problem.severity, problem.message) == (bad.expected_where(path), bad.severity, bad.message)
    assert whole_file == (bad.where == bad_workbooks.FILE)
    problem.format(str(path)).encode("utf-8")  # printable as it will be printed


def test_the_script_writes_the_corpus_to_a_folder(tmp_path):
    out = tmp_path / "corpus"
    result = subprocess.run([sys.executable, str(HERE / "bad_workbooks.py"), str(out)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(p.stem for p in out.glob("*.xlsx"))
    assert written == sorted(bad.name for bad in bad_workbooks.CORPUS)
    assert f"{len(bad_workbooks.CORPUS)} bad workbooks in {out}" in result.stdout
    # the side files a workbook refers to are written next to it
    assert (out / "step-image-text.png").read_bytes().startswith(b"I am text")
    assert (out / "settings-logo-symlink.png").is_symlink()
