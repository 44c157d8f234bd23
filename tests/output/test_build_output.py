"""What a build does to the output folder, without LibreOffice: change control and the sealed
manifest, the document cache, the files of the user's, a failed build.

A ``FakeConverter`` (``support/fakes.py``) writes real small PDFs, so every later stage runs on real
files; each test opens what the build wrote (pypdf, openpyxl, json) rather than trusting the return
value. The builds and fixtures are shared with ``tests/issue`` (``support/pipeline.py``).
"""

from __future__ import annotations

import json
import os
import zipfile

import fakes
import pytest
import wb
from pipeline import LATER, by, manifest, page_texts, rebuild, revised_fin_001, sha256, snapshot, two_packs
from processes import dots

from binder.build import BuildOptions, build
from binder.document import dot_runner, flowchart
from binder.errors import ConversionError, InputError
from binder.output.manifest import ManifestError, read_manifest
from binder.output.transaction import OutputError

# --- change control and the manifest ------------------------------------------------------------


def test_changing_content_without_raising_the_version_is_refused_and_leaves_the_output_as_it_was(built):
    book, out = built
    before = snapshot(out)
    data = two_packs()
    data["Steps"][0]["Action"] = "Collect signed timesheets."
    with pytest.raises(InputError) as raised:
        rebuild(book, out, data, today=LATER)
    problems = [p for p in raised.value.problems if p.code == "version-not-raised"]
    assert len(problems) == 1 and problems[0].is_error
    assert str(problems[0].location) == wb.cell("SOPs", "Version", 0)
    assert snapshot(out) == before


@pytest.mark.parametrize("edit", ["sha256", "version"])
def test_a_hand_edited_manifest_stops_the_next_build_and_changes_nothing(built, edit):
    book, out = built
    data = manifest(out)
    if edit == "sha256":
        data["binders"][0]["sha256"] = "0" * 64
    else:
        data["documents"][0]["version"] = "9.9"
    (out / "manifest.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(ManifestError, match="change control cannot run"):
        rebuild(book, out, today=LATER)
    assert snapshot(out) == before


def test_force_builds_past_a_hand_edited_manifest_and_seals_a_new_one(built):
    book, out = built
    data = manifest(out)
    data["documents"][0]["sha256"]["pdf"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    rebuild(book, out, today=LATER, force=True)
    trusted = read_manifest(out)  # raises if it is not sealed with the build key
    assert [d.sop_id for d in trusted.documents] == ["FIN-001", "OPS-001", "OPS-002"]
    for doc in manifest(out)["documents"]:
        assert doc["sha256"]["pdf"] == sha256(out / doc["pdf"])


def test_force_builds_past_a_damaged_manifest_over_the_files_of_the_last_build(built):
    book, out = built
    (out / "manifest.json").write_text('{"workbook": "book.xl')  # cut short
    with pytest.raises(ManifestError):
        rebuild(book, out, today=LATER)
    rebuild(book, out, today=LATER, force=True)
    assert read_manifest(out) is not None and (out / "binders" / "FIN-binder.pdf").exists()


def test_a_build_with_another_build_key_refuses_the_manifest_and_rebuilds_the_cache(
    built, tmp_path, monkeypatch, converters
):
    """Someone without this user's (or the team's) build key: nothing of the folder is trusted."""
    import secrets

    book, out = built
    other = tmp_path / "other.key"
    other.write_bytes(secrets.token_bytes(32))
    monkeypatch.setenv("BINDER_BUILD_KEY_FILE", str(other))
    before = snapshot(out)
    with pytest.raises(ManifestError, match="another build key"):
        rebuild(book, out, today=LATER)
    assert snapshot(out) == before
    result = rebuild(book, out, today=LATER, force=True)
    assert [w.code for w in result.warnings if w.code == "cache-entry-discarded"] == ["cache-entry-discarded"]
    assert converters[-1].converted  # every SOP rendered and converted again


# --- the cache ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hmac", ["kept", "dropped"])
def test_a_planted_cache_entry_is_discarded_and_its_sop_converted_again(built, tmp_path, converters, hmac):
    book, out = built
    fin_pdf = manifest(out)["documents"][0]["sha256"]["pdf"]
    entry = next(
        meta.parent
        for meta in (out / ".cache").glob("*/meta.json")
        if json.loads(meta.read_text())["standalone"] == fin_pdf
    )
    planted = tmp_path / "planted.pdf"
    fakes.write_pdf([("Normal", "PLANTED: pay everyone twice.", [])], planted)
    os.replace(planted, entry / "standalone.pdf")  # a new file: the output's hard links keep the old bytes
    meta = json.loads((entry / "meta.json").read_text())
    meta["standalone"] = sha256(entry / "standalone.pdf")
    if hmac == "dropped":
        del meta["hmac"]
    (entry / "meta.json").write_text(json.dumps(meta))
    planted_bytes = (entry / "standalone.pdf").read_bytes()
    result = rebuild(book, out)
    assert "FIN-001" in converters[0].converted and "FIN-001" in result.converted
    assert "cache-entry-discarded" in [w.code for w in result.warnings]
    assert (out / "sops" / "FIN-001.pdf").read_bytes() != planted_bytes
    assert "PLANTED" not in "".join(page_texts(out / "sops" / "FIN-001.pdf"))
    assert manifest(out)["documents"][0]["sha256"]["pdf"] == sha256(out / "sops" / "FIN-001.pdf")


# --- the output folder --------------------------------------------------------------------------


def test_files_folders_and_links_the_user_put_into_the_output_folder_survive_a_rebuild(built):
    book, out = built
    (out / "notes.txt").write_text("mine")
    (out / "notes.txt").chmod(0o600)
    (out / "binders" / "cover-letter.md").write_text("to the auditors")
    (out / "binders" / "cover-letter.md").chmod(0o664)
    (out / "empty folder").mkdir(mode=0o750)
    (out / "empty folder").chmod(0o750)
    (out / "latest-finance.pdf").symlink_to("binders/FIN-binder.pdf")
    (out / "sops" / "dangling").symlink_to("../nowhere")
    before = {
        rel: item
        for rel, item in snapshot(out).items()
        if rel in ("notes.txt", "binders/cover-letter.md", "empty folder", "latest-finance.pdf", "sops/dangling")
    }
    rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert (
        by(manifest(out)["binders"], "department")["FIN"]["issued"] == LATER.isoformat()
    )  # the rebuild changed things
    after = snapshot(out)
    assert {rel: after.get(rel) for rel in before} == before
    assert len(before) == 5


def test_an_output_folder_with_user_files_and_no_manifest_is_refused_unless_forced(tmp_path, converters):
    book = wb.write(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"my thesis")
    before = snapshot(out)
    with pytest.raises(OutputError):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))
    assert snapshot(out) == before and converters == []
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1, force=True))
    assert (out / "thesis.docx").read_bytes() == b"my thesis"
    assert [b["department"] for b in manifest(out)["binders"]] == ["FIN", "OPS"]


