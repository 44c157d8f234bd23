"""The output folder belongs to the user: a build changes only the files it wrote, all of them or none."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import threading
from pathlib import Path

import pytest

from binder.errors import Interrupted
from binder.files import inode
from binder.output import journal as journals
from binder.output.manifest import MANIFEST
from binder.output.seal import seal
from binder.output.transaction import (
    JOURNAL,
    LOCK,
    Locked,
    OutputError,
    Transaction,
    check_out_folder,
    output_lock,
    previous_files,
    recover,
)


def snapshot(folder):
    """Every entry under ``folder``: kind, mode, bytes or link target; the folder's own mode too."""
    found = {".": ("dir", stat.S_IMODE(folder.lstat().st_mode))}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        info = path.lstat()
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            found[rel] = ("dir", stat.S_IMODE(info.st_mode))
        else:
            found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def previous_build(out):
    (out / "sops").mkdir(parents=True)
    (out / "sops" / "A.pdf").write_bytes(b"old pdf")
    (out / "sops" / "A.docx").write_bytes(b"old docx")
    (out / "notes.txt").write_text("mine")
    (out / MANIFEST).write_text(json.dumps({"documents": [{"pdf": "sops/A.pdf", "docx": "sops/A.docx"}]}))


PREVIOUS = {"sops/A.pdf", "sops/A.docx", MANIFEST}


def stage_new(stage, files):
    for rel, data in files.items():
        (stage.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage.path / rel).write_bytes(data)


def files(folder):
    return {k: v[2] for k, v in snapshot(folder).items() if v[0] == "file"}


