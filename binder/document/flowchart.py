"""Flowcharts drawn with Graphviz from the flow graph of ``binder.workbook.flow``, sized for the printed page.

The chart is laid out at its natural size (box text 11 pt, the rest 10 pt) and placed at most as
wide as the text; labels are wrapped narrower until that keeps every text at 8 pt or more. A chart
still taller than the space a page gives it is cut between ranks into parts, each laid out on its
own with off-page connectors (``flow_dot``), one picture a page. Each part is written as SVG (what
Word shows and LibreOffice exports as vector text) and PNG (the fallback for older Word).

Graphviz is bounded: all its runs for one chart share ``timeout``, and a SIGTERM stops it.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from binder.document.alt_text import flowchart_alt
from binder.document.dot_runner import (
    LAYOUT,
    DotFailed,
    DotTimeout,
    Sessions,
    picture_formats,
    sessions,
    stop_all,
)
from binder.document.flow_dot import SMALL_PT, ChartSpec, chart_spec, dot_source
from binder.document.svg import Chart, Picture
from binder.errors import InputError, ToolError
from binder.files import write_bytes
from binder.model import Sop
from binder.problems import Problem
from binder.workbook.flow import END, flow_graph

MIN_PRINT_PT = 8.0
"""No text of a chart is printed smaller than this."""
WRAPS = (44, 36, 30, 24, 18, 14)
"""Characters per line of a box, tried in turn: the widest boxes (the fewest lines, so the fewest pages)
that keep the chart narrow enough to print at 8 pt."""
MIN_SCALE = MIN_PRINT_PT / SMALL_PT
Rank = tuple[float, float, set[str]]
"""The top and bottom of a row of boxes of the whole chart, and the boxes in it."""
PNG_DPI = 150
PT_MM = 25.4 / 72
PAGE_SHARE = 0.95
LAST_PART_RANKS = 2
"""The fewest rows of boxes the last part of a cut chart holds: a lone box on a page of its own
reads as an afterthought."""
"""A part is first tried with the ranks that fill this share of the page, leaving room for its connectors."""


def draw_flowchart(
    sop: Sop,
    words: Mapping[str, str],
    folder: Path,
    *,
    box_mm: tuple[float, float],
    timeout: float = 180.0,
    swimlanes: bool = False,
    landscape_mm: tuple[float, float] | None = None,
    first_mm: float | None = None,
) -> Chart:
    """Draw ``sop``'s flow into ``folder`` as pictures at most ``box_mm`` (width, height) each, within ``timeout``.

    Swimlanes too wide for the page at 8 pt are drawn for ``landscape_mm`` (a landscape page) when given,
    and as the plain flow (the role in each box) when too wide for that too: text is never below 8 pt.
    ``first_mm``: the room left on the page the chart starts on, which its first part is cut to fit
    (ignored when not even one row fits there, and on landscape pages, which the chart begins)."""
    with sessions() as dots:  # one Graphviz for the chart's layouts, one for its pictures (see dot_runner.kept)
        return _draw(sop, words, folder, box_mm, _Deadline(timeout, sop, dots), swimlanes, landscape_mm, first_mm)


def _draw(
    sop: Sop,
    words: Mapping[str, str],
    folder: Path,
    box_mm: tuple[float, float],
    deadline: _Deadline,
    swimlanes: bool,
    landscape_mm: tuple[float, float] | None,
    first_mm: float | None,
) -> Chart:
    graph = flow_graph(sop, yes=words["yes"], no=words["no"], start=words["flow_start"], end=words["flow_end"])
    spec = chart_spec(sop, graph, words, swimlanes)
    parts = _fit_page(spec, box_mm, deadline)
    landscape = False
    if swimlanes and not _fit_width(parts, box_mm):  # a lane per role: narrower boxes do not help
        if landscape_mm and _fit_width(wide := _fit_page(spec, landscape_mm, deadline), landscape_mm):
            box_mm, parts, landscape = landscape_mm, wide, True
        else:
            spec = chart_spec(sop, graph, words, swimlanes=False)
            parts = _fit_page(spec, box_mm, deadline)
    room = box_mm
    if first_mm and not landscape and (head := _fit_page(spec, box_mm, deadline, first_mm)):
        parts, room = head, (box_mm[0], first_mm)
    alt = flowchart_alt(graph, words, spec.numbers, spec.texts)
    folder.mkdir(parents=True, exist_ok=True)
    # every page of the chart at the same size, the first no higher than its room
    scale = min([parts[0][1].scale(room)] + [layout.scale(box_mm) for _, layout in parts[1:]])
    pictures = []
    for index, (source, layout) in enumerate(parts, 1):
        stem = folder / f"{sop.sop_id}-{index}"
        write_bytes(stem.with_suffix(".svg"), layout.svg)
        write_bytes(stem.with_suffix(".png"), deadline.run(source, list(picture_formats(PNG_DPI))))
        width, height = layout.width_pt * PT_MM * scale, layout.height_pt * PT_MM * scale
        text = alt if len(parts) == 1 or index == 1 else words["alt_part"].format(part=index, parts=len(parts))
        pictures.append(Picture(stem.with_suffix(".svg"), stem.with_suffix(".png"), width, height, text))
    return Chart(tuple(pictures), words["flow_continued_next"], words["flow_continued_from"], landscape)


class _Deadline:
    def __init__(self, timeout: float, sop: Sop | None, dots: Sessions) -> None:
        self.timeout, self.sop, self.end, self.dots = timeout, sop, time.monotonic() + timeout, dots

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise _too_large(self.sop, self.timeout)
        return remaining

    def run(self, source: str, formats: list[str]) -> bytes:
        return _run_dot(source, self.left(), self.sop, formats, self.timeout, self.dots)


class Layout:
    """What Graphviz made of a source: the SVG, its size in points, and each node's top and bottom."""

    def __init__(self, laid_out: bytes) -> None:
        at = laid_out.index(b"<?xml")
        self.svg = laid_out[at:]
        drawn = json.loads(laid_out[:at])
        head = self.svg[: self.svg.index(b"viewBox")].decode()
        size = re.search(r'width="([\d.]+)pt"\s+height="([\d.]+)pt"', head)
        if size is None:
            raise ToolError(f"Graphviz wrote an SVG without a size: {head[:200]}")
        self.width_pt, self.height_pt = float(size[1]), float(size[2])
        top = float(drawn["bb"].split(",")[3])
        self.spans: dict[str, tuple[float, float]] = {}
        for obj in drawn.get("objects", []):
            if "pos" in obj and "height" in obj:
                y, half = float(obj["pos"].split(",")[1]), float(obj["height"]) * 36
                self.spans[obj["name"]] = (top - y - half, top - y + half)

    def scale(self, box_mm: tuple[float, float]) -> float:
        """The scale it is printed at: never enlarged, as wide as the box at most."""
        return min(1.0, box_mm[0] / (self.width_pt * PT_MM), box_mm[1] / (self.height_pt * PT_MM))

    def smallest_scale(self, box_mm: tuple[float, float]) -> float:
        """The least it may be scaled to: text at 8 pt, unless it is too wide for the box even then."""
        return min(MIN_SCALE, box_mm[0] / (self.width_pt * PT_MM))

    def fits_width(self, box_mm: tuple[float, float]) -> bool:
        return self.width_pt * PT_MM * MIN_SCALE <= box_mm[0]