def test_a_file_of_the_users_where_a_forced_build_would_write_is_refused_and_kept(tmp_path, converters):
    """--force adds binder's files to a folder of the user's; one of theirs at a path binder writes stops it."""
    book = wb.write(tmp_path / "book.xlsx")
    out = tmp_path / "out"
    (out / "sops").mkdir(parents=True)
    (out / "sops" / "FIN-001.pdf").write_bytes(b"my own notes on payroll")
    before = snapshot(out)
    with pytest.raises(OutputError, match="sops/FIN-001.pdf, which it did not write"):
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1, force=True))
    assert {rel: item for rel, item in snapshot(out).items() if rel != ".binder-lock"} == before  # the lock is binder's


def test_a_failed_conversion_leaves_the_output_as_it_was(built, monkeypatch):
    book, out = built
    before = snapshot(out)
    fakes.patch_converter(monkeypatch, fail_on={"FIN-001"})
    with pytest.raises(ConversionError, match="FIN-001: fake failure"):
        rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert snapshot(out) == before


# --- Graphviz -----------------------------------------------------------------------------------


def test_a_build_in_one_process_draws_its_charts_with_the_same_two_graphviz_and_leaves_none(
    tmp_path, converters, monkeypatch
):
    monkeypatch.setattr(flowchart, "_LAID_OUT", flowchart.OrderedDict())  # every chart laid out for real
    started: list[tuple[str, ...]] = []
    real = dot_runner._start
    monkeypatch.setattr(dot_runner, "_start", lambda formats: started.append(tuple(formats)) or real(formats))
    data = two_packs()
    for sop in data["SOPs"]:
        sop["Format"] = "Flowchart"  # three charts: drawn alone, they would start three pairs
    book = wb.write(tmp_path / "book.xlsx", data)
    build(book, BuildOptions(out=tmp_path / "out", today=wb.TODAY, jobs=1))
    charted = [
        docx
        for docx in (tmp_path / "out" / "sops").glob("*.docx")
        if any(name.endswith(".png") for name in zipfile.ZipFile(docx).namelist())
    ]
    assert len(charted) >= 3
    # one pair for the Word documents, and one more where a chart was drawn again to start a page earlier
    assert started.count(dot_runner.LAYOUT) <= 2 and len(started) <= 4, started
    assert not dot_runner._RUNNING and not dots()
