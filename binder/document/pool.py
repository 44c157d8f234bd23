"""Rendering many SOPs' Word documents, in worker processes when there are enough to share.

Each render process gets the library once (not with every SOP). The build handles Ctrl-C:
render processes ignore SIGINT, and on an interrupt the build stops them, Graphviz included.
"""

from __future__ import annotations

import multiprocessing
import signal
from pathlib import Path

from binder.document import flowchart
from binder.document.dot_runner import kept
from binder.document.labels import labels_for
from binder.document.render import render_sop
from binder.document.svg import libreoffice_copy
from binder.model import Library, Sop
from binder.parallel import in_processes
from binder.workbook.flow import needs_flowchart

FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM = 170, 200
LANDSCAPE_CHART_MM = (235.0, 125.0)
"""A landscape page's room for a chart, on A4 or Letter, below its heading and above its caption."""
MIN_FLOWCHART_SECONDS = 5.0
"""Graphviz gets ``--timeout`` per flowchart, but never less than this: a tiny timeout meant for
conversions must not fail flowcharts that any machine draws in a second."""


PARALLEL_SOPS = 8
"""Fewer SOPs to render than this: one process renders them sooner than starting others."""


def render_all(
    library: Library, sops: list[Sop], root: Path, work: Path, progress, workers: int, timeout: float
) -> None:
    """Render ``root/sops/<ID>.docx`` for each SOP; flowcharts are drawn in ``work``, each within ``timeout``."""
    advance = progress.stage("Word", len(sops))
    if workers <= 1 or len(sops) < PARALLEL_SOPS:
        start_renderer(library, root, work, timeout)
        with kept():  # the charts share their Graphviz: each new one is ~25 ms of CPU
            for sop in sops:
                render_one(sop.sop_id)
                advance()
        return
    calls = [(s.sop_id,) for s in sops]
    # The first error (a template mistake, a flowchart too large) stops the build.
    for _ in in_processes(render_one, calls, workers, start_renderer, (library, root, work, timeout)):
        advance()


_RENDERER: dict = {}
"""The library and folders of this render process, sent once rather than with every SOP."""


def start_renderer(library: Library, root: Path, work: Path, timeout: float) -> None:
    _RENDERER.update(library=library, root=root, work=work, timeout=timeout)
    if multiprocessing.parent_process() is not None:
        signal.signal(signal.SIGTERM, flowchart.stop_and_exit)  # stopped by the build: its Graphviz too


def render_one(sop_id: str, first_mm: float | None = None) -> None:
    """Render one SOP (``first_mm``: the room for its flowchart's first part, see ``draw_flowchart``)."""
    library, root, work = _RENDERER["library"], _RENDERER["root"], _RENDERER["work"]
    sop = library.sop(sop_id)
    extra = {}
    if needs_flowchart(sop):
        extra["flowchart"] = flowchart.draw_flowchart(
            sop,
            labels_for(library.settings.language),
            work / "flow",
            box_mm=(FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM),
            timeout=max(_RENDERER["timeout"], MIN_FLOWCHART_SECONDS),
            swimlanes=library.settings.flowchart == "swimlanes",
            landscape_mm=LANDSCAPE_CHART_MM,
            first_mm=first_mm,
        )
    docx = render_sop(sop, library, root / "sops" / f"{sop.sop_id}.docx", extra=extra)
    copy = work / "libreoffice" / docx.name
    copy.unlink(missing_ok=True)
    libreoffice_copy(docx, copy)


def converter_input(work: Path, docx: Path) -> Path:
    """The document LibreOffice converts: the SVG-only copy of ``docx`` when it has vector pictures."""
    copy = work / "libreoffice" / docx.name
    return copy if copy.exists() else docx
