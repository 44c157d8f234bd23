"""A rebuild begins the issues of its changed SOPs in a worker process while they convert (``binder.issue.ahead``,
on ``binder.parallel.Background``): the files are those made without it, and the process never outlives the
build, whether it succeeds, fails or the issue is kept after all."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import fakes
import pytest
import wb
from daemons import alive
from pdfs import logical
from pipeline import manifest, revised_fin_001, two_packs
from pool_calls import deaf, die_when_told, echo_twice, wait_then_fail

from binder import build as building
from binder.build import BuildOptions, build
from binder.errors import ToolError
from binder.issue import ahead
from binder.parallel import Background


@contextmanager
def running(function, *args) -> Iterator[Background]:
    """A ``Background`` of ``function``, stopped when the test is done with it."""
    worker = Background(function, args)
    try:
        yield worker
    finally:
        worker.stop()


def test_background_yields_what_its_function_does_with_what_it_is_sent():
    with running(echo_twice, 7) as worker:
        results = worker.results()
        assert next(results) == 7  # before it is sent anything
        worker.send([1, 2])
        assert list(results) == [2, 4]


def test_background_raises_the_error_of_its_function_here(tmp_path):
    with running(wait_then_fail, str(tmp_path)) as worker:
        worker.send(None)
        with pytest.raises(ValueError, match="failed once told"):
            list(worker.results())


def test_a_background_process_killed_from_outside_is_said_as_such():
    with running(die_when_told) as worker:
        worker.send(None)
        with pytest.raises(ToolError, match="worker process of this build ended before it finished"):
            list(worker.results())


def test_stopping_a_background_process_ends_it_at_once(tmp_path):
    worker = Background(wait_then_fail, (str(tmp_path),))
    pid_file = tmp_path / "worker.pid"
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)  # the file is made, then written: read once it holds the id
    pid = int(pid_file.read_text())
    started = time.monotonic()
    worker.stop()
    assert not alive(pid) and time.monotonic() - started < 5


def test_a_background_process_deaf_to_sigterm_is_killed_before_stop_returns(monkeypatch):
    from binder import parallel

    monkeypatch.setattr(parallel, "STOP_SECONDS", 0.2)
    worker = Background(deaf, ())
    pid = next(worker.results())
    worker.stop()
    assert not alive(pid)


@pytest.fixture
def begun(monkeypatch):
    """Builds may begin issues ahead (as with a forkserver up, on two cores); the ``Ahead`` each made."""
    monkeypatch.setattr(building, "workers_ready", lambda: True)
    monkeypatch.setattr(building.os, "cpu_count", lambda: 2)
    made: list[ahead.Ahead] = []
    real = ahead.Ahead.__init__

    def spy(self, issues):
        made.append(self)
        self.begun = issues
        real(self, issues)

    monkeypatch.setattr(ahead.Ahead, "__init__", spy)
    return made


def issued_pdfs(out) -> dict[str, bytes]:
    data = manifest(out)
    return {p["path"]: logical(out / p["path"]) for p in data["binders"] + data["packs"]}


def test_a_rebuild_begins_the_issues_of_its_changed_sop_and_makes_the_same_files(built, tmp_path, begun):
    book, out = built
    alone = tmp_path / "alone"
    shutil.copytree(out, alone, symlinks=True)
    wb.write(book, revised_fin_001(two_packs()))
    build(book, BuildOptions(out=alone, today=wb.TODAY, jobs=1))  # one process, nothing begun ahead
    assert begun == []
    result = build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert result.converted == ("FIN-001",)
    [made] = begun
    fin = manifest(out)["binders"][0]
    assert [(b.path, len(b.parts), tuple(i for i, _ in b.ready)) for b in made.begun][0] == (
        "binders/FIN-binder.pdf",
        len(fin["sops"]),
        tuple(i for i, s in enumerate(fin["sops"]) if s != "FIN-001"),
    )
    assert {b.path for b in made.begun} == {"binders/FIN-binder.pdf", "packs/new-finance-staff.pdf"}
    assert issued_pdfs(out) == issued_pdfs(alone)
    assert not alive(made._worker._process.pid)


def test_a_rebuild_that_fails_converting_stops_the_process_it_began_issues_in(built, begun, monkeypatch):
    book, out = built
    wb.write(book, revised_fin_001(two_packs()))
    before = {p: (out / p).read_bytes() for p in issued_pdfs(out)}
    fakes.patch_converter(monkeypatch, fail_on={"FIN-001"})
    with pytest.raises(Exception, match="fake failure"):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    [made] = begun
    assert not alive(made._worker._process.pid)
    assert {p: (out / p).read_bytes() for p in before} == before


def test_the_stamp_font_cut_by_the_build_host_or_ahead_is_the_one_stamping_uses():
    import pikepdf

    from binder.issue import stamp

    stamp._cut_file.cache_clear()
    stamp.warm()  # as a build host does, once for all its builds
    assert stamp._cut_file.cache_info().currsize == 1
    stamp.prepare("FIN binder", 9)  # printable ASCII is in every cut: whatever the pages, the same one
    pdf = pikepdf.new()
    for _ in range(31):
        pdf.add_blank_page()
    stamp.stamp_pages(pdf, "FIN binder")
    assert stamp._cut_file.cache_info().hits == 2 and stamp._cut_file.cache_info().currsize == 1
    stamp.prepare("Sécurité binder", 3)  # a character outside ASCII: a cut of its own
    assert stamp._cut_file.cache_info().currsize == 2


def test_a_stamp_font_file_changed_under_a_build_host_is_cut_again(tmp_path, monkeypatch):
    import os
    import shutil

    from binder.issue import stamp

    font = tmp_path / "LiberationSans-Regular.ttf"
    shutil.copyfile(stamp._font_file(), font)
    monkeypatch.setattr(stamp, "_font_file", lambda: font)
    stamp._cut_file.cache_clear()
    stamp.warm()
    first = stamp._cut(stamp._codes([]))
    os.utime(font, ns=(1, 1))  # a package upgrade writes the file anew
    assert stamp._cut(stamp._codes([])) is not first
    assert stamp._cut_file.cache_info().currsize == 2


@pytest.fixture
def forking(monkeypatch, begun):
    """As in a build host's fork: workers forked from the build, the site written by a process beside."""
    from binder import parallel

    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    monkeypatch.setattr(building, "can_fork", lambda: True)
    started = []
    real = Background.__init__

    def spy(self, function, args):
        started.append(function.__name__)
        real(self, function, args)

    monkeypatch.setattr(Background, "__init__", spy)
    return started


