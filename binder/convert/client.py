"""Converting through the user's converter daemon (``daemon.py``), starting it when none answers.

The runtime folder (``binder.runtime``) holds the daemon's socket, pid file, log, lock and LibreOffice
profiles; one that cannot be trusted (``Unsafe``) makes the build convert on its own. A daemon that dies
mid-build leaves the rest to a local pool (``fallback``), with a warning.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from binder.convert.base import ConverterBase, Converting, Job, Result, check_pdf
from binder.convert.daemon import LOG_FILE, PID_FILE, PROTOCOL, SOCKET, fingerprint, seconds_from
from binder.errors import ConversionError, ToolError
from binder.interrupts import held, shielded
from binder.runtime import runtime_dir, secure_dir, start_resident

START_SECONDS = 20.0  # how long a new daemon may take to answer (it answers before LibreOffice has started)


class DaemonGone(Exception):
    """The daemon did not answer, or went away mid-request."""


class DaemonSilent(DaemonGone):
    """The daemon holds our request but has sent nothing, not even its heartbeat, for too long: it is hung."""


SILENCE = 60.0
"""Seconds without a line from a daemon holding a request (it sends one every ``daemon.HEARTBEAT``) after which
the build gives up on it (``BINDER_DAEMON_SILENCE``)."""


def request(
    folder: Path, message: dict[str, Any], timeout: float | None = 5.0
) -> Generator[dict[str, Any], None, None]:
    """Send ``message`` to the daemon in ``folder`` and yield its answers; raises DaemonGone if none answers."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung = True  # until it has answered our hello: nothing of ours to wait for when leaving
    try:
        conn.settimeout(timeout)
        try:
            conn.connect(str(folder / SOCKET))
            conn.sendall(json.dumps({"op": "hello", "protocol": PROTOCOL}).encode() + b"\n")
            reader = conn.makefile("rb")
            hello = json.loads(reader.readline() or b"{}")
        except TimeoutError:
            raise DaemonSilent(f"it did not answer within {timeout:g} s") from None
        except (OSError, ValueError) as error:
            raise DaemonGone(str(error) or "no answer") from None
        if not hello.get("ok"):
            raise DaemonGone(hello.get("error", "refused"))
        hung = False
        yield hello
        conn.sendall(json.dumps(message).encode() + b"\n")
        # a conversion takes as long as it takes, and a dead daemon closes the socket; a hung one goes silent
        silence = seconds_from("BINDER_DAEMON_SILENCE", SILENCE)
        conn.settimeout(silence)
        while True:
            try:
                line = reader.readline()
            except TimeoutError:
                hung = True
                raise DaemonSilent(f"it has said nothing for {silence:g} s") from None
            except OSError as error:
                raise DaemonGone(str(error)) from None
            if not line:
                return
            yield json.loads(line)
    finally:
        _leave(conn, wait=not hung)


ABANDON_WAIT = 30.0
"""How long a build that leaves mid-request waits for the daemon to stop the LibreOffice converting for it."""


def _leave(conn: socket.socket, wait: bool = True) -> None:
    """Close ``conn`` once the daemon has closed its end: a build that leaves mid-request (Ctrl-C, an
    error) must not remove its staging folder while the daemon's LibreOffice may still write into it.
    The daemon stops the abandoned jobs' LibreOffice before it closes; a finished request it closes at
    once. A signal meanwhile is noted and raised after (the wait is bounded)."""
    if wait:  # a hung daemon never closes its end
        with shielded(), contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(ABANDON_WAIT)
            while conn.recv(65536):
                pass
    conn.close()


def ask(folder: Path, op: str) -> dict[str, Any] | None:
    """One answer to ``op`` (status, stop) from the daemon in ``folder``; None when no daemon answers."""
    try:
        with contextlib.closing(request(folder, {"op": op})) as answers:
            next(answers)
            return next(answers, {})
    except DaemonGone:
        return None


