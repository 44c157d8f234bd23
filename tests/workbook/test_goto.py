"""The Go to column of Steps: an Action's jump to another step or End. Its validation (each mistake at its
cell), the flow it makes, the "go to step N" text that disagrees with the flow, and content fingerprints that
do not move for SOPs that leave the column blank (so an upgrade never trips change control)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import wb

from binder.document.context import sop_context
from binder.model import Origin, Sop, Step
from binder.output.fingerprint import fingerprint, parts
from binder.workbook.flow import END, START, flow_graph, needs_flowchart, step_targets
from binder.workbook.load import check_workbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "binder" / "examples" / "example.xlsx"

# The base workbook's Steps (tests/support/wb.py), by index: the Go to column is K.
#   0 FIN-001 1 (row 2)   1 FIN-001 2 (row 3)   2 FIN-001 2.1 (row 4)   3 FIN-001 3 (row 5)
#   4 OPS-001 1, a Decision: yes 2, no 3 (row 6)   5 OPS-001 2 (row 7)   6 OPS-001 3 (row 8)   7 OPS-002 1 (row 9)


def cells(**values):
    """Set cells of the Steps sheet: ``cells(s1={"Go to": "3"})`` sets row index 1."""

    def change(data):
        for key, row in values.items():
            data["Steps"][int(key[1:])].update(row)

    return change


def problems_for(tmp_path, change):
    data = wb.base()
    change(data)
    library, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    return library, problems


LOOP = "step {} of FIN-001 is in a loop with no way out to End"

CASES = [
    # (id, change, [(cell, severity, code, message)])
    ("jump-forward-to-a-step", cells(s5={"Go to": "3"}), []),
    ("jump-back-with-a-way-out", cells(s5={"Go to": "1"}), []),
    ("jump-to-end-in-any-case", cells(s3={"Go to": "end"}), []),
    ("jump-typed-as-a-number", cells(s5={"Go to": 3}), []),
    (
        "jump-to-a-sub-step",
        cells(s0={"Go to": "2.1"}),
        [
            ("Steps!B3", "warning", "unreachable-step", "step 2 of FIN-001 can never be reached"),
        ],
    ),
    (
        "jump-to-end-leaves-steps-unreachable",
        cells(s1={"Go to": "END"}),
        [
            ("Steps!B4", "warning", "unreachable-step", "step 2.1 of FIN-001 can never be reached"),
            ("Steps!B5", "warning", "unreachable-step", "step 3 of FIN-001 can never be reached"),
        ],
    ),
    (
        "jump-back-forever",
        cells(s3={"Go to": "2"}),
        [
            ("Steps!B2", "warning", "endless-loop", LOOP.format("1")),
            ("Steps!B3", "warning", "endless-loop", LOOP.format("2")),
            ("Steps!B4", "warning", "endless-loop", LOOP.format("2.1")),
            ("Steps!B5", "warning", "endless-loop", LOOP.format("3")),
        ],
    ),
    (
        "unknown-step",
        cells(s0={"Go to": "9"}),
        [
            ("Steps!K2", "error", "unknown-step", 'Go to "9": FIN-001 has no step 9'),
        ],
    ),
    (
        "not-a-step",
        cells(s0={"Go to": "next"}),
        [
            ("Steps!K2", "error", "unknown-step", 'Go to "next": FIN-001 has no step next'),
        ],
    ),
    (
        "on-a-decision",
        cells(s4={"Go to": "3"}),
        [
            (
                "Steps!K6",
                "error",
                "misplaced-go-to",
                "Go to is not used on Decision step 1 of OPS-001: a Decision goes on by its answer",
            ),
        ],
    ),
    (
        "on-an-end-step",
        cells(s1={"Type": "End", "Go to": "3"}),
        [
            (
                "Steps!K3",
                "error",
                "misplaced-go-to",
                "step 2 of FIN-001 is an End step: the procedure ends there, it cannot go to 3",
            ),
        ],
    ),
    (
        "to-itself",
        cells(s1={"Go to": "2"}),
        [
            ("Steps!K3", "error", "self-reference", "Go to of step 2 points at itself"),
        ],
    ),
    ("text-says-go-to-the-next-step", cells(s0={"Action": "Collect timesheets, then go to step 2."}), []),
    ("text-and-go-to-agree", cells(s5={"Action": "Photograph the damage, then return to step 1.", "Go to": "1"}), []),
    (
        "text-says-return-without-go-to",
        cells(s5={"Action": "Photograph the damage, then return to step 1."}),
        [
            (
                "Steps!C7",
                "warning",
                "goto-mismatch",
                'step 2 of OPS-001 says "return to step 1", but it goes to step 3',
            ),
        ],
    ),
    (
        "text-and-go-to-disagree",
        cells(s5={"Action": "Photograph it and continue at step 3.", "Go to": "1"}),
        [
            (
                "Steps!C7",
                "warning",
                "goto-mismatch",
                'step 2 of OPS-001 says "continue at step 3", but it goes to step 1',
            ),
        ],
    ),
    (
        "last-step-says-go-to",
        cells(s6={"Action": "Put the goods away, then go to step 1."}),
        [
            ("Steps!C8", "warning", "goto-mismatch", 'step 3 of OPS-001 says "go to step 1", but it goes to End'),
        ],
    ),
    (
        "text-names-no-step",
        cells(s5={"Action": "Photograph the damage, then go to step 7."}),
        [
            ("Steps!C7", "warning", "goto-mismatch", 'step 2 of OPS-001 says "go to step 7", but it goes to step 3'),
        ],
    ),
    (
        "french-text",
        cells(s5={"Action": "Photographier les dégâts, puis revenir à l'étape 1."}),
        [
            (
                "Steps!C7",
                "warning",
                "goto-mismatch",
                'step 2 of OPS-001 says "revenir à l\'étape 1", but it goes to step 3',
            ),
        ],
    ),
    ("french-text-and-go-to-agree", cells(s5={"Action": "Photographier, puis passer à l’étape 1.", "Go to": "1"}), []),
    ("decisions-are-not-read-for-go-to", cells(s4={"Action": "Damaged? If so go to step 2."}), []),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_go_to_problems_at_their_cells(tmp_path, change, expected):
    _, problems = problems_for(tmp_path, change)
    assert [(p.where, p.severity, p.code, p.message) for p in problems] == expected


@pytest.mark.parametrize(
    "change, hint",
    [
        (cells(s5={"Action": "Photograph the damage, then return to step 1."}), "set Go to to 1, or correct the text"),
        (
            cells(s5={"Action": "Photograph the damage, then go to step 7."}),
            "OPS-001 has no step 7: correct the step number in the text",
        ),
        (
            cells(s5={"Action": "Go to step 1 or continue at step 2.1."}),
            "an Action goes one way only: set Go to to the step it continues at, or make it a Decision",
        ),
        (cells(s4={"Go to": "3"}), "use If yes / If no, go to, and clear Go to"),
        (cells(s1={"Type": "End", "Go to": "3"}), "clear Go to, or set Type to Action"),
        (cells(s0={"Go to": "9"}), "give a step number of the same SOP, or End"),
    ],
)
def test_hints_say_what_to_do(tmp_path, change, hint):
    _, problems = problems_for(tmp_path, change)
    assert [p.hint for p in problems] == [hint]


def test_an_error_elsewhere_in_the_steps_keeps_the_flow_rules_quiet(tmp_path):
    # a Go to to an unknown step: the flow is unknown, so no unreachable or mismatch warnings follow from it
    _, problems = problems_for(
        tmp_path, cells(s0={"Go to": "9", "Action": "Collect timesheets, then go to step 3."}, s1={"Go to": "End"})
    )
    assert [(p.where, p.code) for p in problems] == [("Steps!K2", "unknown-step")]


def test_go_to_is_read_as_written_and_end_in_any_case(tmp_path):
    library, _ = problems_for(tmp_path, cells(s0={"Go to": " 2.1 "}, s3={"Go to": "eNd"}, s5={"Go to": 3}))
    assert [s.go_to for s in library.sop("FIN-001").steps] == ["2.1", "", "", "End"]
    assert [s.go_to for s in library.sop("OPS-001").steps] == ["", "3", ""]


# ---------------------------------------------------------------- the flow


def test_the_flow_follows_go_to_and_the_chart_is_drawn(tmp_path):
    library, _ = problems_for(tmp_path, cells(s0={"Go to": "2.1"}, s2={"Go to": "End"}))
    sop = library.sop("FIN-001")
    edges = [(e.source, e.target, e.label) for e in flow_graph(sop).edges]
    assert edges == [(START, "s1", ""), ("s1", "s2_1", ""), ("s2", "s2_1", ""), ("s2_1", END, ""), ("s3", END, "")]
    assert step_targets(sop) == {"1": ("2.1",), "2": ("2.1",), "2.1": ("End",), "3": ("End",)}
    assert needs_flowchart(sop)
    assert not needs_flowchart(library.sop("OPS-002"))


def test_go_to_on_a_decision_or_end_step_is_not_followed(example):
    origin = Origin("Steps", 2, (("step", "B"), ("action", "C"), ("go_to", "K")))
    steps = (
        Step("1", "Ready?", "", "", "", "Decision", "2", "3", None, origin, go_to="3"),
        Step("2", "Stop here.", "", "", "", "End", "", "", None, origin, go_to="1"),
        Step("3", "Carry on.", "", "", "", "Action", "", "", None, origin),
    )
    sop = dataclasses.replace(example.sop("FIN-001"), steps=steps)
    assert step_targets(sop) == {"1": ("2", "3"), "2": ("End",), "3": ("End",)}


# ---------------------------------------------------------------- what the template is given


@pytest.mark.parametrize(
    "language, words", [("en", ["→ step 2.1", "", "→ End", ""]), ("fr", ["→ étape 2.1", "", "→ Fin", ""])]
)
def test_step_context_prints_the_jump_in_the_language(tmp_path, language, words):
    def change(data):
        cells(s0={"Go to": "2.1"}, s2={"Type": "End"})(data)
        next(row for row in data["Settings"] if row["Key"] == "Language")["Value"] = language

    library, _ = problems_for(tmp_path, change)
    steps = sop_context(library.sop("FIN-001"), library)["steps"]
    assert [s["go_to_text"] for s in steps] == words
    assert [s["go_to"] for s in steps] == ["2.1", "", "", ""]


def test_last_end_step_and_decisions_print_no_jump(tmp_path):
    library, _ = problems_for(tmp_path, cells(s3={"Type": "End"}))
    assert [s["go_to_text"] for s in sop_context(library.sop("FIN-001"), library)["steps"]] == ["", "", "", ""]
    ops = sop_context(library.sop("OPS-001"), library)["steps"]
    assert ops[0]["go_to_text"] == "" and ops[0]["decision_text"] == "Yes → go to step 2 · No → go to step 3"


# ---------------------------------------------------------------- fingerprints stay put

FINGERPRINTS_BEFORE_GO_TO = {
    "FIN-001": "15c7bbf6c36505d6",
    "FIN-002": "aed9bb6c940c103a",
    "FIN-003": "1681ae039aa2406e",
    "FIN-004": "19a4f08943a6e77d",
    "FIN-005": "9d27252fa813e32c",
    "FIN-006": "01ffd7693a3512d8",
    "HR-001": "23ae707991803557",
    "HR-002": "fe19b5421638df38",
    "OPS-001": "e6a41f2b031f00f8",
    "OPS-002": "babcbd3b048ab178",
    "OPS-003": "d429ca3022e156c1",
    "SAL-001": "278f9111b4fc63a1",
    "SAL-002": "836c8bfb39718f34",
    "SAL-003": "4ede9cf4a38386ff",
}
"""``fingerprint(sop)`` of every SOP of the example, computed by binder before the Go to column existed."""
SAL_002_PARTS_BEFORE_GO_TO = {
    "title": "babcf4fbadc5d446",
    "audience": "a0c8bc83ae6c3329",
    "review_months": "6b51d431df5d7f14",
    "format": "be8122fbf16dec33",
    "purpose": "54bfab0f8422b7fa",
    "scope": "8ed2df8829ec58e8",
    "policy": "cf6c4794329b93f0",
    "help_contact": "d598189892218f31",
    "related": "61600d4f210413aa",
    "template": "74234e98afe7498f",
    "step 1": "0142e793112856c4",
    "step 2": "9052994d197a2d0c",
    "step 3": "226b7265a0fa8c13",
    "step 4": "3e07ad65691e2a63",
    "step 5": "353ffc3215371a01",
    "step 6": "2921594bb5ff2a61",
    "step 7": "09e6d3dbb25a6d39",
    "step 8": "cd7a0d366b6be012",
    "step list": "87ec20934ca50b08",
    "roles": "cffc29a3e4d15685",
    "definitions": "f2a0c44029c34c7f",
    "KPIs": "48ed1e6e5569c628",
    "FAQ": "8b44ebfd8b62c2a2",
    "references": "12af790094153001",
}
"""``parts(sop)`` of SAL-002 before Go to: the example's jump (step 5 → 7) came with new wording of steps 5 and 6."""


