"""Ctrl-C and SIGTERM: they always win, and never inside a library's parser.

The handlers raise ``Interrupted`` (a ``BaseException``) at once, so a build waiting on
LibreOffice or a render process unwinds immediately; but inside ``shielded()`` (pypdf and
pyHanko reading or writing a PDF) they only note the signal, and ``Interrupted`` is raised
as the block ends. The pipeline also calls ``check()`` at every stage boundary.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from binder.errors import Interrupted

_state = {"depth": 0, "pending": 0, "committed": False, "late": 0}


def _handler(signum: int, frame) -> None:
    if _state["committed"]:
        _state["late"] = signum  # the output is already the new build; ``rearm()`` may still stop the command
        return
    if _state["depth"]:
        _state["pending"] = signum
        return
    raise Interrupted(signum)


def install() -> None:
    """Route SIGINT and SIGTERM through binder's handler (main thread, once per process)."""
    _state.update(depth=0, pending=0, committed=False, late=0)
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def check() -> None:
    """Raise ``Interrupted`` if a signal arrived while it could not be raised."""
    signum = _state["pending"]
    if signum:
        _state["pending"] = 0
        raise Interrupted(signum)


@contextmanager
def shielded() -> Iterator[None]:
    """Run third-party parsing without an exception landing inside it; raise afterwards if interrupted."""
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
    if not _state["depth"]:
        check()


@contextmanager
def held() -> Iterator[None]:
    """Hold signals back while processes are started and recorded, or the output is swapped in.

    Blocking the signals in this thread alone is not enough: the kernel then hands a signal to
    another thread (a converter's reader), and Python still runs the handler here, in the middle
    of the block. So the handler is deferred as in ``shielded()``; the signals are blocked as well
    so that processes started inside begin with them blocked (they unblock once set up)."""
    with shielded():  # outside the mask: a signal the mask kept pending is noted, then raised once
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def committed() -> None:
    """The output folder now holds the new build: from here on a signal is too late to undo anything,
    so it is ignored (and the command ends with its own status, not "interrupted")."""
    _state.update(pending=0, committed=True)


def rearm() -> None:
    """After a commit, let signals stop the command again (``binder watch`` builds again and again).

    A signal that came after the commit, too late for that build, stops the command now."""
    late = _state["late"]
    _state.update(pending=0, committed=False, late=0)
    if late:
        raise Interrupted(late)


def hold_for_exit() -> None:
    """Ignore SIGINT and SIGTERM while the interpreter shuts down, so the exit status is the command's own.

    Ignored for the whole process, not blocked in this thread: at shutdown Python puts back the default
    action of every signal it handles (but leaves ignored ones ignored), and a signal blocked in the main
    thread is delivered to any other thread still running, which then ended the process by the signal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