def test_commit_replaces_what_binder_wrote_and_keeps_user_files(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/B.pdf": b"new pdf", MANIFEST: b"{}"})
        stage.commit(PREVIOUS)
    assert files(out) == {"sops/B.pdf": b"new pdf", MANIFEST: b"{}", "notes.txt": b"mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # nothing beside the output folder
    assert not [p.name for p in out.iterdir() if p.name.startswith(".binder")]  # no staging, backup or journal


def test_a_failed_build_leaves_the_previous_output_exactly_as_it_was(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    with pytest.raises(RuntimeError):
        with Transaction(out) as stage:
            (stage.path / "half.pdf").write_bytes(b"half")
            raise RuntimeError("LibreOffice died")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_a_signal_handled_just_after_the_staging_folder_is_made_leaves_none(tmp_path, monkeypatch):
    # Python runs a signal's handler between bytecodes: binder's raises Interrupted, which can come out of
    # Path.mkdir once the folder exists, before the with statement holds the transaction (its __exit__ never runs)
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    made = Path.mkdir

    def mkdir_then_signal(self, *args, **kwargs):
        made(self, *args, **kwargs)
        if self.name.startswith(".binder-staging-"):
            raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(Path, "mkdir", mkdir_then_signal)
    with pytest.raises(Interrupted), Transaction(out):
        pass
    assert snapshot(out) == before


def test_first_build_creates_the_folder(tmp_path):
    out = tmp_path / "new" / "output"
    with Transaction(out) as stage:
        stage_new(stage, {MANIFEST: b"{}"})
        stage.commit(set())
    assert files(out) == {MANIFEST: b"{}"}


def test_what_the_user_put_there_is_untouched_entry_by_entry(tmp_path):
    """Files, empty folders, symbolic links (also dangling ones) and permissions of the user's stay as they were."""
    out = tmp_path / "output"
    previous_build(out)
    (out / "empty").mkdir(mode=0o750)
    (out / "sops" / "mine").mkdir()
    (out / "link-to-notes").symlink_to("notes.txt")
    (out / "dangling").symlink_to("nowhere")
    (out / "notes.txt").chmod(0o600)
    out.chmod(0o751)
    (out / "sops").chmod(0o700)
    theirs = {k: v for k, v in snapshot(out).items() if k not in PREVIOUS}
    with Transaction(out) as stage:
        stage_new(stage, {"sops/B.pdf": b"new", "binders/X.pdf": b"x", MANIFEST: b"{}"})
        stage.commit(PREVIOUS)
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k in theirs} == theirs
    assert set(after) - set(theirs) == {"sops/B.pdf", "binders", "binders/X.pdf", MANIFEST}


def test_an_out_symlink_to_a_folder_writes_into_the_target(tmp_path):
    target = tmp_path / "real"
    target.mkdir()
    out = tmp_path / "output"
    out.symlink_to(target)
    with Transaction(out) as stage:
        stage_new(stage, {MANIFEST: b"{}"})
        stage.commit(set())
    assert out.is_symlink() and files(target) == {MANIFEST: b"{}"}


def refused_untouched(out, watched, message):
    """The next build's recovery refuses the journal in ``out`` with ``message``; nothing under ``watched`` changes."""
    before = snapshot(watched)
    with pytest.raises(OutputError, match=message):
        recover(out)
    assert snapshot(watched) == before


def started(stage, moves, removes):
    """The journal ``commit()`` writes before its first move."""
    return {
        "staging": stage.path.name,
        "backup": stage.backup.name,
        "staging_id": journals.identity(stage.path),
        "backup_id": journals.fresh_backup(stage.backup),
        "moves": moves,
        "inodes": {rel: inode(stage.path / rel) for rel in moves},
        "removes": removes,
        "created": [],
        "state": "started",
    }


def test_a_commit_cut_short_is_rolled_back_by_the_next_build(tmp_path):
    """As if the build was killed (kill -9, power cut) half-way through moving files into place."""
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", "sops/B.pdf": b"new B", MANIFEST: b"{}"})
        journal = started(stage, ["sops/A.pdf", "sops/B.pdf"], ["sops/A.docx"])
        journals.write(out, journal)  # as commit() writes it
        journals.apply(out, {**journal, "moves": ["sops/A.pdf"]})  # only the first move happened
        assert (out / "sops" / "A.pdf").read_bytes() == b"new A"
        recover(out)
    assert snapshot(out) == before


def test_a_roll_back_cut_short_and_done_again_removes_nothing_it_restored(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        journal = started(stage, ["sops/A.pdf", MANIFEST], ["sops/A.docx"])
        journals.write(out, journal)
        journals.apply(out, journal)
        os.replace(stage.backup / MANIFEST, out / MANIFEST)  # the roll back restored the manifest, then was killed
        recover(out)
    assert snapshot(out) == before


def test_a_journal_put_back_after_its_commit_is_refused(tmp_path):
    """A copy of a real journal put back later, as if its commit had been cut short: rolled back, it would remove
    the files that commit moved in (and, with a folder made a link since, files elsewhere). Not acted on."""
    out = tmp_path / "output"
    previous_build(out)
    copied: list[bytes] = []
    with Transaction(out) as stage:
        stage_new(stage, {"sops/B.pdf": b"new B", MANIFEST: b"{}"})
        stage.commit(PREVIOUS, on_commit=lambda: copied.append((out / JOURNAL).read_bytes()))
    replayed = {k: v for k, v in json.loads(copied[0]).items() if k != "hmac"}
    (out / JOURNAL).write_text(json.dumps(seal({**replayed, "state": "started"})))  # sealed: the key's holder wrote it
    for name in (replayed["staging"], replayed["backup"]):
        (out / name).mkdir()  # folders of the names it gives, but not the ones its commit made
    refused_untouched(out, tmp_path, "not the journal of the commit its folders hold")


def test_a_commit_killed_after_its_manifest_is_finished_by_the_next_build(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        journal = started(stage, ["sops/A.pdf", MANIFEST], ["sops/A.docx"])
        journals.apply(out, journal)
        journals.write(out, {**journal, "state": "committed"})
    recover(out)
    assert files(out) == {"sops/A.pdf": b"new A", MANIFEST: b"{}", "notes.txt": b"mine"}
    assert not (out / JOURNAL).exists()


def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    dead = multiprocessing.Process(target=int)
    dead.start()
    dead.join()
    for prefix in (".binder-staging-", ".binder-lo-"):
        (out / f"{prefix}{dead.pid}" / "x").mkdir(parents=True)
    with Transaction(out):
        pass
    assert not [p.name for p in out.iterdir() if p.name.startswith(".binder-") and p.name != LOCK]


def test_the_current_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError) as caught:
        check_out_folder(tmp_path / ".")
    assert "is the current folder" in caught.value.message


def test_a_folder_of_the_users_is_refused_unless_forced(tmp_path):
    out = tmp_path / "project"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    check_out_folder(out)  # dotfiles only: fine
    (out / "report.docx").write_text("mine")
    with pytest.raises(OutputError) as caught:
        check_out_folder(out)
    assert "report.docx" in caught.value.message and "--force" in caught.value.hint
    check_out_folder(out, force=True)
    (out / MANIFEST).write_text("{}")
    check_out_folder(out)  # binder's own output folder


def _hold(out, ready, release):
    with output_lock(out):
        ready.set()
        release.wait(30)


def test_a_second_build_is_refused_naming_the_lock(tmp_path):
    out = tmp_path / "output"
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(out, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(Locked) as caught:
            with output_lock(out, wait=0):
                pass
        assert str(out / LOCK) in caught.value.message
    finally:
        release.set()
        holder.join()


def test_a_second_build_waits_for_the_first(tmp_path):
    out = tmp_path / "output"
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(out, ready, release))
    holder.start()
    assert ready.wait(10)
    order = []

    def second():
        with output_lock(out, wait=30):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    order.append("released")
    release.set()
    waiter.join(30)
    holder.join()
    assert order == ["released", "second"]


def test_a_folder_removed_between_mkdir_and_its_check_is_locked_anew(tmp_path, monkeypatch):
    """``Path.mkdir(exist_ok=True)`` raises FileExistsError when the folder it found is gone a moment later (a
    failed first build removing it while this one waits): the lock is taken on the folder made afresh."""
    out = tmp_path / "output"
    real = type(out).mkdir
    raced = []

    def mkdir_in_a_race(self, *args, **kwargs):
        if self == out and not raced:
            raced.append(True)
            raise FileExistsError(17, "File exists")  # found by mkdir, gone when Python checked
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(out), "mkdir", mkdir_in_a_race)
    with output_lock(out) as lock:
        assert raced and lock.exists()
    assert not out.exists()  # made by this build, left empty: removed again


def test_a_file_put_where_the_folder_was_is_named_and_left_alone(tmp_path, monkeypatch):
    """The same race, but a colleague's file now stands where the output folder was about to be made."""
    out = tmp_path / "output"
    real = type(out).mkdir

    def mkdir_in_a_race(self, *args, **kwargs):
        if self == out:
            out.write_text("a colleague's notes")
            raise FileExistsError(17, "File exists")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(out), "mkdir", mkdir_in_a_race)
    with pytest.raises(OutputError) as caught:
        with output_lock(out):
            pass
    assert str(out) in str(caught.value) and "a file of that name is in the way" in str(caught.value)
    assert out.read_text() == "a colleague's notes"


def test_the_files_a_commit_moves_are_the_regular_ones_links_to_files_only_when_asked(tmp_path):
    from binder.files import regular_files

    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / "a/b/f.pdf").write_text("x")
    (tmp_path / ".hidden").write_text("y")
    os.symlink(tmp_path / "a/b/f.pdf", tmp_path / "link.pdf")
    os.symlink(tmp_path / "a", tmp_path / "linked folder")  # never walked into: its files are not this folder's
    os.symlink("/nonexistent", tmp_path / "broken")
    os.symlink(tmp_path / "loop", tmp_path / "loop")  # is_file() of a link to itself raises ELOOP
    os.symlink(tmp_path / ".hidden" / "x", tmp_path / "through a file")  # ENOTDIR
    os.mkfifo(tmp_path / "fifo")
    assert sorted(regular_files(tmp_path)) == [".hidden", "a/b/f.pdf"]
    assert sorted(regular_files(tmp_path, links=True)) == [".hidden", "a/b/f.pdf", "link.pdf"]


