"""``binder watch`` as a real process on a real workbook, with LibreOffice: the first build, a save by
rename, a save with an error then its fix, an Excel lock file, Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import wb
from pdfs import page_texts, squash

pytestmark = pytest.mark.slow


class Watch:
    """``binder watch`` running in ``folder``; its stderr gathered line by line as it comes."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "binder", "watch", "book.xlsx", "--out", "out", "--jobs", "1", "--quiet", *args],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self, since: int = 0) -> str:
        return "\n".join(self.lines[since:])

    def wait_for(self, pattern: str, since: int, timeout: float = 60, settle: bool = True) -> str:
        """The output from line ``since`` on, once a line matches ``pattern`` and (``settle``) the
        lines printed with it have arrived: a report's lines come in separate writes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, line) for line in self.lines[since:]):
                return self._settled(since) if settle else self.text(since)
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader catch the last lines
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.text()}")

    def _settled(self, since: int) -> str:
        seen = -1
        while seen != len(self.lines):
            seen = len(self.lines)
            time.sleep(0.5)
        return self.text(since)

    def stop(self, signum: int) -> int:
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def revised(title: str, version: str, day: int, department: str = "FIN") -> dict:
    """The base workbook with FIN-001 retitled, at ``version``, with its revision row."""
    data = wb.base()
    sop = data["SOPs"][0]
    sop.update({"Title": title, "Version": version, "Department": department})
    data["Revisions"].insert(
        2,
        {"SOP ID": "FIN-001", "Version": version, "Date": date(2026, 2, day), "Author": "Dana Ruiz", "Change": title},
    )
    return data


def save_by_rename(book: Path, data: dict) -> None:
    """As Excel and LibreOffice save: write a temporary file beside the workbook, rename it over."""
    temporary = book.with_name("5A1F09C2.tmp")
    wb.write(temporary, data)
    os.replace(temporary, book)


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of the output folder, LibreOffice's running profiles aside."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.relative_to(out).parts[0].startswith(".binder-lo-")
    }


def soffice_running_in(folder: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "soffice" in command and str(folder) in command:
            found.append(command)
    return found


def fin_text(out: Path) -> str:
    return squash(" ".join(page_texts(out / "sops" / "FIN-001.pdf")))


def test_watch_rebuilds_on_saves_keeps_output_on_errors_and_stops_cleanly(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    watch = Watch(tmp_path)
    try:
        watch.wait_for(r"^watching book\.xlsx", 0, timeout=120)
        assert "Payroll processing" in fin_text(out)
        running = soffice_running_in(out)
        assert running and all(".binder-lo-" in c for c in running), "LibreOffice is kept running between builds"

        # a save by rename of an edited workbook: FIN-001 re-issued with its new title and version
        mark = len(watch.lines)
        save_by_rename(book, revised("Payroll processing for contractors", "2.1", 10))
        said = watch.wait_for(r"SOPs re-issued:", mark)
        assert "book.xlsx saved" in said
        assert re.search(r"SOPs re-issued: FIN-001$", said, re.M), said
        assert "binders/FIN-binder.pdf: issued" in said and "binders/OPS-binder.pdf" not in said
        text = fin_text(out)
        assert "Payroll processing for contractors" in text and "2.1" in text

        # Excel's lock file appearing beside the workbook is not a save
        mark = len(watch.lines)
        (tmp_path / "~$book.xlsx").write_bytes(b"\x0bDana Ruiz" + b"\x00" * 150)
        time.sleep(1.5)
        assert watch.lines[mark:] == []

        # a save with an error: reported with its cell, the output left byte for byte
        before = snapshot(out)
        save_by_rename(book, revised("Payroll processing v3", "2.2", 12, department="XXX"))
        said = watch.wait_for(r"^not built:", mark)
        assert wb.cell("SOPs", "Department", 0) in said and ": error:" in said, said
        assert snapshot(out) == before

        # the fix builds what the erroneous save held
        mark = len(watch.lines)
        save_by_rename(book, revised("Payroll processing v3", "2.2", 12))
        said = watch.wait_for(r"SOPs re-issued:", mark)
        assert re.search(r"SOPs re-issued: FIN-001$", said, re.M), said
        assert "Payroll processing v3" in fin_text(out)

        assert watch.stop(signal.SIGINT) == 130
        assert "stopped watching" in watch.text()
        assert soffice_running_in(tmp_path) == []
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".binder-")) == [".binder-lock"]
    finally:
        watch.kill()


def test_sigterm_during_a_rebuild_leaves_the_last_output(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    watch = Watch(tmp_path)
    try:
        watch.wait_for(r"^watching book\.xlsx", 0, timeout=120)
        before = snapshot(out)
        mark = len(watch.lines)
        save_by_rename(book, revised("Payroll processing for contractors", "2.1", 10))
        watch.wait_for(r"book\.xlsx saved: building", mark, settle=False)
        # the rebuild is now converting FIN-001 (seconds of LibreOffice work)
        time.sleep(0.3)
        assert watch.stop(signal.SIGTERM) == 143
        assert not re.search(r"SOPs re-issued: FIN-001", watch.text(mark))
        assert snapshot(out) == before
        assert soffice_running_in(tmp_path) == []
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".binder-")) == [".binder-lock"]
    finally:
        watch.kill()
