"""A converter daemon started before LibreOffice was upgraded (or from another LibreOffice on PATH) is replaced,
not used: its soffice would still be the old one while the cache keys name the new."""

import os
import stat

from binder.convert import daemon
from binder.files import program_files


def _install(bin_dir, version: str) -> None:
    for name in ("soffice.bin", "soffice"):
        new = bin_dir / (name + ".new")
        new.write_text(f"#!/bin/sh\necho 'LibreOffice {version}'\n")
        new.chmod(new.stat().st_mode | stat.S_IXUSR)
        new.replace(bin_dir / name)  # new files, as a package manager installs them


def test_the_daemons_fingerprint_changes_with_the_libreoffice_it_would_run(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _install(bin_dir, "7.4")
    before = daemon.fingerprint()
    assert daemon.fingerprint() == before  # nothing installed: the running daemon is used
    assert program_files("soffice") is not None
    _install(bin_dir, "24.2")
    assert daemon.fingerprint() != before
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))  # no LibreOffice at all: yet another
    assert program_files("soffice") is None and daemon.fingerprint() not in (before,)
