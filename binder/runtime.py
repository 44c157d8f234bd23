"""The user's runtime folder and who may talk to the processes listening in it.

binder's resident processes (the converter daemon, the warm build host) put their sockets, pid files, logs
and locks in one folder: ``$BINDER_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/binder``, else
``/tmp/binder-<uid>``, made 0700. One that is a symlink, another user's, or open to the group or others is
refused (``Unsafe``), and the build then runs on its own. Standard library only: the ``binder`` command reads
this before it has imported anything else.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import sys
from pathlib import Path
from typing import Any


class Unsafe(Exception):
    """The runtime folder cannot be trusted; the message says why, in one line."""


def runtime_dir() -> Path:
    if os.environ.get("BINDER_RUNTIME_DIR"):
        return Path(os.environ["BINDER_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "binder"
    return Path(f"/tmp/binder-{os.getuid()}")


def secure_dir(folder: Path) -> Path:
    """``folder``, made 0700 if missing; raises Unsafe if someone else could have put a socket there."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode):
        raise Unsafe(f"{folder} is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise Unsafe(f"{folder} is not a folder")
    if info.st_uid != os.getuid():
        raise Unsafe(f"{folder} belongs to another user")
    if info.st_mode & 0o077:
        raise Unsafe(f"{folder} is open to other users (mode {stat.S_IMODE(info.st_mode):o}, needs 700)")
    return folder


def peer(conn: socket.socket) -> tuple[int, int, int]:
    """The pid, uid and gid of the process at the other end of a Unix socket (as it connected)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", creds)
    return pid, uid, gid


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end of a Unix socket."""
    return peer(conn)[1]


def allowed(uid: int) -> bool:
    """Only the user's own processes may use its resident processes: they work with its rights."""
    return uid == os.getuid()


def start_resident(
    folder: Path, module: str, args: list[str], log: str, env: dict[str, str], options: list[str] | None = None
) -> Any:
    """Start ``python [options] -m module args`` as one of the user's resident processes (the converter daemon,
    the build host): in a session of its own (the build's Ctrl-C or its process group's kill does not reach
    it), from ``/``, its output appended to ``folder/log``, the runtime folder and this binder's package in its
    environment (``env`` adds to it). Returns the ``subprocess.Popen``."""
    import subprocess

    package_root = str(Path(__file__).resolve().parents[1])
    environ = {**os.environ, "BINDER_RUNTIME_DIR": str(folder), **env}
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, environ.get("PYTHONPATH", "")) if p)
    fd = os.open(folder / log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        return subprocess.Popen(
            [sys.executable, *(options or []), "-m", module, *args],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            env=environ,
            cwd="/",
            start_new_session=True,
        )
    finally:
        os.close(fd)
