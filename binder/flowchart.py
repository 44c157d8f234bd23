"""Flowcharts of procedures: the graph as data (tested), drawn with Graphviz (looked at).

Every step flows to the next step in number order; a Decision step flows to its
"If yes" and "If no" targets instead; an End step, or the last step, flows to End.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path

from binder.model import Sop, Step

START, END = "start", "end"


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    """``start``, ``end``, ``action`` or ``decision``."""
    label: str
    role: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class FlowGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def successors(self, node_id: str) -> list[str]:
        return [e.target for e in self.edges if e.source == node_id]


def needs_flowchart(sop: Sop) -> bool:
    """Flowchart-format SOPs and any SOP with a Decision step get one."""
    return bool(sop.steps) and (sop.format == "Flowchart" or sop.has_decisions)


def short(text: str, limit: int = 70) -> str:
    """A short form of an action for a box: the first sentence, cut at a word near ``limit``."""
    first = text.split("\n")[0].strip()
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _id(step: Step) -> str:
    return "s" + step.number.replace(".", "_")


def flow_graph(sop: Sop, yes: str = "Yes", no: str = "No", start: str = "Start", end: str = "End") -> FlowGraph:
    """The procedure as nodes and edges."""
    steps = list(sop.steps)
    ids = {s.number: _id(s) for s in steps}
    nodes = [Node(START, "start", start)]
    nodes += [Node(_id(s), "decision" if s.is_decision else "action", f"{s.number}. {short(s.action)}", s.responsible)
              for s in steps]
    nodes.append(Node(END, "end", end))
    edges = [Edge(START, _id(steps[0]) if steps else END)]
    for index, step in enumerate(steps):
        if step.is_decision:
            edges.append(Edge(_id(step), ids.get(step.if_yes, END), yes))
            edges.append(Edge(_id(step), ids.get(step.if_no, END), no))
        elif step.type == "End" or index == len(steps) - 1:
            edges.append(Edge(_id(step), END))
        else:
            edges.append(Edge(_id(step), _id(steps[index + 1])))
    return FlowGraph(tuple(nodes), tuple(edges))


def _reachable(graph: FlowGraph, start: str, reverse: bool = False) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        nexts = [e.source for e in graph.edges if e.target == node] if reverse else graph.successors(node)
        for other in nexts:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def flow_problems(sop: Sop) -> list[tuple[Step, str]]:
    """Steps no path reaches, and steps from which no path reaches End (loops with no way out)."""
    if not sop.has_decisions:
        return []
    graph = flow_graph(sop)
    from_start = _reachable(graph, START)
    to_end = _reachable(graph, END, reverse=True)
    found = []
    for step in sop.steps:
        if _id(step) not in from_start:
            found.append((step, f"step {step.number} of {sop.sop_id} can never be reached"))
        elif _id(step) not in to_end:
            found.append((step, f"step {step.number} of {sop.sop_id} is in a loop with no way out to End"))
    return found


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
