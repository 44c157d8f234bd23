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

# Builds in tests seal their manifests and cache with a key of the test session's, never the user's.
_KEY_FOLDER = Path(tempfile.mkdtemp(prefix="binder-test-key-"))
atexit.register(shutil.rmtree, _KEY_FOLDER, ignore_errors=True)  # each test process made its own
(_KEY_FOLDER / "build.key").write_bytes(secrets.token_bytes(32))
os.environ["BINDER_BUILD_KEY_FILE"] = str(_KEY_FOLDER / "build.key")

from daemons import runtime, served  # noqa: E402, F401 - the converter daemon, for every folder
from pipeline import built, built_once, converters  # noqa: E402, F401 - builds without LibreOffice, for every folder


def pytest_collection_finish(session):
    """What imports and collection made lives as long as the session: frozen, the garbage collector no longer
    walks it at every full collection (~90 ms each in a test process)."""
    gc.freeze()


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: the LibreOffice tests must run for real there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nCI: {skipped} test(s) were skipped; in CI every test must run")


@pytest.fixture(autouse=True, scope="session")
def _no_converter_daemon():
    """``binder build`` converts on the user's shared daemon unless told not to: the tests build with LibreOffice
    of their own and check that none outlives a build. ``tests/*/test_daemon*.py`` unset this themselves."""
    patch = pytest.MonkeyPatch()
    patch.setenv("BINDER_NO_DAEMON", "1")
    yield
    patch.undo()
