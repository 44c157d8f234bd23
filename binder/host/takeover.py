"""A fork of the build host becoming the caller's ``binder`` command.

What the caller's process would have had is put in place before the command line runs: its standard
streams (the descriptors it sent, wrapped as Python wraps them: line-buffered on a terminal, the caller's
encodings), current folder (the very folder it is in, by handle), environment (time zone included), umask
and arguments; the signals it ignores ignored, the others handled as the command handles them; a process
group of its own (Ctrl-Z stops it with its workers); nothing of the host's (its socket, lock and log are
closed by the host before this runs). Signals are held back from the fork until binder's handlers are in
place. The process then ends as the command does (exit handlers run, streams flush), without tearing down the
interpreter.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import io
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import NoReturn

from binder import interrupts, parallel
from binder.errors import Interrupted
from binder.host.handoff import HELD
from binder.host.wire import STDIO, Request

PR_SET_PDEATHSIG = 1


def _die_with_host() -> None:
    """SIGTERM when the host dies: a build nobody can report on unwinds and leaves the output as it was."""
    host = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != host:  # it died before the request took hold
        os.kill(os.getpid(), signal.SIGTERM)


def _streams(stdio: tuple[tuple[str, str], ...], unbuffered: bool) -> None:
    modes = ("r", "w", "w")
    made: list[io.TextIOWrapper] = []
    for fd, ((encoding, errors), mode) in enumerate(zip(stdio, modes, strict=True)):
        # Python's own rules: stderr always line-buffered, stdout when it is a terminal.
        line = fd == 2 or (fd == 1 and os.isatty(fd))
        # -u or $PYTHONUNBUFFERED in the caller: output goes straight to the descriptor, in the order written.
        straight = unbuffered and mode == "w"
        raw = open(fd, mode + "b", buffering=0 if straight else -1, closefd=False)  # noqa: SIM115
        made.append(
            io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=line, write_through=straight)
        )
    sys.stdin, sys.stdout, sys.stderr = made
    for name, stream in zip(("__stdin__", "__stdout__", "__stderr__"), made, strict=True):
        setattr(sys, name, stream)  # what some libraries fall back on


def take_over(request: Request) -> None:
    """Become the caller's process, as far as the command can tell (signals still held back)."""
    os.setpgid(0, 0)
    _die_with_host()
    for fd, received in enumerate(request.fds[:STDIO]):
        os.dup2(received, fd)  # a duplicate without close-on-exec: LibreOffice and tools inherit it as usual
        os.close(received)
    _streams(request.stdio, request.unbuffered)
    os.fchdir(request.fds[STDIO])
    os.close(request.fds[STDIO])
    os.environ.clear()
    os.environ.update(request.env)
    time.tzset()  # the caller's $TZ: dates of issue and reviews are the caller's days
    os.umask(request.umask)
    tempfile.tempdir = None  # chosen from the host's $TMPDIR otherwise
    sys.argv = ["binder", *request.argv]
    parallel.fork_from_here()
    for signum in HELD:
        signal.signal(signum, signal.SIG_IGN if signum in request.ignored else signal.SIG_DFL)
    interrupts.install()  # SIGINT and SIGTERM: binder's handlers, as the command installs them first thing


def run_build(request: Request, ended: Callable[[], None] = lambda: None) -> None:
    """Run the command; ends the process with its exit status, after ``ended()`` (the host is told the
    workbook read: ``handoff.tell_read``)."""
    try:
        take_over(request)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)  # one that came meanwhile lands now, in binder's handler
    except Interrupted as exc:
        print(exc.message, file=sys.stderr)
        sys.exit(exc.exit_code)
    except OSError as error:  # the caller's folder, a stream: gone between its request and now
        print(f"error: {error}", file=sys.stderr)
        sys.exit(3)
    from binder.cli.main import main

    try:
        main(list(request.argv))
    except SystemExit as done:
        _leave(done.code, ended)
    _leave(0, ended)


def _leave(code: object, ended: Callable[[], None]) -> NoReturn:
    """End as ``sys.exit(code)`` ends the command: exit handlers run, the streams are flushed; but without the
    interpreter's teardown, which frees the host's modules and the build's objects one by one (~0.1 s of a
    rebuild) for a process that ends anyway."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or broken stream: nothing more can be said on it
            stream.flush()
    ended()
    os._exit(status & 0xFF)
