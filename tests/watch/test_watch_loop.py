"""The watch loop with a converter double and a fake folder watcher: one converter lent to every build and
closed at the end, a fresh one after a failed conversion, errors reported and the output kept."""

from __future__ import annotations

import queue
import shutil
from importlib.resources import files
from pathlib import Path

import fakes
import pytest
import wb
from bad_workbooks import png_bytes

import binder.watch.loop as loop
from binder.build import BuildOptions, build
from binder.errors import InputError, Interrupted
from binder.watch.events import Debouncer


class FakeWatcher:
    made: list[FakeWatcher] = []
    changes: queue.SimpleQueue = queue.SimpleQueue()

    def __init__(self, dirs):
        self.dirs = dirs
        self.closed = False
        FakeWatcher.made.append(self)

    def close(self):
        self.closed = True


class Kept(fakes.FakeConverter):
    broken = False

    def convert(self, jobs, progress=None):
        try:
            return super().convert(jobs, progress)
        except BaseException:
            self.broken = True
            raise


@pytest.fixture
def doubles(monkeypatch):
    converters: list[Kept] = []
    FakeWatcher.made = []
    FakeWatcher.changes = queue.SimpleQueue()

    def kept(**_):
        converters.append(Kept(fail_on={"FIN-001"} if len(converters) == 0 and fail_first[0] else None))
        return converters[-1]

    fail_first = [False]
    monkeypatch.setattr(loop, "_Kept", kept)
    monkeypatch.setattr(loop, "_Watcher", FakeWatcher)
    monkeypatch.setattr(loop, "settle", lambda saved: None)
    return converters, fail_first


def pictured(data: dict | None = None) -> dict:
    data = data or wb.base()
    data["Steps"][0]["Image"] = "pictures/scale.png"
    return data


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    """A workbook whose first step has a picture, built once; each test watches a copy (nothing to convert)."""
    folder = tmp_path_factory.mktemp("watched")
    (folder / "pictures").mkdir()
    (folder / "pictures" / "scale.png").write_bytes(png_bytes())
    wb.write(folder / "book.xlsx", pictured())
    build(folder / "book.xlsx", BuildOptions(out=folder / "out", today=wb.TODAY), converter=fakes.FakeConverter())
    return folder


@pytest.fixture
def copy(built_once, tmp_path) -> Path:
    return Path(shutil.copytree(built_once, tmp_path / "copy", symlinks=True))


def run(book: Path, out: Path, saves: list[dict | None], manifests: list | None = None) -> list[loop.Outcome]:
    """Watch ``book``; after each build write the next workbook of ``saves`` (None: stop with Ctrl-C)."""
    outcomes: list[loop.Outcome] = []

    def report(outcome):
        outcomes.append(outcome)
        if manifests is not None:
            manifests.append((out / "manifest.json").read_bytes())  # never missing: the copy was built
        data = saves[len(outcomes) - 1]
        if data is None:
            raise Interrupted(2)
        wb.write(book, data)
        FakeWatcher.changes.put([str(book.resolve())])

    # allow_unversioned: the copy sits in another folder, and a picture's path is part of its step's fingerprint
    options = BuildOptions(out=out, today=wb.TODAY, allow_unversioned=True)
    with pytest.raises(Interrupted) as stopped:
        loop.watch(book, options, report, lambda: None, debouncer=Debouncer(quiet=0.0))
    assert stopped.value.exit_code == 130 and "last successful build" in stopped.value.message
    return outcomes


def retitled(version: str, department: str = "FIN") -> dict:
    data = pictured()
    data["SOPs"][0].update({"Title": f"Payroll {version}", "Version": version, "Department": department})
    data["Revisions"].insert(
        2, {"SOP ID": "FIN-001", "Version": version, "Date": wb.date(2026, 2, 10), "Author": "D", "Change": "Retitled."}
    )
    return data


def test_one_converter_serves_every_build_an_error_keeps_the_output(copy, doubles):
    converters, _ = doubles
    book, out = copy / "book.xlsx", copy / "out"
    manifests: list[bytes] = []
    outcomes = run(book, out, [retitled("2.1", department="XXX"), retitled("2.1"), None], manifests)
    assert [o.saved for o in outcomes] == [(), (book.resolve(),), (book.resolve(),)]
    first, error, fixed = outcomes
    assert first.result is not None and first.result.converted == ()
    assert isinstance(error.error, InputError) and error.result is None
    assert [p.where for p in error.error.problems if p.is_error] == [wb.cell("SOPs", "Department", 0)]
    assert manifests[1] == manifests[0] != manifests[2]
    assert fixed.result is not None and fixed.result.converted == ("FIN-001",)
    assert len(converters) == 1 and converters[0].closed, "one converter for every build, closed at the end"
    assert converters[0].converted[0] == "FIN-001"
    assert FakeWatcher.made and all(w.closed for w in FakeWatcher.made)


