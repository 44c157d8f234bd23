"""The build host reads again the workbook a build read (``binder.host.reread``): a build tells it which as it
ends (``handoff.tell_read``), the host takes only an absolute path, reads it into its recall between builds, and
a file it cannot read, or one too large, leaves the recall as it was and the host serving."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import wb

from binder.host import handoff, reread, wire
from binder.output import writing_cache
from binder.output.fingerprint import fingerprint
from binder.workbook.load import check_workbook
from binder.workbook.recall import RECALL


@pytest.fixture
def empty_recall() -> Iterator[None]:
    RECALL.forget()
    yield
    RECALL.forget()


@pytest.mark.parametrize(
    ("message", "path"),
    [
        ({"path": "/home/dana/sops.xlsx"}, Path("/home/dana/sops.xlsx")),
        ({"path": "sops.xlsx"}, None),
        ({"path": "../sops.xlsx"}, None),
        ({"path": ["/etc/passwd"]}, None),
        ({"path": "/tmp/a\x00b"}, None),
        ({}, None),
    ],
)
def test_the_host_takes_only_an_absolute_path(message, path) -> None:
    assert reread.told(message) == path


def test_the_host_reads_the_workbook_into_its_recall_and_fingerprints_its_sops(tmp_path: Path, empty_recall) -> None:
    data = wb.base()
    data["SOPs"][0]["title"] = "Payroll processed in the host"  # an SOP no other test fingerprints
    book = wb.write(tmp_path / "book.xlsx", data)
    fingerprint.cache_clear()
    reread.reread(book)
    assert RECALL.path == book and len(RECALL) > 10
    assert fingerprint.cache_info().currsize == len(data["SOPs"])
    library, _ = check_workbook(book, today=wb.TODAY)
    assert library is not None
    hits = fingerprint.cache_info().hits
    for sop in library.sops:  # as a build's fork asks, for SOPs read anew
        fingerprint(sop)
    assert fingerprint.cache_info().hits == hits + len(library.sops)


def test_the_host_keys_the_writing_checks_of_the_sops_it_read_as_a_build_asks_for_them(
    tmp_path: Path, empty_recall
) -> None:
    data = wb.base()
    data["SOPs"][0]["title"] = "Payroll keyed in the host"
    book = wb.write(tmp_path / "book.xlsx", data)
    writing_cache._read_part.cache_clear()
    reread.reread(book)
    assert writing_cache._read_part.cache_info().currsize == len(data["SOPs"])
    library, _ = check_workbook(book, today=wb.TODAY)
    assert library is not None
    before = writing_cache._read_part.cache_info()
    keys = writing_cache.keys(library, library.settings.readability_threshold)  # the build's, on its own reading
    after = writing_cache._read_part.cache_info()
    assert after.hits == before.hits + len(library.sops) and after.misses == before.misses
    writing_cache._read_part.cache_clear()  # what the keys are without the host: the same
    assert writing_cache.keys(library, library.settings.readability_threshold) == keys


def test_a_file_it_cannot_read_or_too_large_leaves_the_recall_as_it_was(
    tmp_path: Path, empty_recall, capfd, monkeypatch
) -> None:
    book = wb.write(tmp_path / "book.xlsx")
    reread.reread(book)
    rows = len(RECALL)
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    os.mkfifo(tmp_path / "pipe.xlsx")  # opened, it would hold the host until someone wrote to it
    for path in (tmp_path / "notes.xlsx", tmp_path / "gone.xlsx", tmp_path, tmp_path / "pipe.xlsx"):
        reread.reread(path)
    monkeypatch.setattr(reread, "LARGEST", book.stat().st_size - 1)
    other = wb.base()
    other["Steps"][0]["Action"] = "Collect every timesheet."
    reread.reread(wb.write(tmp_path / "other.xlsx", other))
    assert (len(RECALL), RECALL.path) == (rows, book)
    log = capfd.readouterr().err
    assert log.count("could not read a workbook again") == 1 and "notes" not in log  # the path stays private


def test_a_build_tells_its_host_the_workbook_it_read_by_its_absolute_path(
    tmp_path: Path, empty_recall, monkeypatch
) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    heard: list[dict] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(handoff.socket_path(folder, "k")))
        listener.listen()

        def host() -> None:
            conn, _ = listener.accept()
            with conn:
                heard.append(wire.receive(conn)[0])

        handoff.tell_read(folder, "k")  # nothing read yet: nothing said (no connection made)
        listening = threading.Thread(target=host)
        listening.start()
        monkeypatch.chdir(tmp_path)
        wb.write(tmp_path / "book.xlsx")
        reread.reread(Path("book.xlsx"))  # read by a relative path, as a command given one does
        handoff.tell_read(folder, "k")
        listening.join(5)
    assert heard == [{"op": "recall", "path": str(tmp_path / "book.xlsx")}]
    handoff.tell_read(folder, "k")  # no host there any more: nothing waits, nothing fails
    assert os.path.isabs(heard[0]["path"])
