"""Functions the worker-process tests of ``binder.parallel`` hand to the pool.

They live apart from the test module because each worker process imports the module of the function it
runs: importing this one is instant, importing the test module (workbooks, the whole build) cost ~1 s a
process, twice a test.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def square(n: int) -> int:
    return n * n


def fail_or_hang(n: int) -> int:
    if n == 0:
        raise ValueError("the first call fails")
    time.sleep(60)  # the work the error must cut short
    return n


def hang(n: int, folder: str) -> int:
    """Leave this process's id in ``folder``, say it down the named pipe ``folder/started`` too (the test
    waits on that), then hang."""
    (Path(folder) / f"{n}.pid").write_text(str(os.getpid()))
    with open(Path(folder) / "started", "w") as started:
        started.write(f"{os.getpid()}\n")
    time.sleep(60)  # the work the interrupt must cut short
    return n


def loaded(name: str) -> bool:
    """Whether module ``name`` was imported in this worker process before it ran this call."""
    import sys

    return name in sys.modules


def wait_for(path: str) -> bool:
    """Whether ``path`` appears within 30 s: made by the calling process while this one works."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Path(path).exists():
            return True
        time.sleep(0.01)
    return False


def killed(n: int) -> int:
    """Die as a process the kernel's out-of-memory killer picked would."""
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    return n


def echo_twice(receive, first: int):
    """For ``Background``: yields ``first``, then each number of the list it receives, doubled."""
    yield first
    for n in receive():
        yield 2 * n


def wait_then_fail(receive, folder: str):
    """For ``Background``: leaves its process id in ``folder``, waits to be told, then fails."""
    (Path(folder) / "worker.pid").write_text(str(os.getpid()))
    receive()
    raise ValueError("failed once told")
    yield  # a generator


def die_when_told(receive):
    """For ``Background``: dies as a process the kernel's out-of-memory killer picked would, once told."""
    import signal

    receive()
    os.kill(os.getpid(), signal.SIGKILL)
    yield  # a generator


def fail_at_once(receive):
    """For ``Background``: fails before it is told anything."""
    raise ValueError("failed at once")
    yield  # a generator


def deaf(receive):
    """For ``Background``: ignores SIGTERM, yields its process id, then waits for what never comes."""
    import signal
    import threading

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    yield os.getpid()
    threading.Event().wait()
