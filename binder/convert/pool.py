"""Word → PDF with LibreOffice: a pool of ``worker.py`` processes, each with its own soffice.

Jobs go through one shared queue, one thread per worker pulling from it, so a
slow document holds up only its own worker. A worker that does not answer in
time, or dies, is killed with its soffice (they share a process group) and
replaced, and the document is tried again. Whatever happens, ``close()``
leaves no soffice running.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import shutil
import stat
import tempfile
import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

from binder.convert.base import ConverterBase, Job, Result
from binder.convert.process import (
    PART_SUFFIX,
    QUIT_SECONDS,
    STARTUP_SECONDS,
    Aborted,
    AttemptFailed,
    Worker,
    find_soffice,
    find_uno_python,
)
from binder.errors import ConversionError
from binder.interrupts import held, shielded

log = logging.getLogger(__name__)

# --- the pool -----------------------------------------------------------------------------------


def default_workers() -> int:
    """LibreOffice processes when the user does not say: one more than the CPUs. Each soffice waits on
    its files and on its worker's pipe part of the time: on 2 cores, 3 workers converted 200 SOPs 23 %
    faster than 2, and 4 no faster than 3 (docs/performance.md)."""
    return (os.cpu_count() or 1) + 1


_live_converters: weakref.WeakSet[Converter] = weakref.WeakSet()
_atexit_registered = False


def _close_live_converters() -> None:
    for converter in list(_live_converters):
        converter.close()


class Converter(ConverterBase):
    """Converts Word documents to PDF with ``workers`` LibreOffice processes. A context manager."""

    def __init__(
        self,
        workers: int = 1,
        timeout: float = 120.0,
        workdir: Path | None = None,
        recycle_after: int = 200,
        retries: int = 1,
    ) -> None:
        if workers < 1 or timeout <= 0 or recycle_after < 1 or retries < 0:
            raise ValueError("need workers >= 1, timeout > 0, recycle_after >= 1 and retries >= 0")
        self.workers = workers
        self.timeout = timeout
        self.recycle_after = recycle_after
        self.retries = retries
        self._workdir = Path(workdir) if workdir is not None else None
        self._made: list[Path] = []
        """Folders this converter created (the work folder and missing parents), deepest first."""
        self._tools: tuple[str, str] | None = None
        self._slots: dict[int, Worker] = {}
        self._profiles: set[Path] = set()
        self._starts = 0
        self._conversions = 0
        self._lock = threading.Lock()
        self._closed = False
        self._abort = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def starts(self) -> int:
        """Workers started so far (restarts and recycling included)."""
        return self._starts

    def soffice_pids(self) -> list[int]:
        """PIDs of the soffice processes running for this converter now."""
        with self._lock:
            workers = list(self._slots.values())
        return sorted(pid for worker in workers for pid in worker.soffice_pids())

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        """Convert every job; results in the order of ``jobs``.

        ``progress`` is called (in this thread) as each document is done.
        Raises ConversionError for a document that still fails after
        ``retries`` more tries; the converter is then closed, as on any exception.
        """
        if self._closed:
            raise RuntimeError("this Converter is closed")
        jobs = [Job(job.key, Path(job.docx), Path(job.pdf), tuple(job.options)) for job in jobs]
        try:
            self._check_inputs(jobs)
            return self._convert(jobs, progress) if jobs else []
        except BaseException:
            self._shut_down(grace=0.0)
            raise

    def warm_up(self) -> None:
        """Start every worker now, so LibreOffice boots while the caller does other work."""
        for slot in range(self.workers):
            with held():  # Ctrl-C between starting a worker and recording it would leave it running unseen
                self._worker(slot)

    def close(self) -> None:
        """Stop every worker and soffice, wait for them, remove the profiles. Idempotent.

        soffice is killed rather than asked to quit: its profile is thrown away, so nothing
        is lost, and a polite quit costs a third of a second per build. A signal meanwhile waits until
        every soffice is gone and its profile removed (an interrupted build leaves nothing behind)."""
        with shielded():
            self._shut_down(grace=0.0)

    def _shut_down(self, grace: float) -> None:
        """Stop workers (killing them when ``grace`` is 0), the serving threads and the profiles."""
        with self._lock:
            self._closed = True
            self._abort.set()
            workers = list(self._slots.items())
        self._stop_all(workers, grace)
        for thread in self._threads:
            thread.join(timeout=STARTUP_SECONDS)
        self._threads = []
        self._remove_profiles()
        _live_converters.discard(self)

    # --- inside convert ---

    @staticmethod
    def _check_inputs(jobs: list[Job]) -> None:
        """Fail before starting LibreOffice when an input is missing or two jobs write one PDF."""
        outputs: dict[Path, str] = {}
        for job in jobs:
            if not job.docx.is_file():
                raise ConversionError(job.key, f"{job.docx} does not exist")
            other = outputs.setdefault(job.pdf.absolute(), job.key)
            if other != job.key:
                raise ValueError(f"{other} and {job.key} would both write {job.pdf}")

    def _convert(self, jobs: list[Job], progress: Callable[[Result], None] | None) -> list[Result]:
        todo: queue.SimpleQueue[tuple[int, Job]] = queue.SimpleQueue()
        for index, job in enumerate(jobs):
            todo.put((index, job))
        done: queue.SimpleQueue[tuple[int, Result | BaseException]] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._serve, args=(slot, todo, done), name=f"convert-{slot}", daemon=True)
            for slot in range(min(self.workers, len(jobs)))
        ]
        for thread in self._threads:
            thread.start()
        results: list[Result | None] = [None] * len(jobs)
        for _ in jobs:
            index, outcome = self._next(done)
            if isinstance(outcome, BaseException):
                raise outcome
            results[index] = outcome
            if progress:
                progress(outcome)
        for thread in self._threads:
            thread.join()
        self._threads = []
        return [result for result in results if result is not None]

    def _next(self, done: queue.SimpleQueue) -> tuple[int, Result | BaseException]:
        # A timeout keeps this thread responsive to Ctrl-C.
        while True:
            try:
                return done.get(timeout=0.5)
            except queue.Empty:
                if self._abort.is_set() and not any(thread.is_alive() for thread in self._threads):
                    raise RuntimeError("the Converter was closed while converting") from None

    def _serve(self, slot: int, todo: queue.SimpleQueue, done: queue.SimpleQueue) -> None:
        """One thread per worker: take jobs from the shared queue until it is empty."""
        while not self._abort.is_set():
            try:
                index, job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((index, self._convert_one(slot, job)))
            except Aborted:
                return
            except BaseException as error:  # handed to the main thread, which raises it
                done.put((index, error))
                return

    def _convert_one(self, slot: int, job: Job) -> Result:
        """Convert one document on ``slot``'s worker, restarting it and retrying on failure."""
        self._recycle_if_due(slot)
        failure, last_words = None, ""
        for attempt in range(1 + self.retries):
            worker = self._worker(slot)
            try:
                self._remove_output(job)
                seconds = worker.run(job, self.timeout)
            except AttemptFailed as error:
                if self._abort.is_set():
                    raise Aborted from None
                failure, last_words = error, worker.last_words()
                log.info("%s: %s; %s", job.key, error.message, "retrying" if attempt < self.retries else "giving up")
                self._remove_output(job)
                if error.restart:
                    self._retire(slot, worker, grace=0.0)
                continue
            with self._lock:
                self._conversions += 1
            return Result(job.key, job.pdf, seconds, slot)
        assert failure is not None
        raise ConversionError(job.key, failure.message, last_words)

    @staticmethod
    def _remove_output(job: Job) -> None:
        for path in (job.pdf, job.pdf.with_name(job.pdf.name + PART_SUFFIX)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        job.pdf.parent.mkdir(parents=True, exist_ok=True)

    # --- workers ---

    def _worker(self, slot: int) -> Worker:
        """``slot``'s worker, started if there is none."""
        with self._lock:
            if self._closed or self._abort.is_set():
                raise Aborted
            worker = self._slots.get(slot)
            if worker is None:
                worker = self._start(slot)
                self._slots[slot] = worker
        return worker

    def _start(self, slot: int) -> Worker:
        """A new worker process on a fresh profile folder (called with the lock held)."""
        global _atexit_registered
        if self._tools is None:
            self._tools = (find_uno_python(), find_soffice())
        profile = self._new_profile(slot)
        worker = Worker(slot, self._tools[0], self._tools[1], profile)
        self._starts += 1
        _live_converters.add(self)
        if not _atexit_registered:
            atexit.register(_close_live_converters)
            _atexit_registered = True
        return worker

    def _new_profile(self, slot: int) -> Path:
        # A fresh profile per start: one left by a killed soffice may be half written.
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="binder-lo-"))
            self._made = [self._workdir]
        elif not os.path.lexists(self._workdir):
            missing = [self._workdir, *(p for p in self._workdir.parents if not p.exists())]
            self._workdir.parent.mkdir(parents=True, exist_ok=True)
            self._workdir.mkdir(mode=0o700)  # its own: one put there meanwhile is an error, never used
            self._made = [p for p in missing if p not in self._made] + self._made
        else:
            _check_own(self._workdir)
        profile = self._workdir / f"profile-{slot}-{self._starts}"
        shutil.rmtree(profile, ignore_errors=True)
        self._profiles.add(profile)
        return profile

    def _recycle_if_due(self, slot: int) -> None:
        """Replace a worker that has converted ``recycle_after`` documents: soffice's memory grows."""
        with self._lock:
            worker = self._slots.get(slot)
        if worker is not None and worker.converted >= self.recycle_after:
            self._retire(slot, worker, grace=QUIT_SECONDS)

    def _retire(self, slot: int, worker: Worker, grace: float) -> None:
        """Stop ``worker`` (killing it at once when grace is 0) and forget it."""
        with self._lock:
            if self._slots.get(slot) is worker:
                del self._slots[slot]
        worker.stop(grace)
        shutil.rmtree(worker.profile, ignore_errors=True)
        with self._lock:
            self._profiles.discard(worker.profile)

    def _stop_all(self, workers: list[tuple[int, Worker]], grace: float) -> None:
        """Stop workers together: end every stdin first so that they shut down in parallel.

        Each is forgotten only once stopped, so that a close() interrupted
        half-way (Ctrl-C) can be finished by the next one, or at exit.
        """
        for _, worker in workers:
            assert worker.proc.stdin is not None  # workers are started with stdin=PIPE
            with contextlib.suppress(OSError):
                worker.proc.stdin.close()
        for slot, worker in workers:
            # soffice writes its profile as it quits: into a deleted work folder that would recreate it
            worker.stop(grace if worker.profile.is_dir() else 0.0)
            with self._lock:
                if self._slots.get(slot) is worker:
                    del self._slots[slot]

    def _remove_profiles(self) -> None:
        """Remove the profiles, then the folders made for them if nothing else was put there."""
        with self._lock:
            profiles, self._profiles = self._profiles, set()
        for profile in profiles:
            shutil.rmtree(profile, ignore_errors=True)
        for folder in self._made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made = []


def _check_own(folder: Path) -> None:
    """A profiles folder that is a symbolic link, or another user's, is never used: LibreOffice would start with
    whatever profile was planted there (its settings, its macros)."""
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise ConversionError(
            str(folder), "LibreOffice's profiles folder is a symbolic link or someone else's; binder does not use it"
        )