def test_a_failed_conversion_gets_a_fresh_converter_for_the_next_save(copy, doubles):
    converters, fail_first = doubles
    fail_first[0] = True
    book, out = copy / "book.xlsx", copy / "out"
    before = (out / "manifest.json").read_bytes()
    wb.write(book, retitled("2.1"))
    manifests: list[bytes] = []
    outcomes = run(book, out, [retitled("2.1"), None], manifests)
    assert "FIN-001" in str(outcomes[0].error) and manifests[0] == before
    assert outcomes[1].result is not None and outcomes[1].result.converted == ("FIN-001",)
    assert len(converters) == 2 and converters[0].broken and all(c.closed for c in converters)


def test_the_templates_and_pictures_a_workbook_uses_are_watched(copy, doubles):
    run(copy / "book.xlsx", copy / "out", [None])
    folder = copy.resolve()
    assert [w.dirs for w in FakeWatcher.made] == [{folder}, {folder, folder / "pictures"}]
    assert FakeWatcher.made[0].closed


def test_a_build_given_a_converter_leaves_it_running(copy):
    converter = fakes.FakeConverter()
    book = copy / "book.xlsx"
    wb.write(book, retitled("2.1"))
    result = build(book, BuildOptions(out=copy / "out", today=wb.TODAY), converter=converter)
    assert result.converted == ("FIN-001",) and converter.converted[0] == "FIN-001"
    assert not converter.closed
    assert result.library is not None and result.library.source == book


def test_every_file_a_workbook_names_is_watched(tmp_path):
    from binder.preflight import read

    sop_docx = Path(str(files("binder.document") / "templates" / "sop.docx"))
    for name in ("house.docx", "fin.docx"):
        shutil.copy(sop_docx, tmp_path / name)
    (tmp_path / "logo.png").write_bytes(png_bytes())
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "scale.png").write_bytes(png_bytes())
    data = pictured()
    data["Settings"] += [{"Key": "Logo", "Value": "logo.png"}, {"Key": "Template", "Value": "house.docx"}]
    data["SOPs"][0]["Template"] = "fin.docx"
    library, _ = read(wb.write(tmp_path / "book.xlsx", data), BuildOptions(out=tmp_path / "out", style=False))
    folder = tmp_path.resolve()
    assert loop.used_files(library) == {
        folder / "logo.png",
        folder / "house.docx",
        folder / "fin.docx",
        folder / "pictures" / "scale.png",
    }


def test_watch_takes_the_build_options_that_make_sense():
    from cli import run as binder

    shown = binder("watch", "--help")
    assert shown.returncode == 0
    for option in ("--out", "--include-drafts", "--jobs", "--timeout", "--quiet", "--allow-unversioned", "--no-cache"):
        assert option in shown.stdout
    for option in ("--pack", "--sign", "--converter"):
        assert option not in shown.stdout
        refused = binder("watch", option, "x")
        assert refused.returncode == 2 and "No such option" in refused.stderr


def test_a_signal_after_a_build_committed_stops_watching_once_rearmed():
    import signal

    from binder import interrupts

    saved = dict(interrupts._state)
    try:
        interrupts.committed()
        interrupts._handler(signal.SIGTERM, None)  # too late for the build: noted, not raised
        with pytest.raises(Interrupted) as stopped:
            interrupts.rearm()
        assert stopped.value.exit_code == 143
        interrupts.rearm()  # nothing pending any more
        with pytest.raises(Interrupted):
            interrupts._handler(signal.SIGINT, None)  # armed again: a signal stops at once
    finally:
        interrupts._state.clear()
        interrupts._state.update(saved)


def test_a_failed_build_is_reported_and_says_the_output_was_kept():
    import io

    from rich.console import Console

    from binder.cli.watch import _report
    from binder.errors import ConversionError

    console = Console(file=io.StringIO(), width=200)
    error = ConversionError("FIN-001", "LibreOffice did not answer in 180 s")
    _report(loop.Outcome((Path("book.xlsx"),), None, error, 1.0), Path("book.xlsx"), Path("out"), console)
    said = console.file.getvalue()
    assert "error: FIN-001: LibreOffice did not answer in 180 s" in said
    assert "not built: out/ is as the last successful build left it" in said
