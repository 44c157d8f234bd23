"""Every build keeps each SOP's content (``content/<ID>.json``), listed and hashed in the manifest, and
the next issue's changes page shows the redline against it. Builds with the fake converter: the
binders' PDFs carry the front matter's text; the front matter's Word file is caught as it is rendered."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import wb
from docx import Document
from pipeline import SECOND_PACK, manifest, page_texts, rebuild, revised_fin_001, sha256

from binder.document.context import Image, Link
from binder.issue import front
from binder.output.manifest import read_manifest, write_sealed
from binder.redline.content import _jsonable

NEW_ACTION = "Collect signed forms."  # was "Collect timesheets."


@pytest.fixture
def fronts(monkeypatch, tmp_path):
    """Every front matter .docx rendered by the builds of the test, copied before the build removes it."""
    caught: list[Path] = []
    render = front.render_front

    def keep(library, spec, starts, issued, out):
        made = render(library, spec, starts, issued, out)
        caught.append(Path(shutil.copy(made, tmp_path / f"front-{len(caught)}.docx")))
        return made

    monkeypatch.setattr(front, "render_front", keep)
    return caught


def changes_page(out: Path) -> str:
    texts = page_texts(out / "binders" / "FIN-binder.pdf")
    return " ".join(" ".join(t for t in texts if "Changes in this issue" in t).split())


def test_each_sop_has_its_content_listed_with_its_hash(built):
    book, out = built
    docs = {d["sop_id"]: d for d in manifest(out)["documents"]}
    assert set(docs) == {"FIN-001", "OPS-001", "OPS-002"}
    for sop_id, doc in docs.items():
        assert doc["content_file"] == f"content/{sop_id}.json"
        assert doc["sha256"]["content_file"] == sha256(out / doc["content_file"])
    data = json.loads((out / "content" / "FIN-001.json").read_text(encoding="utf-8"))
    assert (data["sop_id"], data["version"], data["title"]) == ("FIN-001", "2.0", "Payroll processing")
    context = data["context"]
    assert [s["action"] for s in context["steps"]] == [s["Action"] for s in wb.BASE["Steps"][:4]]
    assert context["sop"]["id"] == "FIN-001"  # the printed ID's non-breaking hyphen is not kept
    assert {"text": "Payroll policy", "url": "https://intranet.acme.test/payroll", "before": "", "after": ""} in [
        r["linked"] for r in context["references"]
    ]
    text = (out / "content" / "FIN-001.json").read_text(encoding="utf-8")
    assert str(book.parent) not in text and "labels" not in context
    assert manifest(out)["built_at"][:10] not in text


def test_content_is_json_safe_pictures_by_their_path_in_the_workbook_folder(tmp_path):
    inside = tmp_path / "pics" / "scale.png"
    value = {
        "image": Image(inside, 10.0, 10.0),
        "link": Link("Policy", "https://x.test"),
        "elsewhere": Image(Path("/opt/a/b.png")),
    }
    assert _jsonable(value, tmp_path) == {
        "image": {"picture": "pics/scale.png"},
        "link": {"text": "Policy", "url": "https://x.test", "before": "", "after": ""},
        "elsewhere": {"picture": "b.png"},
    }


def test_an_unchanged_rebuild_writes_the_same_content(built):
    book, out = built
    before = {p.name: p.read_bytes() for p in (out / "content").iterdir()}
    rebuild(book, out)
    assert {p.name: p.read_bytes() for p in (out / "content").iterdir()} == before


def test_the_changes_page_shows_the_reworded_step_underlined_and_struck(built, fronts):
    book, out = built
    data = revised_fin_001(wb.base(), NEW_ACTION)
    data["SOPs"][0]["Purpose"] = "Pay staff {{ 7*7 }} <w:b/> & [bold]x[/] correctly and on time."
    rebuild(book, out, data)
    page = changes_page(out)
    assert "What changed" in page and "FIN-001 Payroll processing (2.0 → 2.1)" in page
    assert "Step 1, reworded: Collect timesheetssigned forms." in page  # old and new words, one after the other
    assert "Purpose, reworded: Pay staff {{ 7*7 }} <w:b/> & [bold]x[/] correctly" in page  # workbook text is text
    docx = [d for d in fronts if "What changed" in "".join(p.text for p in Document(d).paragraphs)][-1]
    runs = [r for p in Document(docx).paragraphs for r in p.runs]
    deleted = [r for r in runs if r.text == "timesheets"]
    inserted = [r for r in runs if r.text == "signed forms"]
    assert deleted and all(r.font.strike and not r.font.underline for r in deleted)
    assert inserted and all(r.font.underline and not r.font.strike for r in inserted)
    assert {str(r.font.color.rgb) for r in deleted} == {"B3261E"}
    assert {str(r.font.color.rgb) for r in inserted} == {"1A6B2F"}
    assert [r.text for r in runs if r.font.underline and "7*7" in r.text] == ["{{ 7*7 }} <w:b/> & [bold]x[/] "]
    # the legend shows the two looks too
    assert any(r.text == "inserted" and r.font.underline for r in runs)
    assert any(r.text == "deleted" and r.font.strike for r in runs)


def test_without_recorded_content_the_page_says_so_and_keeps_the_change_text(built):
    book, out = built
    # a build by a binder that did not record contents yet: no content file listed, none in the folder
    old = read_manifest(out)
    documents = tuple(replace(d, content_file="", sha256=d.sha256[:2]) for d in old.documents)
    write_sealed(out, replace(old, documents=documents))
    shutil.rmtree(out / "content")
    rebuild(book, out, revised_fin_001(wb.base(), NEW_ACTION))
    page = changes_page(out)
    assert "No content was recorded for version 2.0: only the change text above is listed." in page
    assert "Timesheets must be signed." in page and "reworded" not in page


def test_a_tampered_content_file_is_not_compared_with_and_is_a_warning(built):
    book, out = built
    path = out / "content" / "FIN-001.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Collect timesheets.", "Forged."), encoding="utf-8")
    result = rebuild(book, out, revised_fin_001(wb.base(), NEW_ACTION))
    (warning,) = [w for w in result.warnings if w.code == "content-tampered"]
    assert warning.sop_id == "FIN-001" and "content/FIN-001.json is not what the last build recorded" in warning.message
    page = changes_page(out)
    assert "The content recorded for version 2.0 could not be verified" in page and "Forged" not in page
    # this build recorded it afresh
    assert json.loads(path.read_text(encoding="utf-8"))["context"]["steps"][0]["action"] == NEW_ACTION


def test_pack_builds_keep_the_other_sops_content(built):
    book, out = built
    before = (out / "content" / "FIN-001.json").read_bytes()
    rebuild(book, out, pack=SECOND_PACK)  # OPS-001 only
    docs = {d["sop_id"]: d for d in manifest(out)["documents"]}
    assert docs["FIN-001"]["content_file"] == "content/FIN-001.json"
    assert (out / "content" / "FIN-001.json").read_bytes() == before
    assert docs["FIN-001"]["sha256"]["content_file"] == sha256(out / "content" / "FIN-001.json")


def test_only_a_new_version_says_the_content_is_the_same(built):
    from binder.issue.changes_page import binder_changes
    from binder.workbook.load import load_workbook

    book, out = built
    data = revised_fin_001(wb.base(), wb.BASE["Steps"][0]["Action"])  # 2.1, the same steps
    library = load_workbook(wb.write(book.parent / "same.xlsx", data), today=wb.TODAY).library
    changes = binder_changes(library, read_manifest(out), "FIN", ("FIN-001",), out)
    (redline,) = changes["redlines"]
    assert redline["note"] == "Only the version changed: the content is the same." and redline["lines"] == []
    assert binder_changes(library, read_manifest(out), "FIN", ("FIN-001",))["redlines"][0]["note"].startswith(
        "No content was recorded for version 2.0"
    )
