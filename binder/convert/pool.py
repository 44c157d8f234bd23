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
import hashlib
import json
import logging
import os
import queue
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from binder.errors import ConversionError, ToolError

log = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).resolve().with_name("worker.py")
PART_SUFFIX = ".part"
"""What the worker writes before renaming to the PDF; keep in step with worker.PART_SUFFIX."""
CONNECT_SECONDS = 30.0
"""How long a worker waits for its soffice to accept a connection (first start creates the profile)."""
STARTUP_SECONDS = CONNECT_SECONDS + 15.0
QUIT_SECONDS = 10.0
"""How long an idle worker gets to shut soffice down before it is killed."""
LAST_WORDS = 6
"""Lines of a worker's stderr quoted in a ConversionError."""
NOISE = ("Warning: failed to launch javaldx",)
"""stderr lines LibreOffice always prints; never a reason for a failure."""
SETUP_HINT = "install LibreOffice and its Python bridge (Debian: libreoffice-writer-nogui python3-uno): ./run setup"


@dataclass(frozen=True)
class Job:
    """Convert ``docx`` to ``pdf``; ``key`` (SOP ID or file name) names it in messages."""

    key: str
    docx: Path
    pdf: Path


@dataclass(frozen=True)
class Result:
    """A converted document: the seconds LibreOffice took and which worker (0-based) did it."""

    key: str
    pdf: Path
    seconds: float
    worker: int


# --- finding the tools --------------------------------------------------------------------------

@lru_cache(maxsize=None)
def can_import_uno(python: str) -> bool:
    """Whether ``python`` runs and can ``import uno``."""
    try:
        return subprocess.run([python, "-c", "import uno"], stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_uno_python() -> str:
    """The Python that runs the workers: one that can ``import uno``.

    ``BINDER_UNO_PYTHON`` if set, else this Python, else Debian's ``/usr/bin/python3``.
    Raises ToolError if none can.
    """
    chosen = os.environ.get("BINDER_UNO_PYTHON")
    if chosen:
        if can_import_uno(chosen):
            return chosen
        raise ToolError(f"BINDER_UNO_PYTHON={chosen} cannot import uno (LibreOffice's Python bridge)",
                        hint=SETUP_HINT)
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and can_import_uno(candidate):
            return candidate
    raise ToolError("no Python with LibreOffice's bridge (uno) was found; "
                    "set BINDER_UNO_PYTHON to one that can `import uno`", hint=SETUP_HINT)


def find_soffice() -> str:
    """The soffice command; raises ToolError if LibreOffice is not installed."""
    found = shutil.which("soffice")
    if not found:
        raise ToolError("LibreOffice (soffice) is not installed or not on PATH", hint=SETUP_HINT)
    return found


# --- processes ----------------------------------------------------------------------------------

def group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, name) of the live (not zombie) processes in process group ``pgid``."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        head, _, tail = raw.rpartition(b")")
        fields = tail.split()
        if int(fields[2]) == pgid and fields[0] != b"Z":
            members.append((int(entry.name), head.partition(b"(")[2].decode(errors="replace")))
    return members


