"""LibreOffice processes: finding soffice and a Python with ``uno``, and one worker process with its soffice.

A worker runs ``worker.py`` under the Python that has LibreOffice's ``uno`` module and owns one
soffice, in a process group of its own, so that killing the group never leaves soffice behind.
"""

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
import threading
import time
import uuid
from collections import deque
from functools import cache
from pathlib import Path
from typing import IO, Any

from binder.convert.base import Job, check_pdf
from binder.errors import ToolError

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


# --- finding the tools --------------------------------------------------------------------------


@cache
def can_import_uno(python: str) -> bool:
    """Whether ``python`` runs and can ``import uno``."""
    try:
        return (
            subprocess.run(
                [python, "-c", "import uno"], stdin=subprocess.DEVNULL, capture_output=True, timeout=30
            ).returncode
            == 0
        )
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
        raise ToolError(f"BINDER_UNO_PYTHON={chosen} cannot import uno (LibreOffice's Python bridge)", hint=SETUP_HINT)
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and can_import_uno(candidate):
            return candidate
    raise ToolError(
        "no Python with LibreOffice's bridge (uno) was found; set BINDER_UNO_PYTHON to one that can `import uno`",
        hint=SETUP_HINT,
    )


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
    return [
        Path(folder) / f"OSL_PIPE_{os.getuid()}_{name}"
        for folder in ("/tmp", "/var/tmp")
        for name in (pipe_name, single)
    ]


def remove_pipe_files(profile: Path, pipe_name: str) -> None:
    """Remove the socket files of a soffice that is no longer running."""
    for path in pipe_files(profile, pipe_name):
        try:
            info = path.lstat()
            if stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid():
                path.unlink()
        except OSError:
            continue


class AttemptFailed(Exception):
    """One failed attempt; ``restart`` says the worker can no longer be trusted."""

    def __init__(self, message: str, restart: bool) -> None:
        super().__init__(message)
        self.message = message
        self.restart = restart


class Aborted(Exception):
    """The converter is closing: stop without starting anything new."""


class Worker:
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
        command = [
            python,
            str(WORKER_SCRIPT),
            "--profile",
            str(profile.resolve()),
            "--soffice",
            soffice,
            "--pipe",
            self.pipe_name,
            "--connect-timeout",
            str(CONNECT_SECONDS),
        ]
        # A session of its own: the terminal's Ctrl-C goes to us only, and killpg reaches soffice too.
        try:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
            )
        except OSError as error:
            raise ToolError(f"cannot start the LibreOffice worker with {python}: {error}", hint=SETUP_HINT) from None
        self._reaped = False
        self._readers = [
            threading.Thread(target=self._read_answers, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self.proc.stderr,), daemon=True),
        ]
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
            raise AttemptFailed(f"LibreOffice did not finish {doing} within {timeout:g} s", restart=True) from None
        if line is None:
            status = self._wait_exit(5)
            raise AttemptFailed(f"LibreOffice stopped while {doing} ({status})", restart=True)
        try:
            answer = json.loads(line)
        except ValueError:
            raise AttemptFailed(f"unexpected answer from the worker: {line.strip()[:200]!r}", restart=True) from None
        return answer if isinstance(answer, dict) else {}

    def _wait_ready(self) -> None:
        """Block until soffice accepts connections (once); AttemptFailed if it does not start."""
        if self._ready:
            return
        answer = self._receive(STARTUP_SECONDS, "starting")
        if not answer.get("ready"):
            raise AttemptFailed(f"LibreOffice did not start: {answer.get('error', answer)}", restart=True)
        self._ready = True

    def run(self, job: Job, timeout: float) -> float:
        """Convert one document; the seconds it took. AttemptFailed if it did not convert."""
        self._wait_ready()
        request = {"docx": str(job.docx.absolute()), "pdf": str(job.pdf.absolute()), "options": dict(job.options)}
        line = json.dumps(request) + "\n"
        assert self.proc.stdin is not None  # Popen was given stdin=PIPE
        try:
            self.proc.stdin.write(line.encode("ascii"))
            self.proc.stdin.flush()
        except (OSError, ValueError):  # the worker is gone, or being stopped: its stdout says why
            pass
        answer = self._receive(timeout, f"converting {job.docx.name}")
        if not answer.get("ok"):
            raise AttemptFailed(str(answer.get("error") or "conversion failed"), restart=False)
        problem = check_pdf(job.pdf)
        if problem:
            raise AttemptFailed(problem, restart=True)
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
                # The other caller may still be waiting for soffice to die: so does this one, as its
                # caller removes the profile next, which a dying soffice would write again.
                self._wait_group_gone(5.0)
                return
            assert self.proc.stdin is not None  # Popen was given stdin=PIPE
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
            assert stream is not None  # Popen was given stdout=PIPE and stderr=PIPE
            with contextlib.suppress(OSError):
                stream.close()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _wait_group_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while group_members(self.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
