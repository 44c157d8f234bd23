"""A build run unattended: killed workers, timeouts, Ctrl-C, SIGTERM, two builds at once.

Each time the output folder must be either the complete new build or exactly the
previous one (every file hashed), and no LibreOffice process may be left running.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import soffice_under

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "binder", "build", str(EXAMPLE), "--out", str(out), "--quiet", "--no-cache", *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_soffice(folder: Path, proc: subprocess.Popen, seconds: float = 60) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = soffice_under(folder)
        if pids:
            return pids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("LibreOffice never started")


def complete(out: Path) -> bool:
    """Every file the manifest lists exists with its recorded hash."""
    manifest = json.loads((out / "manifest.json").read_text())
    for doc in manifest["documents"]:
        for kind in ("docx", "pdf"):
            if hashlib.sha256((out / doc[kind]).read_bytes()).hexdigest() != doc["sha256"][kind]:
                return False
    return all(
        hashlib.sha256((out / b["path"]).read_bytes()).hexdigest() == b["sha256"]
        for b in manifest["binders"] + manifest["packs"]
    )


def no_leftovers(folder: Path) -> None:
    time.sleep(0.3)
    assert soffice_under(folder) == []
    assert [p.name for p in folder.iterdir() if p.name.startswith(".output.")] == []
    out = folder / "output"
    if out.is_dir():  # no staging, backup, journal or LibreOffice profile left in the output folder
        assert [p.name for p in out.iterdir() if p.name.startswith(".binder-")] in ([], [".binder-lock"])


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A finished build to protect, copied fresh into each test's folder."""
    folder = tmp_path_factory.mktemp("previous")
    result = subprocess.run(
        [sys.executable, "-m", "binder", "build", str(EXAMPLE), "--out", str(folder / "output"), "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return folder / "output"


@pytest.fixture
def out(previous, tmp_path):
    target = tmp_path / "output"
    shutil.copytree(previous, target)
    return target


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_changes_nothing(out, tmp_path, signum, code):
    before = snapshot(out)
    proc = start(out)
    wait_for_soffice(tmp_path, proc)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted: nothing was changed in the output folder"
    assert snapshot(out) == before
    no_leftovers(tmp_path)


def test_a_worker_killed_mid_build_is_restarted_and_the_build_completes(out, tmp_path):
    proc = start(out, "--jobs", "1")
    pids = wait_for_soffice(tmp_path, proc)
    time.sleep(0.3)
    os.kill(pids[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert complete(out)
    no_leftovers(tmp_path)


def test_a_document_that_times_out_fails_the_build_naming_it_and_keeps_the_output(out, tmp_path):
    before = snapshot(out)
    proc = start(out, "--jobs", "1", "--timeout", "0.01")
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 3, stderr
    assert "FIN-001" in stderr and "Traceback" not in stderr
    assert snapshot(out) == before
    no_leftovers(tmp_path)


def test_two_builds_at_once_never_write_together(out, tmp_path):
    first = start(out)
    wait_for_soffice(tmp_path, first)
    second = start(out)
    _, second_err = second.communicate(timeout=300)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 3 and "another build is writing" in second_err and "output/.binder-lock" in second_err
    assert complete(out)
    no_leftovers(tmp_path)


def test_a_second_build_can_wait_for_the_first(out, tmp_path):
    first = start(out)
    wait_for_soffice(tmp_path, first)
    second = start(out, "--wait", "120")
    assert second.wait(timeout=300) == 0, second.communicate()
    assert first.wait(timeout=300) == 0
    assert complete(out)
    no_leftovers(tmp_path)


def test_a_hung_converter_is_killed_after_the_timeout_and_the_document_retried(out, tmp_path):
    proc = start(out, "--jobs", "1", "--timeout", "4")
    pids = wait_for_soffice(tmp_path, proc)
    time.sleep(0.5)
    os.kill(pids[0], signal.SIGSTOP)  # hangs whatever document it is converting
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert complete(out)
    no_leftovers(tmp_path)