@pytest.mark.parametrize(
    "journal",
    [
        {"state": "committed", "backup": "{outside}", "staging": ".binder-staging-1", "moves": [], "removes": [],
         "created": []},
        {"state": "started", "backup": ".binder-backup-1", "staging": ".binder-staging-1", "moves": ["../victim.txt"],
         "removes": [], "created": []},
        {"state": "started", "backup": ".binder-backup-1", "staging": ".binder-staging-1",
         "moves": ["{outside}/victim.txt"], "removes": [], "created": []},
    ],
    ids=["backup outside", "a move up and out", "a move elsewhere"],
)  # fmt: skip
@pytest.mark.parametrize("sealed", [False, True], ids=["planted", "sealed"])
def test_a_journal_binder_did_not_write_is_refused_and_nothing_is_removed(tmp_path, journal, sealed):
    """Every build acts on the journal it finds: planted unsealed (anyone who can write into the folder), or sealed
    but naming what no commit names, it would otherwise delete files outside the output folder."""
    outside = tmp_path / "documents"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me")
    (tmp_path / "victim.txt").write_text("keep me too")
    out = tmp_path / "output"
    previous_build(out)
    planted = json.loads(json.dumps(journal).replace("{outside}", str(outside)))
    (out / JOURNAL).write_text(json.dumps(seal(planted) if sealed else planted))
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match="will not act on it"):
        with Transaction(out):
            pass
    assert snapshot(tmp_path) == before