@pytest.fixture(scope="module")
def example():
    library, problems = wb.checked(EXAMPLE, wb.TODAY)
    assert library is not None and not [p for p in problems if p.is_error]
    return library


def test_fingerprints_of_example_sops_without_go_to_are_those_of_the_previous_binder(example):
    using = sorted(s.sop_id for s in example.sops if any(step.go_to for step in s.steps))
    assert using == ["SAL-002"]  # the one SOP of the example that uses the new column
    assert sorted(s.sop_id for s in example.sops) == sorted(FINGERPRINTS_BEFORE_GO_TO)
    for sop in example.sops:
        if sop.sop_id not in using:
            assert fingerprint(sop) == FINGERPRINTS_BEFORE_GO_TO[sop.sop_id], sop.sop_id


def test_the_sop_that_uses_go_to_changed_in_the_steps_it_changed_only(example):
    sop = example.sop("SAL-002")
    now = parts(sop)
    assert fingerprint(sop) != FINGERPRINTS_BEFORE_GO_TO["SAL-002"]
    assert sorted(k for k in now if now[k] != SAL_002_PARTS_BEFORE_GO_TO.get(k)) == ["step 5", "step 6"]
    assert set(now) == set(SAL_002_PARTS_BEFORE_GO_TO)


def test_go_to_counts_only_when_set(example):
    sop = example.sop("OPS-001")
    jumped = dataclasses.replace(sop, steps=(dataclasses.replace(sop.steps[0], go_to="3"), *sop.steps[1:]))
    assert fingerprint(jumped) != fingerprint(sop)
    assert [k for k in parts(sop) if parts(sop)[k] != parts(jumped)[k]] == ["step 1"]
    back = dataclasses.replace(jumped, steps=(dataclasses.replace(jumped.steps[0], go_to=""), *jumped.steps[1:]))
    assert fingerprint(back) == FINGERPRINTS_BEFORE_GO_TO["OPS-001"]


