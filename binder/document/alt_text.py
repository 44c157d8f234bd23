"""Alternative text for figures: what a screen reader says instead of showing a picture.

The flowchart is told as one sentence per path from Start (``binder.workbook.flow.paths``), so a
reader who cannot see the chart can still follow every way through it; a step picture is its
caption and the step's action. The text goes into the picture's description (``wp:docPr/@descr``),
which Word shows as alt text and LibreOffice exports as the PDF figure's ``/Alt``.
"""

from __future__ import annotations

from collections.abc import Mapping

from binder.workbook.flow import END, START, Edge, FlowGraph, paths

MAX_PATHS = 30
"""Past this many paths the text says the rest are in the procedure table (which lists every step)."""


def flowchart_alt(
    graph: FlowGraph, labels: Mapping[str, str], numbers: Mapping[str, str], texts: Mapping[str, str] | None = None
) -> str:
    """``Flowchart of the procedure, 2 paths from Start. Path 1: 1. Receive ...; if Yes, 3. Store; ends at End.``

    ``texts`` are the boxes' whole texts (node id → text); without them the graph's labels are used.
    """
    found, more = paths(graph, MAX_PATHS)
    text = {node.id: " ".join((texts or {}).get(node.id, node.label).split()) for node in graph.nodes}
    count = labels["alt_one_path"] if len(found) == 1 else labels["alt_paths"].format(count=len(found))
    sentences = [labels["alt_flowchart"].format(paths=count)]
    for index, route in enumerate(found, 1):
        sentences.append(f"{labels['alt_path'].format(number=index)} {_path(route, labels, text, numbers)}.")
    if more:
        sentences.append(labels["alt_more"])
    return " ".join(sentences)


def _path(route: tuple[Edge, ...], labels: Mapping[str, str], text: Mapping[str, str], numbers) -> str:
    parts: list[str] = []
    passed = {START}
    for edge in route:
        condition = labels["alt_if"].format(answer=edge.label) + " " if edge.label else ""
        if edge.target == END:
            parts.append(condition + labels["alt_ends"].format(end=text[END]))
        elif edge.target in passed:
            parts.append(condition + labels["alt_back"].format(number=numbers.get(edge.target, "")))
        else:
            parts.append(condition + text[edge.target])
            passed.add(edge.target)
    return "; ".join(parts)


def step_picture_alt(caption: str, action: str) -> str:
    """A step picture's caption and the step's action: ``Figure — step 3: Open the screen.``"""
    action = " ".join(action.split())
    return f"{caption}: {action}" if caption and action else caption or action
