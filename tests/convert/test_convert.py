"""Word → PDF with LibreOffice: contents and bookmarks with real page numbers, the worker pool,
and that no soffice survives a failure, a timeout, a crash or close()."""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pypdf import PdfReader

from binder.convert import Converter, Job, find_uno_python
from binder.convert.base import check_pdf
from binder.convert.process import can_import_uno, pipe_files
from binder.errors import ConversionError, ToolError

TOC_PLACEHOLDER = "Right-click to update the table of contents."


# --- making and reading documents ---------------------------------------------------------------


def _field_char(run, kind: str) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    run._r.append(element)


def _instruction(run, text: str) -> None:
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    run._r.append(element)


def make_docx(path: Path, headings: list[tuple[int, str]], title: str = "Contents") -> Path:
    """A title, a Word TOC field (with placeholder text, as Word leaves it) and one heading per page."""
    doc = Document()
    doc.add_paragraph(title, style="Title")
    paragraph = doc.add_paragraph()
    _field_char(paragraph.add_run(), "begin")
    _instruction(paragraph.add_run(), ' TOC \\o "1-3" \\h \\z \\u ')
    _field_char(paragraph.add_run(), "separate")
    paragraph.add_run(TOC_PLACEHOLDER)
    _field_char(paragraph.add_run(), "end")
    for level, text in headings:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(text, level)
        doc.add_paragraph(f"What {text.lower()} says.")
    doc.save(path)
    return path


def page_texts(pdf: Path) -> list[str]:
    """Text of each page as poppler lays it out."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


TOC_LINE = re.compile(r"^\s*(?P<title>\S.*?)\s*\.{3,}\s*(?P<page>\d+)\s*$")


def contents_entries(pages: list[str]) -> dict[str, int]:
    """Title → printed page number of every dotted contents line."""
    entries = {}
    for page in pages:
        for line in page.splitlines():
            match = TOC_LINE.match(line)
            if match:
                entries[match["title"]] = int(match["page"])
    return entries


def heading_pages(pages: list[str], headings: list[str]) -> dict[str, int]:
    """Heading → 1-based page where it stands alone on a line (contents lines have dots)."""
    found = {}
    for number, page in enumerate(pages, start=1):
        for line in page.splitlines():
            if line.strip() in headings and line.strip() not in found:
                found[line.strip()] = number
    return found


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) of every bookmark."""
    reader = PdfReader(pdf)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def link_targets(pdf: Path, first_pages: int) -> list[int]:
    """1-based target page of every internal link on the first ``first_pages`` pages."""
    reader = PdfReader(pdf)
    targets = []
    for page in reader.pages[:first_pages]:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            destination = annotation.get("/Dest")
            if annotation.get("/Subtype") == "/Link" and destination is not None:
                targets.append(reader.get_page_number(destination[0].get_object()) + 1)
    return targets


