"""Flows as written: the procedure table of the Word document, the flow graph and the flowchart Graphviz draws
describe the same flow, edge for edge, for every SOP of the example and of a workbook with jumps (Go to), loops
back and several ends.

The table is read back from the rendered .docx as a reader sees it: each row's step number and action, and
under the action "→ step N" / "→ End" or a decision's "Yes → go to step N · No → …"; a row with neither goes on
to the next row (the last row to the end). The chart is drawn with ``render_flowchart``, and the DOT source it
hands Graphviz comes back from Graphviz's first run as JSON, from which the edges Graphviz itself drew are read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import wb
from docx import Document

from binder.document import dot_runner, flowchart
from binder.document.labels import labels_for
from binder.document.render import render_sop
from binder.model import Library, Sop
from binder.workbook.flow import END, START, FlowGraph, flow_graph, short
from binder.workbook.load import check_workbook


@pytest.fixture(autouse=True, scope="module")
def _graphviz_kept():
    """The charts of this module share their Graphviz, as those a build draws in one process do
    (``dot_runner.kept``; ``test_dot_runner.py`` draws them alone too, and compares)."""
    with dot_runner.kept():
        yield


REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "binder" / "examples" / "example.xlsx"

Edge = tuple[str, str, str]
"""(from, to, label): step numbers, or ``start`` / ``end``; the label is a decision's Yes or No, else ""."""


def _step(sop_id, number, action, *, kind="", yes="", no="", go_to=""):
    return {"SOP ID": sop_id, "Step": number, "Action": action, "Type": kind, "If yes, go to": yes,
            "If no, go to": no, "Go to": go_to}  # fmt: skip


def _sop(sop_id, title, fmt):
    return {"SOP ID": sop_id, "Title": title, "Department": "OPS", "Version": "0.1", "Status": "Draft",
            "Owner": "Sam Lee", "Purpose": f"{title}.", "Format": fmt}  # fmt: skip


def jumps_workbook(path: Path, language: str = "en") -> Path:
    """The base workbook plus three SOPs whose flows jump forward and back and end in several places."""
    data = wb.base()
    next(row for row in data["Settings"] if row["Key"] == "Language")["Value"] = language
    data["SOPs"] += [
        _sop("OPS-010", "Receiving a delivery that may be damaged", "Steps"),
        _sop("OPS-011", "Forklift check before use", "Checklist"),
        _sop("OPS-012", "Stock count with recounts", "Flowchart"),
    ]
    data["Steps"] += [
        _step("OPS-010", "1", "Check the delivery note against the purchase order."),
        _step("OPS-010", "2", "Is the delivery complete?", kind="Decision", yes="4", no="3"),
        _step("OPS-010", "3", "Recount the pallets with the driver, then return to step 2.", go_to="2"),
        _step("OPS-010", "4", "Is anything damaged?", kind="Decision", yes="5", no="7"),
        _step("OPS-010", "5", "Photograph the damage and note it on the delivery note."),
        _step("OPS-010", "5.1", "Is the whole delivery damaged?", kind="Decision", yes="6", no="7"),
        _step("OPS-010", "6", "Refuse the delivery and hand it back to the driver.", kind="End"),
        _step("OPS-010", "7", "Sign the delivery note."),
        _step("OPS-010", "8", "Are the goods for a customer order?", kind="Decision", yes="9", no="10"),
        _step("OPS-010", "9", "Label the pallet with the customer's order number.", go_to="11"),
        _step("OPS-010", "10", "Put the goods away in stock.", go_to="end"),
        _step("OPS-010", "11", "Take the pallet to dispatch."),
        _step("OPS-011", "1", "Test the horn and the lights."),
        _step("OPS-011", "2", "Test the brakes and the steering."),
        _step("OPS-011", "3", "Is anything faulty?", kind="Decision", yes="4", no="5"),
        _step("OPS-011", "4", "Report the fault to the supervisor."),
        _step("OPS-011", "4.1", 'Tag the truck "Do not use".', go_to="End"),
        _step("OPS-011", "5", "Record the check on the scanner."),
        _step("OPS-011", "6", "Take the truck into use.", kind="End"),
        _step("OPS-012", "1", "Print the count sheets for the aisle."),
        _step("OPS-012", "2", "Count every location on the sheet."),
        _step("OPS-012", "3", "Enter the counts in the stock system."),
        _step("OPS-012", "4", "Is any difference over 5 %?", kind="Decision", yes="5", no="6"),
        _step("OPS-012", "5", "Ask a second person to count the locations again.", go_to="2"),
        _step("OPS-012", "6", "Post the count."),
        _step("OPS-012", "7", "Is this the last aisle?", kind="Decision", yes="End", no="1"),
    ]
    return wb.write(path, data)


