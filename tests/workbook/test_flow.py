"""The flow of an SOP's steps as a graph: the right nodes and edges, and which SOPs get a flowchart."""

from __future__ import annotations

import pytest
import wb

from binder.workbook.flow import flow_graph, needs_flowchart, short
from binder.workbook.load import load_workbook


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load_workbook(wb.write(tmp_path_factory.mktemp("fc") / "b.xlsx"), today=wb.TODAY).library


def test_decisions_branch_with_yes_and_no(library):
    graph = flow_graph(library.sop("OPS-001"))
    assert [(n.id, n.kind) for n in graph.nodes] == [
        ("start", "start"),
        ("s1", "decision"),
        ("s2", "action"),
        ("s3", "action"),
        ("end", "end"),
    ]
    assert [(e.source, e.target, e.label) for e in graph.edges] == [
        ("start", "s1", ""),
        ("s1", "s2", "Yes"),
        ("s1", "s3", "No"),
        ("s2", "s3", ""),
        ("s3", "end", ""),
    ]
    assert graph.nodes[1].label == "1. Is anything damaged?" and graph.nodes[1].role == "Receiver"


def test_sub_steps_flow_in_number_order(library):
    graph = flow_graph(library.sop("FIN-001"))
    assert [(e.source, e.target) for e in graph.edges] == [
        ("start", "s1"),
        ("s1", "s2"),
        ("s2", "s2_1"),
        ("s2_1", "s3"),
        ("s3", "end"),
    ]


def test_which_sops_get_a_flowchart(library):
    assert needs_flowchart(library.sop("OPS-001"))
    assert not needs_flowchart(library.sop("FIN-001"))


def test_short_form_of_a_long_action():
    text = "Check every line of the delivery note against the purchase order and the goods on the pallet"
    assert short(text) == "Check every line of the delivery note against the purchase order and…"
