"""A rebuild imports only what it uses: front matter, assembly, the stamp, the training record, signing,
remote converters and the terminal are imported when a build makes, signs or prints something with them,
never by ``import binder.build`` (~0.3 s of start-up, a sixth of an unchanged rebuild of the example).

Each check runs in a new interpreter: this process has imported everything long ago."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # new interpreters, a second each

SUPPORT = Path(__file__).resolve().parents[1] / "support"

ISSUING = {
    "binder.issue.front",
    "binder.issue.assemble",
    "binder.issue.stamp",
    "binder.issue.tagging",
    "binder.issue.archive",
    "binder.issue.record",
    "binder.issue.changes_page",
    "binder.redline.diff",
    "binder.output.chart_room",
    "binder.signing.sign",
    "binder.convert.remote",
    "pikepdf",
    "pyhanko",
    "fontTools.subset",
}
"""Imported by the functions that make a binder or pack anew, refit a chart, sign or convert remotely."""
TERMINAL = {"binder.console", "rich", "click"}
"""The command line's alone."""


def imported_by(code: str, cwd: Path) -> set[str]:
    """The modules a new interpreter holds after running ``code`` (which may use ``wb`` and ``fakes``)."""
    script = f"import sys\nsys.path.insert(0, {str(SUPPORT)!r})\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_build_leaves_issuing_signing_and_the_terminal_out(tmp_path):
    loaded = imported_by("import binder.build", tmp_path)
    assert "binder.build" in loaded
    assert not loaded & (ISSUING | TERMINAL), sorted(loaded & (ISSUING | TERMINAL))


def test_the_build_command_starts_without_issuing_or_signing(tmp_path):
    # What ``binder build`` has imported when it calls the pipeline: the whole command line, then the build.
    loaded = imported_by("import binder.__main__, binder.cli, binder.build, binder.options", tmp_path)
    assert {"binder.cli.build", "click", "rich"} <= loaded  # the check sees what is imported
    assert not loaded & ISSUING, sorted(loaded & ISSUING)


def test_an_unchanged_rebuild_never_imports_them(built, tmp_path):
    book, out = built
    code = textwrap.dedent(
        f"""
        import fakes, wb
        import binder.build
        from pathlib import Path
        from binder.options import BuildOptions

        binder.build.make_converter = lambda options, warn: fakes.FakeConverter()
        result = binder.build.build(Path({str(book)!r}), BuildOptions(out=Path({str(out)!r}), today=wb.TODAY, jobs=1))
        assert result.converted == (), result.converted
        issues = result.binders + result.packs
        assert result.binders and result.packs and all(e.reused for e in issues), issues
        """
    )
    loaded = imported_by(code, tmp_path)
    assert not loaded & ISSUING, sorted(loaded & ISSUING)