def load(path: Path) -> Library:
    library, problems = check_workbook(path, today=wb.TODAY)
    assert library is not None and not [p for p in problems if p.is_error], [str(p) for p in problems]
    return library


@pytest.fixture(scope="module")
def example() -> Library:
    library, problems = wb.checked(EXAMPLE, wb.TODAY)
    assert library is not None and not [p for p in problems if p.is_error], [str(p) for p in problems]
    return library


@pytest.fixture(scope="module", params=["en", "fr"])
def jumps(request, tmp_path_factory) -> Library:
    library, problems = check_workbook(
        jumps_workbook(tmp_path_factory.mktemp("jumps") / "jumps.xlsx", request.param), today=wb.TODAY
    )
    assert library is not None and [str(p) for p in problems] == []  # the flows are valid: no loop without a way out
    return library


# ---------------------------------------------------------------- the three readings of the flow


def graph_of(sop: Sop, library: Library) -> FlowGraph:
    labels = labels_for(library.settings.language)
    return flow_graph(sop, yes=labels["yes"], no=labels["no"], start=labels["flow_start"], end=labels["flow_end"])


def numbers_of(graph: FlowGraph) -> dict[str, str]:
    """Node id → step number (``start`` and ``end`` as they are), from the box labels "6. Sign the note"."""
    return {n.id: n.id if n.kind in ("start", "end") else n.label.split(". ", 1)[0] for n in graph.nodes}


def graph_edges(graph: FlowGraph) -> list[Edge]:
    number = numbers_of(graph)
    return sorted((number[e.source], number[e.target], e.label) for e in graph.edges)


def printed_rows(docx: Path, language: str) -> list[tuple[str, list[str]]]:
    """The procedure table as printed: each row's step number and the paragraphs of its Action cell."""
    labels = labels_for(language)
    headers = ([labels["step"], labels["action"], labels["responsible"]],
               [labels["done"], labels["step"], labels["action"], labels["responsible"], labels["initials"],
                labels["date"]])  # fmt: skip
    for table in Document(str(docx)).tables:
        head = [cell.text.strip() for cell in table.rows[0].cells]
        if head in headers:
            at = head.index(labels["step"])
            return [
                (row.cells[at].text.strip(), [p.text for p in row.cells[at + 1].paragraphs if p.text.strip()])
                for row in table.rows[1:]
            ]
    raise AssertionError(f"no procedure table in {docx.name}")


def printed_edges(rows: list[tuple[str, list[str]]], language: str) -> list[Edge]:
    """The flow a reader follows through the printed table."""
    labels = labels_for(language)
    step_word = {"en": "step", "fr": "étape"}[language]
    jump = re.compile(rf"→ (?:{step_word} (?P<step>\S+)|(?P<end>{re.escape(labels['flow_end'])}))")
    target = (
        rf"(?:{re.escape(labels['go_to_step'])} (?P<{{0}}>\S+)|(?P<{{0}}_end>{re.escape(labels['end_of_procedure'])}))"
    )
    decision = re.compile(
        rf"{re.escape(labels['yes'])} → {target.format('yes')} · {re.escape(labels['no'])} → {target.format('no')}"
    )
    edges: list[Edge] = [(START, rows[0][0] if rows else END, "")]
    for index, (number, paragraphs) in enumerate(rows):
        after = rows[index + 1][0] if index + 1 < len(rows) else END
        flows = []
        for text in paragraphs[1:]:
            if m := jump.fullmatch(text):
                flows.append([(number, END if m["end"] else m["step"], "")])
            elif m := decision.fullmatch(text):
                flows.append(
                    [
                        (number, END if m["yes_end"] else m["yes"], labels["yes"]),
                        (number, END if m["no_end"] else m["no"], labels["no"]),
                    ]
                )
        assert len(flows) <= 1, f"step {number} prints two ways on: {paragraphs}"
        edges += flows[0] if flows else [(number, after, "")]
    return sorted(edges)


