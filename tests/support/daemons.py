"""The converter daemon in tests: a folder for its socket, a daemon served from a thread of the test process,
and stopping one so that nothing of it outlives the test."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import soffice_under

from binder.convert import client, daemon
from binder.host import handoff


def short_folder() -> Path:
    """A folder for a socket: its path may be 107 bytes at most, which ``tmp_path`` can exceed."""
    return Path(tempfile.mkdtemp(prefix="bd-", dir="/tmp"))


def stop_daemon(folder: Path) -> list[int]:
    """Stop the daemon and build hosts in ``folder`` as ``binder converters stop`` does; the soffice the daemon
    left running (killed now, with its group and theirs), by pid."""
    stop_hosts(folder)
    status = client.ask(folder, "status")
    client.ask(folder, "stop")
    if status:
        client.wait_gone(folder, status["pid"])
        if client.alive(status["pid"]):
            os.killpg(status["pid"], signal.SIGKILL)
    leftovers = soffice_under(folder)
    for pid in leftovers:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    return leftovers


def stop_hosts(folder: Path) -> None:
    """Stop the build hosts in ``folder`` (``binder.host``) and wait until they are gone; one still there after
    20 s fails the test."""
    stopped = handoff.ask_hosts(folder, "stop")
    deadline = time.monotonic() + 20
    for host in stopped:
        while alive(host["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(host["pid"]), f"build host {host['pid']} did not stop"


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a zombie does not (its parent, not the test, reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def needs_libreoffice() -> None:
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed")
        pytest.skip("LibreOffice is not installed")


@pytest.fixture
def runtime() -> Iterator[Path]:
    """The daemon's folder for this test; its daemon stopped after, which must have left no soffice."""
    needs_libreoffice()
    folder = short_folder()
    yield folder
    leftovers = stop_daemon(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert not leftovers, "the daemon left LibreOffice running"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[daemon.Daemon, Path]]:
    """A daemon serving from a thread of this process; it never starts LibreOffice here."""
    folder = short_folder()
    monkeypatch.setattr(daemon.Daemon, "_warm_up", lambda self: None)
    server = daemon.Daemon(folder, idle=600)
    thread = threading.Thread(target=server.serve, args=(server.listen(),))
    thread.start()
    yield server, folder
    server.stop()
    thread.join()
    shutil.rmtree(folder)


class ConvertsUntilClosed:
    """A stand-in for the daemon's pool of LibreOffice processes: it converts until it is closed, then fails as the
    real one does. Tests give a daemon one (``server.pool = ...``) and subclass it for other behaviours."""

    timeout = 180.0

    def __init__(self) -> None:
        self.converting, self.closed = threading.Event(), threading.Event()

    def convert(self, jobs, progress=None):
        self.converting.set()
        self.closed.wait(30)
        raise RuntimeError("the Converter was closed while converting")

    def close(self) -> None:
        self.closed.set()

    def soffice_pids(self) -> list[int]:
        return []


def converting(runtime: Path) -> dict:
    """The daemon's status once it has converted a first document (for a build of the example: 13 more to go)."""
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline and not (status and status["conversions"]):
        status = client.ask(runtime, "status")
        time.sleep(0.1)
    assert status and status["conversions"], "the build never converted on the daemon"
    return status
