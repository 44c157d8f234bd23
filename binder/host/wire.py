"""Messages between the ``binder`` command and its build host: a 4-byte length, then a JSON object.

A build request also carries the command's standard input, output and error as file descriptors
(SCM_RIGHTS), received close-on-exec. Standard library only."""

from __future__ import annotations

import json
import os
import socket
import struct
from dataclasses import dataclass
from typing import Any

HEADER = struct.Struct("!I")
LARGEST = 4 << 20
"""Bytes: a command's arguments and environment, with room to spare; anything larger is not binder's."""
STDIO = 3


@dataclass(frozen=True)
class Request:
    """A build to run, as the caller sent it; ``fds`` are its standard input, output and error."""

    argv: list[str]
    cwd: str
    env: dict[str, str]
    umask: int
    stdio: list[list[str]]
    fds: list[int]


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


def _exactly(sock: socket.socket, size: int, got: bytes = b"") -> bytes | None:
    while len(got) < size:
        chunk = sock.recv(size - len(got))
        if not chunk:
            return None
        got += chunk
    return got


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """The next message and the descriptors that came with it; ``None`` at the end of the stream.

    Descriptors beyond ``max_fds`` are closed by the kernel; the caller owns (and must close) those returned."""
    if max_fds:
        first, fds, _flags, _address = socket.recv_fds(sock, HEADER.size, max_fds, socket.MSG_CMSG_CLOEXEC)
    else:
        first, fds = sock.recv(HEADER.size), []
    try:
        head = _exactly(sock, HEADER.size, first) if first else None
        body = None if head is None else _body(sock, HEADER.unpack(head)[0])
    except BaseException:
        _close(fds)
        raise
    if body is None:
        _close(fds)
        return None, []
    return body, fds


def _body(sock: socket.socket, size: int) -> dict[str, Any] | None:
    if size > LARGEST:
        raise Garbled(f"a message of {size} bytes, more than binder ever sends")
    body = _exactly(sock, size)
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