def pipe_files(profile: Path, pipe_name: str) -> list[Path]:
    """Where soffice makes its socket files: the pipe it listens on and its single-instance pipe.

    A killed soffice leaves them in /tmp. LibreOffice names the single-instance
    pipe after the MD5 of its profile URL in UTF-16, in hex without leading zeros.
    """
    digest = hashlib.md5(profile.resolve().as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    single = "SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest)
    return [Path(folder) / f"OSL_PIPE_{os.getuid()}_{name}" for folder in ("/tmp", "/var/tmp")
            for name in (pipe_name, single)]


def remove_pipe_files(profile: Path, pipe_name: str) -> None:
    """Remove the socket files of a soffice that is no longer running."""
    for path in pipe_files(profile, pipe_name):
        try:
            info = path.lstat()
            if stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid():
                path.unlink()
        except OSError:
            continue


def check_pdf(pdf: Path) -> str:
    """Why ``pdf`` is not a converted PDF, or "" if it is one."""
    try:
        with open(pdf, "rb") as f:
            head = f.read(5)
    except FileNotFoundError:
        return "LibreOffice reported success but wrote no PDF"
    except OSError as error:
        return f"cannot read the PDF: {error}"
    if not head:
        return "LibreOffice wrote an empty PDF"
    if head != b"%PDF-":
        return "LibreOffice wrote something that is not a PDF"
    return ""


class _Failure(Exception):
    """One failed attempt; ``restart`` says the worker can no longer be trusted."""

    def __init__(self, message: str, restart: bool) -> None:
        super().__init__(message)
        self.message = message
        self.restart = restart


class _Aborted(Exception):
    """The converter is closing: stop without starting anything new."""


class _Worker:
    """One ``worker.py`` process and its soffice, in a process group of their own."""

    def __init__(self, slot: int, python: str, soffice: str, profile: Path) -> None:
        self.slot = slot
        self.profile = profile
        self.pipe_name = f"binder-{os.getpid()}-{slot}-{uuid.uuid4().hex[:8]}"
        self.converted = 0
        self._ready = False
        self._stop_lock = threading.Lock()
        self._stderr: deque[str] = deque(maxlen=LAST_WORDS)
        self._answers: queue.Queue[str | None] = queue.Queue()
        command = [python, str(WORKER_SCRIPT), "--profile", str(profile.resolve()), "--soffice", soffice,
                   "--pipe", self.pipe_name, "--connect-timeout", str(CONNECT_SECONDS)]
        # A session of its own: the terminal's Ctrl-C goes to us only, and killpg reaches soffice too.
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, start_new_session=True)
        except OSError as error:
            raise ToolError(f"cannot start the LibreOffice worker with {python}: {error}", hint=SETUP_HINT) from None
        self._reaped = False
        self._readers = [threading.Thread(target=self._read_answers, args=(self.proc.stdout,), daemon=True),
                         threading.Thread(target=self._read_stderr, args=(self.proc.stderr,), daemon=True)]
        for reader in self._readers:
            reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_answers(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._answers.put(line.decode("ascii", errors="replace"))
        self._answers.put(None)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            if line and not line.startswith(NOISE):
                self._stderr.append(line)
                log.debug("worker %d: %s", self.slot, line)

    def last_words(self) -> str:
        """The last lines the worker and its soffice wrote to stderr."""
        return " | ".join(self._stderr)

    def _receive(self, timeout: float, doing: str) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise _Failure(f"LibreOffice did not finish {doing} within {timeout:g} s", restart=True) from None
        if line is None:
            status = self._wait_exit(5)
            raise _Failure(f"LibreOffice stopped while {doing} ({status})", restart=True)
        try:
            answer = json.loads(line)
        except ValueError:
            raise _Failure(f"unexpected answer from the worker: {line.strip()[:200]!r}", restart=True) from None
        return answer if isinstance(answer, dict) else {}

    def _wait_ready(self) -> None:
        """Block until soffice accepts connections (once); _Failure if it does not start."""
        if self._ready:
            return
        answer = self._receive(STARTUP_SECONDS, "starting")
        if not answer.get("ready"):
            raise _Failure(f"LibreOffice did not start: {answer.get('error', answer)}", restart=True)
        self._ready = True

    def run(self, job: Job, timeout: float) -> float:
        """Convert one document; the seconds it took. _Failure if it did not convert."""
        self._wait_ready()
        request = json.dumps({"docx": str(job.docx.absolute()), "pdf": str(job.pdf.absolute())}) + "\n"
        try:
            self.proc.stdin.write(request.encode("ascii"))
            self.proc.stdin.flush()
        except (OSError, ValueError):  # the worker is gone, or being stopped: its stdout says why
            pass
        answer = self._receive(timeout, f"converting {job.docx.name}")
        if not answer.get("ok"):
            raise _Failure(str(answer.get("error") or "conversion failed"), restart=False)
        problem = check_pdf(job.pdf)
        if problem:
            raise _Failure(problem, restart=True)
        self.converted += 1
        return float(answer.get("seconds") or 0.0)

    def soffice_pids(self) -> list[int]:
        """PIDs of this worker's soffice.bin processes."""
        return [pid for pid, name in group_members(self.pid) if name.startswith("soffice")]

    def _wait_exit(self, timeout: float) -> str:
        """Wait for the worker to exit without reaping it, and say how it ended.

        While it is unreaped, its PID, which is also its process group ID,
        cannot be reused, so killpg cannot hit a stranger.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            except ChildProcessError:
                return "worker already gone"
            if info is not None:
                if info.si_code == os.CLD_EXITED:
                    return f"worker exit status {info.si_status}"
                return f"worker killed by signal {info.si_status}"
            if time.monotonic() >= deadline:
                return "worker still running"
            time.sleep(0.02)

    def stop(self, grace: float) -> None:
        """Ask the worker to quit (end of its stdin), kill its group after ``grace`` seconds, reap it."""
        with self._stop_lock:  # a serving thread and close() may both stop a worker
            if self._reaped:
                return
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            if grace > 0:
                self._wait_exit(grace)
            self._kill_group()
            self.proc.wait()
            self._reaped = True
        self._wait_group_gone(5.0)
        remove_pipe_files(self.profile, self.pipe_name)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _wait_group_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while group_members(self.pid) and time.monotonic() < deadline:
            time.sleep(0.02)


# --- the pool -----------------------------------------------------------------------------------

_live_converters: weakref.WeakSet[Converter] = weakref.WeakSet()
_atexit_registered = False


def _close_live_converters() -> None:
    for converter in list(_live_converters):
        converter.close()


class ConverterBase:
    """What every converter shares: a context manager that closes it, and a count of conversions."""

    _conversions = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError

    @property
    def conversions(self) -> int:
        """Documents converted so far (retries of a document count once)."""
        return self._conversions


class Converter(ConverterBase):
    """Converts Word documents to PDF with ``workers`` LibreOffice processes. A context manager."""

    def __init__(self, workers: int = 1, timeout: float = 120.0, workdir: Path | None = None,
                 recycle_after: int = 200, retries: int = 1) -> None:
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
        self._slots: dict[int, _Worker] = {}
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
        jobs = [Job(job.key, Path(job.docx), Path(job.pdf)) for job in jobs]
        try:
            self._check_inputs(jobs)
            return self._convert(jobs, progress) if jobs else []
        except BaseException:
            self._shut_down(grace=0.0)
            raise

    def warm_up(self) -> None:
        """Start every worker now, so LibreOffice boots while the caller does other work."""
        for slot in range(self.workers):
            # Ctrl-C between starting a worker and recording it would leave it running unseen.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            try:
                self._worker(slot)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def close(self) -> None:
        """Stop every worker and soffice, wait for them, remove the profiles. Idempotent.

        soffice is killed rather than asked to quit: its profile is thrown away, so nothing
        is lost, and a polite quit costs a third of a second per build."""
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
        self._threads = [threading.Thread(target=self._serve, args=(slot, todo, done), name=f"convert-{slot}",
                                          daemon=True) for slot in range(min(self.workers, len(jobs)))]
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
            except _Aborted:
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
            except _Failure as error:
                if self._abort.is_set():
                    raise _Aborted from None
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

    def _worker(self, slot: int) -> _Worker:
        """``slot``'s worker, started if there is none."""
        with self._lock:
            if self._closed or self._abort.is_set():
                raise _Aborted
            worker = self._slots.get(slot)
            if worker is None:
                worker = self._start(slot)
                self._slots[slot] = worker
        return worker

    def _start(self, slot: int) -> _Worker:
        """A new worker process on a fresh profile folder (called with the lock held)."""
        global _atexit_registered
        if self._tools is None:
            self._tools = (find_uno_python(), find_soffice())
        profile = self._new_profile(slot)
        worker = _Worker(slot, self._tools[0], self._tools[1], profile)
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
        elif not self._workdir.is_dir():
            missing = [self._workdir, *(p for p in self._workdir.parents if not p.exists())]
            self._workdir.mkdir(parents=True, exist_ok=True)
            self._made = [p for p in missing if p not in self._made] + self._made
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

    def _retire(self, slot: int, worker: _Worker, grace: float) -> None:
        """Stop ``worker`` (killing it at once when grace is 0) and forget it."""
        with self._lock:
            if self._slots.get(slot) is worker:
                del self._slots[slot]
        worker.stop(grace)
        shutil.rmtree(worker.profile, ignore_errors=True)
        with self._lock:
            self._profiles.discard(worker.profile)

    def _stop_all(self, workers: list[tuple[int, _Worker]], grace: float) -> None:
        """Stop workers together: end every stdin first so that they shut down in parallel.

        Each is forgotten only once stopped, so that a close() interrupted
        half-way (Ctrl-C) can be finished by the next one, or at exit.
        """
        for _, worker in workers:
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
