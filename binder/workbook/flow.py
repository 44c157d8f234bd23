"""The flow of a procedure as data: nodes, edges, and which steps a path can reach.

Drawing it is ``binder.document.flowchart``; validation uses the reachability here.
This module imports ``binder.model`` and ``binder.text`` only.

Every step flows to the next step in number order; a Decision step flows to its
"If yes" and "If no" targets instead, an Action with a "Go to" to that step (or End);
an End step, or the last step, flows to End. Validation, the procedure table and the
chart all read the flow from ``flow_graph``, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from binder.model import Sop, Step
from binder.text import shorten

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


def jumps(step: Step) -> bool:
    """True for an Action step with a Go to (a Go to on a Decision or End step is an error, and ignored)."""
    return bool(step.go_to) and not step.is_decision and not step.is_end


def branches(sop: Sop) -> bool:
    """True when the flow is more than the steps in order: a Decision, or an Action's Go to."""
    return sop.has_decisions or any(jumps(step) for step in sop.steps)


def needs_flowchart(sop: Sop) -> bool:
    """Flowchart-format SOPs and any SOP with a Decision step or a Go to get one."""
    return bool(sop.steps) and (sop.format == "Flowchart" or branches(sop))


def short(text: str, limit: int = 70) -> str:
    """A short form of an action for a box: its first line, cut at a word near ``limit``."""
    return shorten(text.split("\n")[0], limit)


def _id(step: Step) -> str:
    return "s" + step.number.replace(".", "_")


def flow_graph(sop: Sop, yes: str = "Yes", no: str = "No", start: str = "Start", end: str = "End") -> FlowGraph:
    """The procedure as nodes and edges."""
    steps = list(sop.steps)
    ids = {s.number: _id(s) for s in steps}
    nodes = [Node(START, "start", start)]
    nodes += [
        Node(_id(s), "decision" if s.is_decision else "action", f"{s.number}. {short(s.action)}", s.responsible)
        for s in steps
    ]
    nodes.append(Node(END, "end", end))
    edges = [Edge(START, _id(steps[0]) if steps else END)]
    for index, step in enumerate(steps):
        if step.is_decision:
            edges.append(Edge(_id(step), ids.get(step.if_yes, END), yes))
            edges.append(Edge(_id(step), ids.get(step.if_no, END), no))
        elif jumps(step):
            edges.append(Edge(_id(step), ids.get(step.go_to, END)))
        elif step.is_end or index == len(steps) - 1:
            edges.append(Edge(_id(step), END))
        else:
            edges.append(Edge(_id(step), _id(steps[index + 1])))
    return FlowGraph(tuple(nodes), tuple(edges))


def step_targets(sop: Sop) -> dict[str, tuple[str, ...]]:
    """Each step's number → the step numbers it flows to (``End`` for the end), read from ``flow_graph``."""
    numbers = {_id(step): step.number for step in sop.steps}
    numbers[END] = "End"
    targets: dict[str, tuple[str, ...]] = {}
    for edge in flow_graph(sop).edges:
        if edge.source in numbers:
            source = numbers[edge.source]
            targets[source] = (*targets.get(source, ()), numbers[edge.target])
    return targets


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


def flow_problems(sop: Sop) -> list[tuple[Step, bool, str]]:
    """(step, reached, message) for steps no path reaches (reached False), and steps from which no path reaches End."""
    if not branches(sop):
        return []
    graph = flow_graph(sop)
    from_start = _reachable(graph, START)
    to_end = _reachable(graph, END, reverse=True)
    found = []
    for step in sop.steps:
        if _id(step) not in from_start:
            found.append((step, False, f"step {step.number} of {sop.sop_id} can never be reached"))
        elif _id(step) not in to_end:
            found.append((step, True, f"step {step.number} of {sop.sop_id} is in a loop with no way out to End"))
    return found


def node_id(step: Step) -> str:
    """The id of ``step``'s node in ``flow_graph``."""
    return _id(step)


def full_labels(sop: Sop) -> dict[str, str]:
    """Each step's node id → its number and whole action, every line: what a chart box prints (never cut)."""
    return {_id(step): f"{step.number}. {step.action.strip()}" for step in sop.steps}


def paths(graph: FlowGraph, limit: int = 30) -> tuple[tuple[tuple[Edge, ...], ...], bool]:
    """The ways through the flow from Start, each a tuple of edges, and whether there are more than ``limit``.

    A path ends at End, or at an edge back to a node it already passed (a loop: it goes back there).
    """
    found: list[tuple[Edge, ...]] = []
    more = False

    def walk(node: str, taken: tuple[Edge, ...], passed: frozenset[str]) -> None:
        nonlocal more
        for edge in (e for e in graph.edges if e.source == node):
            if len(found) >= limit:
                more = True
                return
            route = (*taken, edge)
            if edge.target == END or edge.target in passed:
                found.append(route)
            else:
                walk(edge.target, route, passed | {edge.target})

    walk(START, (), frozenset({START}))
    return tuple(found), more
