"""``binder diff OLD NEW`` on workbooks and output folders (fake converter builds, no LibreOffice)."""

from __future__ import annotations

import json
import shutil

import wb
from cli import run
from pipeline import revised_fin_001

from binder.cli.diff import redline_texts
from binder.redline.content import contents_of
from binder.redline.diff import diff_contents


def two_books(tmp_path, change=None):
    wb.write(tmp_path / "old.xlsx")
    data = revised_fin_001(wb.base(), "Collect signed timesheets.")
    if change:
        change(data)
    wb.write(tmp_path / "new.xlsx", data)


def test_two_workbooks_text_and_exit_status(tmp_path):
    two_books(tmp_path)
    result = run("diff", "old.xlsx", "new.xlsx", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "FIN-001 Payroll processing  2.0 → 2.1 (revised)",
        "  Step 1, reworded: Collect signed timesheets.",
    ]
    assert run("diff", "old.xlsx", "new.xlsx", "--exit-code", cwd=tmp_path).returncode == 1


def test_no_differences_exits_0_and_says_so(tmp_path):
    wb.write(tmp_path / "old.xlsx")
    result = run("diff", "old.xlsx", "old.xlsx", "--exit-code", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "no differences between old.xlsx and old.xlsx" in result.stderr


def test_json(tmp_path):
    two_books(tmp_path)
    result = run("diff", "old.xlsx", "new.xlsx", "--format", "json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert (data["format"], data["old"], data["new"]) == (1, "old.xlsx", "new.xlsx")
    (sop,) = data["sops"]
    assert (sop["sop_id"], sop["kind"], sop["old_version"], sop["new_version"]) == ("FIN-001", "revised", "2.0", "2.1")
    (change,) = sop["changes"]
    assert change["part"] == "step" and change["kind"] == "reworded" and change["key"] == "1"
    assert change["fields"][0]["segments"] == [
        {"op": "same", "text": "Collect "},
        {"op": "ins", "text": "signed "},
        {"op": "same", "text": "timesheets."},
    ]


def test_workbook_text_is_printed_as_typed_and_styles_tell_insertions_from_deletions(tmp_path):
    def markup(data):
        data["SOPs"][0]["Purpose"] = "Pay [bold red]staff[/] [link=https://evil.test]x[/link] on time."

    two_books(tmp_path, markup)
    result = run("diff", "old.xlsx", "new.xlsx", cwd=tmp_path, env={"COLUMNS": "300"})
    # "Pay [+[bold red]+]staff[- correctly and-][+[/] [link=https://evil.test]x[/link]+] on time."
    assert (
        "Purpose, reworded: Pay [bold red]staff correctly and[/] [link=https://evil.test]x[/link] on time."
        in result.stdout
    )
    lines = redline_texts(diff_contents(contents_of(tmp_path / "old.xlsx"), contents_of(tmp_path / "new.xlsx")))
    styles = {line.plain[span.start : span.end]: str(span.style) for line in lines for span in line.spans}
    assert styles["signed "] == "green underline"
    assert styles[" correctly and"] == "red strike"
    assert styles["[bold red]"] == styles["[/] [link=https://evil.test]x[/link]"] == "green underline"


def test_an_output_folder_against_a_workbook(built, tmp_path):
    book, out = built
    wb.write(tmp_path / "new.xlsx", revised_fin_001(wb.base(), "Collect signed timesheets."))
    result = run("diff", out, "new.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "  Step 1, reworded: Collect signed timesheets." in result.stdout.splitlines()
    assert run("diff", out, book, cwd=tmp_path).stdout == ""  # the folder holds what the workbook says


def test_errors_are_messages_with_codes(built, tmp_path):
    book, out = built
    (tmp_path / "empty").mkdir()
    broken = wb.base()
    broken["SOPs"][0]["Version"] = ""
    wb.write(tmp_path / "broken.xlsx", broken)
    shutil.copytree(out, tmp_path / "planted")
    (tmp_path / "planted" / "manifest.json").write_text("{}", encoding="utf-8")  # not sealed with our key
    path = out / "content" / "OPS-001.json"
    path.write_bytes(path.read_bytes().replace(b"Receiving goods", b"Receiving gods"))
    for args, code in (
        (("missing.xlsx", book), "missing.xlsx: error: no such file or folder. Give a workbook"),
        (("empty", book), "[no-content]"),
        ((book, "broken.xlsx"), "SOPs!D2"),
        ((out, book), "[content-tampered]"),
        (("planted", book), "[manifest-untrusted]"),
    ):
        result = run("diff", *args, cwd=tmp_path)
        assert result.returncode == 1, (args, result.stderr)
        assert code in result.stderr and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "content/OPS-001.json: error: is not what the build recorded in manifest.json" in " ".join(
        run("diff", out, book, cwd=tmp_path).stderr.split()
    )
