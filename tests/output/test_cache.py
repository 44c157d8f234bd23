"""Incremental builds: unchanged SOPs come from the cache; anything that shapes a document invalidates it."""

from __future__ import annotations

import json
import shutil

import pdfs
import pytest
import wb

from binder.build import BuildOptions, build
from binder.document import template_files

pytestmark = pytest.mark.slow


@pytest.fixture
def first(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    result = build(book, BuildOptions(out=tmp_path / "out", today=wb.TODAY))
    assert result.converted == ("FIN-001", "OPS-001", "OPS-002")
    return book, tmp_path / "out"


def test_an_unchanged_rebuild_converts_nothing_and_gives_the_same_documents(first):
    book, out = first
    before = {d["sop_id"]: d["sha256"]["pdf"] for d in json.loads((out / "manifest.json").read_text())["documents"]}
    result = build(book, BuildOptions(out=out, today=wb.TODAY))
    assert result.converted == ()
    after = {d["sop_id"]: d["sha256"]["pdf"] for d in json.loads((out / "manifest.json").read_text())["documents"]}
    assert after == before


def test_only_the_changed_sop_is_converted_again(first):
    book, out = first
    data = wb.base()
    data["SOPs"][2]["Purpose"] = "Count every shelf once a quarter."  # OPS-002 is a Draft: no new version needed
    wb.write(book, data)
    assert build(book, BuildOptions(out=out, today=wb.TODAY)).converted == ("OPS-002",)
    assert "Count every shelf once a quarter." in pdfs.squash(" ".join(pdfs.page_texts(out / "sops" / "OPS-002.pdf")))


def test_a_change_shown_in_other_documents_reconverts_them(first):
    book, out = first
    data = wb.base()
    data["Settings"][0]["Value"] = "Acme Group plc"  # printed in every header
    wb.write(book, data)
    assert build(book, BuildOptions(out=out, today=wb.TODAY)).converted == ("FIN-001", "OPS-001", "OPS-002")


def test_a_changed_template_invalidates_every_document(first, tmp_path):
    book, out = first
    shutil.copy(template_files.SOP, tmp_path / "mine.docx")
    data = wb.base()
    data["Settings"].append({"Key": "Template", "Value": "mine.docx"})
    wb.write(book, data)
    assert build(book, BuildOptions(out=out, today=wb.TODAY)).converted == ()  # the same bytes: the same documents
    from docx import Document
    from docx.shared import Pt

    restyled = Document(tmp_path / "mine.docx")
    restyled.styles["Normal"].font.size = Pt(12)
    restyled.save(tmp_path / "mine.docx")
    assert len(build(book, BuildOptions(out=out, today=wb.TODAY)).converted) == 3


def test_a_tampered_or_foreign_cache_entry_is_rebuilt_never_trusted(first):
    book, out = first
    entries = sorted(p for p in (out / ".cache").iterdir() if p.is_dir())
    assert len(entries) == 3
    tampered = entries[0] / "linked.pdf"
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    meta = json.loads((entries[1] / "meta.json").read_text())
    meta["key"] = "0" * 64  # an entry filed under another key
    (entries[1] / "meta.json").write_text(json.dumps(meta))
    assert len(build(book, BuildOptions(out=out, today=wb.TODAY)).converted) == 2
    manifest = json.loads((out / "manifest.json").read_text())
    for doc in manifest["documents"]:
        pdfs.page_texts(out / doc["pdf"])  # every PDF reads whole


def test_no_cache_converts_everything(first):
    book, out = first
    assert len(build(book, BuildOptions(out=out, today=wb.TODAY, use_cache=False)).converted) == 3


def test_one_and_two_workers_give_the_same_binders(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    one = build(book, BuildOptions(out=tmp_path / "one", jobs=1, today=wb.TODAY))
    two = build(book, BuildOptions(out=tmp_path / "two", jobs=2, today=wb.TODAY))
    assert [b.path for b in one.binders] == [b.path for b in two.binders]
    for binder in one.binders:
        a, b = tmp_path / "one" / binder.path, tmp_path / "two" / binder.path
        assert pdfs.page_texts(a) == pdfs.page_texts(b)
        assert pdfs.outline(a) == pdfs.outline(b)
        assert pdfs.labels(a) == pdfs.labels(b)


def test_a_binder_whose_sops_did_not_change_keeps_its_issue(first):
    from datetime import date

    book, out = first
    before = json.loads((out / "manifest.json").read_text())["binders"]
    fin_bytes = (out / "binders" / "FIN-binder.pdf").read_bytes()
    data = wb.base()
    data["SOPs"][1]["Purpose"] = "Check every delivery against its order."  # OPS-001 changes: OPS is re-issued
    data["SOPs"][1]["Version"] = "1.1"
    data["Revisions"].append(
        {
            "SOP ID": "OPS-001",
            "Version": "1.1",
            "Date": "2026-01-20",
            "Author": "Sam Lee",
            "Change": "Purpose clarified.",
        }
    )
    wb.write(book, data)
    result = build(book, BuildOptions(out=out, today=date(2026, 7, 1)))
    after = {b["department"]: b for b in json.loads((out / "manifest.json").read_text())["binders"]}
    assert after["FIN"]["issued"] == before[0]["issued"] == wb.TODAY.isoformat()
    assert (out / "binders" / "FIN-binder.pdf").read_bytes() == fin_bytes
    assert after["OPS"]["issued"] == "2026-07-01"
    assert any("Changes in this issue" in page for page in pdfs.page_texts(out / "binders" / "OPS-binder.pdf"))
    assert result.converted == ("OPS-001",)


def test_a_training_pack_whose_sops_did_not_change_keeps_its_issue(first):
    from datetime import date

    book, out = first
    before = {p["pack"]: p for p in json.loads((out / "manifest.json").read_text())["packs"]}
    pack_bytes = (out / before["New finance staff"]["path"]).read_bytes()
    result = build(book, BuildOptions(out=out, today=date(2026, 7, 1)))
    after = {p.pack: p for p in result.packs}
    assert after["New finance staff"].issued == wb.TODAY.isoformat()
    assert (out / after["New finance staff"].path).read_bytes() == pack_bytes
    data = wb.base()
    data["SOPs"][0]["Owner"] = "Lee Chen"  # FIN-001 changes, and it is in the pack
    data["SOPs"][0]["Version"] = "2.1"
    data["Revisions"].append(
        {"SOP ID": "FIN-001", "Version": "2.1", "Date": "2026-02-15", "Author": "Lee Chen", "Change": "New owner."}
    )
    wb.write(book, data)
    again = {p.pack: p for p in build(book, BuildOptions(out=out, today=date(2026, 7, 2))).packs}
    assert again["New finance staff"].issued == "2026-07-02"
