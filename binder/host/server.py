"""The build host: run as ``python -m binder.host.server KEY STAMP`` (``handoff.start_host`` does, detached).

It imports what a build uses, then listens on ``build-KEY.sock`` in the runtime folder, answers only its own
user (SO_PEERCRED) in its own standing (``identity.py``: a caller under other limits, capabilities,
namespaces or control groups is refused and builds itself), and holds ``build-KEY.lock`` so that two hosts
of one key never serve at once. KEY names binder's code, the interpreter and the libraries: after an upgrade
or an edit the next build starts a host of its own, and this one runs out its idle time. It exits after
``$BINDER_DAEMON_IDLE`` seconds (default 600) with no build running or asked for, and on
``binder converters stop`` once its builds have ended, leaving no socket, pid or lock file.

A build: the caller's descriptors (standard streams, current folder), environment, umask and arguments
arrive (``wire``); the host says it holds them, the caller says go, and a fork takes them over
(``takeover.py``) and runs the command line, in a process group of its own; the host watches it through a
pidfd and sends its exit status. A signal the caller passes on goes to that fork (Ctrl-Z and ``fg``: to its
whole group). A caller that goes away takes its build with it (SIGTERM: the build unwinds and leaves the
output as it was), and so does a host that dies (PR_SET_PDEATHSIG). The host itself runs nothing of a
build's: each fork starts from the same clean state. One request is read at a time, each within
``READ_SECONDS``: only the user's own processes can connect.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import os
import select
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from binder.convert.daemon import idle_seconds
from binder.host import wire
from binder.host.handoff import HELD, socket_path, tell_read
from binder.host.identity import code_stamp, standing
from binder.host.reread import reread, told
from binder.host.wire import Request
from binder.runtime import allowed, peer, peer_uid, runtime_dir, secure_dir
from binder.workbook.recall import RECALL

PRELOAD = (
    "binder.cli.main",
    "binder.build",
    "binder.console",
    "binder.convert.client",
    "binder.document.pool",
    "binder.issue.issuing",
    "binder.issue.assemble",
    "binder.issue.front",
    "binder.issue.stamp",
    "binder.issue.tagging",
    "binder.issue.archive",
    "binder.issue.record",
    "binder.issue.changes_page",
    "binder.redline.diff",
    "binder.output.chart_room",
    "binder.site.pages",
    "binder.issue.ahead",
    "binder.host.takeover",
    "binder.document.check_template",
    "binder.workbook.writing.checks",
    "binder.workbook.writing.english",
    "fontTools.subset",
    "pypdf.filters",
    "multiprocessing.forkserver",
    "multiprocessing.popen_fork",
    "multiprocessing.synchronize",
    "concurrent.futures.process",
)
"""What a build imports, eagerly or when it makes something; not signing (signed builds are not handed off)."""
READ_SECONDS = 2.0
TO_THE_BUILD = {
    signal.SIGINT: signal.SIGINT,
    signal.SIGTERM: signal.SIGTERM,
    signal.SIGHUP: signal.SIGTERM,
    signal.SIGQUIT: signal.SIGTERM,
}
"""A caller's signal and what its build gets: a hang-up or quit unwinds like SIGTERM (output left as it was)."""
TO_THE_GROUP = {signal.SIGTSTP: signal.SIGSTOP, signal.SIGCONT: signal.SIGCONT}
"""Ctrl-Z and ``fg``: the build and its worker processes stop and go on together."""


@dataclass
class Running:
    pid: int
    pidfd: int
    caller: socket.socket | None


