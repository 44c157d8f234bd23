"""Work shared out to worker processes, stopped at once on an error or an interrupt.

Rendering Word documents and assembling binders are CPU-bound Python: threads would share one core.
Both go through ``in_processes``, so both get the same rules: the processes are started from a
forkserver (the converter's threads may be running, and forking a threaded process is unsafe; a build
host's fork, which has imported everything and has no threads, forks them itself), while
signals are held back (a Ctrl-C during the start would leave one half-started and the pool waiting
for it at exit), they ignore SIGINT (the build handles it and stops them with SIGTERM), and the
first error stops the others.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, TypeVar

from binder.errors import ToolError
from binder.interrupts import held

T = TypeVar("T")


def in_processes(
    function: Callable[..., T],
    calls: Iterable[tuple[Any, ...]],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    meanwhile: Callable[[], None] = lambda: None,
) -> Iterator[tuple[int, T]]:
    """Run ``function(*args)`` for each of ``calls`` in ``workers`` processes; yield (index of the call, its
    result) as each finishes. The first error is raised here once the others are stopped; so is an interrupt
    (``binder.interrupts``) raised while waiting, and leaving the loop early stops the processes too.

    ``initializer(*initargs)`` runs once in each process: what every call shares (a library) goes there
    rather than with every call; it may install its own SIGTERM handler. ``function`` and ``initializer`` must be importable module-level functions.
    ``meanwhile()`` runs here once every call is handed out, while the processes work: an error or interrupt in
    it stops them too."""
    calls = list(calls)
    if not calls:
        return
    context = _context()
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(calls))),
        mp_context=context,
        initializer=_start,
        initargs=(initializer, initargs),
    )
    _tracker_running()
    try:
        with held():
            futures: dict[Future[T], int] = {pool.submit(function, *args): i for i, args in enumerate(calls)}
        meanwhile()
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield futures[future], _result(future)
    except BaseException:
        stop(pool)
        raise
    pool.shutdown(wait=True)


def _result(future: Future[T]) -> T:
    """The call's result; a worker process killed from outside (the kernel out of memory, ``kill``) is not a
    mistake of binder's nor of the workbook's: it is said as what it is, with what to do."""
    try:
        return future.result()
    except BrokenProcessPool as broken:
        raise _ended() from broken


def _ended() -> ToolError:
    return ToolError(
        "a worker process of this build ended before it finished (most often killed: out of memory, or "
        "stopped by someone); nothing was changed in the output folder",
        hint="build again; if it happens again, build with --jobs 1 (one process: less memory, and any error "
        "of the work itself is said as it is)",
    )


def start_forkserver(modules: Sequence[str]) -> None:
    """Start the process worker processes are forked from now, importing ``modules`` there once.

    Each render or assembly process would otherwise import them itself (0.4 s each, four processes in a
    cold build); started before the first pool, the forkserver imports them on a core the build's
    planning leaves idle. Started like any worker process, with signals held back: a Ctrl-C now is the
    build's to handle; the forkserver keeps them blocked (and ignores SIGINT once it has imported)."""
    global _ready
    if _fork:
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(modules))
    _tracker_running()
    with held():
        multiprocessing.forkserver.ensure_running()
    _ready = True


_ready = False
_fork = False


def fork_from_here() -> None:
    """This process has imported all that workers run and started nothing yet (a build host's fork,
    ``binder.host``): its workers are forked from it, in milliseconds, not from a forkserver that would
    import everything again (~1 s, on a rebuild's critical path once imports are gone from it)."""
    global _ready, _fork
    _ready = _fork = True


def can_fork() -> bool:
    """Whether a worker started now is forked from this process (``fork_from_here``, and no thread running):
    it then has all this process has, nothing handed to it needs pickling."""
    # Forking a process with threads is unsafe: with remote converters (their threads) the forkserver it is.
    return _fork and threading.active_count() == 1


