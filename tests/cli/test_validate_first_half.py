"""``binder validate`` is the build's first half: what build would refuse, validate reports, with the
same messages (change control against the output folder's manifest, every template's mistakes at once)
and never a follow-on error; ``--ignore`` and the Settings key ``Ignore warnings`` silence warnings."""

from __future__ import annotations

import json

import wb
from cli import run
from docx import Document
from pipeline import snapshot, two_packs


def test_validate_runs_change_control_against_the_output_folder(tmp_path, built):
    book, _ = built  # tmp_path/book.xlsx built into tmp_path/out, with fake conversions
    data = two_packs()
    data["Steps"][1]["Action"] = "Enter hours twice."
    wb.write(book, data)
    before = snapshot(tmp_path)
    checked = run("validate", "book.xlsx", "--out", "out", cwd=tmp_path)
    assert checked.returncode == 1
    expected = "book.xlsx:SOPs!D2: error: FIN-001 changed since the last build (step 2) but Version is still 2.0"
    assert expected in checked.stderr and "[version-not-raised]" in checked.stderr
    refused = run("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert refused.returncode == 1 and expected in refused.stderr
    assert run("validate", "book.xlsx", "--out", "out", "--allow-unversioned", cwd=tmp_path).returncode == 0
    assert run("validate", "book.xlsx", "--out", "elsewhere", cwd=tmp_path).returncode == 0  # no manifest there
    assert snapshot(tmp_path) == before  # validate wrote nothing, nor did the refused build ("elsewhere" not made)


def test_validate_reports_a_hand_edited_manifest(tmp_path, built):
    manifest = tmp_path / "out" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["documents"][0]["version"] = "9.9"
    manifest.write_text(json.dumps(data))
    checked = run("validate", "book.xlsx", "--out", "out", cwd=tmp_path)
    assert checked.returncode == 1
    assert "change control cannot run" in checked.stderr and "[manifest-untrusted]" in checked.stderr


def test_every_mistake_of_every_template_the_workbook_uses_is_reported_at_once(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ sop.no_such_field }}")
    doc.add_paragraph("{{ no_such_variable }}")
    doc.save(tmp_path / "mine.docx")
    data = wb.base()
    data["Settings"].append({"Key": "Template", "Value": "mine.docx"})
    wb.write(tmp_path / "book.xlsx", data)
    checked = run("validate", "book.xlsx", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 1
    report = json.loads(checked.stdout)
    assert len(report["problems"]) == 2
    assert all(p["file"].endswith("mine.docx") for p in report["problems"])
    assert {p["code"] for p in report["problems"]} == {"unknown-variable", "unknown-field"}
    refused = run("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert refused.returncode == 1 and "mine.docx" in refused.stderr
    assert not (tmp_path / "out").exists()


def test_ignore_silences_a_warning_code_and_never_an_error(tmp_path):
    data = wb.base()
    data["Steps"][0]["Responsible"] = "Intern"
    data["SOPs"][0]["Status"] = "Done"
    wb.write(tmp_path / "book.xlsx", data)
    loud = run("validate", "book.xlsx", "--format", "json", cwd=tmp_path)
    assert {p["code"] for p in json.loads(loud.stdout)["problems"]} == {"unknown-role", "bad-choice"}
    quiet = run("validate", "book.xlsx", "--format", "json", "--ignore", "unknown-role,bad-choice", cwd=tmp_path)
    assert {p["code"] for p in json.loads(quiet.stdout)["problems"]} == {"bad-choice"}
    assert quiet.returncode == 1


def test_the_settings_silence_a_code_for_one_sop_or_for_all(tmp_path):
    data = wb.base()
    data["Steps"][0]["Responsible"] = "Intern"  # FIN-001
    data["Steps"][5]["Responsible"] = "Intern"  # OPS-001
    data["Settings"].append({"Key": "Ignore warnings", "Value": "FIN-001: unknown-role"})
    wb.write(tmp_path / "book.xlsx", data)
    one = json.loads(run("validate", "book.xlsx", "--format", "json", cwd=tmp_path).stdout)
    assert [(p["sop_id"], p["code"]) for p in one["problems"]] == [("OPS-001", "unknown-role")]
    data["Settings"][-1]["Value"] = "unknown-role"
    wb.write(tmp_path / "book.xlsx", data)
    assert json.loads(run("validate", "book.xlsx", "--format", "json", cwd=tmp_path).stdout)["problems"] == []
    data["Settings"][-1]["Value"] = "Unknown Role!"
    wb.write(tmp_path / "book.xlsx", data)
    bad = run("validate", "book.xlsx", cwd=tmp_path)
    assert bad.returncode == 1 and '"Unknown Role!" is not a warning code' in bad.stderr