def site_files(out) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "site").rglob("*")) if p.is_file()}


def test_a_rebuild_writes_its_site_beside_and_makes_the_same_files(built, tmp_path, forking):
    book, out = built
    alone = tmp_path / "alone"
    shutil.copytree(out, alone, symlinks=True)
    wb.write(book, revised_fin_001(two_packs()))
    build(book, BuildOptions(out=alone, today=wb.TODAY, jobs=1))
    assert forking == []
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert forking == ["_site", "_work"]  # the site beside from the start, then the issues begun ahead
    assert site_files(out) == site_files(alone) and "site/sops/FIN-001.html" in site_files(out)
    assert issued_pdfs(out) == issued_pdfs(alone)
    assert manifest(out)["site"] == manifest(alone)["site"]


def test_a_site_written_beside_from_the_start_shows_the_flowchart_drawn_by_this_build(built, tmp_path, forking):
    """OPS-001's chart changes: the site, begun before the SOPs are rendered, waits for the chart this build
    draws, and makes the files (and the manifest's list) a build without a process beside makes."""
    book, out = built
    alone = tmp_path / "alone"
    shutil.copytree(out, alone, symlinks=True)
    data = two_packs()
    decision = next(s for s in data["Steps"] if s["SOP ID"] == "OPS-001" and s.get("Type") == "Decision")
    decision["Action"] = "Is any carton crushed?"
    sop = next(s for s in data["SOPs"] if s["SOP ID"] == "OPS-001")
    sop["Version"], sop["Effective date"] = "1.1", date(2026, 5, 1)
    data["Revisions"].append(
        {"SOP ID": "OPS-001", "Version": "1.1", "Date": date(2026, 4, 1), "Author": "Dana Ruiz", "Change": "Cartons."}
    )
    data["Approvals"].append(
        {"SOP ID": "OPS-001", "Role": "Approved by", "Name": "Lee Chen", "Job title": "COO", "Date": date(2026, 4, 10)}
    )
    wb.write(book, data)
    build(book, BuildOptions(out=alone, today=wb.TODAY, jobs=1))
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert forking[0] == "_site"
    assert site_files(out) == site_files(alone)
    assert manifest(out)["site"] == manifest(alone)["site"]
    charts = [rel for rel in site_files(out) if rel.startswith("site/sops/OPS-001-flowchart-")]
    assert charts and any(b"Is any carton crushed?" in site_files(out)[rel] for rel in charts)


