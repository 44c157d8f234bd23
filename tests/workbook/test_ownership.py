"""binder status --owner / --by-owner: what a person owns, to hand a leaver's SOPs over."""

from __future__ import annotations

import json

import wb
from cli import run

from binder.workbook.load import check_workbook
from binder.workbook.ownership import by_owner, owned_by, same_person


def library(tmp_path, data=None):
    lib, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert not [p for p in problems if p.is_error], problems
    return lib


def test_names_match_as_people_type_them():
    assert same_person("  dana   RUIZ ", "Dana Ruiz")
    assert not same_person("Dana Ruiz", "Dana Ruis")
    assert not same_person("", " ")


def test_a_person_owns_sops_departments_and_the_approvals_they_gave_for_current_versions(tmp_path):
    owned = owned_by(library(tmp_path), "dana ruiz", wb.TODAY)
    assert owned["person"] == "Dana Ruiz"
    assert [(s["sop_id"], s["next_review"]) for s in owned["sops"]] == [("FIN-001", "2027-03-01")]
    assert owned["departments"] == [{"code": "FIN", "name": "Finance", "sops": 1}]
    # Prepared by, dated on the day of revision 2.0: still in force
    assert [(a["sop_id"], a["role"], a["version"]) for a in owned["approvals"]] == [("FIN-001", "Prepared by", "2.0")]


def test_approvals_of_an_older_version_or_of_a_draft_are_not_in_force(tmp_path):
    data = wb.base()
    data["Approvals"].append(
        {"SOP ID": "FIN-001", "Role": "Reviewed by", "Name": "Ari Cole", "Date": wb.date(2025, 1, 11)}
    )
    data["Approvals"].append(
        {"SOP ID": "OPS-002", "Role": "Reviewed by", "Name": "Ari Cole", "Date": wb.date(2026, 4, 2)}
    )
    owned = owned_by(library(tmp_path, data), "Ari Cole", wb.TODAY)
    assert owned["approvals"] == [] and owned["sops"] == [] and owned["departments"] == []
    lee = owned_by(library(tmp_path, data), "Lee Chen", wb.TODAY)
    assert [(a["sop_id"], a["role"]) for a in lee["approvals"]] == [
        ("FIN-001", "Approved by"),
        ("OPS-001", "Approved by"),
    ]


def test_by_owner_groups_every_sop_owners_in_order(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Owner"] = "sam  lee"  # same person as "Sam Lee", written differently
    data["SOPs"][2]["Owner"] = "Ari Cole"
    groups = by_owner(library(tmp_path, data), wb.TODAY)
    assert [(g["owner"], [s["sop_id"] for s in g["sops"]]) for g in groups] == [
        ("Ari Cole", ["OPS-002"]),
        ("sam lee", ["FIN-001", "OPS-001"]),
    ]
    assert groups[1]["sops"][0]["next_review"] == "2027-03-01"


def test_status_owner_and_by_owner_on_the_command_line(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    result = run("status", str(book), "--owner", "Sam Lee", "--format", "json")
    assert result.returncode == 0, result.stderr
    owned = json.loads(result.stdout)
    assert [s["sop_id"] for s in owned["sops"]] == ["OPS-001", "OPS-002"] and owned["person"] == "Sam Lee"
    text = run("status", str(book), "--owner", "sam lee")
    assert text.returncode == 0 and "OPS-001" in text.stdout and "FIN-001" not in text.stdout
    assert "Sam Lee" in text.stdout
    grouped = json.loads(run("status", str(book), "--by-owner", "--format", "json").stdout)
    assert [g["owner"] for g in grouped] == ["Dana Ruiz", "Sam Lee"]
    shown = run("status", str(book), "--by-owner").stdout
    assert shown.index("Dana Ruiz") < shown.index("FIN-001") < shown.index("Sam Lee") < shown.index("OPS-001")


def test_owner_and_by_owner_together_are_refused(tmp_path):
    result = run("status", str(wb.write(tmp_path / "book.xlsx")), "--owner", "x", "--by-owner")
    assert result.returncode == 2 and "--owner" in result.stderr and "--by-owner" in result.stderr


def test_an_owner_who_owns_nothing_is_told_so(tmp_path):
    result = run("status", str(wb.write(tmp_path / "book.xlsx")), "--owner", "Nobody Here")
    assert result.returncode == 0 and "Nobody Here owns no SOP, department or approval" in result.stdout
