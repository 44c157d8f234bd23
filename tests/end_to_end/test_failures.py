"""Failures a person causes or can fix get a clear message, never "internal error", and the output
folder is left as it was: a full disk, a read-only or mounted folder, the current folder, a folder
of the user's, a broken template under any --jobs.

Mounting needs root (as in CI); elsewhere those tests are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import wb

pytestmark = pytest.mark.slow


def binder(*args, cwd):
    return subprocess.run([sys.executable, "-m", "binder", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def mount(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = []

    def make(path: Path, options: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
        mounted.append(path)
        return path

    yield make
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def no_internal_error(result) -> None:
    assert result.returncode not in (0, 4), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_a_full_disk_is_named_and_the_previous_output_stays(tmp_path, mount):
    wb.write(tmp_path / "book.xlsx")
    out = mount(tmp_path / "out", "size=8m")
    first = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    filler = out / "filler.bin"  # the user's own file eats the rest of the disk
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    before["filler.bin"] = filler.read_bytes()
    data = wb.base()
    data["Settings"][0]["Value"] = "Acme Holdings Ltd"  # every document changes
    wb.write(tmp_path / "book.xlsx", data)
    full = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    no_internal_error(full)
    assert full.returncode == 3 and "disk is full" in full.stderr, full.stderr
    assert snapshot(out) == before


def test_a_read_only_output_folder_is_named(tmp_path, mount):
    wb.write(tmp_path / "book.xlsx")
    mount(tmp_path / "out", "size=1m,ro")
    result = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    no_internal_error(result)
    assert "read-only" in result.stderr and "out" in result.stderr


def test_a_mount_point_as_output_folder_stays_mounted_and_is_written_into(tmp_path, mount):
    wb.write(tmp_path / "book.xlsx")
    out = mount(tmp_path / "out", "size=64m")
    (out / ".snapshot-marker").write_text("the mount's own file")
    for _ in range(2):
        result = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert os.path.ismount(out) and (out / "manifest.json").is_file()
    assert (out / ".snapshot-marker").read_text() == "the mount's own file"


def test_the_current_folder_and_a_folder_of_the_users_are_refused(tmp_path):
    wb.write(tmp_path / "book.xlsx")
    here = binder("build", "book.xlsx", "--out", ".", "--quiet", cwd=tmp_path)
    no_internal_error(here)
    assert here.returncode == 1 and "is the current folder" in here.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / "plan.docx").write_text("mine")
    theirs = binder("build", "book.xlsx", "--out", "project", "--quiet", cwd=tmp_path)
    no_internal_error(theirs)
    assert "plan.docx" in theirs.stderr and "--force" in theirs.stderr
    assert sorted(p.name for p in project.iterdir()) == ["plan.docx"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_template_error_is_the_same_clear_message_under_any_jobs(tmp_path, jobs):
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ sop.no_such_field }}")
    doc.save(tmp_path / "mine.docx")
    data = wb.base()
    data["Settings"].append({"Key": "Template", "Value": "mine.docx"})
    for n in range(10):  # enough SOPs for the render processes to be used
        data["SOPs"].append({**data["SOPs"][2], "SOP ID": f"OPS-1{n:02d}", "Title": f"Extra {n}"})
    wb.write(tmp_path / "book.xlsx", data)
    result = binder("build", "book.xlsx", "--out", "out", "--quiet", "--jobs", jobs, cwd=tmp_path)
    no_internal_error(result)
    assert result.returncode == 1
    assert "mine.docx" in result.stderr and "no_such_field" in result.stderr
    assert not (tmp_path / "out").exists()
