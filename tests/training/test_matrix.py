"""The training matrix and the Training records sheet: states, who follows what, the sheet's rules, the commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import wb
from cli import run
from openpyxl import load_workbook

from binder.training.matrix import retrain_counts, training_matrix
from binder.workbook.blank import example_rows, init_workbook
from binder.workbook.load import check_workbook
from binder.workbook.load import load_workbook as load_library
from binder.workbook.writer import write_workbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"
DAY = date(2026, 5, 4)


def states(path: Path) -> dict[tuple[str, str], tuple[str | None, str, str]]:
    """(person, SOP ID) → (version signed, version in force, state), from the workbook at ``path``."""
    library = load_library(path, today=DAY).library
    return {(c.person, c.sop_id): (c.trained_version, c.current_version, c.state) for c in training_matrix(library)}


def test_the_example_shows_current_retrain_and_missing():
    found = states(EXAMPLE)
    assert found[("Lena Fischer", "OPS-001")] == ("1.1", "2.0", "retrain")
    assert found[("Sara Lindqvist", "FIN-002")] == ("1.9", "1.10", "retrain")  # 1.10 is after 1.9
    assert found[("Kofi Mensah", "OPS-002")] == (None, "1.3", "missing")
    assert found[("Kofi Mensah", "OPS-001")] == ("2.0", "2.0", "current")
    assert {s for _, _, s in found.values()} == {"current", "retrain", "missing"}
    # each person is in the matrix for the SOPs of the pack they follow, not for the other pack's
    assert {sop for person, sop in found if person == "Kofi Mensah"} == {"OPS-001", "OPS-002", "OPS-003"}


def _raised(rows: dict, version: str) -> dict:
    """``rows`` with FIN-001 revised to ``version`` (revision and approval on the same day, still effective)."""
    rows["SOPs"][0]["version"] = version
    rows["Revisions"].append(
        {"sop_id": "FIN-001", "version": version, "date": DAY, "author": "Sam Taylor", "change": "Revised."}
    )
    return rows


def test_the_state_changes_when_the_version_rises_and_again_when_the_person_retrains(tmp_path):
    rows = example_rows(DAY)
    first = write_workbook(tmp_path / "first.xlsx", rows)
    assert states(first) == {("Alex Morgan", "FIN-001"): ("1.0", "1.0", "current")}

    revised = write_workbook(tmp_path / "revised.xlsx", _raised(example_rows(DAY), "1.1"))
    assert states(revised) == {("Alex Morgan", "FIN-001"): ("1.0", "1.1", "retrain")}
    assert retrain_counts(load_library(revised, today=DAY).library) == {"FIN-001": 1}

    again = _raised(example_rows(DAY), "1.1")
    again["Training records"].append(
        {"person": "  alex   MORGAN ", "sop_id": "fin-001", "version": "1.1", "date": DAY, "pack": ""}
    )
    retrained = write_workbook(tmp_path / "retrained.xlsx", again)
    # one person however the name is typed, the SOP ID however it is cased; the newest training counts
    assert states(retrained) == {("Alex Morgan", "FIN-001"): ("1.1", "1.1", "current")}
    assert retrain_counts(load_library(retrained, today=DAY).library) == {}


def test_a_pack_sop_never_trained_is_missing_and_a_draft_is_in_no_matrix(tmp_path):
    data = wb.base()
    data["Training"].append({"Pack": "New finance staff", "SOP ID": "OPS-002"})  # a draft: refused in packs
    data["Training"].pop()
    data["Training records"] = [
        {
            "Person": "Ann Bell",
            "SOP ID": "FIN-001",
            "Version": "2.0",
            "Date": date(2026, 3, 2),
            "Pack": "New finance staff",
        },
        {"Person": "Ann Bell", "SOP ID": "OPS-002", "Version": "0.1", "Date": date(2026, 4, 2)},
        {"Person": "Cy Dunn", "SOP ID": "OPS-001", "Version": "1.0", "Date": date(2026, 3, 2)},
    ]
    path = wb.write(tmp_path / "w.xlsx", data)
    assert states(path) == {
        ("Ann Bell", "FIN-001"): ("2.0", "2.0", "current"),
        ("Ann Bell", "OPS-001"): (None, "1.0", "missing"),  # in the pack Ann follows, never trained
        ("Cy Dunn", "OPS-001"): ("1.0", "1.0", "current"),  # no pack: only what Cy was trained on
    }


def test_rows_the_sheet_refuses_are_reported_at_their_cells(tmp_path):
    data = wb.base()
    data["Training records"] = [
        {"Person": "Ann Bell", "SOP ID": "FIN-001", "Version": "1.5", "Date": date(2026, 3, 2)},
        {"Person": "Ann Bell", "SOP ID": "FIN-009", "Version": "1.0", "Date": date(2026, 3, 2)},
        {"Person": "Ann Bell", "SOP ID": "FIN-001", "Version": "2.0", "Date": date(2026, 3, 2), "Pack": "Old pack"},
        {"Person": "Ann Bell", "SOP ID": "FIN-001", "Version": "2.0", "Date": None},
        {"Person": "", "SOP ID": "FIN-001", "Version": "2.0", "Date": "last week"},
    ]
    library, problems = check_workbook(wb.write(tmp_path / "w.xlsx", data), today=wb.TODAY)
    found = {(p.where, p.code, p.severity) for p in problems}
    assert found == {
        ("Training records!C2", "training-version-unknown", "error"),
        ("Training records!B3", "unknown-sop", "error"),
        ("Training records!F4", "training-unknown-pack", "warning"),
        ("Training records!D5", "required-value", "error"),
        ("Training records!A6", "required-value", "error"),
        ("Training records!D6", "bad-date", "error"),
    }
    message = next(p for p in problems if p.code == "training-version-unknown").message
    assert "1.0, 2.0" in message  # the versions FIN-001 had
    assert library is not None
    assert [(r.origin.row, r.pack) for r in library.training_records] == [(4, "")]


def test_init_writes_the_sheet_with_an_sop_dropdown_and_explains_it(tmp_path):
    book = load_workbook(init_workbook(tmp_path / "sops.xlsx"))
    ws = book["Training records"]
    assert [c.value for c in ws[1]] == ["Person", "SOP ID", "Version", "Date", "Trainer", "Pack"]
    assert [(dv.formula1.replace("'", ""), str(dv.sqref)) for dv in ws.data_validations.dataValidation] == [
        ("SOPs!$A$2:$A$1000", "B2:B1000")
    ]
    text = "\n".join(str(v) for row in book["Instructions"].iter_rows(values_only=True) for v in row if v)
    for needle in (
        "Training records",
        "read-and-understood sheet",
        "trained again",
        "binder training record packs/new-finance-staff-record.xlsx",
        "binder training sops.xlsx",
    ):
        assert needle in text, needle


def test_training_command_text_json_and_fail_on_retrain(tmp_path):
    text = run("training", EXAMPLE)
    assert text.returncode == 0, text.stderr
    assert "retrain 1.1→2.0" in text.stdout and "missing" in text.stdout and "Kofi Mensah" in text.stdout
    as_json = run("training", EXAMPLE, "--format", "json")
    cells = json.loads(as_json.stdout)
    assert {
        "person": "Lena Fischer",
        "sop_id": "OPS-001",
        "trained_version": "1.1",
        "current_version": "2.0",
        "state": "retrain",
    } in cells
    failed = run("training", EXAMPLE, "--fail-on-retrain")
    assert failed.returncode == 1 and "2 training(s) to repeat" in failed.stderr
    current = write_workbook(tmp_path / "current.xlsx", example_rows(date.today()))
    assert run("training", "matrix", current, "--fail-on-retrain").returncode == 0


def test_status_says_how_many_must_retrain_on_each_revised_sop():
    result = run("status", EXAMPLE, "--format", "json")
    rows = {r["sop_id"]: r for r in json.loads(result.stdout)}
    assert (rows["OPS-001"]["retrain"], rows["FIN-002"]["retrain"], rows["FIN-001"]["retrain"]) == (1, 1, 0)
    shown = run("status", EXAMPLE).stdout
    assert "OPS-001 2.0: 1 person(s) trained on an older version must retrain" in shown


@pytest.mark.parametrize("command", [("training", "--help"), ("training", "record", "--help")])
def test_help(command):
    result = run(*command)
    assert result.returncode == 0 and "training record" in result.stdout.replace("\n", " ")