def test_a_path_taken_by_a_file_of_the_users_is_refused_before_anything_moves(tmp_path):
    out = tmp_path / "output"
    previous_build(out)
    (out / "binders").mkdir()
    (out / "binders" / "QA-binder.pdf").write_bytes(b"my scan")
    before = snapshot(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", "binders/QA-binder.pdf": b"binder's", MANIFEST: b"{}"})
        with pytest.raises(OutputError, match="binders/QA-binder.pdf, which it did not write"):
            stage.commit(PREVIOUS)
    assert snapshot(out) == before
    with Transaction(out) as stage:  # unless --force said so, past a manifest that cannot be trusted
        stage_new(stage, {"binders/QA-binder.pdf": b"binder's", MANIFEST: b"{}"})
        stage.commit(PREVIOUS, replace_any=True)
    assert (out / "binders" / "QA-binder.pdf").read_bytes() == b"binder's"


@pytest.mark.parametrize("kind", ["link", "file"])
def test_a_folder_of_binders_that_is_a_link_or_a_file_is_refused_and_what_it_points_to_is_untouched(tmp_path, kind):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "A.pdf").write_bytes(b"not binder's")
    out = tmp_path / "output"
    previous_build(out)
    for name in ("A.pdf", "A.docx"):
        (out / "sops" / name).unlink()
    (out / "sops").rmdir()
    if kind == "link":
        (out / "sops").symlink_to(elsewhere)
    else:
        (out / "sops").write_text("a note of mine")
    before = snapshot(tmp_path)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        with pytest.raises(OutputError, match=f"sops is a {'symbolic link' if kind == 'link' else 'file'}"):
            stage.commit(PREVIOUS)
    assert snapshot(tmp_path) == before


