"""The per-user converter daemon: one warm pool of LibreOffice workers shared by the user's builds.

Run as ``python -m binder.convert.daemon`` (``client.start_daemon`` does it, detached). It listens on
``converter.sock`` in the runtime folder (``binder.runtime``), answers only processes of its own
user (SO_PEERCRED), converts one request at a time on its pool, and exits by itself after
``BINDER_DAEMON_IDLE`` seconds (default 600) without a request, leaving no soffice, socket or pid file.

Protocol: line-delimited JSON, one request per connection after a hello.
``{"op": "hello", "protocol": N}`` → ``{"ok": true, "pid", "fingerprint"}``; then one of
``{"op": "convert", "timeout": s, "jobs": [{"key", "docx", "pdf", "options"}]}`` → one
``{"result": {...}}`` per document as it is done, then ``{"done": true}`` (or ``{"error": {"key",
"message", "last_words"}}`` for a document that failed, ``{"fail": "..."}`` for anything else);
While it holds a convert request (waiting for its turn or converting) it sends ``{"alive": true}`` every
``HEARTBEAT`` seconds, so that a client can tell a busy daemon from a hung one.
``{"op": "status"}`` → ``{"pid", "started", "conversions", "idle"}``; ``{"op": "stop"}`` → ``{"ok": true}``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from binder.convert.base import Job, Result
from binder.convert.pool import Converter, default_workers
from binder.errors import ConversionError
from binder.files import program_files
from binder.runtime import allowed, peer_uid

PROTOCOL = 1
SOCKET = "converter.sock"
PID_FILE = "daemon.pid"
LOG_FILE = "daemon.log"
DEFAULT_IDLE = 600.0
HEARTBEAT = 5.0
"""Seconds between the ``alive`` lines of a request in hand."""


def fingerprint() -> str:
    """A hash of binder.convert's code and of the LibreOffice on ``PATH``: a daemon started from other code,
    or before LibreOffice was upgraded (its soffice would still be the old one, while the cache keys name
    the new), is replaced, not used."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(program_files("soffice")).encode())
    return digest.hexdigest()[:16]


def seconds_from(variable: str, default: float) -> float:
    """Seconds given in the environment ``variable``, else (or when it is not a number) ``default``."""
    try:
        return float(os.environ.get(variable, default))
    except ValueError:
        return default


def idle_seconds() -> float:
    return seconds_from("BINDER_DAEMON_IDLE", DEFAULT_IDLE)


@contextlib.contextmanager
def _shut(conn: socket.socket) -> Iterator[None]:
    """End the connection both ways when done: closing alone sends no end of file while a request's
    watcher is blocked reading the socket, and the client waits for one (``client._leave``)."""
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)


def send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


