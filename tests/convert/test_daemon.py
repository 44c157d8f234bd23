"""The per-user converter daemon and its client: who may use it, what it answers, and what happens when a
client or the daemon dies mid-request. The first tests serve from a thread of this process without
LibreOffice; the slow ones start the real daemon."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli import run
from daemons import ConvertsUntilClosed, needs_libreoffice, short_folder, stop_daemon
from docx import Document
from processes import soffice_under
from pypdf import PdfReader

from binder import runtime as runtime_folder
from binder.convert import client, daemon
from binder.convert.base import Job, Result
from binder.convert.client import DaemonConverter, ask
from binder.convert.pool import Converter
from binder.errors import ConversionError
from binder.runtime import Unsafe, secure_dir

REPO = Path(__file__).resolve().parents[2]


# --- without LibreOffice ------------------------------------------------------------------------


def test_the_runtime_folder_is_made_private_and_loose_ones_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = short_folder()
    made = secure_dir(parent / "binder")
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    loose = parent / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    with pytest.raises(Unsafe, match="open to other users"):
        secure_dir(loose)
    (parent / "link").symlink_to(made)
    with pytest.raises(Unsafe, match="symbolic link"):
        secure_dir(parent / "link")
    monkeypatch.setattr(runtime_folder.os, "getuid", lambda: os.stat(made).st_uid + 1)
    with pytest.raises(Unsafe, match="another user"):
        secure_dir(made)
    shutil.rmtree(parent)


def test_the_runtime_folder_is_chosen_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINDER_RUNTIME_DIR", "/somewhere/mine")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert runtime_folder.runtime_dir() == Path("/somewhere/mine")
    monkeypatch.delenv("BINDER_RUNTIME_DIR")
    assert runtime_folder.runtime_dir() == Path("/run/user/1000/binder")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert runtime_folder.runtime_dir() == Path(f"/tmp/binder-{os.getuid()}")


def test_a_build_refuses_an_unsafe_folder_and_converts_on_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from binder.build import make_converter
    from binder.options import BuildOptions

    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    monkeypatch.setenv("BINDER_RUNTIME_DIR", str(loose))
    warned: list[str] = []
    converter = make_converter(BuildOptions(out=tmp_path / "out", daemon=True), warned.append)
    assert isinstance(converter, Converter)
    [line] = warned
    assert line.startswith("not using the converter daemon:") and "open to other users" in line
    assert capsys.readouterr().err == ""  # told to the build's progress, which shows it beside its bars
    monkeypatch.setenv("BINDER_RUNTIME_DIR", str(tmp_path / "safe"))
    assert isinstance(make_converter(BuildOptions(out=tmp_path / "out", daemon=True), warned.append), DaemonConverter)
    assert isinstance(make_converter(BuildOptions(out=tmp_path / "out"), warned.append), Converter)
    assert len(warned) == 1


def test_the_socket_is_the_users_alone(served: tuple[daemon.Daemon, Path]) -> None:
    _, folder = served
    assert stat.S_IMODE(os.stat(folder / daemon.SOCKET).st_mode) == 0o600
    answer = ask(folder, "status")
    assert answer is not None
    assert answer["pid"] == os.getpid() and answer["conversions"] == 0


def test_the_credential_check_refuses_other_users(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    left, right = socket.socketpair(socket.AF_UNIX)
    assert runtime_folder.peer_uid(left) == os.getuid()
    left.close(), right.close()
    assert runtime_folder.allowed(os.getuid()) and not runtime_folder.allowed(os.getuid() + 1)
    _, folder = served
    monkeypatch.setattr(daemon, "allowed", lambda uid: False)  # as if this process were another user's
    assert ask(folder, "status") is None


def test_a_daemon_of_other_code_is_told_to_stop(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, folder = served
    server.fingerprint = "older code"
    monkeypatch.setattr(client, "alive", lambda pid: False)  # it is this process: its socket going is enough
    assert not client._current(folder)
    assert server.stopping.is_set()


def test_converters_status_and_stop(served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    server, folder = served
    monkeypatch.setattr(client, "alive", lambda pid: False)
    shown = run("converters", "status", env={"BINDER_RUNTIME_DIR": str(folder)})
    assert shown.returncode == 0 and f"converter daemon {os.getpid()} running" in shown.stdout
    stopped = run("converters", "stop", env={"BINDER_RUNTIME_DIR": str(folder)})
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert server.stopping.is_set() and not (folder / daemon.SOCKET).exists()
    assert "no converter daemon running" in run("converters", "status", env={"BINDER_RUNTIME_DIR": str(folder)}).stdout


class SlowToStop(ConvertsUntilClosed):
    """A pool that converts until it is closed, and takes a moment to close (as LibreOffice does)."""

    def close(self) -> None:
        time.sleep(0.1)  # the client must wait this out: its assertions follow at once
        self.closed.set()


class Left(Exception):
    pass


def test_a_client_that_leaves_mid_request_returns_only_once_the_daemon_stopped_its_work(
    served: tuple[daemon.Daemon, Path],
) -> None:
    """What keeps an interrupted build from removing its staging folder while the daemon's LibreOffice
    still writes into it (``test_daemon_build`` shows it with a real build and Ctrl-C)."""
    server, folder = served
    server.pool = pool = SlowToStop()  # type: ignore[assignment]
    job = {"key": "a", "docx": str(folder / "a.docx"), "pdf": str(folder / "a.pdf"), "options": []}
    answers = client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job]})
    next(answers)

    def leave(signum, frame):
        if pool.converting.is_set():
            raise Left
        signal.setitimer(signal.ITIMER_REAL, 0.05)

    previous = signal.signal(signal.SIGALRM, leave)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(Left):
            for _ in answers:
                pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert pool.closed.is_set(), "the client went before the daemon had stopped converting for it"


class ReportsThenHangs(SlowToStop):
    """Reports its first document done (without writing it), then converts on until stopped."""

    def convert(self, jobs, progress=None):
        progress(Result(jobs[0].key, jobs[0].pdf, 0.1, 0))
        return super().convert(jobs, progress)


def test_a_build_failing_on_an_answer_returns_only_once_the_daemon_stopped_its_work(
    served: tuple[daemon.Daemon, Path], tmp_path: Path
) -> None:
    """The error is raised by the build's own code, not inside the socket read, and its traceback keeps the
    request alive: the request must still be ended, and waited for, before the error leaves the converter."""
    server, folder = served
    server.pool = pool = ReportsThenHangs()  # type: ignore[assignment]
    converter = DaemonConverter(no_fallback, folder=folder)
    with pytest.raises(ConversionError) as failed:
        converter.convert(
            [Job("a", tmp_path / "a.docx", tmp_path / "a.pdf"), Job("b", tmp_path / "b.docx", tmp_path / "b.pdf")]
        )
    assert failed.value.key == "a"
    assert pool.closed.is_set(), "the build went on before the daemon had stopped converting for it"


class Quick:
    """A pool that converts at once."""

    timeout = 180.0

    def convert(self, jobs, progress=None):
        for job in jobs:
            progress(Result(job.key, job.pdf, 0.0, 0))
        return []

    def close(self) -> None:
        pass


class DoneAsTheClientLeaves(Quick):
    """Its documents are done just as the client leaves: the client's leaving closes it, then it returns."""

    def __init__(self) -> None:
        self.converting, self.released, self.closed = threading.Event(), threading.Event(), False

    def convert(self, jobs, progress=None):
        if self.closed:
            raise RuntimeError("this Converter is closed")
        self.converting.set()
        self.released.wait(10)
        return []

    def close(self) -> None:
        self.closed = True
        self.released.set()


