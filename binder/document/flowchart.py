"""Flowcharts drawn with Graphviz from the flow graph of ``binder.workbook.flow`` (looked at, not unit-tested)."""
from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path

from binder.workbook.flow import FlowGraph, Node


def _html_label(node: Node) -> str:
    lines = "<br/>".join(escape(line) for line in textwrap.wrap(node.label, 28 if node.kind == "decision" else 34))
    role = f'<br/><font point-size="9" color="#4F6D8A"><i>{escape(node.role)}</i></font>' if node.role else ""
    return f"<{lines}{role}>"


def render_flowchart(graph: FlowGraph, out: Path, dpi: int = 200) -> Path:
    """Draw ``graph`` to a PNG with Graphviz (``dot``)."""
    import graphviz

    dot = graphviz.Digraph(format="png", graph_attr={"rankdir": "TB", "dpi": str(dpi), "nodesep": "0.35",
                                                     "ranksep": "0.35", "fontname": "Carlito", "bgcolor": "white",
                                                     "pad": "0.2"},
                           node_attr={"fontname": "Carlito", "fontsize": "11", "style": "filled",
                                      "color": "#1F4E79", "penwidth": "1.2", "margin": "0.12,0.06"},
                           edge_attr={"fontname": "Carlito", "fontsize": "10", "color": "#404040",
                                      "arrowsize": "0.7"})
    shapes = {"start": ("oval", "#E2EFDA"), "end": ("oval", "#F8CBAD"), "action": ("box", "#FFFFFF"),
              "decision": ("diamond", "#FFF2CC")}
    for node in graph.nodes:
        shape, fill = shapes[node.kind]
        label = escape(node.label) if node.kind in ("start", "end") else _html_label(node)
        dot.node(node.id, label=label, shape=shape, fillcolor=fill,
                 **({"style": "rounded,filled"} if node.kind == "action" else {}))
    for edge in graph.edges:
        dot.edge(edge.source, edge.target, label=f" {edge.label} " if edge.label else "",
                 fontcolor="#1F4E79" if edge.label else "#404040")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(dot.pipe(format="png"))
    return out
