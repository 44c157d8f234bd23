"""The ``binder`` command's side: hand ``binder build`` to the user's warm build host, or start one.

The host (``server.py``) forks a process that takes over this process's standard input, output and error,
current folder (by handle), environment, umask and arguments, and runs the command exactly as this process
would have: same messages, same exit status, same files. This process stays as its stand-in: it passes
Ctrl-C, SIGTERM, SIGHUP and SIGQUIT on (not those it ignores, as under ``nohup``), stops and continues the
build with Ctrl-Z and ``fg``, and exits with the build's status.

Only plain builds go. Not with ``--no-daemon`` or ``$BINDER_NO_DAEMON`` (which promise that no process of
binder's outlives the build), not with ``--sign`` (its passphrase prompt needs this terminal as its own).
The hand-off is all or nothing: the host says it holds the request, this process says go (or gives up after
``TAKE_SECONDS`` and closes, and the host forks nothing), the host forks and says started. Signals are held
back until then: one that arrives during the hand-off reaches the build, or this process when it builds
itself. When no host of this code and standing (``identity.py``) answers, the build runs here as it always
did, and a host is started for the next one. Standard library only: this runs before anything else.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from binder.host import wire
from binder.host.identity import code_stamp, host_key, standing
from binder.runtime import Unsafe, allowed, peer_uid, runtime_dir, secure_dir, start_resident

HANDED_OFF = {"build"}
KEPT_HERE = {"--no-daemon", "--sign"}
FALSE = {"", "0", "false", "f", "no", "n", "off"}
"""What click reads as a false flag in ``$BINDER_NO_DAEMON``."""
TAKE_SECONDS = 5.0
"""How long a host may take to say it holds the request before this process runs the build itself."""
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
HELD = {*PASSED_ON, signal.SIGTSTP, signal.SIGCONT}
LOG_FILE = "build-host.log"
THREADS_OFF = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
"""The host's numerical libraries start no threads (a fork of a process whose threads hold locks could find
them held forever)."""
SOCKET_PATH_MAX = 107
"""Bytes of a Unix socket's path, at most (Linux)."""