def test_a_client_leaving_as_its_documents_are_done_leaves_a_working_pool_for_the_next_build(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, folder = served
    server.pool = first = DoneAsTheClientLeaves()  # type: ignore[assignment]
    monkeypatch.setattr(daemon.Daemon, "_new_pool", lambda self: Quick())
    monkeypatch.setattr(daemon, "HEARTBEAT", 0.02)

    def job(key: str) -> dict:
        return {"key": key, "docx": str(folder / f"{key}.docx"), "pdf": str(folder / f"{key}.pdf"), "options": []}

    with contextlib.closing(client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job("A")]})) as answers:
        next(answers)  # the hello
        assert next(answers) == {"alive": True}  # the request is in hand
        assert first.converting.wait(5)
    # the first build has gone (Ctrl-C); the second must not be handed the pool its leaving closed
    answers = list(client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job("B")]}))
    assert answers[-1] == {"done": True}, answers


class Slow:
    """A pool that takes half a second for its one document."""

    timeout = 180.0

    def convert(self, jobs, progress=None):
        time.sleep(0.5)
        for job in jobs:
            progress(Result(job.key, job.pdf, 1.0, 0))
        return []

    def close(self) -> None:
        pass


def test_a_daemon_busy_longer_than_the_silence_limit_stays_trusted_by_its_heartbeat(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, folder = served
    server.pool = Slow()  # type: ignore[assignment]
    monkeypatch.setattr(daemon, "HEARTBEAT", 0.02)
    monkeypatch.setenv("BINDER_DAEMON_SILENCE", "0.2")
    job = {"key": "a", "docx": str(folder / "a.docx"), "pdf": str(folder / "a.pdf"), "options": []}
    answers = list(client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job]}))
    assert any(a.get("alive") for a in answers)
    assert answers[-2]["result"]["key"] == "a" and answers[-1] == {"done": True}


