"""Hostile workbooks (``support/bad_workbooks.py``) through ``binder build``: a message, no traceback,
nothing written. How the workbook stage handles each is tested in ``tests/workbook/test_hostile*.py``."""

from __future__ import annotations

import bad_workbooks as bw
import cli
import pytest

CLI_CASES = ["file-xml-bomb", "file-zip-bomb-ratio", "cell-bad-number", "step-image-traversal"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_build_of_a_hostile_workbook_fails_cleanly_and_writes_nothing(tmp_path, name):
    bad = next(b for b in bw.CORPUS if b.name == name)
    path = bad.make(tmp_path / f"{name}.xlsx")
    out = tmp_path / "out"
    result = cli.run("build", str(path), "--out", str(out), "--quiet", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert f"{name}.xlsx" in result.stderr and bad.message in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{name}.xlsx"]