def drawn_edges(graph: FlowGraph, sop: Sop, library: Library, tmp_path: Path, monkeypatch) -> list[Edge]:
    """Draw the chart with ``draw_flowchart``; the edges Graphviz laid out in its first run, on the whole chart."""
    runs: list[tuple[list[str], bytes]] = []
    real = flowchart._run_dot

    def run_dot(source: str, timeout: float, sop: Sop | None, formats: list[str], reported=0.0, session=None) -> bytes:
        output = real(source, timeout, sop, formats, reported, session)
        runs.append((formats, output))
        return output

    monkeypatch.setattr(flowchart, "_run_dot", run_dot)
    chart = flowchart.draw_flowchart(sop, labels_for(library.settings.language), tmp_path, box_mm=(170, 200))
    assert chart.pictures and all(p.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in chart.pictures)
    formats, output = runs[0]  # the whole chart, before it is cut into pages
    assert formats[0] == "-Tjson", formats  # Graphviz's own layout comes first, the drawing after it
    drawn, _ = json.JSONDecoder().raw_decode(output.decode())
    names = {o["_gvid"]: o["name"] for o in drawn["objects"]}
    number = numbers_of(graph)
    assert sorted(names.values()) == sorted(number)  # one box per step, and start and end
    assert all(e.get("pos") for e in drawn["edges"]), "every edge was drawn"
    return sorted(
        (number[names[e["tail"]]], number[names[e["head"]]], e.get("label", "").strip()) for e in drawn["edges"]
    )


def check_flow_as_written(sop: Sop, library: Library, tmp_path: Path, monkeypatch) -> list[Edge]:
    language = library.settings.language
    graph = graph_of(sop, library)
    docx = render_sop(sop, library, tmp_path / f"{sop.sop_id}.docx")
    rows = printed_rows(docx, language)
    # the rows are the steps, and each box of the chart carries its row's number and action
    assert [number for number, _ in rows] == [s.number for s in sop.steps]
    labels = {n.label for n in graph.nodes if n.kind in ("action", "decision")}
    assert labels == {f"{number}. {short(paragraphs[0])}" for number, paragraphs in rows}
    edges = graph_edges(graph)
    assert printed_edges(rows, language) == edges, f"{sop.sop_id}: the table and the flow differ"
    assert drawn_edges(graph, sop, library, tmp_path, monkeypatch) == edges, (
        f"{sop.sop_id}: the chart and the flow differ"
    )
    return edges


# ---------------------------------------------------------------- every SOP


def test_every_example_sop_prints_and_draws_its_flow(example, tmp_path, monkeypatch):
    edges = {s.sop_id: check_flow_as_written(s, example, tmp_path, monkeypatch) for s in example.sops if s.steps}
    assert list(edges) == [s.sop_id for s in example.sops]
    # the example's jump: SAL-002's damaged returns skip putting the goods back into stock
    assert ("5", "7", "") in edges["SAL-002"] and ("5", "6", "") not in edges["SAL-002"]


def test_every_sop_with_jumps_loops_and_several_ends_prints_and_draws_its_flow(jumps, tmp_path, monkeypatch):
    for sop in jumps.sops:
        check_flow_as_written(sop, jumps, tmp_path, monkeypatch)
    yes, no = (labels_for(jumps.settings.language)[k] for k in ("yes", "no"))
    assert graph_edges(graph_of(jumps.sop("OPS-010"), jumps)) == sorted(
        [
            (START, "1", ""),
            ("1", "2", ""),
            ("2", "4", yes),
            ("2", "3", no),
            ("3", "2", ""),  # back: recount, then decide again
            ("4", "5", yes),
            ("4", "7", no),
            ("5", "5.1", ""),
            ("5.1", "6", yes),
            ("5.1", "7", no),
            ("6", END, ""),  # an End step in the middle
            ("7", "8", ""),
            ("8", "9", yes),
            ("8", "10", no),
            ("9", "11", ""),  # forward, over step 10
            ("10", END, ""),  # Go to End
            ("11", END, ""),
        ]
    )


@pytest.mark.parametrize(
    "language, printed",
    [
        ("en", {"3": "→ step 2", "6": "→ End", "9": "→ step 11", "10": "→ End"}),
        ("fr", {"3": "→ étape 2", "6": "→ Fin", "9": "→ étape 11", "10": "→ Fin"}),
    ],
)
def test_the_table_prints_each_jump_under_its_action(tmp_path, language, printed):
    library = load(jumps_workbook(tmp_path / "j.xlsx", language))
    docx = render_sop(library.sop("OPS-010"), library, tmp_path / "OPS-010.docx")
    rows = dict(printed_rows(docx, language))
    found = {number: paragraphs[1] for number, paragraphs in rows.items() if paragraphs[1:2] and "→" in paragraphs[1]}
    decisions = {"2", "4", "5.1", "8"}
    assert {n: t for n, t in found.items() if n not in decisions} == printed
    assert rows["11"] == ["Take the pallet to dispatch."]  # the last step ends without saying so
