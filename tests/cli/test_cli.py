"""The command line as a user meets it: help, exit codes, compiler-style messages, JSON.

The commands run in this process (``support/cli.py``); what only a real process shows (the entry
points themselves, the error log written on the way out) runs as ``python -m binder`` in the slow run.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import cli
import pytest
import wb

REPO = Path(__file__).resolve().parents[2]


def binder(*args, cwd=REPO):
    return cli.run(*args, cwd=cwd)


@pytest.mark.parametrize("command", ["", "init", "validate", "build", "status", "packs"])
def test_every_command_explains_itself(command):
    result = binder(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "Usage: binder" in result.stdout and len(result.stdout) > 200


def test_usage_error_exits_2():
    result = binder("validate", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr


def test_validate_the_example_succeeds(tmp_path):
    # --out elsewhere: the repository's own output/ (from ./run build) is sealed with the user's build
    # key, not with the test session's, and change control would rightly refuse it.
    result = binder("validate", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "inputs/example.xlsx: no errors" in result.stderr


def test_validate_reports_problems_compiler_style_and_exits_1(tmp_path):
    data = wb.base()
    data["Steps"][0]["Responsible"] = "Intern"
    data["SOPs"][0]["Status"] = "Done"
    path = wb.write(tmp_path / "book.xlsx", data)
    result = binder("validate", str(path), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert (
        'book.xlsx:SOPs!E2: error: Status "Done" is not one of: Draft, In review, Approved, Retired. '
        "Pick a value from the dropdown [bad-choice]" in lines
    )
    assert any(line.startswith('book.xlsx:Steps!D2: warning: Responsible "Intern"') for line in lines)
    assert "Traceback" not in result.stderr


def test_validate_json(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Title"] = None
    result = binder("validate", str(wb.write(tmp_path / "book.xlsx", data)), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    first = report["problems"][0] | {"hint": ""}
    assert {
        k: first[k] for k in ("where", "severity", "message", "hint", "file", "sheet", "cell", "row", "column")
    } == {
        "where": "SOPs!B2",
        "severity": "error",
        "message": "Title is required",
        "hint": "",
        "file": "book.xlsx",
        "sheet": "SOPs",
        "cell": "B2",
        "row": 2,
        "column": "B",
    }
    assert first["code"] == "required-value"


def test_strict_fails_on_warnings(tmp_path):
    data = wb.base()
    data["Steps"][0]["Responsible"] = "Intern"
    path = wb.write(tmp_path / "book.xlsx", data)
    assert binder("validate", str(path), cwd=tmp_path).returncode == 0
    assert binder("validate", str(path), "--strict", cwd=tmp_path).returncode == 1


def test_not_a_workbook_is_one_line_naming_the_file(tmp_path):
    (tmp_path / "data.xlsx").write_text("SOP ID,Title\n")
    result = binder("validate", "data.xlsx", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("data.xlsx: error: is not an Excel workbook")
    assert "Traceback" not in result.stderr


def test_status_json_marks_overdue_and_fail_on_overdue(tmp_path):
    result = binder("status", "--format", "json")
    rows = json.loads(result.stdout)
    overdue = [r["sop_id"] for r in rows if r["overdue"]]
    assert "FIN-003" in overdue
    assert binder("status", "--fail-on-overdue").returncode == 1
    due = json.loads(binder("status", "--due-within", "30", "--format", "json").stdout)
    assert all(r["days_left"] <= 30 and r["status"] == "Approved" for r in due)


def test_init_refuses_to_overwrite_without_force(tmp_path):
    assert binder("init", "new.xlsx", cwd=tmp_path).returncode == 0
    again = binder("init", "new.xlsx", cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert binder("init", "new.xlsx", "--force", cwd=tmp_path).returncode == 0
    assert binder("validate", "new.xlsx", cwd=tmp_path).returncode == 0


def test_packs_lists_sops_with_versions():
    result = binder("packs", "--format", "json")
    packs = json.loads(result.stdout)
    assert len(packs) >= 2 and all(p["sops"] and all(s["version"] for s in p["sops"]) for p in packs)


def boom(*args, **kwargs):
    raise RuntimeError("something broke")


def break_reading_workbooks(monkeypatch) -> None:
    """``check_workbook`` raises a bug, wherever binder's modules have it (as ``BOOM`` below does at start-up)."""
    import binder.workbook.load as load

    original = load.check_workbook
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "binder" and getattr(module, "check_workbook", None) is original:
            monkeypatch.setattr(module, "check_workbook", boom)


def test_an_unexpected_error_is_one_line_and_a_log_file_in_process(tmp_path, monkeypatch):
    break_reading_workbooks(monkeypatch)
    result = cli.run("validate", cwd=REPO, env={"XDG_STATE_HOME": str(tmp_path)})
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error: RuntimeError: something broke" in lines[0]
    log = tmp_path / "binder" / "error.log"
    assert str(log) in lines[0] and "Traceback" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    log.chmod(0o644)  # one made otherwise: the next error's traceback is still the user's alone
    verbose = cli.run("--verbose", "validate", cwd=REPO, env={"XDG_STATE_HOME": str(tmp_path)})
    assert "Traceback" in verbose.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_the_error_log_never_follows_a_planted_symbolic_link_in_process(tmp_path, monkeypatch):
    break_reading_workbooks(monkeypatch)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "error.log").symlink_to(victim)
    result = cli.run("validate", cwd=REPO, env={"XDG_STATE_HOME": str(tmp_path)})
    assert result.returncode == 4 and "internal error: RuntimeError: something broke" in result.stderr
    assert victim.read_text() == "precious"
    assert "could not be saved" in result.stderr


# -- as a real process ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_entry_points_run_the_command_line(tmp_path):
    for command in ([sys.executable, "-m", "binder"], [str(Path(sys.executable).with_name("binder"))]):
        result = subprocess.run(
            [*command, "validate", "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "Usage: binder validate" in result.stdout
        usage = subprocess.run(
            [*command, "validate", "--no-such-option"], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        assert usage.returncode == 2 and "No such option" in usage.stderr
    example = subprocess.run(
        [sys.executable, "-m", "binder", "validate", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert example.returncode == 0 and "inputs/example.xlsx: no errors" in example.stderr


BOOM = (
    "import sys, binder.workbook.load as load, binder.cli as cli\n"
    "def boom(*a, **k): raise RuntimeError('something broke')\n"
    "load.check_workbook = boom\n"
    "cli.main(sys.argv[1:])\n"
)


@pytest.mark.slow
def test_an_unexpected_error_is_one_line_and_a_log_file(tmp_path):
    env = {**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", BOOM, "validate"], capture_output=True, text=True, cwd=REPO, env=env)
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error: RuntimeError: something broke" in lines[0]
    log = tmp_path / "binder" / "error.log"
    assert str(log) in lines[0] and "Traceback" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    log.chmod(0o644)  # one made otherwise: the next error's traceback is still the user's alone
    verbose = subprocess.run(
        [sys.executable, "-c", BOOM, "--verbose", "validate"], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert "Traceback" in verbose.stderr


@pytest.mark.slow
def test_the_error_log_never_follows_a_planted_symbolic_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "error.log").symlink_to(victim)
    env = {**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", BOOM, "validate"], capture_output=True, text=True, cwd=REPO, env=env)
    assert result.returncode == 4 and "internal error: RuntimeError: something broke" in result.stderr
    assert victim.read_text() == "precious"
    assert "could not be saved" in result.stderr
