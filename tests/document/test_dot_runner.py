"""One Graphviz answering a chart's layouts in turn (``dot_runner.Session``): the same answers as a ``dot`` a
layout, a refused source told at once, a layout over its time stopped, and no Graphviz left when it is done."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from processes import dots

from binder.document import dot_runner
from binder.document.dot_runner import LAYOUT, DotFailed, DotTimeout, Session, picture_formats, run_once


def chain(n: int, label: str = "step") -> str:
    nodes = "\n".join(f'  n{i} [label="{label} {i}"];' for i in range(n))
    edges = "\n".join(f"  n{i} -> n{i + 1};" for i in range(n - 1))
    return f"digraph chain {{\n{nodes}\n{edges}\n}}\n"


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


# -- pictures, and Graphviz kept for every chart of a build ---------------------------------------------------


@pytest.mark.parametrize("dpi", [36, 150])
def test_each_picture_is_what_a_dot_of_its_own_makes(dpi):
    sources = [chain(n) for n in (2, 9, 3)] + [chain(3, label='\\"name\\": \\"binder_end_1\\" IEND')]
    with Session(picture_formats(dpi)) as session:
        answers = [session.picture(source, 30) for source in sources]
    assert answers == [run_once(source, ["-Tpng", f"-Gdpi={dpi}"], 30) for source in sources]
    assert all(a.startswith(b"\x89PNG\r\n\x1a\n") and a.endswith(b"IEND\xaeB`\x82") for a in answers)


def test_a_refused_picture_is_an_error_at_once_and_one_over_its_time_leaves_no_graphviz():
    before = dots()
    with Session(picture_formats(36)) as session:
        started = time.monotonic()
        with pytest.raises(DotFailed, match="syntax error"):
            session.picture("digraph { a -> }\n", 60)
        assert time.monotonic() - started < 10, "the refusal waited for the timeout"
        assert session.picture(chain(2), 30) == run_once(chain(2), ["-Tpng", "-Gdpi=36"], 30)
        edges = "\n".join(f"  n{i} -> n{(i * 37) % 120}; n{i} -> n{(i + 1) % 120};" for i in range(120))
        with pytest.raises(DotTimeout):
            session.picture(f"digraph {{\n{edges}\n}}\n", 0.15)
        assert dots() == before
    assert dots() == before and not dot_runner._RUNNING


@pytest.fixture
def started(monkeypatch) -> list[tuple[str, ...]]:
    """The formats of each ``dot`` started for sessions."""
    made: list[tuple[str, ...]] = []
    real = dot_runner._start

    def start(formats):
        made.append(tuple(formats))
        return real(formats)

    monkeypatch.setattr(dot_runner, "_start", start)
    return made


def _draw_three(folder: Path) -> list[bytes]:
    """Three charts (the last cut into pages); the bytes of every picture drawn, in order."""
    from flows import long_flow
    from helpers_docx import make_sop, steps_payroll

    from binder.document import flowchart
    from binder.document.labels import labels_for

    sops = [make_sop(format="Flowchart", steps=steps_payroll()[:n]) for n in (3, 10)] + [long_flow()]
    pictures = []
    for index, sop in enumerate(sops):
        chart = flowchart.draw_flowchart(sop, labels_for("en"), folder / str(index), box_mm=(170, 200))
        pictures += [b for p in chart.pictures for b in (p.svg.read_bytes(), p.png.read_bytes())]
    assert len(pictures) > 6, "the long flow is cut into pages"
    return pictures


def test_charts_drawn_while_kept_share_two_graphviz_and_draw_what_they_draw_alone(tmp_path, started, monkeypatch):
    from binder.document import flowchart

    monkeypatch.setattr(flowchart, "_LAID_OUT", flowchart.OrderedDict())  # every chart laid out for real
    alone = _draw_three(tmp_path / "alone")
    assert len(started) >= 6  # each chart its own two: its layouts, its pictures
    started.clear()
    flowchart._LAID_OUT.clear()
    before = dots()
    with dot_runner.kept():
        with dot_runner.kept():  # nested: the outer one keeps them
            shared = _draw_three(tmp_path / "kept")
        assert sorted(started) == sorted([LAYOUT, picture_formats(flowchart.PNG_DPI)])
        assert len(dots() - before) == 2
    assert shared == alone
    assert dots() == before and not dot_runner._RUNNING


def test_graphviz_kept_is_stopped_when_the_drawing_fails(tmp_path):
    before = dots()
    with pytest.raises(RuntimeError, match="a template mistake"), dot_runner.kept():
        _draw_three(tmp_path)
        assert dots() - before
        raise RuntimeError("a template mistake")
    assert dots() == before and not dot_runner._RUNNING


def test_a_process_forked_while_graphviz_is_kept_starts_its_own_and_leaves_the_parents_alone(tmp_path):
    with dot_runner.kept():
        with dot_runner.sessions() as shared:
            assert shared.get(LAYOUT).layout(chain(2), 30)
        parents = set(dot_runner._RUNNING)
        assert parents
        pid = os.fork()
        if pid == 0:  # the child: its own dot, and the parent's left running
            code = 1
            try:
                with dot_runner.sessions() as own:
                    ok = own is not shared and own.get(LAYOUT).layout(chain(3), 30)
                    ok = ok and not parents & set(dot_runner._RUNNING)
                dot_runner.stop_all()
                code = 0 if ok and all(Path(f"/proc/{p}").exists() for p in parents) else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with dot_runner.sessions() as again:  # the parent's dot still answers
            assert again is shared and again.get(LAYOUT).layout(chain(4), 30) == run_once(chain(4), list(LAYOUT), 30)
