"""The Graphviz (DOT) source of a flowchart, or of the part of it that one page shows.

Boxes print the whole action (wrapped, long words broken, never cut) and, in the plain flow, the
Responsible role under it. Swimlanes put every step in the column of its Responsible role (a
cross-functional flowchart): one cluster per role, held to full height by an invisible node at
the top and bottom rank of each. A part of a chart has off-page connectors for the edges that
leave it ("to step 8") and enter it ("from step 5"); a path to End ends at an End of its own.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

import graphviz

from binder.model import Sop
from binder.workbook.flow import END, START, FlowGraph, full_labels, node_id

FONT = "Carlito"
TEXT_PT, SMALL_PT = 11.0, 10.0
"""Box text, and roles, answers, connectors: printed at 8 pt at least, so never scaled below 8/10."""
LANE_FILLS = ("#F3F6FA", "#FFFFFF")
_SHAPES = {
    "start": ("oval", "#E2EFDA"),
    "end": ("oval", "#F8CBAD"),
    "action": ("box", "#FFFFFF"),
    "decision": ("diamond", "#FFF2CC"),
}


@dataclass(frozen=True)
class ChartSpec:
    """Everything a flowchart's source is made from."""

    graph: FlowGraph
    texts: Mapping[str, str]
    """Node id → the text of its box: step number and whole action."""
    roles: Mapping[str, str]
    numbers: Mapping[str, str]
    """Node id → step number, for connectors and alt text."""
    words: Mapping[str, str]
    """The document's labels (``flow_to_step`` ...)."""
    lanes: tuple[str, ...] = ()
    """Role of each lane, left to right; empty for the plain flow."""

    def lane(self, node: str) -> int:
        role = self.roles.get(node, "").casefold()
        return next((i for i, name in enumerate(self.lanes) if name.casefold() == role), len(self.lanes) - 1)


def chart_spec(sop: Sop, graph: FlowGraph, words: Mapping[str, str], swimlanes: bool) -> ChartSpec:
    """The spec of ``sop``'s chart; with ``swimlanes`` a lane per Responsible role, in order of first step."""
    roles = {node_id(step): step.responsible.strip() for step in sop.steps}
    texts = {**{n.id: n.label for n in graph.nodes}, **full_labels(sop)}
    numbers = {node_id(step): step.number for step in sop.steps}
    lanes: list[str] = []
    if swimlanes:
        for step in sop.steps:
            role = step.responsible.strip() or words["flow_no_role"]
            if role.casefold() not in {lane.casefold() for lane in lanes}:
                lanes.append(role)
        roles = {node: role or words["flow_no_role"] for node, role in roles.items()}
        first = sop.steps[0] if sop.steps else None
        roles[START] = roles.get(node_id(first), "") if first else ""
        roles[END] = roles.get(node_id(sop.steps[-1]), "") if first else ""
    return ChartSpec(graph, texts, roles, numbers, words, tuple(lanes))


def wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, its own line breaks kept, long words broken."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=True) or [""]
    return lines


def _html(lines: list[str], role: str = "") -> str:
    body = '<br align="center"/>'.join(escape(line) for line in lines)
    if role:
        body += f'<br/><font point-size="{SMALL_PT:g}" color="#4F6D8A"><i>{escape(role)}</i></font>'
    return f"<{body}>"


def dot_source(spec: ChartSpec, wrap: int, part: frozenset[str] | None = None) -> str:
    """The DOT source of the chart, or of the nodes in ``part`` with connectors to and from the rest."""
    graph = spec.graph
    shown = {n.id for n in graph.nodes} if part is None else set(part)
    edges = [e for e in graph.edges if e.source in shown and (e.target in shown or e.target == END)]
    if any(e.target == END for e in edges):
        shown.add(END)  # a path to End ends on this page
    dot = graphviz.Digraph(
        "flowchart",  # named: Graphviz names an anonymous graph by how many graphs it read before it
        graph_attr={"rankdir": "TB", "nodesep": "0.3", "ranksep": "0.35", "fontname": FONT, "bgcolor": "white",
                    "pad": "0.1", "newrank": "true"},
        node_attr={"fontname": FONT, "fontsize": f"{TEXT_PT:g}", "style": "filled", "color": "#1F4E79",
                   "penwidth": "1.2", "margin": "0.12,0.06"},
        edge_attr={"fontname": FONT, "fontsize": f"{SMALL_PT:g}", "color": "#404040", "arrowsize": "0.7"},
    )  # fmt: skip
    nodes = [
        (node.id, spec.lane(node.id) if spec.lanes else 0, _node_attrs(spec, node.id, node.kind, wrap))
        for node in graph.nodes
        if node.id in shown
    ]
    links = [(e.source, e.target, e.label) for e in edges]
    for name, lane, label, edge in _connectors(spec, shown, part):
        nodes.append((name, lane, {"label": label, "shape": "invhouse", "fillcolor": "#DEEAF6",
                                   "fontsize": f"{SMALL_PT:g}"}))  # fmt: skip
        links.append(edge)
    if spec.lanes:  # first, so that dot orders the lanes as they are declared
        placed: dict[int, list[str]] = {}
        for name, lane, _ in nodes:
            placed.setdefault(lane, []).append(name)
        _lanes(dot, spec, placed)
    for name, _, attrs in nodes:
        dot.node(name, **attrs)
    order = {node.id: index for index, node in enumerate(graph.nodes)}
    for tail, head, label in links:
        # A jump back to an earlier step must not pull it down: dot breaks cycles by reversing edges
        # it meets first, which among the lanes' ordering edges were forward ones, and the chart then
        # ranked later steps above earlier ones.
        back = head in order and tail in order and order[head] <= order[tail]
        dot.edge(tail, head, label=f" {label} " if label else "", fontcolor="#1F4E79",
                 **({"constraint": "false"} if back else {}))  # fmt: skip
    return dot.source