def _current(folder: Path) -> bool:
    """A daemon of this code answers in ``folder``; one of other code is told to stop, a hung one killed."""
    try:
        answers = request(folder, {"op": "status"})
        hello = next(answers)
    except DaemonSilent:
        kill_hung(folder)
        return False
    except DaemonGone:
        return False
    answers.close()
    if hello.get("fingerprint") == fingerprint():
        return True
    ask(folder, "stop")
    wait_gone(folder, hello.get("pid"))
    return False


def kill_hung(folder: Path) -> int | None:
    """Kill the daemon named by ``folder``'s pid file (it accepts connections but does not answer) and the
    LibreOffice it left; its pid, or None when that file names no daemon of this user's."""
    try:
        pid = int((folder / PID_FILE).read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            # never anything else: a recycled pid, another user's process
            ours = b"binder.convert.daemon" in f.read() and os.stat(f"/proc/{pid}").st_uid == os.getuid()
        ours = ours and os.getpgid(pid) == pid
    except (OSError, ValueError):
        return None
    if not ours:
        return None
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    orphans_gone(folder, pid)
    return pid


def alive(pid: int) -> bool:
    """``pid`` runs (a zombie, a daemon that exited but was not yet reaped by the build that started it, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_gone(folder: Path, pid: int | None = None) -> None:
    """Wait (a while) until the daemon ``pid`` has exited, its pool closed and its socket removed."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and ((pid is not None and alive(pid)) or (folder / SOCKET).exists()):
        time.sleep(0.05)


_STARTING: dict[Path, tuple[IO[str], subprocess.Popen]] = {}
"""Daemons this process started and has not yet seen answer, with the start lock it holds until they do."""


def start_daemon(folder: Path, wait: bool = True) -> None:
    """Start a daemon of this code in ``folder`` unless one answers, without waiting for it to answer
    (``ensure_daemon`` does). ``wait=False``: leave it to whoever is starting one right now."""
    if folder in _STARTING or _current(folder):
        return
    lock = open(os.open(folder / "daemon.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _current(folder):
            lock.close()
            return
        with held():
            started = start_resident(folder, "binder.convert.daemon", [], LOG_FILE, {})
    except BaseException:
        lock.close()
        raise
    _STARTING[folder] = (lock, started)


def ensure_daemon(folder: Path) -> None:
    """Make sure a daemon of this code answers in ``folder``; two builds starting at once start one."""
    for attempt in range(2):
        if folder not in _STARTING:
            start_daemon(folder)
        if folder not in _STARTING:
            return
        lock, started = _STARTING.pop(folder)
        with lock:
            deadline = time.monotonic() + START_SECONDS
            while not _current(folder):
                if started.poll() is not None and attempt == 0 and _served(folder, started.pid):
                    break  # started as the build began, it idled out before it was needed: start another
                if time.monotonic() > deadline or started.poll() is not None:
                    raise DaemonGone(f"the converter daemon did not start (see {folder / LOG_FILE})")
                time.sleep(0.05)
            else:
                return
    raise DaemonGone(f"the converter daemon did not start (see {folder / LOG_FILE})")


def _served(folder: Path, pid: int) -> bool:
    """The daemon ``pid`` served and stopped as told (its log says so), rather than failing to start."""
    try:
        return f"binder converter daemon {pid} stopped" in (folder / LOG_FILE).read_text(errors="replace")
    except OSError:
        return False


def orphans_gone(folder: Path, daemon: int | None) -> None:
    """Kill what a dead daemon left converting (its workers stop their soffice only within half a second), so that
    none of it writes into a PDF the build now converts itself."""
    if daemon is None:
        return
    dying = time.monotonic() + 2.0  # its socket closes a moment before the process is gone
    while alive(daemon):
        if time.monotonic() > dying:
            return  # alive: it closed on us but still owns its workers
        time.sleep(0.02)
    marker = str((folder / "profiles").resolve())
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        left = [pid for pid in _pids() if marker in _cmdline(pid)]
        if not left:
            return
        for pid in left:
            with contextlib.suppress(OSError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        time.sleep(0.05)


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


LOCAL_SUFFIX = ".local.pdf"
"""A document the build converts itself after losing the daemon is written under this name, then renamed."""


class DaemonConverter(ConverterBase):
    """Converts on the user's daemon; ``fallback`` makes a local converter for when it cannot, ``warn`` says why."""

    def __init__(
        self,
        fallback: Callable[[], Converting],
        timeout: float = 180.0,
        folder: Path | None = None,
        warn: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.folder = folder or runtime_dir()
        self.timeout = timeout
        self._fallback_factory = fallback
        self._warn = warn
        self._fallback: Converting | None = None
        self._conversions = 0
        self._daemon_pid: int | None = None
        secure_dir(self.folder)  # raises Unsafe before anything else is done

    def warm_up(self) -> None:
        try:
            ensure_daemon(self.folder)
        except DaemonGone as error:
            self._local(f"converter daemon unavailable ({error})").warm_up()

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        if self._fallback is not None:
            return self._fallback.convert(jobs, progress)
        done: dict[str, Result] = {}
        try:
            ensure_daemon(self.folder)
            self._convert(jobs, progress, done)
        except DaemonGone as error:
            if isinstance(error, DaemonSilent) and self._daemon_pid:
                # hung, and holding LibreOffice processes that may still write our PDFs: the next build starts another
                with contextlib.suppress(OSError):
                    os.killpg(self._daemon_pid, signal.SIGKILL)
            orphans_gone(self.folder, self._daemon_pid)
            left = [job for job in jobs if job.key not in done]
            # Beside, not onto, the PDFs the lost daemon's LibreOffice may still have been writing
            aside = [replace(job, pdf=job.pdf.with_name(job.pdf.name + LOCAL_SUFFIX)) for job in left]
            local = self._local(f"converter daemon lost ({error})")
            for job, result in zip(left, local.convert(aside)):
                os.replace(result.pdf, job.pdf)
                done[job.key] = replace(result, pdf=job.pdf)
                if progress:
                    progress(done[job.key])
        return [done[job.key] for job in jobs]

    def _convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None, done: dict) -> None:
        by_key = {job.key: job for job in jobs}
        message = {
            "op": "convert",
            "timeout": self.timeout,
            "jobs": [
                {
                    "key": j.key,
                    "docx": str(Path(j.docx).absolute()),
                    "pdf": str(Path(j.pdf).absolute()),
                    "options": [list(o) for o in j.options],
                }
                for j in jobs
            ],
        }
        # Closed on the way out, not when the exception's frames are freed: an interrupted build must wait
        # for the daemon to stop converting for it before it removes its staging folder (``_leave``).
        with contextlib.closing(request(self.folder, message)) as answers:
            self._daemon_pid = next(answers).get("pid")
            self._answers(answers, by_key, progress, done)

    def _answers(self, answers, by_key: dict[str, Job], progress: Callable[[Result], None] | None, done: dict) -> None:
        for answer in answers:
            if "result" in answer:
                job = by_key[answer["result"]["key"]]
                problem = check_pdf(job.pdf)
                if problem:
                    raise ConversionError(job.key, problem)
                result = Result(job.key, job.pdf, answer["result"]["seconds"], answer["result"]["worker"])
                done[job.key] = result
                self._conversions += 1
                if progress:
                    progress(result)
            elif "error" in answer:
                error = answer["error"]
                raise ConversionError(error["key"], error["message"], error.get("last_words", ""))
            elif "fail" in answer:
                raise ToolError(f"converter daemon: {answer['fail']}")
            elif answer.get("done"):
                return
        raise DaemonGone("it closed the connection")

    def _local(self, why: str) -> Converting:
        """The build's own converter from now on, with one line saying why."""
        if self._fallback is None:
            self._warn(f"{why}; converting with a LibreOffice of this build's own")
            self._fallback = self._fallback_factory()
        return self._fallback

    def close(self) -> None:
        started = _STARTING.pop(self.folder, None)
        if started is not None:  # started early, never needed: another build may start one now
            started[0].close()
        if self._fallback is not None:
            self._fallback.close()
