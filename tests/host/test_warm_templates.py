"""A build host compiles the built-in templates and the site's once, and cuts the page stamp's font
(``binder.host.server.preload``): the builds it forks render with them as compiled, and compile nothing of them
again."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_docx import make_library, make_sop

from binder.document import render, template_files
from binder.host import server
from binder.site import pages


@pytest.fixture
def fresh_environments(monkeypatch):
    monkeypatch.setattr(render, "_ENVIRONMENT", None)
    monkeypatch.setattr(pages, "_ENVIRONMENT", None)


def test_an_sop_rendered_after_the_built_in_templates_were_compiled_compiles_none_of_their_parts(
    tmp_path, fresh_environments
):
    render.compile_templates()
    compiled = dict(render.make_environment()._compiled)
    assert len(compiled) >= len(template_files.BUILT_IN)
    render.render_sop(make_sop(), make_library(), tmp_path / "sop.docx")
    again = [source for source in render.make_environment()._compiled if source not in compiled]
    # only the document's properties (a title, a subject) are compiled as the SOP is rendered
    assert all(len(source) < 200 for source in again), [s[:80] for s in again]


def test_the_site_templates_are_all_compiled(fresh_environments):
    pages.compile_templates()
    cached = {name for _, name in pages.environment().cache.keys()}
    assert cached == {p.name for p in (Path(pages.__file__).parent / "templates").glob("*.j2")}


def test_a_build_host_compiles_the_templates_and_cuts_the_stamp_font_when_it_loads(monkeypatch):
    from binder.issue import stamp

    done = []
    monkeypatch.setattr(server, "PRELOAD", ())
    monkeypatch.setattr(render, "compile_templates", lambda: done.append("documents"))
    monkeypatch.setattr(pages, "compile_templates", lambda: done.append("site"))
    monkeypatch.setattr(stamp, "warm", lambda: done.append("stamp font"))
    monkeypatch.setattr(server.gc, "freeze", lambda: None)
    server.preload()
    assert done == ["documents", "site", "stamp font"]
