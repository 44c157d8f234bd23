"""Change control between builds, without LibreOffice: fingerprints and the messages they give."""

from __future__ import annotations

import wb

from binder.output.changes import describe, unversioned_changes
from binder.output.fingerprint import fingerprint, parts
from binder.output.manifest import DocumentEntry, Manifest
from binder.workbook.load import load_workbook


def library(tmp_path, change=lambda d: None, name="b.xlsx"):
    data = wb.base()
    change(data)
    return load_workbook(wb.write(tmp_path / name, data), today=wb.TODAY).library


def manifest_of(lib):
    return Manifest(
        "b.xlsx",
        "",
        "2026-01-01T00:00:00+00:00",
        tuple(
            DocumentEntry(
                s.sop_id, s.version, s.status, s.department, "", "", 1, fingerprint(s), s.title, tuple(parts(s).items())
            )
            for s in lib.sops
        ),
    )


def test_describe_groups_steps():
    assert describe(["step 2", "step 4", "purpose"]) == "steps 2, 4; purpose"
    assert describe(["step 3"]) == "step 3"


def test_bookkeeping_does_not_change_the_fingerprint(tmp_path):
    before = library(tmp_path)

    def bookkeeping(d):
        d["Approvals"][0]["Name"] = "Someone Else"
        d["Revisions"][1]["Change"] = "Reworded."
        d["SOPs"][0]["Effective date"] = "2026-03-02"

    after = library(tmp_path, bookkeeping, "c.xlsx")
    assert fingerprint(before.sop("FIN-001")) == fingerprint(after.sop("FIN-001"))


def test_a_content_change_without_a_new_version_is_an_error_at_the_version_cell(tmp_path):
    previous = manifest_of(library(tmp_path))

    def edit(d):
        d["Steps"][1]["Action"] = "Enter hours twice."
        d["Steps"][3]["Details"] = "Check the totals."
        d["SOPs"][0]["Purpose"] = "Pay staff."

    problems = unversioned_changes(library(tmp_path, edit, "c.xlsx"), previous)
    assert [(p.where, p.message) for p in problems] == [
        ("SOPs!D2", "FIN-001 changed since the last build (steps 2, 3; purpose) but Version is still 2.0")
    ]
    assert "add a row to Revisions and raise the version" in problems[0].hint


def test_a_new_version_or_a_draft_passes(tmp_path):
    previous = manifest_of(library(tmp_path))

    def revise(d):
        d["Steps"][1]["Action"] = "Enter hours twice."
        d["SOPs"][0]["Version"] = "2.1"
        d["Revisions"].append(
            {
                "SOP ID": "FIN-001",
                "Version": "2.1",
                "Date": "2026-02-10",
                "Author": "Dana Ruiz",
                "Change": "Double entry.",
            }
        )
        d["Steps"][7]["Action"] = "Count the shelves twice."  # OPS-002 is a Draft: exempt

    assert unversioned_changes(library(tmp_path, revise, "c.xlsx"), previous) == ()


def test_removed_and_added_steps_are_named(tmp_path):
    previous = manifest_of(library(tmp_path))

    def edit(d):
        del d["Steps"][2]  # step 2.1 of FIN-001

    problems = unversioned_changes(library(tmp_path, edit, "c.xlsx"), previous)
    assert "(step 2.1)" in problems[0].message
