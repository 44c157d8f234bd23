"""Graphviz is bounded: a flow too large to lay out within --timeout is an error naming the SOP,
and Ctrl-C stops the layout at once, leaving no Graphviz behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import wb

pytestmark = pytest.mark.slow


def huge_flow(n: int = 150) -> dict:
    """An SOP of ``n`` decisions jumping across each other: minutes of work for Graphviz's layout."""
    data = wb.base()
    data["SOPs"].append(
        {
            "SOP ID": "OPS-900",
            "Title": "Huge flow",
            "Department": "OPS",
            "Version": "0.1",
            "Status": "Draft",
            "Owner": "Sam Lee",
            "Purpose": "Stress the layout.",
        }
    )
    for i in range(1, n + 1):
        data["Steps"].append(
            {
                "SOP ID": "OPS-900",
                "Step": str(i),
                "Action": f"Is check {i} passed?",
                "Type": "Decision",
                "If yes, go to": str(i % n + 1),
                "If no, go to": str((i * 37) % n + 1),
                "Responsible": "Receiver",
            }
        )
    return data


def dots_under(ancestor: int) -> list[int]:
    """The Graphviz ``dot`` processes descending from ``ancestor`` (other tests and builds run theirs)."""
    found = subprocess.run(["pgrep", "-x", "dot"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found if _descends(int(pid), ancestor)]


def _descends(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent's pid, after the command's name
        if pid == ancestor:
            return True
    return False


def test_a_flow_too_large_to_draw_in_time_is_an_error_naming_the_sop(tmp_path):
    wb.write(tmp_path / "book.xlsx", huge_flow())
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "binder", "build", "book.xlsx", "--out", "out", "--quiet", "--timeout", "5"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert (
        "book.xlsx:SOPs!A5: error: the flowchart of OPS-900 (150 steps) could not be drawn within 5 seconds"
        in result.stderr
    )
    assert "[flowchart-too-large]" in result.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_ctrl_c_while_graphviz_lays_out_stops_it_at_once(tmp_path):
    wb.write(tmp_path / "book.xlsx", huge_flow())
    proc = subprocess.Popen(
        [sys.executable, "-m", "binder", "build", "book.xlsx", "--out", "out", "--quiet", "--timeout", "300"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (dots := dots_under(proc.pid)):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stopped = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - stopped < 10
    assert not any(Path(f"/proc/{pid}").exists() for pid in dots)  # also none left orphaned