class Daemon:
    def __init__(self, folder: Path, idle: float) -> None:
        self.folder = folder
        self.idle = idle
        self.started = time.time()
        self.last = time.monotonic()
        self.busy = 0
        self.conversions = 0
        self.stopping = threading.Event()
        # Written to by stop(): wakes the accept loop at once instead of at its next look at the clock.
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._woken_last = False  # set before the pipe is closed: its numbers may then name other files
        self._state = threading.RLock()  # _replace is called with it held, and without
        self._turn = threading.Lock()
        """One request converts at a time: the pool serves one convert() call at once."""
        self.pool = self._new_pool()
        self.fingerprint = fingerprint()
        self._inode = 0

    def _new_pool(self) -> Converter:
        return Converter(workers=default_workers(), workdir=self.folder / "profiles")

    def _replace(self, pool: Converter) -> None:
        """A new pool for the next request, unless ``pool`` (closed, or being closed) was replaced already."""
        with self._state:
            if self.pool is pool:
                self.pool = self._new_pool()

    def stop(self) -> None:
        """Stop serving (safe in a signal handler and from any thread): requests held end, the socket goes."""
        self.stopping.set()
        if not self._woken_last:
            with contextlib.suppress(OSError):  # BlockingIOError: woken already
                os.write(self._wake_w, b"x")

    # --- serving ---

    def listen(self) -> socket.socket:
        """Bind the socket (0600) and write the pid file; ``serve`` then answers on it."""
        path = self.folder / SOCKET
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is born 0600: no window where another user could connect
        try:
            listener.bind(str(path))
        finally:
            os.umask(old)
        self._inode = os.stat(path).st_ino
        listener.listen(16)
        listener.settimeout(0.5)
        (self.folder / PID_FILE).write_text(f"{os.getpid()}\n")
        return listener

    def serve(self, listener: socket.socket) -> None:
        """Answer until stopped or idle for ``idle`` seconds, then stop LibreOffice and remove the socket."""
        path = self.folder / SOCKET
        threading.Thread(target=self._warm_up, daemon=True).start()
        try:
            while not self.stopping.is_set() and not self._idle_out():
                # the timeout only for the idle check: a stop wakes this at once
                ready, _, _ = select.select([listener.fileno(), self._wake_r], [], [], 0.5)
                if listener.fileno() not in ready:
                    continue
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, BlockingIOError):
                    continue
                with self._state:
                    self.busy += 1
                threading.Thread(target=self._connection, args=(conn,), daemon=True).start()
        finally:
            listener.close()
            self._woken_last = True
            for fd in (self._wake_r, self._wake_w):
                os.close(fd)
            self.pool.close()
            # Only our own: a build that found this daemon gone may already have started the next one.
            with contextlib.suppress(OSError):
                if os.stat(path).st_ino == self._inode:
                    path.unlink()
            with contextlib.suppress(OSError):
                if (self.folder / PID_FILE).read_text().strip() == str(os.getpid()):
                    (self.folder / PID_FILE).unlink()

    def _warm_up(self) -> None:
        with self._turn, contextlib.suppress(Exception):
            self.pool.warm_up()

    def _idle_out(self) -> bool:
        with self._state:
            return not self.busy and time.monotonic() - self.last > self.idle

    def _connection(self, conn: socket.socket) -> None:
        try:
            with conn, _shut(conn):
                if not allowed(peer_uid(conn)):
                    send(conn, {"ok": False, "error": "this converter daemon serves its own user only"})
                    return
                reader = conn.makefile("rb")
                hello = json.loads(reader.readline() or b"{}")
                if hello.get("op") != "hello" or hello.get("protocol") != PROTOCOL:
                    send(conn, {"ok": False, "error": "unknown protocol"})
                    return
                send(conn, {"ok": True, "pid": os.getpid(), "fingerprint": self.fingerprint})
                line = reader.readline()
                if line:
                    self._request(conn, json.loads(line))
        except (OSError, ValueError):
            pass  # a client that went away or spoke nonsense: it alone is affected
        finally:
            with self._state:
                self.busy -= 1
                self.last = time.monotonic()

    def _request(self, conn: socket.socket, request: dict[str, Any]) -> None:
        op = request.get("op")
        if op == "status":
            with self._state:
                idle = 0.0 if self.busy > 1 else time.monotonic() - self.last
            send(
                conn,
                {
                    "pid": os.getpid(),
                    "started": self.started,
                    "conversions": self.conversions,
                    "idle": round(idle, 1),
                    "soffice": self.pool.soffice_pids(),
                    "fingerprint": self.fingerprint,
                },
            )
        elif op == "stop":
            self.stop()
            send(conn, {"ok": True})
        elif op == "convert":
            self._convert(conn, request)
        else:
            send(conn, {"fail": f"unknown request {op!r}"})

    def _convert(self, conn: socket.socket, request: dict[str, Any]) -> None:
        jobs = [
            Job(j["key"], Path(j["docx"]), Path(j["pdf"]), tuple((k, v) for k, v in j.get("options", [])))
            for j in request["jobs"]
        ]
        gone, finished = threading.Event(), threading.Event()
        ours: list[Converter] = []
        """The pool converting this request, once its turn has come."""
        threading.Thread(target=self._watch, args=(conn, gone, ours, finished), daemon=True).start()
        speaking = threading.Lock()

        def say(message: dict[str, Any]) -> None:
            with speaking:
                send(conn, message)

        def beat() -> None:
            while not finished.wait(HEARTBEAT) and not gone.is_set():
                with contextlib.suppress(OSError):
                    say({"alive": True})

        threading.Thread(target=beat, daemon=True).start()
        with self._turn:
            with self._state:
                pool = self.pool
                ours.append(pool)
            if gone.is_set():
                return
            pool.timeout = float(request.get("timeout") or pool.timeout)

            def progress(result: Result) -> None:
                self.conversions += 1
                if not gone.is_set():
                    with contextlib.suppress(OSError):
                        say({"result": {"key": result.key, "seconds": result.seconds, "worker": result.worker}})

            try:
                pool.convert(jobs, progress)
                with self._state:
                    finished.set()
                say({"done": True})
            except Exception as error:
                if self.stopping.is_set():
                    # Stopped under the request (converters stop, SIGTERM, a daemon of other code): not the
                    # documents' fault. The connection closes as the daemon exits; the build converts the rest.
                    return
                self._replace(pool)  # a failed convert() closes the pool
                say(_failure(error))
            finally:
                with self._state:
                    finished.set()

    def _watch(
        self, conn: socket.socket, gone: threading.Event, ours: list[Converter], finished: threading.Event
    ) -> None:
        """The client sends nothing after its request: end of file means it has gone. A client that leaves
        mid-request (killed, Ctrl-C) abandons its jobs: the pool is stopped, so that nothing is written
        into a staging folder its build has already removed; the next request gets a fresh pool."""
        with contextlib.suppress(OSError, ValueError):
            while conn.recv(4096):
                pass
        gone.set()
        with self._state:
            abandoned = ours[:1] if not finished.is_set() else []
            for pool in abandoned:
                # Replaced now, under the lock: a client leaving just as its documents are done would
                # otherwise leave the closed pool to the next request, whose build would then fail.
                self._replace(pool)
            if not ours:  # still waiting for its turn: nothing converts for it, the client may go at once
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for pool in abandoned:
            pool.close()


def _failure(error: Exception) -> dict[str, Any]:
    """What the client is told of a request that failed: which document and why, or what else went wrong."""
    if not isinstance(error, ConversionError):
        return {"fail": str(error) or type(error).__name__}
    message = str(error).removeprefix(f"{error.key}: ")
    if error.last_words:
        message = message.removesuffix(f" (LibreOffice said: {error.last_words})")
    return {"error": {"key": error.key, "message": message, "last_words": error.last_words}}


def main() -> None:
    folder = Path(os.environ["BINDER_RUNTIME_DIR"])
    os.umask(0o077)  # its pid file and LibreOffice profiles are the user's alone, like the socket
    daemon = Daemon(folder, idle_seconds())
    signal.signal(signal.SIGTERM, lambda *_: daemon.stop())
    signal.signal(signal.SIGINT, lambda *_: daemon.stop())
    # Started inside ``interrupts.held()``, with these blocked: a stop request by signal must reach us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    print(f"binder converter daemon {os.getpid()} serving {folder / SOCKET}", file=sys.stderr, flush=True)
    daemon.serve(daemon.listen())
    print(f"binder converter daemon {os.getpid()} stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
