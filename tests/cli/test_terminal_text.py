"""Workbook text printed on the terminal is shown as typed: never read as rich markup."""

from __future__ import annotations

import json

import wb
from cli import run

MARKUP = ["[/]", "[link=https://evil.test]click[/link]", "[bold red]LOUD[/]", "\\[escaped]"]


def test_status_and_packs_print_markup_like_text_as_typed(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Title"] = MARKUP[0] + " payroll " + MARKUP[1]
    data["SOPs"][1]["Title"] = MARKUP[2] + " " + MARKUP[3]
    data["Training"] = [{"Pack": "[/] new [link=x]staff", "SOP ID": "FIN-001"}]
    wb.write(tmp_path / "book.xlsx", data)
    status = run("status", "book.xlsx", cwd=tmp_path, env={"COLUMNS": "400"})
    assert status.returncode == 0, status.stderr
    text = " ".join(status.stdout.split())
    assert "[/] payroll [link=https://evil.test]click[/link]" in text
    assert "[bold red]LOUD[/] \\[escaped]" in text
    packs = run("packs", "book.xlsx", cwd=tmp_path, env={"COLUMNS": "400"})
    assert packs.returncode == 0, packs.stderr
    assert "[/] new [link=x]staff (1 SOPs)" in packs.stdout
    assert (
        json.loads(run("packs", "book.xlsx", "--format", "json", cwd=tmp_path).stdout)[0]["pack"]
        == "[/] new [link=x]staff"
    )


def test_a_warning_about_how_the_build_runs_is_printed_as_given_beside_the_progress_bars_or_without_them(capsys):
    """The converter daemon's warnings (a folder open to other users, a daemon lost mid-build) reach the terminal
    through the build's progress: above the live bars, never torn through them, and shown as given."""
    from binder.console import NullProgress, RichProgress

    message = "converter daemon lost (it said [bold]nothing[/] \x1b[31mfor 3 s)"
    NullProgress().warn(message)
    shown = RichProgress()
    tick = shown.stage("converting", 2)
    tick()
    shown.warn(message)
    shown.close()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "warning:" in line]
    assert lines == ["warning: converter daemon lost (it said [bold]nothing[/] [31mfor 3 s)"] * 2
    assert "\x1b[31m" not in err


def test_problems_quote_markup_like_cells_as_typed(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Status"] = MARKUP[2]
    data["Steps"][0]["Responsible"] = MARKUP[1]
    wb.write(tmp_path / "book.xlsx", data)
    checked = run("validate", "book.xlsx", cwd=tmp_path, env={"COLUMNS": "400"})
    assert checked.returncode == 1
    assert f'Status "{MARKUP[2]}"' in checked.stderr and MARKUP[1] in checked.stderr
    built = run("build", "book.xlsx", "--quiet", cwd=tmp_path, env={"COLUMNS": "400"})
    assert built.returncode == 1 and f'Status "{MARKUP[2]}"' in built.stderr
