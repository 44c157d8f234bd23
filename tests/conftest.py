"""Settings for the whole test session; the tests live in one folder per stage of the build
(``workbook``, ``document``, ``convert``, ``signing``, ``output``, ``issue``, ``cli``), whole
builds with LibreOffice in ``end_to_end`` and the package's layering in ``architecture``.

``tests/support`` holds what tests share (``wb``, ``pdfs``, ``certs``, ``fakes``, ``cli``...): it is
put first on ``sys.path`` here, so tests import those modules by their plain names. The folders
have no ``__init__.py``: pytest imports each test module by its file name, so every test file's
name must be unique across the folders.
"""

import atexit
import gc
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

# Builds in tests seal their manifests and cache with a key of the test session's, never the user's, and
# keep what binder caches in the user's cache folder (the stamp's font, tool versions) in the repository's
# .venv/test-cache, never the user's. Made by the process that starts the session: pytest-xdist's workers
# inherit its environment, so they share one cache (each would otherwise cut the stamp's font for itself,
# ~1 s of CPU). It outlives the session, as the user's does the CLI: its entries are named after what made
# them (the font's bytes, the characters, the installed program's files) and checked when read.
if "PYTEST_XDIST_WORKER" not in os.environ:
    _KEY_FOLDER = Path(tempfile.mkdtemp(prefix="binder-test-key-"))
    atexit.register(shutil.rmtree, _KEY_FOLDER, ignore_errors=True)
    (_KEY_FOLDER / "build.key").write_bytes(secrets.token_bytes(32))
    os.environ["BINDER_BUILD_KEY_FILE"] = str(_KEY_FOLDER / "build.key")
    _VENV = Path(__file__).resolve().parent.parent / ".venv"
    _CACHE = _VENV / "test-cache" if os.access(_VENV, os.W_OK) else _KEY_FOLDER / "cache"
    os.environ["XDG_CACHE_HOME"] = str(_CACHE)


def pytest_configure(config):
    """The fixtures of ``daemons`` (the converter daemon) and ``pipeline`` (builds without LibreOffice), for every
    folder; not in pytest-xdist's controlling process, which runs no test: importing binder's pipeline there cost
    ~0.7 s of CPU while the workers start on the same cores."""
    if getattr(config, "workerinput", None) is None and config.getoption("numprocesses", None):
        return
    for plugin in ("daemons", "pipeline"):
        config.pluginmanager.import_plugin(plugin)


def pytest_collection_finish(session):
    """What imports and collection made lives as long as the session: frozen, the garbage collector no longer
    walks it at every full collection (~90 ms each in a test process). What the tests import and keep later
    (pyHanko, fontTools, module-scoped builds) still made the full collections ~3 s of a fast run's CPU: one
    every 100 middle-generation collections instead of 10 made it ~1.3 s (19 full collections -> 7, the young
    generations' as by default)."""
    gc.freeze()
    gc.set_threshold(700, 10, 100)


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: the LibreOffice tests must run for real there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nCI: {skipped} test(s) were skipped; in CI every test must run")


@pytest.fixture(autouse=True)
def _signals_left_as_found(request):
    """A test that leaves a signal blocked or handled otherwise fails here, not the later tests it would break:
    processes they start inherit the mask and the ignored signals (a Ctrl-C sent to them would be lost)."""
    import signal

    def state():
        return (
            signal.getsignal(signal.SIGINT),
            signal.getsignal(signal.SIGTERM),
            signal.pthread_sigmask(signal.SIG_BLOCK, []),
        )

    before = state()
    yield
    assert state() == before, f"{request.node.nodeid} left the signals changed"


@pytest.fixture(autouse=True)
def _no_workers_ready(monkeypatch):
    """Each test begins as a process that has not started the forkserver: a build started by an earlier test
    must not decide whether this one assembles its binders in a worker process (``binder.parallel``)."""
    parallel = sys.modules.get("binder.parallel")
    if parallel is not None:
        monkeypatch.setattr(parallel, "_ready", False)
        monkeypatch.setattr(parallel, "_fork", False)


@pytest.fixture(autouse=True, scope="session")
def _small_chart_fallbacks():
    """Each flowchart picture's PNG fallback (for Word without SVG) is drawn by Graphviz at 150 dpi, ~0.1 s a
    picture and two thirds of the drawing's time: the tests, which read the SVG, draw it at 36 dpi.
    ``test_flowchart.py::test_the_png_fallback_is_the_svg_at_150_dpi`` draws it at the real resolution."""
    from binder.document import flowchart

    patch = pytest.MonkeyPatch()
    patch.setattr(flowchart, "PNG_DPI", 36)
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def _workers_fork_with_their_code():
    """The forkserver a test's build starts (the first one in the test process: it outlives the test) imports
    what render and assembly processes run, as a build of enough SOPs has it do (``binder.build.WORKER_MODULES``):
    otherwise every worker process of the tests imported binder's issue stage itself, ~1.3 s of CPU each.
    Whether a build hands work to those processes is still each test's own (``_no_workers_ready``)."""
    import multiprocessing

    build = sys.modules.get("binder.build")
    if build is not None:
        multiprocessing.get_context("forkserver").set_forkserver_preload(list(build.WORKER_MODULES))
    yield


@pytest.fixture(autouse=True, scope="session")
def _no_converter_daemon():
    """``binder build`` converts on the user's shared daemon unless told not to: the tests build with LibreOffice
    of their own and check that none outlives a build. ``tests/*/test_daemon*.py`` unset this themselves."""
    patch = pytest.MonkeyPatch()
    patch.setenv("BINDER_NO_DAEMON", "1")
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def _stamp_font_cut_once():
    """``sign_pdf`` called without a font cache (as most tests call it) cuts the stamp's font once per process,
    ~0.7 s each time: the tests keep it in the session's cache folder, as the CLI keeps it in the user's.
    ``tests/signing/test_stamp_font.py`` tries the cache itself, and cutting without one. Only where a test module
    imported the signing stage: importing pyHanko costs ~0.9 s, and the CLI's signing keeps the font anyway."""
    sign = sys.modules.get("binder.signing.sign")
    if sign is None:
        yield
        return
    shared = Path(os.environ["XDG_CACHE_HOME"]) / "binder" / "stamp-fonts"
    original = sign.stamp_style
    patch = pytest.MonkeyPatch()
    patch.setattr(sign, "stamp_style", lambda characters, font_cache=None: original(characters, font_cache or shared))
    yield
    patch.undo()
