"""How many LibreOffice and Python processes a build uses when ``--jobs`` is not given."""

from __future__ import annotations

import os
from pathlib import Path

from binder.build import _processes
from binder.cli.build import build_options
from binder.options import BuildOptions

SHARED = dict(
    include_drafts=False,
    strict=False,
    no_style=False,
    strict_style=False,
    ignore=(),
    force=False,
    timeout=180.0,
    wait=0.0,
    allow_unversioned=False,
    no_cache=False,
)


def test_libreoffice_gets_one_process_more_than_the_cpus_by_default(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert build_options(out=Path("out"), jobs=None, **SHARED).jobs == 3
    assert build_options(out=Path("out"), jobs=1, **SHARED).jobs == 1


def test_rendering_and_assembly_never_use_more_processes_than_cpus(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert _processes(BuildOptions(out=Path("out"), jobs=3)) == 2
    assert _processes(BuildOptions(out=Path("out"), jobs=1)) == 1


def test_the_converter_daemon_runs_one_libreoffice_more_than_the_cpus(monkeypatch, tmp_path):
    from binder.convert import daemon

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    pool = daemon.Daemon._new_pool(type("Fake", (), {"folder": tmp_path})())
    assert pool.workers == 3
    pool.close()
