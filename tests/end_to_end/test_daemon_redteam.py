"""The converter daemon as a clumsy colleague or bad luck meets it: stopped, terminated, hung or idled out at
the wrong moment, and a build interrupted while another converts. Each case was found failing by a red-team
pass over README's "The converter daemon"; its docstring says what a user then met. The first tests serve from
a thread of this process without LibreOffice; the slow ones run real builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from daemons import ConvertsUntilClosed, converting
from pypdf import PdfReader

from binder.convert import client, daemon
from binder.convert.base import Job, Result, check_pdf
from binder.convert.client import DaemonConverter

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"


# --- without LibreOffice ------------------------------------------------------------------------


class TakesASecond(ConvertsUntilClosed):
    """A pool that converts each request in a second, and fails as the real one does when it is closed meanwhile."""

    def convert(self, jobs, progress=None):
        self.converting.set()
        if self.closed.wait(1.0):
            raise RuntimeError("the Converter was closed while converting")
        for job in jobs:
            Path(job.pdf).write_bytes(b"%PDF-1.4 from the daemon\n")
            progress(Result(job.key, job.pdf, 1.0, 0))
        return []


class OwnLibreOffice:
    """The build's own converter, as ``build.make_converter`` hands the daemon client for a fallback."""

    def convert(self, jobs, progress=None):
        results = []
        for job in jobs:
            Path(job.pdf).write_bytes(b"%PDF-1.4 converted locally\n")
            results.append(Result(job.key, job.pdf, 0.1, 0))
        return results

    def close(self) -> None:
        pass