def live_processes(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of running (not zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{entry.name}/stat").read_bytes().rpartition(b")")[2].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != b"Z":
            found.append((int(entry.name), cmdline))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
    except OSError:
        return False
    return state != b"Z"


def stale_pipes(converter: Converter, workdir: Path) -> list[Path]:
    """Socket files left in /tmp by this converter's soffices (there must be none after close)."""
    ours = {Path(p) for p in glob.glob(f"/tmp/OSL_PIPE_{os.getuid()}_binder-{os.getpid()}-*")}
    for slot in range(converter.workers):
        for start in range(converter.starts):
            ours.update(pipe_files(workdir / f"profile-{slot}-{start}", "-")[1::2])
    return sorted(path for path in ours if path.exists() and not listening(path))


def listening(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def libreoffice() -> None:
    """LibreOffice, its Python bridge and pdftotext; in CI their absence fails the test."""
    missing = [tool for tool in ("soffice", "pdftotext") if not shutil.which(tool)]
    try:
        find_uno_python()
    except ToolError:
        missing.append("python3-uno")
    if missing:
        message = f"not installed: {', '.join(missing)} (./run setup)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def workdir(tmp_path: Path):
    """The converter's work folder; after the test no process may still use it."""
    folder = tmp_path / "lo"
    yield folder
    leftovers = live_processes(folder.as_uri())
    for pid, _ in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert not leftovers, f"processes outlived the converter: {leftovers}"


def sop(tmp_path: Path, key: str, headings: list[tuple[int, str]] | None = None) -> Job:
    """A job converting a small three-section document named ``key``."""
    headings = headings or [(1, f"{key} Purpose"), (2, f"{key} Scope"), (1, f"{key} Procedure")]
    docx = make_docx(tmp_path / f"{key}.docx", headings, title=f"{key} contents")
    return Job(key, docx, tmp_path / "pdf" / f"{key}.pdf")


# --- without LibreOffice ------------------------------------------------------------------------


def test_check_pdf_tells_what_is_wrong(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    assert "no PDF" in check_pdf(pdf)
    pdf.write_bytes(b"")
    assert "empty" in check_pdf(pdf)
    pdf.write_bytes(b"<html>")
    assert "not a PDF" in check_pdf(pdf)
    pdf.write_bytes(b"%PDF-1.7\n")
    assert check_pdf(pdf) == ""


def test_bad_settings_are_refused() -> None:
    for settings in ({"workers": 0}, {"timeout": 0}, {"recycle_after": 0}, {"retries": -1}):
        with pytest.raises(ValueError):
            Converter(**settings)


def test_uno_python_from_environment_must_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINDER_UNO_PYTHON", "/nonexistent/python3")
    with pytest.raises(ToolError) as raised:
        find_uno_python()
    assert "BINDER_UNO_PYTHON" in raised.value.message and "./run setup" in raised.value.hint


def test_nothing_to_convert_starts_nothing(workdir: Path) -> None:
    with Converter(workdir=workdir) as converter:
        assert converter.convert([]) == []
        assert converter.starts == 0


def test_missing_input_is_named_before_libreoffice_starts(tmp_path: Path, workdir: Path) -> None:
    converter = Converter(workdir=workdir)
    with pytest.raises(ConversionError) as raised:
        converter.convert([Job("SOP-404", tmp_path / "gone.docx", tmp_path / "gone.pdf")])
    assert raised.value.key == "SOP-404" and "SOP-404" in str(raised.value)
    assert converter.starts == 0
    with pytest.raises(RuntimeError):  # the error closed the converter
        converter.convert([])


# --- with LibreOffice ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, libreoffice):
    """One converter for the tests that only convert good documents."""
    folder = tmp_path_factory.mktemp("shared-lo")
    with Converter(workdir=folder) as converter:
        yield converter
    assert not live_processes(folder.as_uri())


@pytest.mark.slow
def test_uno_python_is_found(libreoffice) -> None:
    assert can_import_uno(find_uno_python())


@pytest.mark.slow
@pytest.mark.parametrize("count", [5, 60], ids=["short-contents", "contents-over-two-pages"])
def test_contents_and_bookmarks_show_real_pages(tmp_path: Path, shared: Converter, count: int) -> None:
    headings = [(1 if i % 3 == 0 else 2, f"Section {i} heading") for i in range(count)]
    job = sop(tmp_path, "SOP-TOC", headings)
    [result] = shared.convert([job])

    assert result.key == "SOP-TOC" and result.pdf == job.pdf and result.seconds > 0
    pages = page_texts(job.pdf)
    titles = [text for _, text in headings]
    standing = heading_pages(pages, titles)
    assert TOC_PLACEHOLDER not in "".join(pages)
    assert contents_entries(pages) == standing
    assert sorted(standing) == sorted(titles)
    contents_pages = len(pages) - count
    assert (contents_pages > 1) == (count > 20)  # a long contents moves every later page
    assert standing["Section 0 heading"] == contents_pages + 1
    assert sorted(link_targets(job.pdf, contents_pages)) == sorted(standing.values())

    marks = outline(job.pdf)
    assert [(title, page) for _, title, page in marks] == [(title, standing[title]) for title in titles]
    assert {depth for depth, title, _ in marks if title == "Section 1 heading"} == {1}


@pytest.mark.slow
def test_paths_with_spaces_and_accents(tmp_path: Path, shared: Converter) -> None:
    folder = tmp_path / "Qualité des procédures"
    folder.mkdir()
    docx = make_docx(folder / "SOP 001 – Nettoyage.docx", [(1, "Objet")])
    [result] = shared.convert([Job("SOP-001", str(docx), str(folder / "sortie" / "SOP 001 – Nettoyage.pdf"))])
    assert result.pdf == folder / "sortie" / "SOP 001 – Nettoyage.pdf"
    assert check_pdf(result.pdf) == "" and "Objet" in "".join(page_texts(result.pdf))


def test_two_jobs_may_not_write_one_pdf(tmp_path: Path, workdir: Path) -> None:
    docx = make_docx(tmp_path / "a.docx", [(1, "A")])
    with pytest.raises(ValueError, match="both write"):
        Converter(workdir=workdir).convert([Job("A", docx, tmp_path / "x.pdf"), Job("B", docx, tmp_path / "x.pdf")])


@pytest.mark.slow
def test_fonts_are_embedded(tmp_path: Path, shared: Converter) -> None:
    job = sop(tmp_path, "SOP-FONTS")
    shared.convert([job])
    listing = subprocess.run(["pdffonts", str(job.pdf)], check=True, capture_output=True, text=True).stdout
    fonts = listing.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), listing


@pytest.mark.slow
def test_a_stale_lock_file_neither_stops_nor_stays(tmp_path: Path, shared: Converter) -> None:
    """A soffice killed mid-conversion leaves ``.~lock.<name>#``; the retry must still load the file."""
    job = sop(tmp_path, "SOP-LOCK")
    stale = tmp_path / ".~lock.SOP-LOCK.docx#"
    stale.write_text(",someone,elsewhere,01.01.2026 00:00,file:///tmp/another-profile;")
    shared.convert([job])
    assert check_pdf(job.pdf) == ""
    assert sorted(p.name for p in tmp_path.glob(".~lock*")) == [stale.name]


@pytest.mark.slow
def test_two_workers_return_results_in_job_order(tmp_path: Path, workdir: Path, libreoffice) -> None:
    jobs = [sop(tmp_path, f"SOP-{n:03d}") for n in range(6)]
    seen = []
    with Converter(workers=2, workdir=workdir) as converter:
        results = converter.convert(jobs, progress=seen.append)
        assert len(converter.soffice_pids()) == 2
        assert converter.conversions == 6
    assert [r.key for r in results] == [j.key for j in jobs]
    assert [r.pdf for r in results] == [j.pdf for j in jobs]
    assert sorted(r.key for r in seen) == [j.key for j in jobs]
    assert {r.worker for r in results} == {0, 1}
    for job in jobs:
        assert f"{job.key} Procedure" in "".join(page_texts(job.pdf))
    assert not list(workdir.glob("profile-*"))


@pytest.mark.slow
def test_a_text_file_named_docx_fails_with_its_key(tmp_path: Path, workdir: Path, libreoffice) -> None:
    good = sop(tmp_path, "SOP-001")
    bad = tmp_path / "SOP-002.docx"
    bad.write_text("not a Word document\n")
    converter = Converter(workdir=workdir)
    with pytest.raises(ConversionError) as raised:
        converter.convert([good, Job("SOP-002", bad, tmp_path / "pdf" / "SOP-002.pdf")])
    assert raised.value.key == "SOP-002"
    assert str(raised.value).startswith("SOP-002: ") and "could not read" in str(raised.value)
    assert not (tmp_path / "pdf" / "SOP-002.pdf").exists()
    assert converter.soffice_pids() == []


@pytest.mark.slow
def test_a_hung_libreoffice_is_killed_and_the_document_retried(tmp_path: Path, workdir: Path, libreoffice) -> None:
    with Converter(workdir=workdir, timeout=3) as converter:
        converter.convert([sop(tmp_path, "SOP-001")])
        [hung] = converter.soffice_pids()
        os.kill(hung, signal.SIGSTOP)
        try:
            started = time.monotonic()
            [result] = converter.convert([sop(tmp_path, "SOP-002")])
            waited = time.monotonic() - started
        finally:
            if alive(hung):
                os.kill(hung, signal.SIGKILL)
        assert result.key == "SOP-002" and check_pdf(result.pdf) == ""
        assert 3 <= waited < 20
        assert not alive(hung)
        assert converter.starts == 2 and converter.conversions == 2
    assert stale_pipes(converter, workdir) == []


@pytest.mark.slow
def test_a_document_that_keeps_timing_out_fails(tmp_path: Path, workdir: Path, libreoffice) -> None:
    converter = Converter(workdir=workdir, timeout=0.01, retries=1)
    with pytest.raises(ConversionError) as raised:
        converter.convert([sop(tmp_path, "SOP-SLOW")])
    assert raised.value.key == "SOP-SLOW" and "did not finish" in str(raised.value)
    assert converter.starts == 2 and converter.conversions == 0


@pytest.mark.slow
def test_killing_soffice_mid_run_retries_the_document(tmp_path: Path, workdir: Path, libreoffice) -> None:
    jobs = [sop(tmp_path, f"SOP-{n:03d}") for n in range(4)]
    killed = []

    def kill_soffice(_result) -> None:
        if not killed:
            killed.extend(converter.soffice_pids())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    with Converter(workdir=workdir) as converter:
        results = converter.convert(jobs, progress=kill_soffice)
        assert killed and not any(alive(pid) for pid in killed)
        assert [r.key for r in results] == [j.key for j in jobs]
        assert all(check_pdf(j.pdf) == "" for j in jobs)
        assert converter.conversions == 4 and converter.starts == 2
    assert stale_pipes(converter, workdir) == []


@pytest.mark.slow
def test_workers_are_recycled(tmp_path: Path, workdir: Path, libreoffice) -> None:
    with Converter(workdir=workdir, recycle_after=2) as converter:
        converter.convert([sop(tmp_path, f"SOP-{n:03d}") for n in range(3)])
        assert converter.starts == 2 and converter.conversions == 3


@pytest.mark.slow
def test_close_leaves_no_soffice(tmp_path: Path, workdir: Path, libreoffice) -> None:
    converter = Converter(workers=2, workdir=workdir)
    converter.convert([sop(tmp_path, "SOP-001"), sop(tmp_path, "SOP-002")])
    pids = converter.soffice_pids()
    assert len(pids) == 2 and live_processes(workdir.as_uri())
    converter.close()
    converter.close()
    assert not any(alive(pid) for pid in pids)
    assert not live_processes(workdir.as_uri())
    assert not list(workdir.glob("profile-*"))


@pytest.mark.slow
def test_close_after_the_work_folder_was_deleted_recreates_nothing(tmp_path: Path, libreoffice) -> None:
    """If the work folder is deleted while soffice runs, close() must not write it back.

    (soffice itself rewrites registrymodifications.xcu in its profile about half a
    second after each document, recreating the folder: callers must close first.)
    """
    stage = tmp_path / "stage"
    workdir = stage / ".work" / "lo"
    workdir.parent.mkdir(parents=True)
    converter = Converter(workdir=workdir)
    converter.convert([sop(tmp_path, "SOP-001")])
    # soffice's deferred writes may come after the deletion, even while it is removed: delete until
    # the folder stays gone, so that only close() could bring it back.
    for _ in range(10):
        shutil.rmtree(stage, ignore_errors=True)
        if not stage.exists() and not wait_until(stage.exists, 1.5):
            break
    assert not stage.exists(), "soffice kept writing its profile"
    converter.close()
    assert not stage.exists()
    assert not live_processes(workdir.as_uri())


@pytest.mark.slow
def test_interrupt_during_convert_leaves_no_soffice(tmp_path: Path, workdir: Path, libreoffice) -> None:
    def interrupt(_result) -> None:
        raise KeyboardInterrupt

    converter = Converter(workers=2, workdir=workdir)
    with pytest.raises(KeyboardInterrupt):
        converter.convert([sop(tmp_path, f"SOP-{n:03d}") for n in range(4)], progress=interrupt)
    assert not live_processes(workdir.as_uri())
    assert converter.starts == 2 and stale_pipes(converter, workdir) == []


@pytest.mark.slow
@pytest.mark.parametrize("busy", [False, True], ids=["idle", "hung-mid-document"])
def test_soffice_dies_with_a_killed_parent(tmp_path: Path, workdir: Path, libreoffice, busy: bool) -> None:
    first, second = sop(tmp_path, "SOP-001"), sop(tmp_path, "SOP-002")
    script = textwrap.dedent(f"""
        import os, signal, threading, time
        from pathlib import Path
        from binder.convert import Converter, Job
        converter = Converter(workdir=Path({str(workdir)!r}))
        converter.convert([Job("SOP-001", Path({str(first.docx)!r}), Path({str(first.pdf)!r}))])
        pids = converter.soffice_pids()
        if {busy!r}:
            os.kill(pids[0], signal.SIGSTOP)
            job = Job("SOP-002", Path({str(second.docx)!r}), Path({str(second.pdf)!r}))
            threading.Thread(target=converter.convert, args=([job],), daemon=True).start()
            time.sleep(1)
        print(*pids, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pids = [int(pid) for pid in done.stdout.split()]
    assert pids
    assert wait_until(lambda: not live_processes(workdir.as_uri()), 15)
