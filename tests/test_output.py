"""Safe output: a build swaps its staging folder in whole, or leaves the previous output untouched."""
from __future__ import annotations

import json
import multiprocessing
import time

import pytest

from binder.output.staging import Locked, Staging, output_lock


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def previous_build(out):
    (out / "sops").mkdir(parents=True)
    (out / "sops" / "A.pdf").write_bytes(b"old pdf")
    (out / "notes.txt").write_text("mine")
    (out / "manifest.json").write_text(json.dumps({"documents": [{"pdf": "sops/A.pdf", "docx": "sops/A.docx"}]}))


def test_commit_replaces_what_binder_wrote_and_keeps_user_files(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    with Staging(out) as stage:
        (stage.path / "sops").mkdir()
        (stage.path / "sops" / "B.pdf").write_bytes(b"new pdf")
        (stage.path / "manifest.json").write_text("{}")
        stage.commit()
    assert snapshot(out) == {"sops/B.pdf": b"new pdf", "manifest.json": b"{}", "notes.txt": b"mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # no staging or old folder left behind


def test_a_failed_build_leaves_the_previous_output_exactly_as_it_was(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    with pytest.raises(RuntimeError):
        with Staging(out) as stage:
            (stage.path / "half.pdf").write_bytes(b"half")
            raise RuntimeError("LibreOffice died")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_first_build_creates_the_folder(tmp_path):
    out = tmp_path / "new" / "output"
    with Staging(out) as stage:
        (stage.path / "manifest.json").write_text("{}")
        stage.commit()
    assert snapshot(out) == {"manifest.json": b"{}"}


def _hold(out, seconds, ready):
    with output_lock(out):
        ready.set()
        time.sleep(seconds)


def test_a_second_build_is_refused_naming_the_lock(tmp_path):
    out = tmp_path / "output"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(out, 3, ready))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(Locked) as caught:
            with output_lock(out, wait=0.3):
                pass
        assert ".output.binder-lock" in caught.value.message
    finally:
        holder.join()


def test_a_second_build_waits_for_the_first(tmp_path):
    out = tmp_path / "output"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(out, 1, ready))
    holder.start()
    assert ready.wait(10)
    started = time.monotonic()
    with output_lock(out, wait=20):
        waited = time.monotonic() - started
    holder.join()
    assert 0.3 < waited < 20
