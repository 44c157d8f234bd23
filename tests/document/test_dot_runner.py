"""One Graphviz answering a chart's layouts in turn (``dot_runner.Session``): the same answers as a ``dot`` a
layout, a refused source told at once, a layout over its time stopped, and no Graphviz left when it is done."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from binder.document import dot_runner
from binder.document.dot_runner import LAYOUT, DotFailed, DotTimeout, Session, run_once


def chain(n: int, label: str = "step") -> str:
    nodes = "\n".join(f'  n{i} [label="{label} {i}"];' for i in range(n))
    edges = "\n".join(f"  n{i} -> n{i + 1};" for i in range(n - 1))
    return f"digraph chain {{\n{nodes}\n{edges}\n}}\n"


def dots() -> set[int]:
    """This process's ``dot`` children still running."""
    found = subprocess.run(["pgrep", "-x", "-P", str(os.getpid()), "dot"], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split() if Path(f"/proc/{pid}").exists() and not _zombie(pid)}


def _zombie(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_each_layout_is_what_a_dot_of_its_own_makes():
    sources = [chain(n) for n in (2, 9, 3, 30)]
    with Session() as session:
        answers = [session.layout(source, 30) for source in sources]
    assert answers == [run_once(source, list(LAYOUT), 30) for source in sources]
    assert all(a.startswith(b"{") and a.endswith(b"</svg>\n") and a.count(b"<svg") == 1 for a in answers)


def test_text_that_looks_like_the_end_of_an_answer_is_only_text():
    # what the session looks for between answers, written into the labels (workbook text is data)
    source = chain(3, label='\\"name\\": \\"binder_end_1\\" </svg>')
    with Session() as session:
        assert session.layout(source, 30) == run_once(source, list(LAYOUT), 30)
        assert session.layout(chain(2), 30) == run_once(chain(2), list(LAYOUT), 30)


def test_a_source_larger_than_a_pipe_holds_is_answered():
    source = chain(40, label="a rather long action text to fill the pipe " * 40)
    assert len(source.encode()) > 1 << 16
    with Session() as session:
        assert session.layout(source, 60) == run_once(source, list(LAYOUT), 60)


def test_a_refused_source_is_an_error_at_once_and_the_next_layout_still_works():
    with Session() as session:
        started = time.monotonic()
        with pytest.raises(DotFailed, match="syntax error"):
            session.layout("digraph { a -> }\n", 60)
        assert time.monotonic() - started < 10, "the refusal waited for the timeout"
        assert session.layout(chain(2), 30) == run_once(chain(2), list(LAYOUT), 30)


def test_a_layout_over_its_time_is_stopped_and_leaves_no_graphviz():
    before = dots()
    # 120 decisions jumping across each other: far more than a second of Graphviz's work
    edges = "\n".join(f"  n{i} -> n{(i * 37) % 120}; n{i} -> n{(i + 1) % 120};" for i in range(120))
    with Session() as session:
        with pytest.raises(DotTimeout):
            session.layout(f"digraph {{\n{edges}\n}}\n", 0.15)
        assert dots() == before
    with pytest.raises(DotTimeout):
        run_once(f"digraph {{\n{edges}\n}}\n", list(LAYOUT), 0.15)
    assert dots() == before and not dot_runner._RUNNING


def test_no_graphviz_outlives_its_session():
    before = dots()
    with Session() as session:
        session.layout(chain(2), 30)
        assert len(dots() - before) == 1  # one dot for all of the chart's layouts
        session.layout(chain(3), 30)
        assert len(dots() - before) == 1
    assert dots() == before and not dot_runner._RUNNING
