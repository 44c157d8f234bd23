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
from pathlib import Path


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
