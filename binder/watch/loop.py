"""``binder watch``: build, then build again at every save of the workbook or of a file it uses.

LibreOffice stays running between builds (one converter, owned here and lent to each build);
a build that fails inside the converter closes it, and the next save starts a fresh one. The
folder watcher runs in a thread of its own, so the main thread waits on a queue, where Ctrl-C
and SIGTERM land as they do during a build: the converter is closed, soffice with it, and a
build cut short leaves the output as the last successful build left it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from binder import interrupts
from binder.build import BuildResult, build
from binder.convert.base import Job, Result
from binder.convert.pool import Converter
from binder.errors import BinderError, Interrupted, ToolError
from binder.model import Library
from binder.options import BuildOptions
from binder.output.transaction import profiles_folder
from binder.watch.events import Debouncer, folders, saves, whole

SETTLE_SECONDS = 5.0
"""How long a saved file may stay unreadable (half written, or renamed away for a moment) before the build
reports it as it is."""
STOPPED = "stopped watching: the output folder is as the last successful build left it"


@dataclass(frozen=True)
class Outcome:
    """One build: after which saves (none for the first), what it made or why it did not."""

    saved: tuple[Path, ...]
    result: BuildResult | None
    error: BinderError | OSError | None
    seconds: float


def used_files(library: Library) -> frozenset[Path]:
    """The files a build reads besides the workbook: templates, logo, step pictures (paths the workbook's
    loader has already resolved and kept inside the workbook's folder)."""
    settings = library.settings
    found = {settings.logo, settings.template, settings.front_template}
    for sop in library.sops:
        found.add(sop.template)
        found.update(step.image for step in sop.steps)
    return frozenset(p for p in found if p is not None)


class _Kept(Converter):
    """The long-lived local converter; ``broken`` once a failed conversion closed it."""

    broken = False

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        try:
            return super().convert(jobs, progress)
        except BaseException:
            self.broken = True
            raise


class _Watcher:
    """watchfiles on ``dirs`` (not recursive) in a thread; each batch of changed paths goes to ``changes``."""

    def __init__(self, dirs: frozenset[Path]) -> None:
        self.dirs = dirs
        self.changes: queue.SimpleQueue[list[str] | BaseException] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import watchfiles

        try:
            for batch in watchfiles.watch(
                *sorted(self.dirs),
                watch_filter=None,
                debounce=200,
                step=50,
                stop_event=self._stop,
                recursive=False,
                raise_interrupt=False,
            ):
                self.changes.put([path for _, path in batch])
        except BaseException as error:  # handed to the main thread, which raises it
            self.changes.put(error)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def next_saves(
    changes: queue.SimpleQueue, watched: frozenset[Path], debouncer: Debouncer, clock=time.monotonic
) -> frozenset[Path]:
    """Wait for saves of ``watched`` files, then for the burst to end; return the files saved."""
    while True:
        wait = debouncer.wait(clock())
        try:
            # short waits: Ctrl-C is handled in this thread between them
            batch = changes.get(timeout=0.5 if wait is None else min(wait, 0.5))
        except queue.Empty:
            batch = None
        if isinstance(batch, BaseException):
            raise ToolError(f"cannot watch for saves any more: {batch}") from batch
        if batch:
            debouncer.add(saves(batch, watched), clock())
        if debouncer.due(clock()):
            return debouncer.take()


def settle(paths: frozenset[Path], seconds: float = SETTLE_SECONDS, sleep=time.sleep) -> None:
    """Wait until every saved file is whole (a zip that opens), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    for path in sorted(paths):
        while not whole(path) and time.monotonic() < deadline:
            sleep(0.1)


def watch(
    workbook: Path,
    options: BuildOptions,
    report: Callable[[Outcome], None],
    progress: Callable[[], object],
    announce: Callable[[frozenset[Path]], None] = lambda saved: None,
    debouncer: Debouncer | None = None,
) -> NoReturn:
    """Build ``workbook``, then build again at each save, calling ``announce`` with the files saved before
    a build and ``report`` after it; ends only by a signal (``Interrupted``) or when the folders cannot be
    watched any more (``ToolError``)."""
    debouncer = debouncer or Debouncer()
    watched = frozenset({workbook.resolve()})
    watcher = _Watcher(folders(watched))
    converter: _Kept | None = None
    try:
        saved: frozenset[Path] = frozenset()
        while True:
            announce(saved)
            if converter is None or converter.broken:
                if converter is not None:
                    converter.close()
                converter = _Kept(workers=options.jobs, timeout=options.timeout, workdir=profiles_folder(options.out))
            outcome = _build(workbook, options, converter, progress, saved)
            if outcome.result is not None and outcome.result.library is not None:
                watched = frozenset({workbook.resolve()}) | used_files(outcome.result.library)
            if folders(watched) != watcher.dirs:
                watcher.close()
                watcher = _Watcher(folders(watched))
            report(outcome)
            interrupts.rearm()  # the build committed; a signal from now on stops watching
            saved = next_saves(watcher.changes, watched, debouncer)
            settle(saved)
    except Interrupted as stop:
        stop.message = STOPPED
        raise
    finally:
        watcher.close()
        if converter is not None:
            converter.close()


def _build(
    workbook: Path, options: BuildOptions, converter: _Kept, progress: Callable[[], object], saved: frozenset[Path]
) -> Outcome:
    started = time.monotonic()
    bar = progress()
    try:
        result = build(workbook, options, bar, converter=converter)
    except (BinderError, OSError) as error:
        return Outcome(tuple(sorted(saved)), None, error, time.monotonic() - started)
    finally:
        close = getattr(bar, "close", None)
        if close is not None:
            close()
    return Outcome(tuple(sorted(saved)), result, None, time.monotonic() - started)
