"""``binder build`` with the converter daemon, as a user runs it: the second build converts on the
LibreOffice the first one started; builds at once share it; ``--no-daemon`` and ``binder converters stop``
leave no LibreOffice running; a daemon killed mid-build does not fail or hang the build."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import wb
from daemons import converting
from processes import soffice_under
from pypdf import PdfReader

from binder.convert import client

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"


def binder(runtime: Path, *args: str | Path, **env: str) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k != "BINDER_NO_DAEMON"}
    environ.update(BINDER_RUNTIME_DIR=str(runtime), **env)
    return subprocess.Popen(
        [sys.executable, "-m", "binder", *map(str, args)],
        cwd=REPO,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ok(proc: subprocess.Popen, seconds: float = 120) -> str:
    out, err = proc.communicate(timeout=seconds)
    assert proc.returncode == 0, err
    return err


def build(runtime: Path, workbook: Path, out: Path, *extra: str, **env: str) -> subprocess.Popen:
    return binder(runtime, "build", workbook, "--out", out, "-q", "--no-cache", "--jobs", "2", *extra, **env)


def sop_pdfs_are_right(out: Path) -> None:
    pdfs = sorted((out / "sops").rglob("*.pdf")) if (out / "sops").exists() else sorted(out.rglob("*-*.pdf"))
    ids = [s["SOP ID"] for s in wb.base()["SOPs"]]
    found = {sop_id for pdf in pdfs for sop_id in ids if sop_id in PdfReader(pdf).pages[0].extract_text()}
    assert found == set(ids), pdfs


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return wb.write(tmp_path / "small.xlsx")


def test_the_second_build_converts_on_the_first_ones_libreoffice(runtime: Path, workbook: Path, tmp_path: Path) -> None:
    ok(build(runtime, workbook, tmp_path / "one"))
    first = client.ask(runtime, "status")
    assert first and first["conversions"] > 0 and first["soffice"]
    assert oct(os.stat(runtime).st_mode & 0o777) == "0o700"
    assert oct(os.stat(runtime / "converter.sock").st_mode & 0o777) == "0o600"
    ok(build(runtime, workbook, tmp_path / "two"))
    second = client.ask(runtime, "status")
    assert second and second["pid"] == first["pid"]
    assert second["conversions"] > first["conversions"]
    assert second["soffice"] == first["soffice"], "the second build started LibreOffice again"
    sop_pdfs_are_right(tmp_path / "two")


def test_builds_at_once_share_the_daemon(runtime: Path, workbook: Path, tmp_path: Path) -> None:
    builds = [build(runtime, workbook, tmp_path / name) for name in ("a", "b")]
    for proc in builds:
        ok(proc)
    for name in ("a", "b"):
        sop_pdfs_are_right(tmp_path / name)
    status = client.ask(runtime, "status")
    assert status and status["conversions"] >= 2 * len(wb.base()["SOPs"])


def test_no_daemon_leaves_no_soffice_and_stop_stops_it(runtime: Path, workbook: Path, tmp_path: Path) -> None:
    ok(build(runtime, workbook, tmp_path / "own", "--no-daemon"))
    assert client.ask(runtime, "status") is None and not soffice_under(tmp_path / "own")
    sop_pdfs_are_right(tmp_path / "own")
    ok(build(runtime, workbook, tmp_path / "shared"))
    status = client.ask(runtime, "status")
    assert status and soffice_under(runtime)
    stopped = binder(runtime, "converters", "stop")
    assert "converter daemon stopped" in stopped.communicate(timeout=60)[0]
    assert not client.alive(status["pid"]) and not soffice_under(runtime)
    assert not (runtime / "converter.sock").exists()


def test_a_daemon_killed_mid_build_neither_fails_nor_hangs_the_build(runtime: Path, tmp_path: Path) -> None:
    proc = build(runtime, EXAMPLE, tmp_path / "out")
    status = converting(runtime)
    os.killpg(status["pid"], signal.SIGKILL)
    err = ok(proc, seconds=180)
    [line] = [line for line in err.splitlines() if "daemon" in line]
    assert line.startswith("warning: converter daemon lost")
    assert (tmp_path / "out" / "manifest.json").exists()


def test_a_hung_daemon_is_killed_and_the_build_converts_on_its_own(runtime: Path, tmp_path: Path) -> None:
    proc = build(runtime, EXAMPLE, tmp_path / "out", BINDER_DAEMON_SILENCE="3")
    status = converting(runtime)
    os.kill(status["pid"], signal.SIGSTOP)  # hung: it sends nothing more, not even its heartbeat
    try:
        err = ok(proc, seconds=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(status["pid"], signal.SIGCONT)
    [line] = [line for line in err.splitlines() if "daemon" in line]
    assert line.startswith("warning: converter daemon lost (it has said nothing for 3 s)")
    assert not client.alive(status["pid"])
    assert not soffice_under(runtime / "profiles")
    sop_pdfs_are_right(tmp_path / "out")


def test_ctrl_c_mid_conversion_stops_the_daemons_work_before_the_build_exits(
    runtime: Path, workbook: Path, tmp_path: Path
) -> None:
    """The build removes its staging folder as it exits: the daemon's LibreOffice must have stopped
    converting for it by then, or it could write into the folder while it is removed."""
    out = tmp_path / "out"
    proc = build(runtime, EXAMPLE, out)
    status = converting(runtime)
    assert soffice_under(runtime)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert not soffice_under(runtime), "the daemon's LibreOffice still converts for a build that has gone"
    assert not [p.name for p in out.glob(".binder-*") if p.name != ".binder-lock"]
    ok(build(runtime, workbook, tmp_path / "next"))
    after = client.ask(runtime, "status")
    assert after and after["pid"] == status["pid"]
    sop_pdfs_are_right(tmp_path / "next")


def test_the_daemon_starts_while_the_workbook_is_read_and_outlives_a_workbook_with_errors(
    runtime: Path, tmp_path: Path
) -> None:
    """LibreOffice boots while the workbook is read, not after; a workbook with errors still changes nothing
    in the output folder (not even making it), and the daemon it started serves the build after the fix."""
    data = wb.base()
    data["SOPs"][0]["Department"] = "HR"
    book = wb.write(tmp_path / "book.xlsx", data)
    proc = build(runtime, book, tmp_path / "out")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "unknown-department" in err, err
    assert not (tmp_path / "out").exists()
    deadline = time.monotonic() + 30
    while not (status := client.ask(runtime, "status")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status, "no converter daemon was started"
    ok(build(runtime, wb.write(book), tmp_path / "out"))
    after = client.ask(runtime, "status")
    assert after and after["pid"] == status["pid"] and after["conversions"] > 0
    sop_pdfs_are_right(tmp_path / "out")