@dataclass
class Host:
    folder: Path
    key: str
    idle: float
    own: dict[str, object]
    """The host's standing: a caller's must be the same."""
    started: float = field(default_factory=time.time)
    last: float = field(default_factory=time.monotonic)
    builds: int = 0
    stopping: bool = False
    recall: Path | None = None
    """The workbook a build said it read, to read again once no build runs (``reread``)."""
    running: dict[int, Running] = field(default_factory=dict)
    """By pidfd."""
    listener: socket.socket | None = None
    lock: int = -1
    """Held by the host alone: a fork closes it, or a new host could not start while a build runs."""
    inode: int = 0

    def listen(self) -> None:
        path = socket_path(self.folder, self.key)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # born 0600: no moment at which another user could connect
        try:
            listener.bind(str(path))
        finally:
            os.umask(old)
        self.inode = os.stat(path).st_ino  # the socket file's: fstat of the socket would give its sockfs inode
        listener.listen(16)
        self.listener = listener
        with open(os.open(self._pid_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as pid_file:
            pid_file.write(f"{os.getpid()}\n")

    def _pid_file(self) -> Path:
        return self.folder / f"build-{self.key}.pid"

    def close(self) -> None:
        """Stop listening: the socket and pid file go (a new host may already have put its own there)."""
        if self.listener is None:
            return
        path = socket_path(self.folder, self.key)
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == self.inode:
                path.unlink()
                self._pid_file().unlink(missing_ok=True)
        self.listener.close()
        self.listener = None

    def serve(self) -> Request | None:
        """Serve until stopped or idle; in a fork, the ``Request`` it is to run."""
        while True:
            if self.stopping and self.listener is not None:
                self.close()
            if self.recall is not None and not self.running and not self.stopping:
                reread(self.recall)  # between builds: the next one's fork has its rows
                self.recall = None
            if not self.running and (self.stopping or time.monotonic() - self.last > self.idle):
                self.close()
                return None
            watched: list[Any] = [r.pidfd for r in self.running.values()]
            watched += [r.caller for r in self.running.values() if r.caller is not None]
            if self.listener is not None:
                watched.append(self.listener)
            readable, _, _ = select.select(watched, [], [], 1.0)
            for ready in readable:
                try:
                    request = self._ready(ready)
                except Exception:  # a bug must not take the builds it runs down with the host
                    traceback.print_exc()
                    continue
                if request is not None:
                    return request

    def _ready(self, ready: Any) -> Request | None:
        """Handle one descriptor ``select`` found readable; things may have changed since it looked."""
        if ready is self.listener:
            return self._accept()
        if isinstance(ready, int):
            if ready in self.running:
                self._ended(self.running.pop(ready))
            return None
        build = next((r for r in self.running.values() if r.caller is ready), None)
        if build is not None:
            self._from_caller(build)
        return None

    def _accept(self) -> Request | None:
        assert self.listener is not None
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return None
        fds: list[int] = []
        try:
            if not allowed(peer_uid(conn)):
                raise wire.Garbled("another user")
            message, fds = wire.receive(conn, wire.STDIO + 1, deadline=time.monotonic() + READ_SECONDS)
            op = (message or {}).get("op")
            if op == "build" and message is not None:
                if standing(peer(conn)[0]) != self.own:
                    raise wire.Garbled("a caller in another standing (limits, capabilities, namespaces, groups)")
                request = Request.read(message, fds)
                fds = []
                return self._take(conn, request)
            with contextlib.closing(conn):
                if op == "status":
                    wire.send(conn, self.status())
                elif op == "stop":
                    self.stopping = True
                    wire.send(conn, self.status())
                elif op == "recall" and message is not None:
                    self.recall = told(message) or self.recall
        except (OSError, wire.Garbled) as error:
            print(f"refused a request: {error}", file=sys.stderr, flush=True)
            conn.close()
        finally:
            for fd in fds:
                os.close(fd)
        return None

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "started": self.started,
            "builds": self.builds,
            "running": sorted(r.pid for r in self.running.values()),
            "key": self.key,
            "recalled": len(RECALL),
        }

    def _take(self, conn: socket.socket, request: Request) -> Request | None:
        """Say the request is held, wait for the caller's go, fork; in the fork, the request."""
        try:
            wire.send(conn, {"ready": True})
            go, _ = wire.receive(conn, deadline=time.monotonic() + READ_SECONDS)
        except (OSError, wire.Garbled):
            go = None
        if not go or not go.get("go"):  # the caller gave up and builds itself: fork nothing
            _close(request.fds)
            conn.close()
            return None
        sys.stdout.flush(), sys.stderr.flush()  # or the fork would write the host's log lines a second time
        # Held back across the fork: the build's own handlers are in place before any signal reaches it.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
        try:
            pid = os.fork()
        except OSError as error:
            print(f"could not fork a build: {error}", file=sys.stderr, flush=True)
            pid = -1
        if pid == 0:
            self._leave()
            conn.close()
            return request
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _close(request.fds)
        if pid < 0:
            with contextlib.closing(conn), contextlib.suppress(OSError):
                wire.send(conn, {"refused": "could not fork"})  # the caller builds itself
            return None
        with contextlib.suppress(OSError):  # the fork does the same: whichever runs first
            os.setpgid(pid, pid)
        self.builds += 1
        self.last = time.monotonic()
        pidfd = os.pidfd_open(pid)
        self.running[pidfd] = Running(pid, pidfd, conn)
        try:
            conn.settimeout(READ_SECONDS)
            wire.send(conn, {"started": pid})
        except OSError:
            self._caller_gone(self.running[pidfd])
        return None

    def _leave(self) -> None:
        """In a fork: close what is the host's, through the objects that own it (a bare close would leave them
        to close the same number again at exit, by then perhaps a file of the build's)."""
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for other in self.running.values():
            os.close(other.pidfd)
            if other.caller is not None:
                other.caller.close()
        self.running.clear()
        os.close(self.lock)

    def _from_caller(self, build: Running) -> None:
        assert build.caller is not None
        try:
            message, _ = wire.receive(build.caller)
        except (OSError, wire.Garbled):
            message = None
        if message is None:
            self._caller_gone(build)
            return
        try:
            asked = signal.Signals(int(message.get("signal", 0)))
        except (TypeError, ValueError):
            return
        # Not yet reaped, so the pid (and the group it leads) is still this build's.
        with contextlib.suppress(ProcessLookupError):
            if asked in TO_THE_BUILD:
                os.kill(build.pid, TO_THE_BUILD[asked])
            elif asked in TO_THE_GROUP:
                os.killpg(build.pid, TO_THE_GROUP[asked])

    def _caller_gone(self, build: Running) -> None:
        """Nobody is left to see the build's messages or status: it stops, as it would had its terminal gone."""
        if build.caller is not None:
            build.caller.close()
            build.caller = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(build.pid, signal.SIGTERM)
            os.killpg(build.pid, signal.SIGCONT)  # a build stopped with Ctrl-Z must run to unwind

    def _ended(self, build: Running) -> None:
        _, status = os.waitpid(build.pid, 0)
        os.close(build.pidfd)
        code = os.waitstatus_to_exitcode(status)
        self.last = time.monotonic()
        if build.caller is not None:
            with contextlib.closing(build.caller), contextlib.suppress(OSError):
                wire.send(build.caller, {"exit": code if code >= 0 else 128 - code})

    def stop(self, signum: int, frame: Any) -> None:
        self.stopping = True


def _close(fds: tuple[int, ...] | list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def preload() -> None:
    """Import what builds run, compile the built-in templates and the site's, and cut the page stamp's font, as
    each build would."""
    for name in PRELOAD:
        importlib.import_module(name)
    from binder.document.render import compile_templates
    from binder.issue import stamp
    from binder.site.pages import compile_templates as compile_pages

    compile_templates()
    compile_pages()
    stamp.warm()
    gc.collect()
    gc.freeze()  # imported once and for all: no fork's collector walks them, no page is copied for it


def main(argv: list[str]) -> None:
    key, stamp = argv[1], argv[2]
    # Whatever the starting command had blocked: the host's own stop (SIGTERM at logout) must get through.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    folder = secure_dir(runtime_dir())
    lock = os.open(folder / f"build-{key}.lock", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another host of this key serves
    preload()
    if code_stamp() != stamp:
        return  # binder's code changed while it was imported: a build started now gets a host of its own
    host = Host(folder, key, idle_seconds(), standing())
    host.lock = lock
    signal.signal(signal.SIGTERM, host.stop)
    signal.signal(signal.SIGINT, host.stop)
    host.listen()
    request = host.serve()
    if request is None:
        # Unlinked while held: a host starting now may lock the old file and serve, as this one is gone.
        (folder / f"build-{key}.lock").unlink(missing_ok=True)
        return
    from binder.host.takeover import run_build

    run_build(request, partial(tell_read, folder, key))


if __name__ == "__main__":
    main(sys.argv)
