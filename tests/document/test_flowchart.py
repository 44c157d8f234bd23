"""Flowcharts: the graph drawn from the steps is drawn by Graphviz as a picture."""

from __future__ import annotations

import shutil

import pytest
import wb

from binder.document.flowchart import render_flowchart
from binder.workbook.flow import flow_graph
from binder.workbook.load import load_workbook


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load_workbook(wb.write(tmp_path_factory.mktemp("fc") / "b.xlsx"), today=wb.TODAY).library


def test_render_writes_a_png(library, tmp_path):
    if shutil.which("dot") is None:
        pytest.fail("graphviz (dot) is required: ./run setup installs it")
    png = render_flowchart(flow_graph(library.sop("OPS-001")), tmp_path / "f.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