@dataclasses.dataclass(frozen=True)
class _LaterStep(Step):
    """A step as a later binder may have it: a further optional field."""

    checked_by: str = ""
    repeat: int = 0


@dataclasses.dataclass(frozen=True)
class _LaterSop(Sop):
    """An SOP as a later binder may have it: a further optional field of its own."""

    language: str = ""
    audit: bool = False


def test_any_field_added_later_changes_no_fingerprint_until_it_is_set(example):
    for sop in example.sops:
        later = _LaterSop(
            **{f.name: getattr(sop, f.name) for f in dataclasses.fields(Sop)},
        )
        later = dataclasses.replace(
            later,
            steps=tuple(
                _LaterStep(**{f.name: getattr(s, f.name) for f in dataclasses.fields(Step)}) for s in sop.steps
            ),
        )
        assert fingerprint(later) == fingerprint(sop), sop.sop_id
        assert parts(later) == parts(sop)
    sop = example.sop("FIN-001")
    base = _LaterSop(**{f.name: getattr(sop, f.name) for f in dataclasses.fields(Sop)})
    assert set(parts(dataclasses.replace(base, language="fr"))) - set(parts(base)) == {"language"}
    assert fingerprint(dataclasses.replace(base, audit=True)) != fingerprint(sop)
    step = _LaterStep(**{f.name: getattr(sop.steps[0], f.name) for f in dataclasses.fields(Step)}, repeat=2)
    assert fingerprint(dataclasses.replace(base, steps=(step, *sop.steps[1:]))) != fingerprint(sop)