def test_a_hung_daemon_is_given_up_once_silent_for_the_limit(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, folder = served
    server.pool = pool = SlowToStop()  # type: ignore[assignment]
    monkeypatch.setattr(daemon, "HEARTBEAT", 3600.0)  # hung: not even its heartbeat
    monkeypatch.setenv("BINDER_DAEMON_SILENCE", "0.3")
    job = {"key": "a", "docx": str(folder / "a.docx"), "pdf": str(folder / "a.pdf"), "options": []}
    started = time.monotonic()
    with pytest.raises(client.DaemonSilent, match="said nothing for 0.3 s"):
        list(client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job]}))
    assert pool.converting.is_set() and time.monotonic() - started < 5


# --- with the real daemon and LibreOffice ------------------------------------------------------


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The daemon's folder, where this process's builds find it; its daemon must leave no soffice."""
    needs_libreoffice()
    folder = short_folder()
    monkeypatch.setenv("BINDER_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("BINDER_NO_DAEMON", raising=False)
    yield folder
    leftovers = stop_daemon(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert not leftovers, "the daemon left LibreOffice running"


def jobs(folder: Path, *keys: str) -> list[Job]:
    made = []
    for key in keys:
        document = Document()
        document.add_heading(f"{key} Purpose", 1)
        document.add_paragraph(f"The body of {key}.")
        document.save(folder / f"{key}.docx")
        made.append(Job(key, folder / f"{key}.docx", folder / "pdf" / f"{key}.pdf"))
    return made


def text(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


def no_fallback() -> Converter:
    raise AssertionError("the daemon should have converted")


@pytest.mark.slow
def test_a_client_killed_mid_request_leaves_a_daemon_that_converts(runtime: Path, tmp_path: Path) -> None:
    many = jobs(tmp_path, *(f"K-{n}" for n in range(8)))
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from binder.convert.base import Job, Result
        from binder.convert.client import DaemonConverter
        jobs = [Job(k, Path(d), Path(p)) for k, d, p in {[(j.key, str(j.docx), str(j.pdf)) for j in many]!r}]
        DaemonConverter(lambda: None).convert(jobs, lambda r: print(r.key, flush=True))
        """
    )
    victim = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert victim.stdout is not None
    first = victim.stdout.readline()  # one document done: the request is under way
    assert first.startswith("K-"), first
    before = ask(runtime, "status")
    victim.kill()
    victim.wait()
    (tmp_path / "after").mkdir()
    [job] = jobs(tmp_path / "after", "AFTER")
    with DaemonConverter(no_fallback) as converter:
        [result] = converter.convert([job])
    assert "The body of AFTER." in text(result.pdf)
    after = ask(runtime, "status")
    assert before and after and after["pid"] == before["pid"]


@pytest.mark.slow
def test_a_daemon_killed_mid_request_leaves_the_rest_to_a_local_converter(runtime: Path, tmp_path: Path) -> None:
    todo = jobs(tmp_path, *(f"D-{n}" for n in range(5)))
    killed = []

    def kill_daemon(result) -> None:
        if not killed:
            status = ask(runtime, "status")
            assert status is not None
            os.killpg(status["pid"], signal.SIGKILL)
            killed.append(status["pid"])

    local = tmp_path / "lo"
    warned: list[str] = []
    with DaemonConverter(lambda: Converter(workers=1, workdir=local), warn=warned.append) as converter:
        results = converter.convert(todo, kill_daemon)
    assert [r.key for r in results] == [j.key for j in todo]
    for job in todo:
        assert f"The body of {job.key}." in text(job.pdf)
    [line] = warned
    assert line.startswith("converter daemon lost")
    assert not soffice_under(local)


@pytest.mark.slow
def test_an_idle_daemon_exits_leaving_no_soffice_and_no_socket(
    runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BINDER_DAEMON_IDLE", "3")
    with DaemonConverter(no_fallback) as converter:
        [result] = converter.convert(jobs(tmp_path, "IDLE"))
    assert "The body of IDLE." in text(result.pdf)
    status = ask(runtime, "status")
    assert status is not None and status["soffice"]
    deadline = time.monotonic() + 30
    while client.alive(status["pid"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not client.alive(status["pid"])
    assert not (runtime / daemon.SOCKET).exists() and not (runtime / daemon.PID_FILE).exists()
    assert not soffice_under(runtime)