def _layout(source: str, deadline: _Deadline) -> Layout:
    return Layout(deadline.run(source, list(LAYOUT)))


def _fit_page(
    spec: ChartSpec, box_mm: tuple[float, float], deadline: _Deadline, first_mm: float | None = None
) -> list[tuple[str, Layout]]:
    """(source, layout) of each picture: the widest wrap that prints at 8 pt, cut into parts a page high.

    Parts are cut between the ranks of the whole chart, top down: each takes the ranks that the whole
    layout says fit, and gives its last rank to the next part while its own layout is too tall. With
    ``first_mm``, the first part is at most that high (the room left on the page the chart starts on);
    no parts when not even one row fits there.
    """
    for wrap in WRAPS:
        source = dot_source(spec, wrap)
        whole = _layout(source, deadline)
        if whole.fits_width(box_mm) or wrap == WRAPS[-1]:
            parts = _wrapped(spec, wrap, source, whole, box_mm, deadline, first_mm)
            # a part can be wider than the whole chart (its connectors beside the steps of a lane)
            if _fit_width(parts, box_mm):
                break
    return parts


def _wrapped(
    spec: ChartSpec,
    wrap: int,
    source: str,
    whole: Layout,
    box_mm: tuple[float, float],
    deadline: _Deadline,
    first_mm: float | None,
) -> list[tuple[str, Layout]]:
    room = (box_mm[0], first_mm) if first_mm else box_mm
    if _fits(whole, room):
        return [(source, whole)]
    # End is never a part of its own: every part whose paths end draws an End
    ranks = _ranks(whole, {n.id for n in spec.graph.nodes} - {END})
    points = box_mm[1] / PT_MM / whole.smallest_scale(box_mm)
    if not first_mm:
        return _filled(spec, wrap, ranks, points * PAGE_SHARE, box_mm, deadline)
    head, rest = _part(spec, wrap, ranks, 0, points * first_mm / box_mm[1] * PAGE_SHARE, room, deadline)
    if not _fits(head[1], room):
        return []
    return [head, *(_filled(spec, wrap, ranks[rest:], points * PAGE_SHARE, box_mm, deadline) if ranks[rest:] else [])]


