"""The ``binder`` command's side: hand ``binder build`` to the user's warm build host, or start one.

The host (``server.py``) forks a process that takes over this process's standard input, output and error,
current folder, environment and umask, and runs the command exactly as this process would have: same
messages, same exit status, same files. This process stays as its stand-in: it passes Ctrl-C, SIGTERM and
SIGHUP on, and exits with the build's status.

Only plain builds go. Not with ``--no-daemon`` or ``$BINDER_NO_DAEMON`` (which promise that no process of
binder's outlives the build), not with ``--sign`` (its passphrase prompt needs this terminal as its own).
When no host of this code answers, or it does not take the build within ``TAKE_SECONDS``, the build runs
here as it always did, and a host is started for the next one. Standard library only: this runs before
anything else is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from binder.host import wire
from binder.runtime import Unsafe, allowed, peer_uid, runtime_dir, secure_dir

HANDED_OFF = {"build"}
KEPT_HERE = {"--no-daemon", "--sign"}
FALSE = {"", "0", "false", "f", "no", "n", "off"}
"""What click reads as a false flag in ``$BINDER_NO_DAEMON``."""
TAKE_SECONDS = 5.0
"""How long a host may take to fork the build before this process runs it itself."""
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
LOG_FILE = "build-host.log"
PACKAGE = Path(__file__).resolve().parents[1]


def eligible(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """Whether this command may run on a host: a build that keeps no process from outliving it and never prompts."""
    if not argv or argv[0] not in HANDED_OFF or KEPT_HERE & set(argv):
        return False
    return environ.get("BINDER_NO_DAEMON", "").strip().lower() in FALSE


def code_stamp(package: Path = PACKAGE) -> str:
    """Names, sizes and modification times of binder's modules: a host imported them all when it started,
    so a changed module (an upgrade, an edit) must get a host of its own."""
    digest = hashlib.sha256()
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    folders.append(Path(entry.path))
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def host_key(stamp: str, environ: dict[str, str] | os._Environ[str]) -> str:
    """What a host must share with this process to run its build as this process would: binder's code, the
    interpreter and its flags, the libraries on the path (an upgrade changes their folder) and the variables
    that shape Python's start-up. The first path entry (this command's folder) is not a library's."""
    libraries = []
    for entry in sys.path[1:]:
        with contextlib.suppress(OSError):
            libraries.append((entry, os.stat(entry or ".").st_mtime_ns))
    start_up = sorted(
        (name, value)
        for name, value in environ.items()
        if (name.startswith("PYTHON") and name != "PYTHONPATH") or name in ("LANG", "LC_ALL", "LC_CTYPE")
    )
    identity = [stamp, sys.executable, sys.version, str(sys.flags), sys.getfilesystemencoding(), libraries, start_up]
    return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]


def socket_path(folder: Path, key: str) -> Path:
    return folder / f"build-{key}.sock"


def hand_off(argv: list[str]) -> int | None:
    """The exit status of ``binder ARGV`` run on a build host, or ``None``: run it here."""
    if not eligible(argv, os.environ):
        return None
    try:
        folder = secure_dir(runtime_dir())
        stdio = [_stream(fd) for fd in range(wire.STDIO)]
        request = {"op": "build", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "stdio": stdio}
    except (Unsafe, OSError, ValueError):
        return None  # no private folder, a standard stream closed, the current folder gone: as always, here
    stamp = code_stamp()
    key = host_key(stamp, os.environ)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        try:
            sock.settimeout(TAKE_SECONDS)
            sock.connect(str(socket_path(folder, key)))
            if not allowed(peer_uid(sock)):
                return None
            wire.send(sock, {**request, "umask": _umask()}, list(range(wire.STDIO)))
            taken, _ = wire.receive(sock)
        except (OSError, wire.Garbled):
            start_host(folder, key, stamp)
            return None
        if not taken or "started" not in taken:
            return None
        sock.settimeout(None)
        return _stand_in(sock, taken["started"])


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


def _stand_in(sock: socket.socket, pid: int) -> int:
    """Wait for the build forked as ``pid``, passing this process's signals on; its exit status."""

    def pass_on(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            wire.send(sock, {"signal": signum})

    before = {signum: signal.signal(signum, pass_on) for signum in PASSED_ON}
    try:
        with contextlib.suppress(OSError, wire.Garbled):
            while True:
                message, _ = wire.receive(sock)
                if message is None:
                    break
                if "exit" in message:
                    return int(message["exit"])
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    print(
        f"error: binder's build host ended during the build (process {pid} was stopped with it): "
        "run the build again, or with --no-daemon",
        file=sys.stderr,
    )
    return 3


def start_host(folder: Path, key: str, stamp: str) -> None:
    """Start a host for ``key`` in the background, for the next build; two started at once settle on one."""
    env = {**os.environ, "BINDER_RUNTIME_DIR": str(folder)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE.parent), env.get("PYTHONPATH", "")) if p)
    with contextlib.suppress(OSError):
        log = os.open(folder / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            # A session of its own: the build's Ctrl-C or its process group's kill does not reach it.
            subprocess.Popen(
                [sys.executable, "-m", "binder.host.server", key, stamp],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                cwd="/",
                start_new_session=True,
            )
        finally:
            os.close(log)


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
