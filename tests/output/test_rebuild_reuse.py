"""A rebuild reuses what is unchanged without trusting it: the same bytes as a cold build of the same
workbook, files already in place are neither rewritten nor moved, and a hand-edited file is written afresh;
an unchanged SOP's content is linked from the last build, not made again."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import fakes
import pytest
from helpers_docx import write_png
from pipeline import first_build, rebuild, revised_fin_001, two_packs

from binder.redline import content
from binder.redline.content import snapshot

SKIPPED = ("manifest.json", ".", "binders/", "packs/")
"""Not compared: binders and packs carry their issue history (a changes page, the issue's date), which a cold
build has not got; the rest of the output has none."""


@pytest.fixture(scope="module")
def cold(tmp_path_factory) -> Path:
    """The output folder of a cold build of ``revised_fin_001(two_packs())``, for the tests to compare with."""
    with pytest.MonkeyPatch.context() as patch:
        fakes.patch_converter(patch)
        return first_build(tmp_path_factory.mktemp("cold"), revised_fin_001(two_packs()))[1]


def files(out: Path) -> dict[str, object]:
    """Every file a user sees in ``out`` (not the cache, lock or manifest), with its bytes; a Word or Excel
    file with its parts' bytes (the zip records when it was written: a kept file keeps its first time)."""
    return {
        p.relative_to(out).as_posix(): _parts(p) if p.suffix in (".docx", ".xlsx") else p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.relative_to(out).as_posix().startswith(SKIPPED)
    }


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def listed(out: Path) -> dict:
    """The manifest without what differs from build to build (its time, its seal, the issues' history)."""
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in data["documents"]:
        entry["sha256"].pop("docx")  # the zip's times, as in ``files``
    return {k: v for k, v in data.items() if k not in ("built_at", "hmac", "binders", "packs", "workbook_sha256")}


def test_a_one_sop_rebuild_writes_the_bytes_of_a_cold_build_and_leaves_unchanged_files_in_place(
    tmp_path, converters, cold
):
    book, out, _ = first_build(tmp_path, two_packs())  # here, not a copy: a copy breaks the links into the cache
    kept = {
        rel: os.stat(out / rel).st_ino for rel in ("content/OPS-001.json", "sops/OPS-001.pdf", "site/static/site.css")
    }
    changed = os.stat(out / "content/FIN-001.json").st_ino
    rebuild(book, out, revised_fin_001(two_packs()))
    assert files(out) == files(cold)
    assert listed(out) == listed(cold)
    assert {rel: os.stat(out / rel).st_ino for rel in kept} == kept
    assert os.stat(out / "content/FIN-001.json").st_ino != changed
    assert "Collect signed timesheets." in (out / "content/FIN-001.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".binder-")) == [".binder-lock"]


def test_a_content_file_edited_in_the_output_folder_is_written_afresh_not_reused(built, cold):
    book, out = built
    path = out / "content/OPS-001.json"
    edited = path.read_text(encoding="utf-8").replace("OPS-001", "OPS-999")
    path.unlink()  # a new file in its place, as an editor saving it would leave
    path.write_text(edited, encoding="utf-8")
    result = rebuild(book, out, revised_fin_001(two_packs()))
    assert path.read_bytes() == (cold / "content/OPS-001.json").read_bytes()
    assert "OPS-999" not in path.read_text(encoding="utf-8")
    assert "content-tampered" in {w.code for w in result.warnings}


def test_a_rebuild_makes_the_content_of_the_changed_sop_only_and_links_the_others(built, cold, monkeypatch):
    book, out = built
    made = []
    monkeypatch.setattr(content, "snapshot", lambda sop, library: made.append(sop.sop_id) or snapshot(sop, library))
    rebuild(book, out, revised_fin_001(two_packs()))
    assert made == ["FIN-001"]
    assert files(out) == files(cold)


def test_a_picture_given_another_name_is_recorded_under_it_though_its_bytes_are_the_same(tmp_path, converters):
    data = two_packs()
    write_png(tmp_path / "scale.png", 40, 30)
    data["Steps"][0]["Image"] = "scale.png"
    book, out, _ = first_build(tmp_path, data)
    assert '"picture": "scale.png"' in (out / "content/FIN-001.json").read_text(encoding="utf-8")
    shutil.copy(tmp_path / "scale.png", tmp_path / "weighing-scale.png")
    data["Steps"][0]["Image"] = "weighing-scale.png"
    rebuild(book, out, data, allow_unversioned=True)
    assert '"picture": "weighing-scale.png"' in (out / "content/FIN-001.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "change, converted",
    [
        ("picture bytes", ("FIN-001",)),
        ("logo bytes", ("FIN-001", "OPS-001", "OPS-002")),
        ("paper size", ("FIN-001", "OPS-001", "OPS-002")),
        ("language", ("FIN-001", "OPS-001", "OPS-002")),
    ],
)
def test_what_shapes_a_document_beside_its_cells_makes_it_again(tmp_path, converters, change, converted):
    """The cache key holds the pictures' bytes (not only their names), the logo, the paper size and the labels'
    language; the binders' issue key the logo, paper size and language too."""
    data = two_packs()
    write_png(tmp_path / "scale.png", 40, 30)
    write_png(tmp_path / "logo.png", 60, 20)
    data["Steps"][0]["Image"] = "scale.png"
    data["Settings"].append({"Key": "Logo", "Value": "logo.png"})
    book, out, _ = first_build(tmp_path, data)
    keys = {b["department"]: b["key"] for b in json.loads((out / "manifest.json").read_text())["binders"]}
    if change == "picture bytes":
        write_png(tmp_path / "scale.png", 41, 30)  # a better photo saved over the old one
    elif change == "logo bytes":
        write_png(tmp_path / "logo.png", 61, 20)
    else:
        setting = {"paper size": ("Paper size", "Letter"), "language": ("Language", "fr")}[change]
        next(row for row in data["Settings"] if row["Key"] == setting[0])["Value"] = setting[1]
    result = rebuild(book, out, data, allow_unversioned=True)
    assert result.converted == converted
    after = {b["department"]: b["key"] for b in json.loads((out / "manifest.json").read_text())["binders"]}
    if change != "picture bytes":  # (a binder's key holds its SOPs' PDF bytes: the fake's do not show pictures)
        assert all(after[code] != keys[code] for code in keys)
