"""The word and step diff (binder.redline.diff) and its lines (binder.redline.lines), on plain data."""

from __future__ import annotations

from binder.document.labels import labels_for
from binder.redline.diff import (
    ADDED,
    DELETED,
    INSERTED,
    REMOVED,
    REVISED,
    REWORDED,
    SAME,
    Segment,
    as_json,
    diff_content,
    diff_contents,
    words,
)
from binder.redline.lines import change_line, legend


def step(number: str, action: str, **more) -> dict:
    return {"number": number, "action": action, "type": "Action", **more}


def context(steps=(), **sop) -> dict:
    return {"sop": {"purpose": "", "scope": "", "policy": "", **sop}, "steps": list(steps), "roles": []}


def snap(version: str, ctx: dict, title: str = "Payroll") -> dict:
    return {"format": 1, "sop_id": "FIN-001", "title": title, "version": version, "status": "Approved", "context": ctx}


def test_words_marks_the_deleted_and_inserted_words_only():
    assert words("Check the form.", "Check the signed order.") == (
        Segment(SAME, "Check the "),
        Segment(DELETED, "form"),
        Segment(INSERTED, "signed order"),
        Segment(SAME, "."),
    )


def test_a_space_between_two_changes_joins_them():
    # not "[-a-][+c+] [-b-][+d+]"
    assert words("x a b y", "x c d y") == (
        Segment(SAME, "x "),
        Segment(DELETED, "a b"),
        Segment(INSERTED, "c d"),
        Segment(SAME, " y"),
    )


def test_old_and_new_text_are_what_the_segments_spell():
    old, new = "Pay staff correctly, on time.", "Pay all staff on the last day."
    segments = words(old, new)
    assert "".join(s.text for s in segments if s.op != INSERTED) == old
    assert "".join(s.text for s in segments if s.op != DELETED) == new


def test_a_step_inserted_at_the_top_renumbers_the_others_without_changing_them():
    old = context([step("1", "Collect timesheets."), step("2", "Enter hours.")])
    new = context([step("1", "Scan the timesheets."), step("2", "Collect timesheets."), step("3", "Enter hours.")])
    (change,) = diff_content(old, new)
    assert (change.part, change.kind, change.key) == ("step", ADDED, "1")
    assert change.fields[0].segments == (Segment(INSERTED, "Scan the timesheets."),)


def test_a_reworded_step_keeps_its_place_and_shows_its_old_and_new_words():
    old = context([step("1", "Collect timesheets."), step("2", "Enter hours in the system."), step("3", "Pay.")])
    new = context(
        [step("1", "Collect timesheets."), step("2", "Enter the approved hours in the system."), step("3", "Pay.")]
    )
    (change,) = diff_content(old, new)
    assert (change.part, change.kind, change.key, change.old_key) == ("step", REWORDED, "2", "2")
    assert Segment(INSERTED, "the approved ") in change.fields[0].segments


def test_a_removed_step_and_a_step_rewritten_beyond_recognition():
    old = context([step("1", "Collect timesheets."), step("2", "Fax the bank."), step("3", "Pay.")])
    new = context(
        [step("1", "Collect timesheets."), step("2", "Upload the payment file to the portal."), step("3", "Pay.")]
    )
    kinds = [(c.kind, c.key) for c in diff_content(old, new)]
    assert kinds == [(REMOVED, "2"), (ADDED, "2")]


def test_details_and_responsible_of_a_step_are_compared_too():
    old = context([step("1", "Collect timesheets.", details="From the box.", responsible="Clerk")])
    new = context([step("1", "Collect timesheets.", details="From the locked box.", responsible="Manager")])
    (change,) = diff_content(old, new)
    assert change.fields[1].segments == (
        Segment(SAME, "From the "),
        Segment(INSERTED, "locked "),
        Segment(SAME, "box."),
    )
    assert [f.field for f in change.fields] == ["responsible", "details"]
    assert Segment(INSERTED, "locked ") in change.fields[1].segments


