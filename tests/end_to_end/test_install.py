"""Installed like any package: a wheel in a fresh virtualenv (not editable) builds the example,
binders and packs included, with the templates and the example taken from the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(*command, cwd=None, env=None, timeout=600):
    # Nothing of the source tree may leak in: the installed copy alone must be what runs.
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**clean, **(env or {})},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def test_a_wheel_installed_in_a_fresh_virtualenv_builds_binders_and_packs(tmp_path):
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", REPO)
    wheel = next((tmp_path / "dist").glob("binder-*.whl"))
    venv = tmp_path / "venv"
    # Debian's python3 with system site-packages: LibreOffice's uno bridge lives there, as in ./run setup.
    run("/usr/bin/python3", "-m", "venv", "--system-site-packages", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    here = tmp_path / "elsewhere"
    here.mkdir()
    located = run(venv / "bin" / "python", "-c", "import binder, sys; print(binder.__file__)", cwd=here).stdout
    assert str(venv) in located and str(REPO) not in located  # the installed copy, not the source tree
    run(venv / "bin" / "binder", "build", "--out", "out", "--quiet", cwd=here)
    manifest = json.loads((here / "out" / "manifest.json").read_text())
    assert len(manifest["binders"]) == 4 and len(manifest["packs"]) == 2
    for entry in manifest["binders"] + manifest["packs"]:
        assert (here / "out" / entry["path"]).stat().st_size > 10_000
    assert "<h1>" in (here / "out" / "site" / "index.html").read_text()  # the site's templates are package data
    assert (here / "out" / "site" / "static" / "site.css").stat().st_size > 1000
