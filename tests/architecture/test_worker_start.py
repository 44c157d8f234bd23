"""Worker processes fork from a process that imported their code once (``binder.parallel.start_forkserver``),
started by a build of enough SOPs as it begins: no render or assembly process imports it again."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parent.parent / "support"
SCRIPT = """
import sys
import multiprocessing.forkserver
from binder.parallel import in_processes, start_forkserver
from pool_calls import loaded
if sys.argv[1] == "early":
    start_forkserver(["binder.issue.assemble"])
print(sorted(result for _, result in in_processes(loaded, [("binder.issue.assemble",), ("pikepdf",)], 2)))
pid = multiprocessing.forkserver._forkserver._forkserver_pid
status = open(f"/proc/{pid}/status").read()
blocked = int(next(line for line in status.splitlines() if line.startswith("SigBlk")).split()[1], 16)
print(bool(blocked & 1 << 1), bool(blocked & 1 << 14))  # SIGINT (2) and SIGTERM (15)
"""


def _workers_found(mode: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SUPPORT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_workers_forked_after_an_early_start_have_their_code_imported_already():
    # pikepdf: imported by binder.issue.assemble. Either way the forkserver keeps SIGINT and SIGTERM blocked
    # (a Ctrl-C during its imports is the build's to handle, not a traceback of its own)
    assert _workers_found("early") == "[True, True]\nTrue True"
    assert _workers_found("late") == "[False, False]\nTrue True"


def test_a_build_of_enough_sops_starts_the_forkserver_first_build_or_rebuild(tmp_path, monkeypatch):
    from binder import build as building
    from binder.options import BuildOptions

    for name in building.WORKER_MODULES:  # the forkserver skips a name it cannot import, without a word
        importlib.import_module(name)
    started = []
    monkeypatch.setattr(building, "start_forkserver", started.append)
    monkeypatch.setattr(building.os, "cpu_count", lambda: 2)
    building.start_workers(BuildOptions(out=tmp_path, jobs=3), 8)
    assert started == [building.WORKER_MODULES]
    building.start_workers(BuildOptions(out=tmp_path, jobs=1), 200)  # one process: no workers at all
    building.start_workers(BuildOptions(out=tmp_path, jobs=3), 7)  # rendered and assembled in this process
    assert len(started) == 1
    (tmp_path / "manifest.json").write_text("{}")
    building.start_workers(BuildOptions(out=tmp_path, jobs=3), 200)  # a rebuild assembles while it writes the site
    assert len(started) == 2
