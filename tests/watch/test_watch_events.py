"""Which file events are saves, and when a burst of them is over: no watcher, a fake clock."""

from __future__ import annotations

import queue
import time
import zipfile
from pathlib import Path

import pytest

from binder.errors import ToolError
from binder.watch.events import Debouncer, folders, is_temporary, saves, whole
from binder.watch.loop import SETTLE_SECONDS, next_saves, settle

BOOK = Path("/data/sops/book.xlsx")
PICTURE = Path("/data/sops/pictures/scale.png")
WATCHED = frozenset({BOOK, PICTURE})


@pytest.mark.parametrize(
    "name",
    [
        "~$book.xlsx",
        ".~lock.book.xlsx#",
        "book.xlsx~",
        "5A1F09C2.tmp",
        "book.xlsx.part",
        ".#book.xlsx",
        "#book#",
        "a.swp",
    ],
)
def test_lock_backup_and_temporary_files_are_never_saves(name):
    assert is_temporary(Path(name))
    assert saves([f"/data/sops/{name}"], WATCHED | {Path(f"/data/sops/{name}")}) == frozenset()


@pytest.mark.parametrize("name", ["book.xlsx", "sop.docx", "scale.png", "tmp-notes.xlsx", "lock.xlsx"])
def test_ordinary_names_are_not_temporary(name):
    assert not is_temporary(Path(name))


def test_a_save_by_rename_counts_once_for_the_real_file_only():
    events = ["/data/sops/5A1F09C2.tmp", "/data/sops/book.xlsx", "/data/sops/5A1F09C2.tmp", "/data/sops/book.xlsx"]
    assert saves(events, WATCHED) == {BOOK}
    assert saves(["/data/sops/other.xlsx", "/data/out/sops/FIN-001.pdf"], WATCHED) == frozenset()
    assert saves([str(PICTURE)], WATCHED) == {PICTURE}


def test_the_folders_are_watched_not_the_files():
    assert folders(WATCHED) == {Path("/data/sops"), Path("/data/sops/pictures")}


def test_a_burst_is_one_rebuild_when_it_goes_quiet():
    debouncer = Debouncer()  # docs/watch.md: quiet for 0.3 s, or 2 s after the first event
    assert debouncer.wait(0.0) is None and not debouncer.due(5.0)
    debouncer.add({BOOK}, 0.0)
    debouncer.add({BOOK}, 0.2)
    assert not debouncer.due(0.4)
    assert debouncer.wait(0.4) == pytest.approx(0.1)
    debouncer.add({PICTURE}, 0.45)
    assert not debouncer.due(0.7)
    assert debouncer.due(0.75)
    assert debouncer.take() == {BOOK, PICTURE}
    assert not debouncer.due(10.0) and debouncer.take() == frozenset()


def test_events_that_hold_no_save_do_not_start_a_burst():
    debouncer = Debouncer(quiet=0.3)
    debouncer.add(set(), 0.0)
    assert debouncer.wait(1.0) is None and not debouncer.due(1.0)


def test_a_burst_that_never_goes_quiet_is_built_after_the_longest_wait():
    debouncer = Debouncer()
    for tick in range(0, 25):
        debouncer.add({BOOK}, tick * 0.1)
        if debouncer.due(tick * 0.1):
            break
    assert tick == 20


def test_next_saves_waits_for_the_burst_to_end_and_ignores_the_rest():
    changes: queue.SimpleQueue = queue.SimpleQueue()
    changes.put(["/data/sops/~$book.xlsx"])
    changes.put(["/data/sops/5A1F09C2.tmp", str(BOOK)])
    changes.put([str(BOOK)])
    now = [0.0]

    def clock():
        now[0] += 0.1
        return now[0]

    assert next_saves(changes, WATCHED, Debouncer(quiet=0.3), clock) == {BOOK}


def test_the_watcher_failing_is_a_tool_error():
    changes: queue.SimpleQueue = queue.SimpleQueue()
    changes.put(OSError("inotify watch limit reached"))
    with pytest.raises(ToolError, match="inotify watch limit reached"):
        next_saves(changes, WATCHED, Debouncer())


def test_a_half_written_workbook_is_not_whole(tmp_path):
    book = tmp_path / "book.xlsx"
    assert not whole(book)
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 100)
    assert whole(book)
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])
    assert not whole(book)
    picture = tmp_path / "scale.png"
    picture.write_bytes(b"\x89PNG")
    assert whole(picture)


def test_settle_waits_for_the_save_to_finish_then_gives_up(tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"PK\x03\x04 half")
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            with zipfile.ZipFile(book, "w") as archive:
                archive.writestr("xl/workbook.xml", "<workbook/>")

    settle(frozenset({book}), seconds=5, sleep=sleep)
    assert len(naps) == 3 and whole(book)
    book.write_bytes(b"not a zip")
    settle(frozenset({book}), seconds=0.05, sleep=lambda s: None)  # returns: the build will report it
    assert SETTLE_SECONDS == 5.0 and settle.__defaults__ == (SETTLE_SECONDS, time.sleep)  # docs/watch.md