def eligible(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether this command may run on a host: a build that keeps no process from outliving it and never prompts."""
    if not argv or argv[0] not in HANDED_OFF or KEPT_HERE & set(argv):
        return False
    return environ.get("BINDER_NO_DAEMON", "").strip().lower() in FALSE


def socket_path(folder: Path, key: str) -> Path:
    return folder / f"build-{key}.sock"


def hand_off(argv: list[str]) -> int | None:
    """The exit status of ``binder ARGV`` run on a build host, or ``None``: run it here."""
    if not eligible(argv, os.environ):
        return None
    try:
        folder = secure_dir(runtime_dir())
        stamp = code_stamp()
        key = host_key(stamp, os.environ, standing())
        path = socket_path(folder, key)
        ignored = [int(s) for s in HELD if signal.getsignal(s) == signal.SIG_IGN]
        stdio = [_stream(fd) for fd in range(wire.STDIO)]
        unbuffered = bool(getattr(sys.stdout, "write_through", False))
        request = {
            "op": "build",
            "argv": argv,
            "env": dict(os.environ),
            "stdio": stdio,
            "ignored": ignored,
            "unbuffered": unbuffered,
        }
        if len(os.fsencode(path)) > SOCKET_PATH_MAX or len(json.dumps(request)) > wire.LARGEST // 2:
            return None  # no host could listen there, or take this; as always, here
        here = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except (Unsafe, OSError, ValueError):
        return None  # no private folder, a standard stream closed, the current folder gone: as always, here
    held = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    handed = absent = False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                pid = _handed(sock, path, {**request, "umask": _umask()}, here)
            except _NoHost:
                absent, pid = True, None
            except _Lost as lost:
                handed = True
                return _lost(str(lost))
            if pid is None:
                return None
            handed = True
            return _stand_in(sock, pid, ignored, held)
    finally:
        os.close(here)
        if not handed:  # a signal held back now interrupts the build here; after a handed build, none can
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            if absent:  # with the signals as they were: a host must not start with them blocked
                start_host(folder, key, stamp)
            atexit.register(tell_read, folder, key)  # built here: the host reads its workbook for the next


def tell_read(folder: Path, key: str) -> None:
    """Tell the host of ``key`` the workbook this process read last (``binder.host.reread``); never waits
    on a host that does not answer at once."""
    recall = sys.modules.get("binder.workbook.recall")  # not imported: nothing was read
    path = getattr(getattr(recall, "RECALL", None), "path", None)
    if path is None:
        return
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        sock.connect(str(socket_path(folder, key)))
        if allowed(peer_uid(sock)):
            wire.send(sock, {"op": "recall", "path": os.path.abspath(path)})


class _NoHost(Exception):
    """No host listens on the socket (none started yet, or one that died)."""


class _Lost(Exception):
    """The host took the build ("go" was said) but did not say it started it."""


STARTED_SECONDS = 10.0
"""How long a host that holds a request may take to fork it: it does at once, unless it is stopped or starved."""


def _handed(sock: socket.socket, path: Path, request: dict[str, Any], here: int) -> int | None:
    """Hand the request over; the pid of the build the host forked, or None when it did not take it."""
    try:
        sock.settimeout(TAKE_SECONDS)
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise _NoHost from None
    except OSError:
        return None
    try:
        if not allowed(peer_uid(sock)):
            return None
        wire.send(sock, request, [*range(wire.STDIO), here])
        ready, _ = wire.receive(sock)
        if not ready or not ready.get("ready"):
            return None
        wire.send(sock, {"go": True})  # from here on the build is the host's: it never runs here as well
    except (OSError, wire.Garbled):
        return None
    try:
        sock.settimeout(STARTED_SECONDS)
        started, _ = wire.receive(sock)
    except TimeoutError:
        # Closing tells the host: a build it forks now is stopped before it does anything.
        raise _Lost(f"binder's build host did not start the build within {STARTED_SECONDS:.0f} s") from None
    except (OSError, wire.Garbled):
        started = None
    if started and "refused" in started:
        return None  # it could not fork: nothing runs there
    if not started or "started" not in started:
        raise _Lost("binder's build host ended before it started the build")
    sock.settimeout(None)
    return int(started["started"])


def _lost(why: str) -> int:
    print(f"error: {why}; nothing was changed. Run the build again, or with --no-daemon", file=sys.stderr)
    return 3


def _stream(fd: int) -> list[str]:
    """The encoding and error handler of this process's stream on ``fd``, for the build's own; the
    descriptor must be open (``os.fstat`` raises otherwise)."""
    os.fstat(fd)
    stream = (sys.stdin, sys.stdout, sys.stderr)[fd]
    if stream is None:
        raise ValueError(f"no Python stream on descriptor {fd}")
    return [stream.encoding, stream.errors or "strict"]


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _stand_in(sock: socket.socket, pid: int, ignored: list[int], held: set[int]) -> int:
    """Wait for the build forked as ``pid``, passing this process's signals on; its exit status."""

    def pass_on(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            wire.send(sock, {"signal": signum})
        if signum == signal.SIGTSTP:  # Ctrl-Z: the build is stopped, then this process, as the shell expects
            os.kill(os.getpid(), signal.SIGSTOP)

    for signum in HELD - set(ignored):
        signal.signal(signum, pass_on)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)  # what arrived during the hand-off is passed on now
    try:
        with contextlib.suppress(OSError, wire.Garbled):
            while True:
                message, _ = wire.receive(sock)
                if message is None:
                    break
                if "exit" in message:
                    return int(message["exit"])
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, HELD)  # until this process exits with the build's status
    _gone(pid)
    print(
        f"error: binder's build host ended during the build, and the build (process {pid}) was stopped with "
        "it: run the build again, or with --no-daemon",
        file=sys.stderr,
    )
    return 3


def _gone(pid: int, seconds: float = 30.0) -> None:
    """Wait until process ``pid`` has ended (a zombie has), at most ``seconds``: a build whose host died is
    unwinding (PR_SET_PDEATHSIG), and the shell's prompt should come after its last word, not before."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(") ", 1)[1][0] in "ZX":
                    return
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        time.sleep(0.05)


def start_host(folder: Path, key: str, stamp: str) -> None:
    """Start a host for ``key`` in the background, for the next build; two started at once settle on one.
    It runs with this interpreter's options; numerical libraries start no threads in it (a fork of a process
    whose threads hold locks could find them held forever)."""
    import subprocess

    options = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]  # -O, -W, -X ...
    with contextlib.suppress(OSError):
        start_resident(folder, "binder.host.server", [key, stamp], LOG_FILE, THREADS_OFF, options)


def ask_hosts(folder: Path, op: str) -> list[dict[str, Any]]:
    """The answers of every build host in ``folder`` to ``op`` (``status`` or ``stop``)."""
    answers = []
    for path in sorted(folder.glob("build-*.sock")):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            try:
                sock.settimeout(TAKE_SECONDS)
                sock.connect(str(path))
                wire.send(sock, {"op": op})
                answer, _ = wire.receive(sock)
            except (OSError, wire.Garbled):
                continue
            if answer:
                answers.append(answer)
    return answers
