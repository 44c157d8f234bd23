"""The files a page shows: each SOP's flowchart (SVG) and its steps' pictures, next to its page.

Flowcharts are the ones the build drew for the Word document (``WORK/flow/<ID>-<n>.svg``, one per
printed part). An SOP whose documents came from the cache was not drawn again: its chart is the
previous site's when that was drawn from the same content (the file name carries the SOP's document
key), else it is drawn here. Either way it is Graphviz's SVG, shown with ``<img>`` (a picture
loaded so runs no script), its text escaped by Graphviz.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from binder.document import flowchart as charts
from binder.document.alt_text import flowchart_alt, step_picture_alt
from binder.document.flow_dot import chart_spec
from binder.document.pool import FLOWCHART_HEIGHT_MM, FLOWCHART_WIDTH_MM, MIN_FLOWCHART_SECONDS
from binder.model import Library, Sop
from binder.output.cache import document_key
from binder.site.context import Figure
from binder.workbook.flow import flow_graph, needs_flowchart

Emit = Callable[[str, bytes], None]
"""Writes one file of the site: (path relative to the output folder, bytes)."""
PICTURE_TYPES = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"))


def flowchart_figures(
    sop: Sop,
    library: Library,
    words: Mapping[str, str],
    work: Path,
    out: Path,
    previous: frozenset[str],
    emit: Emit,
    timeout: float,
) -> tuple[Figure, ...]:
    """Place ``sop``'s flowchart as ``site/sops/<ID>-flowchart-<key>-<n>.svg``; its figures (none without a chart)."""
    if not needs_flowchart(sop):
        return ()
    stem = f"{sop.sop_id}-flowchart-{document_key(sop, library, True)[:16]}"
    parts = (
        _parts(work / "flow", sop.sop_id)
        or _previous_parts(out, previous, stem)
        or _draw(sop, library, words, work, timeout)
    )
    alt = _alt(sop, library, words)
    figures = []
    for index, source in enumerate(parts, 1):
        name = f"{stem}-{index}.svg"
        emit(f"site/sops/{name}", source.read_bytes())
        text = alt if len(parts) == 1 or index == 1 else words["alt_part"].format(part=index, parts=len(parts))
        figures.append(Figure(name, text))
    return tuple(figures)


def step_pictures(sop: Sop, library: Library, words: Mapping[str, str], emit: Emit) -> dict[int, Figure]:
    """Copy each step's picture to ``site/sops/img/<ID>-<n><suffix>``; step index → figure."""
    figures = {}
    for index, step in enumerate(sop.steps):
        if step.image is None:
            continue
        path = step.image if step.image.is_absolute() else library.folder / step.image
        data = path.read_bytes()
        # Named by content, as the workbook's check recognised it: a browser goes by the name.
        suffix = next((s for magic, s in PICTURE_TYPES if data.startswith(magic)), "")
        if not suffix:
            continue
        name = f"img/{sop.sop_id}-{index + 1}{suffix}"
        emit(f"site/sops/{name}", data)
        caption = words["figure_step"].format(number=step.number)
        figures[index] = Figure(name, step_picture_alt(caption, step.action))
    return figures


def _numbered(folder: Path, prefix: str) -> list[Path]:
    pattern = re.compile(re.escape(prefix) + r"-(\d+)\.svg")
    found = [(int(m.group(1)), p) for p in folder.glob("*.svg") if (m := pattern.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def _parts(folder: Path, sop_id: str) -> list[Path]:
    return _numbered(folder, sop_id) if folder.is_dir() else []


def _previous_parts(out: Path, previous: frozenset[str], stem: str) -> list[Path]:
    parts = _numbered(out / "site" / "sops", stem) if (out / "site" / "sops").is_dir() else []
    return parts if parts and all(f"site/sops/{p.name}" in previous for p in parts) else []


def _draw(sop: Sop, library: Library, words: Mapping[str, str], work: Path, timeout: float) -> list[Path]:
    folder = work / "site-flow"
    charts.draw_flowchart(
        sop,
        words,
        folder,
        box_mm=(FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM),
        timeout=max(timeout, MIN_FLOWCHART_SECONDS),
        swimlanes=library.settings.flowchart == "swimlanes",
    )
    return _parts(folder, sop.sop_id)


def _alt(sop: Sop, library: Library, words: Mapping[str, str]) -> str:
    graph = flow_graph(sop, yes=words["yes"], no=words["no"], start=words["flow_start"], end=words["flow_end"])
    spec = chart_spec(sop, graph, words, library.settings.flowchart == "swimlanes")
    return flowchart_alt(graph, words, spec.numbers, spec.texts)