def _filled(
    spec: ChartSpec, wrap: int, ranks: list[Rank], budget: float, box_mm: tuple[float, float], deadline: _Deadline
) -> list[tuple[str, Layout]]:
    """Parts that fill their page, top down (a page break follows each but the last, which the
    procedure table follows), the last never a lone row: it takes one from the part before."""
    starts, parts = [], []
    first = 0
    while first < len(ranks):
        starts.append(first)
        part, first = _part(spec, wrap, ranks, first, budget, box_mm, deadline)
        parts.append(part)
    if len(parts) > 1 and len(ranks) - starts[-1] < LAST_PART_RANKS and starts[-1] - starts[-2] > LAST_PART_RANKS:
        start = starts[-1] - 1
        before, _ = _part(spec, wrap, ranks[:start], starts[-2], budget, box_mm, deadline)
        last, _ = _part(spec, wrap, ranks, start, budget, box_mm, deadline)
        parts[-2:] = [before, last]
    return parts


def _part(
    spec: ChartSpec,
    wrap: int,
    ranks: list[Rank],
    first: int,
    budget: float,
    box_mm: tuple[float, float],
    deadline: _Deadline,
) -> tuple[tuple[str, Layout], int]:
    """The part from rank ``first`` (and where the next begins): the ranks that fit in ``budget`` points,
    giving its last rank to the next part while its own layout (with its connectors) is too tall."""
    last = _fill(ranks, first, budget)
    while True:
        chunk = frozenset(name for rank in ranks[first:last] for name in rank[2])
        source = dot_source(spec, wrap, chunk)
        layout = _layout(source, deadline)
        if _fits(layout, box_mm) or last == first + 1:
            return (source, layout), last
        last -= 1


def _fill(ranks: list[Rank], first: int, budget: float) -> int:
    """The end of a part that starts at rank ``first`` and takes the ranks that fit in ``budget`` points."""
    last = first + 1
    while last < len(ranks) and ranks[last][1] - ranks[first][0] <= budget:
        last += 1
    return last


def _fit_width(parts: list[tuple[str, Layout]], box_mm: tuple[float, float]) -> bool:
    return all(layout.fits_width(box_mm) for _, layout in parts)


def _fits(layout: Layout, box_mm: tuple[float, float]) -> bool:
    return layout.height_pt * PT_MM * layout.smallest_scale(box_mm) <= box_mm[1]


def _ranks(layout: Layout, owned: set[str]) -> list[Rank]:
    """(top, bottom, nodes) of each rank of the owned nodes, top first."""
    rows: dict[float, tuple[float, float, set[str]]] = {}
    for name, (top, bottom) in layout.spans.items():
        if name in owned:
            key = round((top + bottom) / 2, 1)
            old_top, old_bottom, names = rows.get(key, (top, bottom, set()))
            rows[key] = (min(old_top, top), max(old_bottom, bottom), names | {name})
    return [rows[key] for key in sorted(rows)]


_LAID_OUT: OrderedDict[tuple[str, tuple[str, ...]], bytes] = OrderedDict()
"""What Graphviz made of recent sources: fitting a chart lays out the same parts more than once."""
LAID_OUT_KEPT = 64


def _run_dot(
    source: str,
    timeout: float,
    sop: Sop | None,
    formats: list[str],
    reported: float,
    dots: Sessions,
) -> bytes:
    """``dot`` with ``formats`` on ``source``; a flow it cannot lay out within ``timeout`` is an error naming the SOP."""
    key = (source, tuple(formats))
    if key in _LAID_OUT:
        _LAID_OUT.move_to_end(key)
        return _LAID_OUT[key]
    out = _dot(source, timeout, sop, formats, reported, dots)
    _LAID_OUT[key] = out
    if len(_LAID_OUT) > LAID_OUT_KEPT:
        _LAID_OUT.popitem(last=False)
    return out


def _dot(source: str, timeout: float, sop: Sop | None, formats: list[str], reported: float, dots: Sessions) -> bytes:
    try:
        session = dots.get(tuple(formats))  # LAYOUT or picture_formats(PNG_DPI): the two a chart asks for
        return session.layout(source, timeout) if tuple(formats) == LAYOUT else session.picture(source, timeout)
    except DotTimeout:
        raise _too_large(sop, reported or timeout) from None
    except DotFailed as failed:
        raise ToolError(f"Graphviz could not draw the flowchart{_of(sop)}: {str(failed)[:200]}") from None


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
    stop_all()
    os._exit(128 + signum)