def _node_attrs(spec: ChartSpec, node: str, kind: str, wrap: int) -> dict[str, str]:
    shape, fill = _SHAPES[kind]
    attrs = {"shape": shape, "fillcolor": fill}
    if kind == "action":
        attrs["style"] = "rounded,filled"
    if kind in ("start", "end"):
        attrs["label"] = _html(wrapped(spec.texts[node], wrap))
    else:
        width = max(8, wrap * 7 // 10) if kind == "decision" else wrap
        attrs["label"] = _html(wrapped(spec.texts[node], width), "" if spec.lanes else spec.roles.get(node, ""))
    return attrs


def _connectors(spec: ChartSpec, shown: set[str], part: frozenset[str] | None):
    """(name, lane, label, (tail, head, edge label)) of each off-page connector of ``part``."""
    if part is None:
        return []
    found = []
    words, numbers = spec.words, spec.numbers
    lane = spec.lane if spec.lanes else (lambda node: 0)
    outgoing = [e for e in spec.graph.edges if e.source in part and e.target not in shown]
    for edge in outgoing:
        name = f"to_{edge.target}_{edge.source}"
        label = _html(wrapped(words["flow_to_step"].format(number=numbers.get(edge.target, "")), 16))
        found.append((name, lane(edge.source), label, (edge.source, name, edge.label)))
    incoming: dict[str, list[str]] = {}
    for edge in spec.graph.edges:
        if edge.target in part and edge.source not in part and edge.target != END:
            incoming.setdefault(edge.target, []).append(numbers.get(edge.source, ""))
    for target, sources in incoming.items():
        name = f"from_{target}"
        label = _html(wrapped(words["flow_from_step"].format(numbers=", ".join(dict.fromkeys(sources))), 16))
        found.append((name, lane(target), label, (name, target, "")))
    return found


def _lanes(dot: graphviz.Digraph, spec: ChartSpec, placed: dict[int, list[str]]) -> None:
    """A cluster per lane, each spanning every rank: an invisible node at the top and one at the bottom."""
    for index, role in enumerate(spec.lanes):
        with dot.subgraph(name=f"cluster_lane{index}") as lane:
            lane.attr(label=_html(wrapped(role, 24)), labelloc="t", style="filled", color="#9DB3C8",
                      fillcolor=LANE_FILLS[index % 2], fontsize=f"{TEXT_PT:g}", margin="10")  # fmt: skip
            lane.node(f"top{index}", shape="point", style="invis", width="0", height="0")
            lane.node(f"bottom{index}", shape="point", style="invis", width="0", height="0")
            steps = [name for name in placed.get(index, []) if name in spec.texts]
            for name in placed.get(index, []):
                lane.node(name, group=f"lane{index}")
                if name not in steps:  # a connector: anywhere in its lane
                    dot.edge(f"top{index}", name, style="invis", weight="0")
                    dot.edge(name, f"bottom{index}", style="invis", weight="0")
            # the lane's steps one under the other, so that a lane is as wide as its widest box
            chain = [f"top{index}", *steps, f"bottom{index}"]
            for upper, lower in zip(chain, chain[1:]):
                dot.edge(upper, lower, style="invis", weight="4")
    for rank, name in (("same", "top"), ("max", "bottom"), ("source", "order")):
        with dot.subgraph() as row:
            row.attr(rank=rank)
            for index in range(len(spec.lanes)):
                row.node(f"{name}{index}")
    # dot orders clusters to cross the fewest edges, whatever flat edges between them say: a row of
    # points outside the clusters keeps its order and ties each lane under its point, and an edge from
    # each lane's top to the next one's bottom keeps even a lane with no step of this page in place
    for index in range(len(spec.lanes)):
        dot.node(f"order{index}", shape="point", style="invis", width="0", height="0")
        dot.edge(f"order{index}", f"top{index}", style="invis", weight="100")
        if index:
            dot.edge(f"order{index - 1}", f"order{index}", style="invis")
            dot.edge(f"top{index - 1}", f"bottom{index}", style="invis", weight="0")
