"""A fork of the build host becoming the caller's ``binder`` command.

What the caller's process would have had is put in place before the command line runs: its standard
streams (the descriptors it sent, wrapped as Python wraps them: line-buffered on a terminal, the caller's
encodings), current folder, environment, umask and arguments; default signal handling; nothing of the host's
(its socket, lock and log are closed by the host before this runs). Caches that read the environment once
are emptied. The process then ends through ``SystemExit`` like the command: exit handlers run, streams flush.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
import sys
import tempfile

from binder import parallel
from binder.host.wire import Request

PR_SET_PDEATHSIG = 1


def _die_with_host() -> None:
    """SIGTERM when the host dies: a build nobody can report on unwinds and leaves the output as it was."""
    host = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != host:  # it died before the request took hold
        os.kill(os.getpid(), signal.SIGTERM)


def _streams(stdio: list[list[str]]) -> None:
    modes = ("r", "w", "w")
    made: list[io.TextIOWrapper] = []
    for fd, ((encoding, errors), mode) in enumerate(zip(stdio, modes, strict=True)):
        # Python's own rules: stderr always line-buffered, stdout when it is a terminal.
        line = fd == 2 or (fd == 1 and os.isatty(fd))
        raw = open(fd, mode + "b", closefd=False)  # noqa: SIM115 - the stream lives as long as the process
        made.append(io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=line))
    sys.stdin, sys.stdout, sys.stderr = made
    for name, stream in zip(("__stdin__", "__stdout__", "__stderr__"), made, strict=True):
        setattr(sys, name, stream)  # what some libraries fall back on


def take_over(request: Request) -> None:
    """Become the caller's process, as far as the command can tell."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_host()
    for fd, received in enumerate(request.fds):
        os.dup2(received, fd)  # a duplicate without close-on-exec: LibreOffice and tools inherit it as usual
        os.close(received)
    _streams(request.stdio)
    os.chdir(request.cwd)
    os.environ.clear()
    os.environ.update(request.env)
    os.umask(request.umask)
    tempfile.tempdir = None  # chosen from the host's $TMPDIR otherwise
    sys.argv = ["binder", *request.argv]
    parallel.fork_from_here()


def run_build(request: Request) -> None:
    """Run the command; ends the process with its exit status."""
    try:
        take_over(request)
    except OSError as error:  # the caller's folder went away between its request and now
        print(f"error: {error}", file=sys.stderr)
        sys.exit(3)
    from binder.cli.main import main

    main(request.argv)