def test_a_daemon_stopped_mid_request_does_not_fail_the_build(
    served: tuple[daemon.Daemon, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user who runs `binder converters stop` (or `kill PID`, or starts a build of other binder code, which
    replaces the daemon) while another build converts on it gets that build failed with "error: converter
    daemon: the Converter was closed while converting", where README promises that a daemon killed mid-build
    leaves the rest of the documents to the build's own LibreOffice with one warning line. The daemon closes
    its pool under the request and answers ``fail``, which the client takes for a build error."""
    server, folder = served
    server.pool = pool = TakesASecond()  # type: ignore[assignment]
    monkeypatch.setattr(client, "alive", lambda pid: False)  # the daemon is this process: as if it had exited
    todo = [Job(key, tmp_path / f"{key}.docx", tmp_path / f"{key}.pdf") for key in ("A", "B")]
    for job in todo:
        job.docx.write_bytes(b"a Word document")

    def stop_once_converting() -> None:
        if pool.converting.wait(10):
            server.stop()  # what `binder converters stop` and SIGTERM do

    threading.Thread(target=stop_once_converting, daemon=True).start()
    results = DaemonConverter(OwnLibreOffice, folder=folder).convert(todo)
    assert [r.key for r in results] == ["A", "B"]
    assert all(check_pdf(job.pdf) == "" for job in todo)


def test_a_build_waiting_for_its_turn_leaves_at_once_when_interrupted(
    served: tuple[daemon.Daemon, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds at once: the second waits for its turn while the first converts (80 SOPs take minutes). A user
    who presses Ctrl-C on the second waits ABANDON_WAIT (30 s) for nothing: no LibreOffice converts for it, but
    the daemon answers its leaving only once the first build's conversion is over (it sits on the turn lock)."""
    server, folder = served
    server.pool = pool = ConvertsUntilClosed()  # type: ignore[assignment]
    monkeypatch.setattr(daemon, "HEARTBEAT", 0.05)  # a request in hand says so at once
    monkeypatch.setattr(client, "ABANDON_WAIT", 5.0)

    def convert(key: str):
        job = {"key": key, "docx": str(folder / f"{key}.docx"), "pdf": str(folder / f"{key}.pdf"), "options": []}
        answers = client.request(folder, {"op": "convert", "timeout": 5, "jobs": [job]})
        next(answers)  # hello
        return answers

    first = convert("FIRST")
    assert next(first) == {"alive": True}
    assert pool.converting.wait(5)
    second = convert("SECOND")
    assert next(second) == {"alive": True}, "the daemon holds the second request, waiting for its turn"
    started = time.monotonic()
    second.close()  # what Ctrl-C does to a build's request (``DaemonConverter._convert``)
    waited = time.monotonic() - started
    first.close()
    assert waited < 2.0, f"an interrupted build that was only waiting for its turn waited {waited:.1f} s to exit"


# --- real builds with LibreOffice ---------------------------------------------------------------


def build(runtime: Path, workbook: Path, out: Path) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k != "BINDER_NO_DAEMON"}
    environ["BINDER_RUNTIME_DIR"] = str(runtime)
    command = ["build", str(workbook), "--out", str(out), "-q", "--no-cache", "--jobs", "2"]
    return subprocess.Popen(
        [sys.executable, "-m", "binder", *command],
        cwd=REPO,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_daemon_terminated_mid_build_leaves_the_rest_to_the_builds_own_libreoffice(
    runtime: Path, tmp_path: Path
) -> None:
    """`kill PID` (SIGTERM, as a logout, `systemctl` or a colleague's `kill` sends) of the daemon while a build
    converts fails that build ("error: converter daemon: the Converter was closed while converting", exit 3, 3 runs
    in 3) where README promises the rest of the documents converted by the build's own LibreOffice, one warning."""
    out = tmp_path / "out"
    proc = build(runtime, EXAMPLE, out)
    status = converting(runtime)
    os.kill(status["pid"], signal.SIGTERM)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    [line] = [line for line in err.splitlines() if "daemon" in line]
    assert line.startswith("warning: converter daemon lost")
    pdfs = sorted((out / "sops").glob("*.pdf"))
    assert len(pdfs) == 14, pdfs  # the example's SOPs
    for pdf in pdfs:  # each SOP PDF shows its own SOP ID on page 1
        assert pdf.stem in PdfReader(pdf).pages[0].extract_text(), pdf


@pytest.mark.slow
def test_a_daemon_the_build_started_that_idled_out_before_it_was_needed_is_started_again(
    runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build starts the daemon as it begins and waits for it only once the workbook is read. With
    BINDER_DAEMON_IDLE shorter than that read (BINDER_DAEMON_IDLE=1 and the 14-SOP example: 1 build in 2), the
    daemon has served nobody and left by then, and the build prints "warning: converter daemon unavailable
    (the converter daemon did not start (see .../daemon.log))" and converts everything on its own LibreOffice:
    a daemon that started, served and left as told is taken for one that could not start."""
    monkeypatch.setenv("BINDER_DAEMON_IDLE", "0.5")
    client.start_daemon(runtime, wait=False)  # what ``build.start_converters`` does as a build begins
    log = runtime / daemon.LOG_FILE
    deadline = time.monotonic() + 60
    while "stopped" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "stopped" in log.read_text(), "the early daemon never idled out"
    monkeypatch.setenv("BINDER_DAEMON_IDLE", "60")
    client.ensure_daemon(runtime)  # what the build does once it has documents to convert
    assert client.ask(runtime, "status") is not None


@pytest.mark.slow
def test_converters_stop_stops_a_hung_daemon_and_a_build_does_not_wait_on_it(runtime: Path) -> None:
    """A daemon that hangs between builds (SIGSTOP here; a deadlock alike) accepts connections but never answers.
    `binder converters stop` (and `status`) then takes 35 s (5 s for the hello, then ABANDON_WAIT for the hung
    daemon to close) and says "no converter daemon running", leaving it and its LibreOffice running for good; the
    next `binder build` silently waits twice that (70 s: a 10 s build took 80 s), then starts a second daemon
    beside it. README: `binder converters stop` stops it and its LibreOffice; a hung daemon is killed."""
    client.ensure_daemon(runtime)
    status = client.ask(runtime, "status")
    assert status is not None
    os.kill(status["pid"], signal.SIGSTOP)
    try:
        environ = {**os.environ, "BINDER_RUNTIME_DIR": str(runtime)}
        started = time.monotonic()
        stopped = subprocess.run(
            [sys.executable, "-m", "binder", "converters", "stop"],
            cwd=REPO,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
        assert not client.alive(status["pid"]), (
            f"{stopped.stdout.strip()!r} after {took:.0f} s; the daemon is still there"
        )
        assert took < 20, f"stopping a hung daemon took {took:.0f} s"
    finally:
        if client.alive(status["pid"]):
            os.killpg(status["pid"], signal.SIGKILL)
            client.orphans_gone(runtime, status["pid"])  # its LibreOffice runs in process groups of their own