def test_a_journal_planted_in_binders_own_form_is_refused_too(tmp_path):
    """Well formed but not sealed: rolled back, it would delete the user's notes.txt (a "move" with nothing staged)."""
    out = tmp_path / "output"
    previous_build(out)
    planted = {"state": "started", "backup": ".binder-backup-1", "staging": ".binder-staging-1",
               "moves": ["notes.txt"], "removes": [], "created": []}  # fmt: skip
    (out / JOURNAL).write_text(json.dumps(planted))
    refused_untouched(out, out, "will not act on it")


def test_a_backup_folder_planted_as_a_link_is_made_anew_and_nothing_goes_where_it_pointed(tmp_path):
    elsewhere = tmp_path / "otherproject"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    out = tmp_path / "output"
    previous_build(out)
    with Transaction(out) as stage:
        stage.backup.symlink_to(elsewhere)  # the build's pid shows in its staging folder's name
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        stage.commit(PREVIOUS)
    assert files(elsewhere) == {"keep.txt": b"mine"}
    assert (out / "sops" / "A.pdf").read_bytes() == b"new A" and not stage.backup.exists()


def test_a_staging_folder_replaced_by_a_link_while_the_build_ran_is_refused(tmp_path):
    elsewhere = tmp_path / "Documents"
    elsewhere.mkdir()
    (elsewhere / "payroll.xlsx").write_bytes(b"private")
    out = tmp_path / "output"
    previous_build(out)
    before = snapshot(out)
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        stage.path.rename(out / ".moved-away")
        stage.path.symlink_to(elsewhere)
        with pytest.raises(OutputError, match="replaced .*while the build ran"):
            stage.commit(PREVIOUS)
        stage.path.unlink()
        (out / ".moved-away").rename(stage.path)
    assert files(elsewhere) == {"payroll.xlsx": b"private"} and snapshot(out) == before


def test_a_cache_folder_with_no_manifest_beside_it_is_not_binders(tmp_path):
    """A folder of dot-files only (a tool's .cache/, .git/) is built into without --force: none of it is binder's."""
    out = tmp_path / "output"
    (out / ".cache" / "pip").mkdir(parents=True)
    (out / ".cache" / "pip" / "wheel.whl").write_bytes(b"a wheel")
    assert previous_files(out, None) == set()
    (out / ".cache" / "empty").mkdir()
    (out / ".cache" / "link").symlink_to(out / ".cache" / "empty")  # a link to an empty folder is not removed
    with Transaction(out) as stage:
        stage_new(stage, {"sops/A.pdf": b"new A", MANIFEST: b"{}"})
        stage.commit(previous_files(out, None))
    assert (out / ".cache" / "pip" / "wheel.whl").read_bytes() == b"a wheel" and (out / ".cache" / "link").is_symlink()


def test_a_libreoffice_profile_planted_in_the_output_folder_is_never_used(tmp_path):
    """``.binder-lo-PID``: the build's pid shows in its staging folder's name while it runs."""
    from binder.convert.pool import Converter
    from binder.errors import ConversionError
    from binder.output.transaction import profiles_folder

    planted = tmp_path / "planted"
    (planted / "profile-0-0" / "user").mkdir(parents=True)
    (planted / "profile-0-0" / "user" / "registrymodifications.xcu").write_text("a macro's settings")
    out = tmp_path / "output"
    out.mkdir()
    folder = out / f".binder-lo-{os.getpid()}"
    folder.symlink_to(planted)
    assert profiles_folder(out) == folder and not os.path.lexists(folder)  # removed, not followed
    assert files(planted) == {"profile-0-0/user/registrymodifications.xcu": b"a macro's settings"}
    converter = Converter(workdir=folder)
    profile = converter._new_profile(0)
    assert profile.parent == folder and folder.is_dir() and not folder.is_symlink()
    assert stat.S_IMODE(folder.lstat().st_mode) == 0o700
    converter._remove_profiles()
    folder.symlink_to(planted)  # put there while the build ran, before LibreOffice started
    with pytest.raises(ConversionError, match="symbolic link or someone else's"):
        Converter(workdir=folder)._new_profile(0)
