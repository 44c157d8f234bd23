"""A whole build through the warm build host (``binder.host``), LibreOffice included: the files, what they
say and their modes are those of the same build run in the command's own process, under the caller's umask; a
rebuild through the host assembles its binder in a worker forked from the build (``parallel.fork_from_here``)
and its files are again those of an in-process rebuild."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import wb
from daemons import needs_libreoffice, short_folder, stop_daemon
from pdfs import structure
from pypdf import PdfReader

from binder.host import handoff

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime() -> Iterator[Path]:
    needs_libreoffice()
    folder = short_folder()
    folder.chmod(0o700)
    yield folder
    leftovers = stop_daemon(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert not leftovers


def build(runtime: Path, book: Path, out: Path, here: bool) -> str:
    """``binder build`` under umask 027; ``here``: in the command's own process (the command line called
    directly, as a host's fork calls it), else as the ``binder`` command, which hands it to the host."""
    env = {k: v for k, v in os.environ.items() if k != "BINDER_NO_DAEMON"}
    env["BINDER_RUNTIME_DIR"] = str(runtime)
    args = ["build", str(book), "--out", str(out), "--allow-unversioned"]
    command = ["-c", f"from binder.cli.main import main; main({args!r})"] if here else ["-m", "binder", *args]
    done = subprocess.run(
        [sys.executable, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o027),
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def files(out: Path) -> dict[str, tuple[int, object]]:
    """Every file binder wrote, but the manifest and cache (they record when they were written): its mode and
    what it says. Word and Excel files by their parts (their zip entries and properties carry the time of
    writing), PDFs by
    pages, text and bookmarks (LibreOffice dates them); the rest by their bytes."""
    found: dict[str, tuple[int, object]] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel != "manifest.json" and not rel.startswith(".cache/"):
            found[rel] = (stat.S_IMODE(path.stat().st_mode), said(path))
    return found


def said(path: Path) -> object:
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}
    if path.suffix == ".pdf":
        reader = PdfReader(path)
        return [page.extract_text() for page in reader.pages], [
            item.title for item in reader.outline if not isinstance(item, list)
        ]
    return path.read_bytes()


def wait_for_host(runtime: Path) -> None:
    deadline = time.monotonic() + 30
    while not handoff.ask_hosts(runtime, "status"):
        assert time.monotonic() < deadline, "no build host started"
        time.sleep(0.05)


def test_a_build_and_a_rebuild_through_the_host_write_the_files_of_an_in_process_build(
    runtime: Path, tmp_path: Path
) -> None:
    book = wb.write(tmp_path / "book.xlsx")
    build(runtime, book, tmp_path / "warm-up", here=False)  # runs here, starts the daemon and a host
    wait_for_host(runtime)
    build(runtime, book, tmp_path / "hosted", here=False)
    build(runtime, book, tmp_path / "here", here=True)
    assert handoff.ask_hosts(runtime, "status")[0]["builds"] == 1
    hosted, here = files(tmp_path / "hosted"), files(tmp_path / "here")
    assert hosted.keys() == here.keys() and any(name.endswith("-binder.pdf") for name in hosted)
    assert {name for name in hosted if hosted[name] != here[name]} == set()
    assert {mode for mode, _ in hosted.values()} == {0o640}

    data = wb.base()
    data["Steps"][0]["Action"] = "Check the form twice"
    wb.write(book, data)
    build(runtime, book, tmp_path / "hosted", here=False)
    build(runtime, book, tmp_path / "here", here=True)
    assert handoff.ask_hosts(runtime, "status")[0]["builds"] == 2
    hosted, here = files(tmp_path / "hosted"), files(tmp_path / "here")
    assert {name for name in hosted if hosted[name] != here[name]} == set()
    assert any(b"twice" in data for name, (_, data) in hosted.items() if name.endswith(".html"))
    # the binder begun while its SOP converted, its front matter added last, is tagged as the one made in order
    binders = sorted(name for name in hosted if name.endswith("-binder.pdf"))
    assert binders and all(structure(tmp_path / "hosted" / n) == structure(tmp_path / "here" / n) for n in binders)
    assert all(len(structure(tmp_path / "hosted" / n)[1]) > 50 for n in binders)
