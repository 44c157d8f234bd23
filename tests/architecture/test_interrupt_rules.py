"""Interrupts always win, and errors survive the trip back from a render process."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from binder import interrupts
from binder.errors import FileProblem, InputError, Interrupted
from binder.problems import Problem


@pytest.fixture()
def handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    interrupts.install()
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_an_interrupt_is_not_an_exception_a_library_can_catch():
    assert not issubclass(Interrupted, Exception)
    with pytest.raises(Interrupted):
        try:
            raise Interrupted(signal.SIGINT)
        except Exception:  # what pypdf's lenient parser does
            pytest.fail("swallowed")


def test_a_signal_inside_third_party_parsing_is_raised_when_the_parsing_ends(handlers):
    reached_the_end = False
    with pytest.raises(Interrupted) as caught:
        with interrupts.shielded():
            os.kill(os.getpid(), signal.SIGTERM)
            reached_the_end = True  # nothing was raised in the middle of the block
    assert reached_the_end and caught.value.exit_code == 143


def test_a_signal_taken_by_another_thread_is_held_back_too(handlers):
    """While starting processes, a signal the kernel hands to another thread (the main thread blocks it)
    must still wait: Python runs the handler in the main thread wherever the signal landed."""
    leave = threading.Event()
    other = threading.Thread(target=leave.wait, daemon=True)
    other.start()
    reached_the_end = False
    try:
        with pytest.raises(Interrupted) as caught:
            with interrupts.held():
                signal.pthread_kill(other.ident or 0, signal.SIGINT)
                deadline = time.monotonic() + 0.5
                while time.monotonic() < deadline:  # bytecode running: where a handler would run
                    pass
                reached_the_end = True
    finally:
        leave.set()
    assert reached_the_end and caught.value.exit_code == 130


def test_a_signal_after_the_commit_is_ignored(handlers):
    interrupts.committed()
    os.kill(os.getpid(), signal.SIGINT)  # no exception: the new output is already in place
    interrupts.check()


def test_a_signal_outside_parsing_is_raised_at_once(handlers):
    with pytest.raises(Interrupted) as caught:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass
    assert caught.value.exit_code == 130


def test_input_errors_cross_process_boundaries_whole():
    """The render pool sends errors back pickled: a template mistake under --jobs 2 must read like under -j1."""
    error = InputError(
        [Problem.error("Steps!D4", "bad", "fix it", code="bad-choice", sop_id="FIN-001")], source="book.xlsx"
    )
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is InputError and back.problems == error.problems and back.source == "book.xlsx"
    assert back.message == error.message and back.exit_code == 1
    file_error = pickle.loads(pickle.dumps(FileProblem("t.docx", "template not found", "check it")))
    assert file_error.problems[0].where == "t.docx" and file_error.problems[0].code == "bad-file"
    interrupted = pickle.loads(pickle.dumps(Interrupted(signal.SIGTERM)))
    assert interrupted.exit_code == 143


def test_on_the_way_out_signals_are_ignored_by_the_whole_process_not_blocked_in_one_thread(handlers):
    # Python puts back the default action of handled signals at shutdown (ending the process by the
    # signal, in any thread that does not block it); an ignored signal stays ignored.
    interrupts.hold_for_exit()
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt or Interrupted if handled


def test_an_interrupt_while_binder_is_still_importing_exits_130_with_one_line():
    """A Ctrl-C in the first tenth of a second landed inside ``from binder.cli import main``: a traceback, exit 1."""
    script = textwrap.dedent("""
        import builtins, os, signal
        from binder import __main__ as entry
        real = builtins.__import__
        def importing(name, *args, **kwargs):
            if name == "binder.cli":
                os.kill(os.getpid(), signal.SIGINT)
            return real(name, *args, **kwargs)
        builtins.__import__ = importing
        entry.run()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "interrupted: nothing was changed in the output folder"
