"""Rendering many SOPs' Word documents, in worker processes when there are enough to share.

Each render process gets the library once (not with every SOP). The build handles Ctrl-C:
render processes ignore SIGINT, and on an interrupt the build stops them, Graphviz included.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

from binder.document import flowchart
from binder.document.labels import labels_for
from binder.document.render import render_sop
from binder.document.svg import libreoffice_copy
from binder.interrupts import held
from binder.model import Library, Sop
from binder.workbook.flow import needs_flowchart

FLOWCHART_WIDTH_MM, FLOWCHART_HEIGHT_MM = 170, 200
LANDSCAPE_CHART_MM = (235.0, 125.0)
"""A landscape page's room for a chart, on A4 or Letter, below its heading and above its caption."""
MIN_FLOWCHART_SECONDS = 5.0
"""Graphviz gets ``--timeout`` per flowchart, but never less than this: a tiny timeout meant for
conversions must not fail flowcharts that any machine draws in a second."""


def render_all(
    library: Library, sops: list[Sop], root: Path, work: Path, progress, workers: int, timeout: float
) -> None:
    """Render ``root/sops/<ID>.docx`` for each SOP; flowcharts are drawn in ``work``, each within ``timeout``."""
    advance = progress.stage("Word", len(sops))
    if workers <= 1 or len(sops) < 8:
        start_renderer(library, root, work, timeout)
        for sop in sops:
            render_one(sop.sop_id)
            advance()
        return
    # forkserver, not fork: the converter's threads are running, and forking a threaded process is unsafe.
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=start_renderer, initargs=(library, root, work, timeout)
    )
    try:
        with held():  # Ctrl-C while the render processes are being started would leave them half-started
            futures = [pool.submit(render_one, s.sop_id) for s in sops]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # the first error (a template mistake, a flowchart too large) stops the build
                advance()
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop render processes now: they terminate their Graphviz on SIGTERM."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        process.join(timeout=10)


_RENDERER: dict = {}
"""The library and folders of this render process, sent once rather than with every SOP."""


def start_renderer(library: Library, root: Path, work: Path, timeout: float) -> None:
    _RENDERER.update(library=library, root=root, work=work, timeout=timeout)
    if multiprocessing.parent_process() is not None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build itself handles Ctrl-C and stops this process
        signal.signal(signal.SIGTERM, flowchart.stop_and_exit)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked while we were started


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
