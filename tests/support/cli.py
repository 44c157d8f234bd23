"""``binder ...`` run in the test's own process, as a shell would run it, with what it prints captured.

``run`` calls ``binder.cli.main()`` as the ``binder`` entry point does (the arguments in ``sys.argv``),
with the current folder, the environment, ``sys.argv``, ``sys.stdin``, ``sys.stdout`` and
``sys.stderr`` changed for the call and put back afterwards. It saves and restores what ``main`` changes for the whole process:
the SIGINT and SIGTERM handlers (``interrupts.hold_for_exit`` ignores them), the blocked-signal mask, the state of
``binder.interrupts`` and, with ``umask``, the umask. ``SystemExit`` becomes the return code, as the
interpreter would make it the exit status.

What only a real process shows (the ``binder`` entry point and ``python -m binder``, a real
stdin that is not a terminal, the error log written on the way out, exit on a signal) is tested
with ``subprocess`` in the slow tests.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would give: exit status and output."""

    returncode: int
    stdout: str
    stderr: str


class _Stdin(io.StringIO):
    """An empty standard input that is, or is not, a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__("")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _stream() -> io.TextIOWrapper:
    """A text stream over bytes, UTF-8 like a pipe to a test would be, and not a terminal."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8").replace("\r\n", "\n")


@contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _exit_status(code: object, stderr: io.TextIOWrapper) -> int:
    """The exit status ``sys.exit(code)`` gives a process."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=stderr)
    return 1


def run(
    *args: str | os.PathLike,
    cwd: str | os.PathLike | None = None,
    env: Mapping[str, str | None] | None = None,
    stdin_tty: bool = False,
    umask: int | None = None,
) -> Result:
    """``binder *args`` in this process.

    ``cwd``: the current folder for the call (default: left as it is). ``env``: variables set for the
    call, on top of ``os.environ``; a value of ``None`` unsets one. ``stdin_tty``: whether standard
    input is a terminal (it is always empty: patch ``getpass.getpass`` to answer a prompt).
    ``umask``: the umask for the call.
    """
    from binder import interrupts
    from binder.cli import main

    argv = [os.fspath(a) for a in args]
    stdout, stderr = _stream(), _stream()
    saved_handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    saved_mask = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    saved_state = dict(interrupts._state)
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    saved_argv = sys.argv
    saved_shutdown = logging.shutdown
    here = Path.cwd()
    saved_umask = os.umask(umask) if umask is not None else None
    try:
        with _environment(env or {}):
            if cwd is not None:
                os.chdir(cwd)
            sys.argv = ["binder", *argv]
            sys.stdin, sys.stdout, sys.stderr = _Stdin(stdin_tty), stdout, stderr
            # main shuts logging down before exiting on a bug: here the process goes on, so its logging must stay
            logging.shutdown = lambda *a, **k: None
            try:
                main()  # as the entry point calls it: the arguments come from sys.argv
                returncode = 0
            except SystemExit as exc:
                returncode = _exit_status(exc.code, stderr)
    finally:
        logging.shutdown = saved_shutdown
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.chdir(here)
        if saved_umask is not None:
            os.umask(saved_umask)
        for signum, handler in saved_handlers.items():
            signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, saved_mask)
        interrupts._state.clear()
        interrupts._state.update(saved_state)
    return Result(returncode, _text(stdout), _text(stderr))


def binder(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m binder ARGS`` in a process of its own (signing, the error log: what only a process shows)."""
    return subprocess.run(
        [sys.executable, "-m", "binder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