def test_a_rebuild_of_one_pack_with_the_site_beside_leaves_the_site_as_it_was(built, forking):
    """``--pack``, which the last build did not have: the process beside carries the site over, untouched."""
    book, out = built
    before = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in (out / "site").rglob("*") if p.is_file()}
    wb.write(book, revised_fin_001(two_packs()))
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2, pack="New finance staff"))
    assert forking[0] == "_site"
    assert {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in (out / "site").rglob("*") if p.is_file()} == before
    assert {f["path"] for f in manifest(out)["site"]} == {p.relative_to(out).as_posix() for p in before}


@pytest.mark.parametrize("starting", ["_site", "_work"])
def test_a_ctrl_c_that_lands_as_a_process_beside_starts_stops_it_and_changes_nothing(
    built, forking, monkeypatch, starting
):
    """A signal held back while the site's process (or the issues') is forked is raised as the signals are let
    through again, after the fork: the process is stopped there, not left writing into a staging folder gone."""
    import signal

    from pipeline import snapshot

    from binder import parallel
    from binder.errors import Interrupted

    book, out = built
    wb.write(book, revised_fin_001(two_packs()))
    before = snapshot(out)
    real_held, real_init = parallel.held, Background.__init__
    now: list[str] = []
    made: list[Background] = []

    def init(self, function, args):
        now.append(function.__name__)
        made.append(self)
        try:
            real_init(self, function, args)
        finally:
            now.pop()

    @contextmanager
    def held():
        with real_held():
            yield
        if now == [starting]:  # as binder's handler raises a signal the mask kept pending
            raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(Background, "__init__", init)
    monkeypatch.setattr(parallel, "held", held)
    with pytest.raises(Interrupted):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert starting in forking
    assert [b._process.pid for b in made if b._process.is_alive()] == []
    assert snapshot(out) == before


def test_a_site_that_fails_beside_is_written_again_here_where_its_error_is_said_as_it_is(built, forking, monkeypatch):
    book, out = built
    wb.write(book, revised_fin_001(two_packs()))
    here = os.getpid()
    real = building.build_site

    def fails_beside(*args, **kwargs):
        if os.getpid() != here:  # as a process killed while it wrote a page: a half-written file left behind
            (args[3] / "site").mkdir(parents=True, exist_ok=True)
            (args[3] / "site" / "index.html.tmp-4711").write_text("<html><bo")
            raise RuntimeError("the process beside failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(building, "build_site", fails_beside)
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert "_site" in forking and "Collect signed timesheets" in (out / "site/sops/FIN-001.html").read_text()
    assert not list((out / "site").glob("*.tmp-*"))


def test_an_error_of_the_site_itself_is_raised_with_its_type(built, forking, monkeypatch):
    book, out = built
    wb.write(book, revised_fin_001(two_packs()))

    def always_fails(*args, **kwargs):
        raise ToolError("the site cannot be written", hint="free some space")

    monkeypatch.setattr(building, "build_site", always_fails)
    with pytest.raises(ToolError, match="the site cannot be written"):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert "_site" in forking


@pytest.mark.parametrize("name", ["standalone.pdf", "linked.pdf"])
def test_a_cache_file_found_changed_while_the_sops_converted_makes_them_again_checking_first(built, converters, name):
    """A rebuild converting a few SOPs checks the cache's files while they convert: one found changed then (here
    OPS-001's, planted before the build) sends the build back to make the documents again, each entry checked
    before it is used: OPS-001 is made anew, and nothing of the changed file reaches the output."""
    book, out = built
    recorded = {d["sop_id"]: d["sha256"]["pdf"] for d in manifest(out)["documents"]}
    entry = cache_entry(out, recorded["OPS-001"])
    planted = entry / name
    planted.write_bytes(planted.read_bytes() + b"%planted\n")
    wb.write(book, revised_fin_001(two_packs()))
    result = build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))
    assert sorted(result.converted) == ["FIN-001", "OPS-001"]
    assert [c.converted[:1] for c in converters] == [["FIN-001"], ["FIN-001"]]  # once checking later, once first
    assert "OPS-001" in converters[1].converted and "OPS-001" not in converters[0].converted
    assert any("cache" in w.message for w in result.warnings), result.warnings
    now = {d["sop_id"]: d["sha256"]["pdf"] for d in manifest(out)["documents"]}
    assert sha256_of(out / "sops" / "OPS-001.pdf") == now["OPS-001"] == recorded["OPS-001"]  # made again, the same
    assert b"%planted" not in (out / "sops" / "OPS-001.pdf").read_bytes()


