"""Binders and packs assembled in worker processes are the files one process makes, and the
processes never outlive an error or an interrupt (``binder.parallel``)."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
import wb
from pipeline import issued_files, revised_fin_001, two_packs
from pool_calls import fail_or_hang, hang, killed, square, wait_for

from binder import build as building
from binder import interrupts
from binder.build import BuildOptions, build
from binder.errors import Interrupted, ToolError
from binder.issue import issuing
from binder.parallel import in_processes


def test_issues_assembled_in_processes_are_byte_for_byte_those_made_in_one(
    tmp_path, built_once, converters, monkeypatch
):
    book, one_out, _, _ = built_once  # two_packs(), built with jobs=1
    monkeypatch.setattr(issuing, "PARALLEL_PARTS", 0)
    seen = []
    real = issuing.in_processes
    monkeypatch.setattr(issuing, "in_processes", lambda *a, **k: seen.append(a[2]) or real(*a, **k))
    build(book, BuildOptions(out=tmp_path / "two", today=wb.TODAY, jobs=2))
    assert seen == [min(2, os.cpu_count() or 1)]  # binders and packs, together
    one, two = (
        {path: data for path, data in issued_files(out).items() if path.endswith(".pdf")}
        for out in (one_out, tmp_path / "two")
    )
    assert len(one) == 4 and one == two  # 2 binders and 2 packs (their records hold the time they were written)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_results_come_back_with_the_index_of_their_call():
    assert sorted(in_processes(square, [(n,) for n in range(7)], 2)) == [(n, n * n) for n in range(7)]


def test_meanwhile_runs_here_while_the_processes_work(tmp_path):
    flag = tmp_path / "meanwhile ran"
    ran = []
    # the worker waits for the file meanwhile makes: run after the results, meanwhile would find it gave up
    done = list(in_processes(wait_for, [(str(flag),)], 2, meanwhile=lambda: ran.append(flag.touch())))
    assert done == [(0, True)] and len(ran) == 1


def test_an_error_meanwhile_stops_the_processes_at_once(tmp_path):
    os.mkfifo(tmp_path / "started")

    def fail_once_started() -> None:
        with open(os.open(tmp_path / "started", os.O_RDWR)) as started:
            started.readline()
        raise OSError(28, "No space left on device")

    started = time.monotonic()
    with pytest.raises(OSError, match="No space left"):
        list(in_processes(hang, [(0, str(tmp_path))], 2, meanwhile=fail_once_started))
    assert time.monotonic() - started < 30  # the worker's hour of work cut short, not waited for
    assert not alive(int((tmp_path / "0.pid").read_text()))


def test_a_rebuild_assembles_its_binder_in_a_worker_while_it_writes_the_site_and_makes_the_same_files(
    built, tmp_path, monkeypatch
):
    book, out = built
    alone = tmp_path / "alone"
    shutil.copytree(out, alone, symlinks=True)
    wb.write(book, revised_fin_001(two_packs()))  # one SOP changed: its binder and one pack are assembled again
    build(book, BuildOptions(out=alone, today=wb.TODAY, jobs=1))
    monkeypatch.setattr(issuing, "workers_ready", lambda: True)  # as after start_workers: the forkserver is up
    monkeypatch.setattr(building.os, "cpu_count", lambda: 2)
    handed = []
    real = issuing.in_processes
    monkeypatch.setattr(
        issuing, "in_processes", lambda f, calls, n, **k: handed.append((len(calls), n)) or real(f, calls, n, **k)
    )
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert handed == [(2, 2)]
    assert (out / "site/sops/FIN-001.html").read_bytes() == (alone / "site/sops/FIN-001.html").read_bytes()
    one, two = ({p: d for p, d in issued_files(o).items() if p.endswith(".pdf")} for o in (alone, out))
    assert one == two and "binders/FIN-binder.pdf" in one


def test_workers_are_ready_for_one_call_once_the_forkserver_is_started(monkeypatch):
    from binder import parallel

    assert not parallel.workers_ready()  # each test begins with none (tests/conftest.py)
    monkeypatch.setattr(building.os, "cpu_count", lambda: 2)
    building.start_workers(BuildOptions(out=Path("/nonexistent"), jobs=2), building.PARALLEL_SOPS)
    assert parallel.workers_ready()


def test_a_worker_killed_from_outside_is_said_as_such_not_as_a_bug():
    with pytest.raises(ToolError, match="worker process of this build ended before it finished") as raised:
        list(in_processes(killed, [(0,)], 2))
    assert "--jobs 1" in raised.value.hint


def test_the_first_error_stops_the_other_processes_at_once():
    started = time.monotonic()
    with pytest.raises(ValueError, match="first call fails"):
        list(in_processes(fail_or_hang, [(0,), (1,), (2,)], 2))
    assert time.monotonic() - started < 30


def test_an_interrupt_while_waiting_stops_every_process(tmp_path):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    interrupts.install()
    os.mkfifo(tmp_path / "started")
    both_started = threading.Event()

    def interrupt_once_both_run() -> None:
        # Opened for reading and writing, the pipe never reads as ended between the two processes' writes.
        with open(os.open(tmp_path / "started", os.O_RDWR)) as started:
            started.readline(), started.readline()
        both_started.set()
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_both_run, daemon=True).start()
    try:
        with pytest.raises(Interrupted):
            list(in_processes(hang, [(n, str(tmp_path)) for n in range(4)], 2))
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
    assert both_started.is_set()
    pids = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
    assert len(pids) == 2
    for pid in pids:
        assert not alive(pid)


def test_the_builds_own_libreoffice_is_stopped_before_assembly_begins(tmp_path, converters, monkeypatch):
    closed_when_assembling = []
    real = issuing.assemble

    def assemble(doc, out):
        closed_when_assembling.append(converters[-1].closed)
        return real(doc, out)

    monkeypatch.setattr(issuing, "assemble", assemble)
    build(wb.write(tmp_path / "book.xlsx", two_packs()), BuildOptions(out=tmp_path / "out", today=wb.TODAY, jobs=1))
    assert closed_when_assembling == [True] * 4
