"""Flowcharts drawn with Graphviz from the flow graph of ``binder.workbook.flow`` (looked at, not unit-tested)."""

from __future__ import annotations

import os
import subprocess
import textwrap
from html import escape
from pathlib import Path

from binder.errors import InputError, ToolError
from binder.files import write_bytes
from binder.model import Sop
from binder.problems import Problem
from binder.workbook.flow import FlowGraph, Node


def _html_label(node: Node) -> str:
    lines = "<br/>".join(escape(line) for line in textwrap.wrap(node.label, 28 if node.kind == "decision" else 34))
    role = f'<br/><font point-size="9" color="#4F6D8A"><i>{escape(node.role)}</i></font>' if node.role else ""
    return f"<{lines}{role}>"


def render_flowchart(
    graph: FlowGraph, out: Path, dpi: int = 200, timeout: float = 180.0, sop: Sop | None = None
) -> Path:
    """Draw ``graph`` to a PNG with Graphviz (``dot``), within ``timeout`` seconds."""
    import graphviz

    dot = graphviz.Digraph(
        format="png",
        graph_attr={
            "rankdir": "TB",
            "dpi": str(dpi),
            "nodesep": "0.35",
            "ranksep": "0.35",
            "fontname": "Carlito",
            "bgcolor": "white",
            "pad": "0.2",
        },
        node_attr={
            "fontname": "Carlito",
            "fontsize": "11",
            "style": "filled",
            "color": "#1F4E79",
            "penwidth": "1.2",
            "margin": "0.12,0.06",
        },
        edge_attr={"fontname": "Carlito", "fontsize": "10", "color": "#404040", "arrowsize": "0.7"},
    )
    shapes = {
        "start": ("oval", "#E2EFDA"),
        "end": ("oval", "#F8CBAD"),
        "action": ("box", "#FFFFFF"),
        "decision": ("diamond", "#FFF2CC"),
    }
    for node in graph.nodes:
        shape, fill = shapes[node.kind]
        label = escape(node.label) if node.kind in ("start", "end") else _html_label(node)
        dot.node(
            node.id,
            label=label,
            shape=shape,
            fillcolor=fill,
            **({"style": "rounded,filled"} if node.kind == "action" else {}),
        )
    for edge in graph.edges:
        dot.edge(
            edge.source,
            edge.target,
            label=f" {edge.label} " if edge.label else "",
            fontcolor="#1F4E79" if edge.label else "#404040",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(out, _run_dot(dot.source, timeout, sop))
    return out


_RUNNING: dict[str, subprocess.Popen] = {}
"""The Graphviz process of this render process, so a SIGTERM can stop it."""


def _run_dot(source: str, timeout: float, sop: Sop | None) -> bytes:
    """``dot -Tpng`` on ``source``; a flow it cannot lay out within ``timeout`` is an error naming the SOP."""
    proc = subprocess.Popen(["dot", "-Tpng"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _RUNNING["dot"] = proc
    try:
        png, err = proc.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise _too_large(sop, timeout) from None
    except BaseException:  # interrupted: Graphviz must not outlive the build
        proc.kill()
        proc.wait()
        raise
    finally:
        _RUNNING.pop("dot", None)
    if proc.returncode != 0 or not png:
        raise ToolError(
            f"Graphviz could not draw the flowchart{_of(sop)}: {err.decode(errors='replace').strip()[:200]}"
        )
    return png


def _of(sop: Sop | None) -> str:
    return f" of {sop.sop_id}" if sop else ""


def _too_large(sop: Sop | None, timeout: float) -> InputError:
    where = sop.origin.at("sop_id") if sop else ""
    steps = len(sop.steps) if sop else 0
    return InputError(
        [
            Problem.error(
                where,
                f"the flowchart{_of(sop)} ({steps} steps) could not be drawn within {timeout:g} seconds",
                "split the procedure into smaller SOPs, or raise --timeout",
                code="flowchart-too-large",
                sop_id=sop.sop_id if sop else "",
            )
        ]
    )


def stop_and_exit(signum, frame) -> None:
    """SIGTERM in a render process: stop Graphviz too, then leave at once."""
    proc = _RUNNING.get("dot")
    if proc is not None:
        proc.kill()
    os._exit(128 + signum)
