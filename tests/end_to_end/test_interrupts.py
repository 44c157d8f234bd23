"""Interrupts always win: Ctrl-C or SIGTERM at any moment of a real build.

Fifteen SIGINTs and fifteen SIGTERMs land at seeded random moments across builds that
re-issue every binder and pack, half of them converting on the user's converter daemon (the
default) and half on their own LibreOffice (``--no-daemon``). Each time, either the build stops with 130/143 and the output
folder is byte for byte (and mode for mode) what it was, or it finished with 0 and every binder
and pack passes ``qpdf --check`` with every link annotation whole. Set BINDER_INTERRUPT_SEED
to replay a failure; the seed is printed in every assertion message.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import wb
from daemons import short_folder, stop_daemon
from pypdf import PdfReader

pytestmark = pytest.mark.slow

RUNS = 30
SITE_FAILED = "Fatal Python error: init_import_site: Failed to import the site module"


def snapshot(folder: Path) -> dict[str, tuple]:
    found = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[path.relative_to(folder).as_posix()] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), data)
    return found


def build(book: Path, out: Path, daemon: Path | None = None) -> subprocess.Popen:
    """A build of its own single LibreOffice, rendering in-process; or one as a user runs it, converting on the
    daemon in the folder ``daemon`` and rendering and assembling in worker processes (the default ``--jobs``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("BINDER_NO_DAEMON", "BINDER_RUNTIME_DIR")}
    env.update({"BINDER_RUNTIME_DIR": str(daemon)} if daemon else {"BINDER_NO_DAEMON": "1"})
    jobs = () if daemon else ("--jobs", "1")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "binder",
            "build",
            str(book),
            "--out",
            str(out),
            "--quiet",
            "--allow-unversioned",
            *jobs,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def daemon_folder() -> Iterator[Path]:
    """The converter daemon's folder for this test; the daemon is stopped after, and must have left no
    LibreOffice running."""
    folder = short_folder()
    yield folder
    leftovers = stop_daemon(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert not leftovers, "the daemon left LibreOffice running"


def write_variant(book: Path, n: int) -> None:
    """A workbook whose SOPs and binders all differ from the previous variant's."""
    data = wb.base()
    data["Settings"][0]["Value"] = f"Acme Ltd {n}"
    wb.write(book, data)


def links_whole(pdf: Path) -> str:
    """Why a link annotation of ``pdf`` is broken, or ""."""
    reader = PdfReader(pdf)
    for number, page in enumerate(reader.pages, 1):
        for ref in page.get("/Annots") or ():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            rect = annot.get("/Rect")
            if rect is None or len(rect) != 4:
                return f"page {number}: a link without a rectangle"
            action = annot.get("/A")
            if action is None and annot.get("/Dest") is None:
                return f"page {number}: a link without a target"
            if action is not None and action.get("/S") == "/GoTo":
                target = action["/D"][0].get_object()
                if not any(target == p.get_object() for p in reader.pages):
                    return f"page {number}: a jump to a page that is not in the file"
            if action is not None and action.get("/S") == "/URI" and not str(action.get("/URI", "")):
                return f"page {number}: a web link without an address"
    return ""


def check_complete(out: Path, seed: int, run: int) -> None:
    issued = sorted((out / "binders").glob("*.pdf")) + sorted((out / "packs").glob("*.pdf"))
    assert issued, f"seed {seed}, run {run}: a finished build wrote no binder"
    for pdf in issued:
        qpdf = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert qpdf.returncode == 0, f"seed {seed}, run {run}: {pdf.name}: {qpdf.stdout[-300:]}"
        assert links_whole(pdf) == "", f"seed {seed}, run {run}: {pdf.name}: {links_whole(pdf)}"


def test_a_signal_at_any_moment_leaves_the_output_whole(tmp_path, daemon_folder):
    seed = int(os.environ.get("BINDER_INTERRUPT_SEED") or random.SystemRandom().randrange(1 << 30))
    rng = random.Random(seed)
    book, out = tmp_path / "book.xlsx", tmp_path / "out"
    # The time scale of the signals: a warm build's (the first one also starts what later builds find running, and
    # timed under a busy machine it was long enough that most runs finished before their signal).
    durations = []
    for variant in (0, -1):
        write_variant(book, variant)
        started = time.monotonic()
        made = build(book, out)
        assert made.wait(300) == 0, made.communicate()
        durations.append(time.monotonic() - started)
    duration = min(durations)
    signals = [signal.SIGINT] * (RUNS // 2) + [signal.SIGTERM] * (RUNS // 2)
    rng.shuffle(signals)
    daemons = [daemon_folder, None] * (RUNS // 2)
    rng.shuffle(daemons)
    outcomes = {"interrupted": 0, "finished": 0}
    for run, (signum, daemon) in enumerate(zip(signals, daemons), 1):
        write_variant(book, run)
        before = snapshot(out)
        proc = build(book, out, daemon)
        moment = rng.uniform(0.05, duration * 1.1)
        try:
            proc.wait(moment)
        except subprocess.TimeoutExpired:
            proc.send_signal(signum)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(
                f"seed {seed}, run {run}: the build did not stop within 120 s of {signum.name}"
            ) from None
        where = f"seed {seed}, run {run}, {signum.name} at {moment:.2f} s ({'daemon' if daemon else 'no daemon'})"
        if proc.returncode == 0:
            outcomes["finished"] += 1
            check_complete(out, seed, run)
        else:
            # -signum: the signal came while Python itself was starting, before binder could handle it
            # (the shell shows that as 128 + signum too); binder's own handling exits 128 + signum.
            # A SIGINT while Python still imports its site module (the venv's .pth files, before any
            # code of binder's runs) is Python's own fatal start-up error, exit 1.
            python_starting = proc.returncode == 1 and err.startswith(SITE_FAILED) and signum == signal.SIGINT
            assert python_starting or proc.returncode in (128 + signum, -signum), (
                f"{where}: exit {proc.returncode}: {err[-500:]}"
            )
            if proc.returncode == 128 + signum:
                assert "Traceback" not in err, f"{where}: {err[-500:]}"
            assert snapshot(out) == before, f"{where}: the output folder changed"
            outcomes["interrupted"] += 1
        leftovers = [p.name for p in out.iterdir() if p.name.startswith(".binder-") and p.name != ".binder-lock"]
        assert not leftovers, f"{where}: left behind {leftovers}"
    assert outcomes["interrupted"] >= RUNS // 3, f"seed {seed}: too few builds were interrupted ({outcomes})"