def _context() -> multiprocessing.context.BaseContext:
    return multiprocessing.get_context("fork" if can_fork() else "forkserver")


def workers_ready() -> bool:
    """True once ``start_forkserver`` has run in this process: a worker now starts in milliseconds, its code
    imported already, so even one call is worth handing to it when this process has other work meanwhile."""
    return _ready


def _tracker_running() -> None:
    """Start multiprocessing's resource tracker outside ``held()``: starting it unblocks SIGINT and SIGTERM
    on its way out (CPython 3.11), and the forkserver started after it in the same block would begin with
    them unblocked (a Ctrl-C during its imports: a traceback from it)."""
    multiprocessing.resource_tracker.ensure_running()


def _start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build handles Ctrl-C and stops this process
    signal.signal(signal.SIGTERM, _exit_on_term)
    if initializer is not None:
        initializer(*initargs)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked while we were started


def _exit_on_term(signum: int, frame: object) -> None:
    """SIGTERM: leave at once (an initializer installs its own handler when it has more to stop)."""
    os._exit(128 + signum)


def stop(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's processes now, whatever they are doing."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        process.join(timeout=10)


STOP_SECONDS = 10.0
"""How long a process beside the build has to end on SIGTERM before it is killed."""


class Background:
    """``function(receive, *args)``, a generator, run in a worker process started now under the rules above;
    ``send`` hands it what it waits for with ``receive()``, and ``results()`` gives what it yields.

    For work that can begin before all it needs is known (an issue assembled while its last SOP converts,
    ``binder.issue.ahead``). ``stop()`` ends the process whatever it is doing; a process that ends
    early is said as the pool's is."""

    def __init__(self, function: Callable[..., Iterator[Any]], args: tuple[Any, ...]) -> None:
        context: Any = _context()
        if context.get_start_method() != "fork":
            _tracker_running()
        here, there = context.Pipe()
        # A forked process has this end too: it closes it, so that it sees the build's end if the build dies.
        ours = here if context.get_start_method() == "fork" else None
        self._process = context.Process(target=_background, args=(function, args, there, ours), daemon=True)
        self._channel = here
        try:
            with held():
                self._process.start()
        except BaseException:  # a signal held back lands as held() ends: the caller never gets the process
            if self._process.pid is None:
                here.close()
            else:
                self.stop()  # closes ``here`` too
            raise
        finally:
            there.close()

    def send(self, message: Any) -> None:
        """Hand ``message`` to the function; a process that ended meanwhile raises its error here (or says it
        ended), not the pipe's."""
        try:
            self._channel.send(message)
        except OSError:
            for _ in self.results():
                pass
            raise _ended() from None

    def results(self) -> Iterator[Any]:
        """What the function yields, as it does; its error raised here."""
        while True:
            try:
                kind, value = self._channel.recv()
            except (EOFError, OSError) as gone:
                raise _ended() from gone
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    def close(self) -> None:
        """``stop``: for ``contextlib.closing``."""
        self.stop()

    def stop(self) -> None:
        self._channel.close()
        if self._process.is_alive():
            with suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGTERM)
        self._process.join(timeout=STOP_SECONDS)
        if self._process.is_alive():  # stuck: it must not write into a staging folder once this returns
            self._process.kill()
            self._process.join()


def _background(function: Callable[..., Iterator[Any]], args: tuple[Any, ...], channel: Any, theirs: Any) -> None:
    if theirs is not None:
        theirs.close()
    _start(None, ())
    try:
        for item in function(channel.recv, *args):
            channel.send(("item", item))
        channel.send(("end", None))
    except (EOFError, BrokenPipeError):
        pass  # the build stopped listening: nothing to tell it
    except BaseException as error:  # noqa: BLE001 - handed to the build, which says it
        try:
            channel.send(("error", error))
        except Exception:  # noqa: BLE001 - an error that cannot be pickled: its text, then
            channel.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
