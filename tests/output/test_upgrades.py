"""README: "an upgrade of binder (or of LibreOffice, Graphviz, docxtpl, python-docx, jinja2, pypdf or pikepdf)
re-renders every SOP and re-issues every binder and pack". Each upgrade is made by changing the version the build
reads: every one changes the keys of documents and of issues, and for a library and a tool the same workbook is
built again."""

from __future__ import annotations

import pytest
from pipeline import rebuild

from binder.output import cache, codehash

UPGRADES = [*cache.LIBRARIES, "LibreOffice", "Graphviz"]
TOOLS = {"LibreOffice": "soffice", "Graphviz": "dot"}


@pytest.fixture
def fresh_fingerprints():
    """The fingerprints are computed once per process: forgotten before and after each test."""
    forget = (cache.environment_fingerprint, cache.issue_environment_fingerprint, codehash.code_fingerprint)
    for memo in forget:
        memo.cache_clear()
    yield
    for memo in forget:
        memo.cache_clear()


def upgrade(monkeypatch, name: str) -> None:
    if name in TOOLS:
        real_tool = cache.tool_version
        monkeypatch.setattr(
            cache, "tool_version", lambda command: "99.9" if command[0] == TOOLS[name] else real_tool(command)
        )
    else:
        real = cache.metadata.version
        monkeypatch.setattr(cache.metadata, "version", lambda package: "99.9" if package == name else real(package))


def test_pikepdf_is_among_the_libraries_that_shape_an_issue():
    # it assembles binders and packs (binder/issue/assemble.py) and refits charts (binder/output/chart_room.py)
    assert "pikepdf" in cache.LIBRARIES and "pypdf" in cache.LIBRARIES


@pytest.mark.parametrize("name", UPGRADES)
def test_every_upgrade_changes_the_keys_of_documents_and_of_issues(name, monkeypatch, fresh_fingerprints):
    before = cache.environment_fingerprint(), cache.issue_environment_fingerprint()
    upgrade(monkeypatch, name)
    cache.environment_fingerprint.cache_clear()
    cache.issue_environment_fingerprint.cache_clear()
    after = cache.environment_fingerprint(), cache.issue_environment_fingerprint()
    assert before[0] != after[0] and before[1] != after[1]


@pytest.mark.parametrize("name", ["pikepdf", "LibreOffice"])
def test_an_upgrade_re_renders_every_sop_and_re_issues_every_binder_and_pack(
    name, built, converters, monkeypatch, fresh_fingerprints
):
    book, out = built
    unchanged = rebuild(book, out)
    assert unchanged.converted == () and all(e.reused for e in unchanged.binders + unchanged.packs)
    upgrade(monkeypatch, name)
    cache.environment_fingerprint.cache_clear()
    cache.issue_environment_fingerprint.cache_clear()
    result = rebuild(book, out)
    assert sorted(result.converted) == sorted(s.sop_id for s in result.library.sops)
    assert result.binders and result.packs and not any(e.reused for e in result.binders + result.packs)


@pytest.mark.parametrize(
    "package, documents_too",
    [("binder.document", True), ("binder.convert", True), ("binder.issue", False), ("binder.redline", False)],
)
def test_an_edit_to_a_stage_changes_the_keys_of_what_it_shapes(
    package, documents_too, tmp_path, monkeypatch, fresh_fingerprints
):
    """The fingerprints hash every file of the stages, not a list: a module added to the stage is edited here."""
    added = tmp_path / "added.py"
    added.write_text("RULE = 1\n")
    real = codehash._sources
    monkeypatch.setattr(codehash, "_sources", lambda module: real(module) + ([added] if module == package else []))
    before = cache.environment_fingerprint(), cache.issue_environment_fingerprint()
    added.write_text("RULE = 2\n")
    for memo in (cache.environment_fingerprint, cache.issue_environment_fingerprint, codehash.code_fingerprint):
        memo.cache_clear()
    after = cache.environment_fingerprint(), cache.issue_environment_fingerprint()
    assert (before[0] != after[0]) is documents_too and before[1] != after[1]


def test_every_file_of_a_stage_is_hashed_its_templates_too():
    sources = {p.relative_to(codehash._sources("binder.document")[0].parents[1]).as_posix()
               for p in codehash._sources("binder.document")}  # fmt: skip
    assert {"document/render.py", "document/templates/sop.docx", "document/templates/front.docx"} <= sources
    assert {p.name for p in codehash._sources("binder.issue")} >= {"assemble.py", "front.py", "issuing.py"}