def sha256_of(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def cache_entry(out, standalone_sha256: str):
    """The cache's folder of the SOP whose own PDF has ``standalone_sha256``."""
    [entry] = [
        folder
        for folder in (out / ".cache").iterdir()
        if (folder / "standalone.pdf").is_file() and sha256_of(folder / "standalone.pdf") == standalone_sha256
    ]
    return entry


def test_a_cache_entry_with_a_file_gone_is_made_again_when_checked_later(built, converters):
    book, out = built
    recorded = {d["sop_id"]: d["sha256"]["pdf"] for d in manifest(out)["documents"]}
    entry = cache_entry(out, recorded["OPS-001"])
    (entry / "document.docx").unlink()
    wb.write(book, revised_fin_001(two_packs()))
    result = build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))
    assert sorted(result.converted) == ["FIN-001", "OPS-001"]
    assert (out / "sops" / "OPS-001.docx").is_file()


def test_a_background_process_that_failed_before_it_was_told_raises_its_own_error(tmp_path):
    from pool_calls import fail_at_once

    with running(fail_at_once) as worker:
        worker._process.join(10)  # it has failed and gone: its end of the pipe is closed
        assert not worker._process.is_alive()
        with pytest.raises(ValueError, match="failed at once"):
            worker.send("anything")


def test_issues_are_begun_ahead_only_up_to_a_number_of_sops_the_others_assembled_after(
    built, tmp_path, begun, monkeypatch
):
    from binder.issue import issuing

    book, out = built
    alone = tmp_path / "alone"
    shutil.copytree(out, alone, symlinks=True)
    wb.write(book, revised_fin_001(two_packs()))
    build(book, BuildOptions(out=alone, today=wb.TODAY, jobs=1))
    fin = manifest(out)["binders"][0]
    monkeypatch.setattr(issuing, "BEGUN_PARTS", len(fin["sops"]))  # room for the FIN binder only
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    [made] = begun
    assert [b.path for b in made.begun] == ["binders/FIN-binder.pdf"]
    assert issued_pdfs(out) == issued_pdfs(alone)


def test_the_worker_never_reads_a_cached_pdf_that_is_not_the_file_the_cache_recorded(tmp_path, monkeypatch):
    from binder.issue import assemble as assembling

    planted = tmp_path / "S-001.pdf"
    planted.write_bytes(b"%PDF-1.7 planted")
    parts = (assembling.Part("S-001", "S-001 Title", planted),)
    read: list[int] = []
    monkeypatch.setattr(assembling.Assembly, "add_part", lambda self, index: read.append(index))
    monkeypatch.setattr(assembling, "assemble", lambda document, out: "assembled from the start")
    document = assembling.Document("T", "A", "S", "Top", tmp_path / "front.pdf", (), parts)
    begun = (ahead.Begun("binders/S-binder.pdf", parts, "en", ((0, "0" * 64),), "S binder"),)
    told = {"binders/S-binder.pdf": (document, tmp_path / "S-binder.pdf")}
    assert list(ahead._work(lambda: told, begun)) == [("binders/S-binder.pdf", "assembled from the start")]
    assert read == []


@pytest.mark.parametrize("when", ["converting", "writing the contents"])
def test_an_interrupt_during_a_rebuild_stops_the_processes_beside_it_and_changes_nothing(
    built, forking, monkeypatch, when
):
    """Ctrl-C (as binder's handler raises it) while the issues begun ahead wait for LibreOffice, or while the
    contents are written: both processes beside (the site's and the issues') end with the build, and the output
    folder is as it was."""
    import signal

    from pipeline import snapshot

    from binder.errors import Interrupted

    book, out = built
    wb.write(book, revised_fin_001(two_packs()))
    before = snapshot(out)
    workers: list[Background] = []
    real = Background.__init__

    def kept(self, function, args):
        real(self, function, args)
        workers.append(self)

    monkeypatch.setattr(Background, "__init__", kept)

    def interrupted(*args, **kwargs):
        raise Interrupted(signal.SIGINT)

    if when == "converting":
        monkeypatch.setattr(fakes.FakeConverter, "convert", interrupted)
    else:
        monkeypatch.setattr(building, "write_contents", interrupted)
    with pytest.raises(Interrupted):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=2))
    assert len(workers) == 2  # the site beside, from the start; the issues begun
    assert not any(alive(w._process.pid) for w in workers)
    assert snapshot(out) == before
