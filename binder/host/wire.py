"""Messages between the ``binder`` command and its build host: a 4-byte length, then a JSON object.

A build request also carries the command's standard input, output and error as file descriptors
(SCM_RIGHTS), received close-on-exec. Standard library only."""

from __future__ import annotations

import codecs
import json
import os
import signal
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

HEADER = struct.Struct("!I")
LARGEST = 4 << 20
"""Bytes: a command's arguments and environment, with room to spare; anything larger is not binder's."""
STDIO = 3
"""A build request's first descriptors: the command's standard input, output and error; then its current folder."""


@dataclass(frozen=True)
class Request:
    """A build to run, as the caller sent it (checked: ``read``)."""

    argv: tuple[str, ...]
    env: dict[str, str]
    umask: int
    stdio: tuple[tuple[str, str], ...]
    """Encoding and error handler of each standard stream."""
    ignored: tuple[int, ...]
    """Signals the caller ignores (under ``nohup``): the build ignores them too."""
    fds: tuple[int, ...]
    """Standard input, output and error, then the current folder (an ``O_PATH`` handle)."""
    unbuffered: bool = False
    """The caller's output is unbuffered (``-u``, ``$PYTHONUNBUFFERED``): the build's too."""

    @classmethod
    def read(cls, message: dict[str, Any], fds: list[int]) -> Request:
        """The request ``message`` with ``fds`` holds; Garbled when any part is not what a ``binder`` sends."""
        argv, env, umask = message.get("argv"), message.get("env"), message.get("umask")
        stdio, ignored = message.get("stdio"), message.get("ignored", [])
        if not isinstance(argv, list) or not all(isinstance(a, str) and "\0" not in a for a in argv):
            raise Garbled("arguments that are not strings")
        if not isinstance(env, dict) or not all(_variable(k, v) for k, v in env.items()):
            raise Garbled("an environment that is not names and values")
        if not isinstance(umask, int) or not 0 <= umask <= 0o777:
            raise Garbled("a umask out of range")
        if not isinstance(stdio, list) or len(stdio) != STDIO or not all(_codec(s) for s in stdio):
            raise Garbled("standard streams with unknown encodings")
        if not isinstance(ignored, list) or not all(isinstance(n, int) and 0 < n < signal.NSIG for n in ignored):
            raise Garbled("signals out of range")
        if len(fds) != STDIO + 1:
            raise Garbled(f"{len(fds)} descriptors, not {STDIO + 1}")
        unbuffered = message.get("unbuffered", False)
        if not isinstance(unbuffered, bool):
            raise Garbled("unbuffered that is not true or false")
        streams = tuple((s[0], s[1]) for s in stdio)
        return cls(tuple(argv), dict(env), umask, streams, tuple(ignored), tuple(fds), unbuffered)


def _variable(name: Any, value: Any) -> bool:
    return (
        isinstance(name, str) and isinstance(value, str) and bool(name) and "=" not in name and "\0" not in name + value
    )


def _codec(stream: Any) -> bool:
    if not isinstance(stream, list) or len(stream) != 2 or not all(isinstance(x, str) for x in stream):
        return False
    try:
        codecs.lookup(stream[0])
        codecs.lookup_error(stream[1])
    except LookupError:
        return False
    return True


class Garbled(Exception):
    """The other end sent something that is not a message of ours."""


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode()
    head = HEADER.pack(len(body))
    if fds:
        # The descriptors ride on the header's bytes, the body follows as plain data.
        socket.send_fds(sock, [head], fds)
        sock.sendall(body)
    else:
        sock.sendall(head + body)


def _exactly(sock: socket.socket, size: int, got: bytes = b"", deadline: float | None = None) -> bytes | None:
    while len(got) < size:
        _until(sock, deadline)
        chunk = sock.recv(size - len(got))
        if not chunk:
            return None
        got += chunk
    return got


def _until(sock: socket.socket, deadline: float | None) -> None:
    """Time out every read at ``deadline`` (a ``time.monotonic()``), not each read a while after the last."""
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the message took too long")
        sock.settimeout(left)


def receive(
    sock: socket.socket, max_fds: int = 0, deadline: float | None = None
) -> tuple[dict[str, Any] | None, list[int]]:
    """The next message and the descriptors that came with it; ``None`` at the end of the stream.

    Descriptors beyond ``max_fds`` are closed by the kernel; the caller owns (and must close) those returned.
    ``deadline``: the whole message must have come by then (a ``time.monotonic()``), else TimeoutError."""
    _until(sock, deadline)
    if max_fds:
        first, fds, _flags, _address = socket.recv_fds(sock, HEADER.size, max_fds, socket.MSG_CMSG_CLOEXEC)
    else:
        first, fds = sock.recv(HEADER.size), []
    try:
        head = _exactly(sock, HEADER.size, first, deadline) if first else None
        body = None if head is None else _body(sock, HEADER.unpack(head)[0], deadline)
    except BaseException:
        _close(fds)
        raise
    if body is None:
        _close(fds)
        return None, []
    return body, fds


def _body(sock: socket.socket, size: int, deadline: float | None) -> dict[str, Any] | None:
    if size > LARGEST:
        raise Garbled(f"a message of {size} bytes, more than binder ever sends")
    body = _exactly(sock, size, deadline=deadline)
    if body is None:
        return None
    try:
        message = json.loads(body)
    except ValueError:
        raise Garbled("a message that is not JSON") from None
    if not isinstance(message, dict):
        raise Garbled("a message that is not a JSON object")
    return message


def _close(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