def test_purpose_scope_policy_and_roles_edits():
    old = context(purpose="Pay staff.", scope="", policy="Pay monthly.")
    old["roles"] = [{"role": "Clerk", "responsibility": "Prepares."}, {"role": "CFO", "responsibility": "Signs."}]
    new = context(purpose="Pay all staff.", scope="All sites.", policy="")
    new["roles"] = [
        {"role": "clerk", "responsibility": "Prepares and checks."},
        {"role": "Auditor", "responsibility": "Audits."},
    ]
    found = [(c.part, c.kind, c.key) for c in diff_content(old, new)]
    assert found == [
        ("purpose", REWORDED, ""),
        ("scope", ADDED, ""),
        ("policy", REMOVED, ""),
        ("role", REWORDED, "clerk"),  # roles match however they are capitalised
        ("role", ADDED, "Auditor"),
        ("role", REMOVED, "CFO"),
    ]


def test_sops_added_removed_revised_and_unchanged():
    same = context([step("1", "Count.")])
    old = {"A-1": snap("1.0", same), "B-1": snap("1.0", same), "C-1": snap("1.0", same)}
    new = {
        "A-1": snap("1.0", same),
        "B-1": snap("1.1", context([step("1", "Count twice.")])),
        "D-1": snap("1.0", same, "New"),
    }
    diffs = {d.sop_id: d for d in diff_contents(old, new)}
    assert set(diffs) == {"B-1", "C-1", "D-1"}  # A-1 did not change
    assert (diffs["B-1"].kind, diffs["B-1"].old_version, diffs["B-1"].new_version) == (REVISED, "1.0", "1.1")
    assert (diffs["C-1"].kind, diffs["D-1"].kind) == (REMOVED, ADDED)


def test_json_shape():
    old = {"B-1": snap("1.0", context([step("1", "Count.")]))}
    new = {"B-1": snap("1.1", context([step("1", "Count twice.")]))}
    assert as_json(diff_contents(old, new)) == [
        {
            "sop_id": "B-1",
            "title": "Payroll",
            "kind": "revised",
            "old_version": "1.0",
            "new_version": "1.1",
            "changes": [
                {
                    "part": "step",
                    "kind": "reworded",
                    "key": "1",
                    "old_key": "1",
                    "fields": [
                        {
                            "field": "action",
                            "segments": [
                                {"op": "same", "text": "Count"},
                                {"op": "ins", "text": " twice"},  # no space after it to move the space into
                                {"op": "same", "text": "."},
                            ],
                        }
                    ],
                }
            ],
        }
    ]


def test_lines_in_english_and_french():
    old = context([step("1", "A."), step("2", "Check the form.")])
    new = context([step("1", "Check the order.")])
    removed, change = diff_content(old, new)
    assert change_line(removed, labels_for("en")) == (("Step 1, removed: ", "label"), ("A.", "del"))
    assert change_line(change, labels_for("en"))[0] == ("Step 1 (was 2), reworded: ", "label")
    assert change_line(change, labels_for("fr"))[0] == ("Étape 1 (auparavant 2), reformulation\u00a0: ", "label")
    assert ("inserted", "ins") in legend(labels_for("en")) and ("deleted", "del") in legend(labels_for("en"))


def test_every_text_and_named_row_is_compared():
    old = context(title="Pay", owner="Dana", audience="Clerks", help_contact="a@x.test")
    old.update(
        definitions=[{"term": "Gross pay", "definition": "Pay before tax."}],
        kpis=[{"measure": "Errors", "target": "0", "frequency": "Monthly"}],
        faq=[{"question": "Late?", "answer": "Chase."}, {"question": "Lost?", "answer": "Ask."}],
    )
    new = context(title="Payroll", owner="Sam", audience="", help_contact="b@x.test")
    new.update(
        definitions=[{"term": "gross  pay", "definition": "Pay before tax and deductions."}],
        kpis=[{"measure": "Errors", "target": "0", "frequency": "Weekly"}],
        faq=[{"question": "Late?", "answer": "Chase."}],
    )
    found = [(c.part, c.kind, c.key, [f.field for f in c.fields]) for c in diff_content(old, new)]
    assert found == [
        ("title", REWORDED, "", ["text"]),
        ("owner", REWORDED, "", ["text"]),
        ("audience", REMOVED, "", ["text"]),
        ("definition", REWORDED, "gross  pay", ["definition"]),  # terms match however they are spaced
        ("kpi", REWORDED, "Errors", ["frequency"]),
        ("faq", REMOVED, "Lost?", ["answer"]),
        ("help_contact", REWORDED, "", ["text"]),
    ]
