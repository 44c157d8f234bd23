"""Binders and training packs of a build, without LibreOffice: what a first build issues, what a
rebuild re-issues and keeps, one pack at a time, the training record.

A ``FakeConverter`` (``support/fakes.py``) writes real small PDFs, so every later stage runs on real
files; each test opens what the build wrote (pypdf, openpyxl, json) rather than trusting the return
value. The builds and fixtures are shared with ``tests/output`` (``support/pipeline.py``).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import fakes
import pytest
import wb
from openpyxl import load_workbook
from pipeline import (
    LATER,
    SECOND_PACK,
    by,
    fin_001_only,
    issued_files,
    manifest,
    page_texts,
    rebuild,
    revised_fin_001,
    sha256,
    two_packs,
)
from pypdf import PdfReader

from binder.build import BuildOptions, build
from binder.output.copies import issued_file, recording

# --- a first build ------------------------------------------------------------------------------


def test_a_first_build_writes_every_sop_each_department_binder_each_pack_and_a_sealed_manifest(built_once):
    _, out, result, converter = built_once
    data = manifest(out)
    assert [d["sop_id"] for d in data["documents"]] == ["FIN-001", "OPS-001", "OPS-002"]
    for doc in data["documents"]:
        assert doc["docx"] == f"sops/{doc['sop_id']}.docx" and doc["pdf"] == f"sops/{doc['sop_id']}.pdf"
        for kind in ("docx", "pdf"):
            assert doc["sha256"][kind] == sha256(out / doc[kind])
        assert doc["pages"] == len(PdfReader(out / doc["pdf"]).pages)
    # one binder per department, Approved SOPs only (OPS-002 is a Draft)
    assert [(b["department"], b["sops"]) for b in data["binders"]] == [("FIN", ["FIN-001"]), ("OPS", ["OPS-001"])]
    assert sorted(p.name for p in (out / "binders").iterdir()) == ["FIN-binder.pdf", "OPS-binder.pdf"]
    for binder in data["binders"]:
        assert binder["sha256"] == sha256(out / binder["path"]) and binder["issued"] == wb.TODAY.isoformat()
        assert binder["pages"] == len(PdfReader(out / binder["path"]).pages)
    assert "Payroll processing" in "".join(page_texts(out / "binders" / "FIN-binder.pdf"))
    packs = by(data["packs"], "pack")
    assert packs["New finance staff"]["sops"] == ["FIN-001", "OPS-001"] and packs[SECOND_PACK]["sops"] == ["OPS-001"]
    for pack in packs.values():
        assert pack["sha256"] == sha256(out / pack["path"])
        assert pack["record_sha256"] == sha256(out / pack["record"])
        assert load_workbook(out / pack["record"]).active["B1"].value == pack["pack"]
    assert sorted(p.name for p in (out / "packs").iterdir()) == [
        "new-finance-staff-record.xlsx",
        "new-finance-staff.pdf",
        "warehouse-basics-record.xlsx",
        "warehouse-basics.pdf",
    ]
    assert isinstance(data["hmac"], str) and len(data["hmac"]) == 64
    assert result.converted == ("FIN-001", "OPS-001", "OPS-002")
    assert converter.converted[:3] == ["FIN-001", "OPS-001", "OPS-002"] and converter.closed


def test_a_binder_holds_its_sops_with_bookmarks_and_a_contents_link_to_each(built_once):
    _, out, _, _ = built_once
    reader = PdfReader(out / "binders" / "FIN-binder.pdf")
    top = reader.outline[0]
    assert top.title == "FIN Finance"
    sop_mark = next(item for item in reader.outline[1] if not isinstance(item, list) and item.title.startswith("FIN-"))
    assert sop_mark.title == "FIN-001 Payroll processing"
    start = reader.get_destination_page_number(sop_mark)
    assert "FIN-001" in reader.pages[start].extract_text()
    jumps = [annot.get_object()["/A"] for page in reader.pages[:start] for annot in page.get("/Annots") or ()]
    assert any(a["/S"] == "/GoTo" and a["/D"][0].idnum == reader.pages[start].indirect_reference.idnum for a in jumps)


# --- rebuilds -----------------------------------------------------------------------------------


def test_an_unchanged_rebuild_converts_nothing_and_keeps_every_binder_and_its_date_of_issue(built, converters):
    book, out = built
    before, issued = issued_files(out), manifest(out)
    result = rebuild(book, out, today=LATER)
    assert converters[0].conversions == 0 and result.converted == ()
    assert issued_files(out) == before
    after = manifest(out)
    for kind in ("binders", "packs"):
        assert [e["issued"] for e in after[kind]] == [wb.TODAY.isoformat()] * len(issued[kind])
        assert [e["sha256"] for e in after[kind]] == [e["sha256"] for e in issued[kind]]
    assert all(e.reused for e in result.binders + result.packs)


@pytest.fixture(scope="module")
def revised(built_once, tmp_path_factory):
    """A copy of the first build rebuilt with FIN-001 revised: (output folder, issued files before, converter)."""
    book, out, _, _ = built_once
    folder = tmp_path_factory.mktemp("revised")
    copied, copy_out = Path(shutil.copy2(book, folder / book.name)), folder / "out"
    shutil.copytree(out, copy_out, symlinks=True)
    before = issued_files(copy_out)
    with pytest.MonkeyPatch.context() as patch:
        made = fakes.patch_converter(patch)
        rebuild(copied, copy_out, revised_fin_001(two_packs()), today=LATER)
    return copy_out, before, made[0]


def test_a_revised_sop_reissues_only_its_department_binder_and_the_packs_holding_it(revised):
    out, before, converter = revised
    assert "FIN-001" in converter.converted and "OPS-001" not in converter.converted
    after, data = issued_files(out), manifest(out)
    changed = {path for path in before if after[path] != before[path]}
    assert changed == {"binders/FIN-binder.pdf", "packs/new-finance-staff.pdf", "packs/new-finance-staff-record.xlsx"}
    issued = {e["path"]: e["issued"] for e in data["binders"] + data["packs"]}
    assert issued == {
        "binders/FIN-binder.pdf": LATER.isoformat(),
        "binders/OPS-binder.pdf": wb.TODAY.isoformat(),
        "packs/new-finance-staff.pdf": LATER.isoformat(),
        "packs/warehouse-basics.pdf": wb.TODAY.isoformat(),
    }
    assert "Collect signed timesheets." in "".join(page_texts(out / "binders" / "FIN-binder.pdf"))


def test_a_reissued_binder_lists_the_revised_sop_with_its_old_and_new_version(revised):
    out, _, _ = revised
    texts = page_texts(out / "binders" / "FIN-binder.pdf")
    changes = [t for t in texts if "Changes in this issue" in t]
    assert len(changes) == 1
    assert "FIN-001" in changes[0] and "Payroll processing" in changes[0]
    assert "2.0 → 2.1" in changes[0] and "Timesheets must be signed." in changes[0]


def test_a_binder_reissued_with_no_sop_added_removed_or_revised_has_no_changes_page(built):
    book, out = built
    fin_before = (out / "binders" / "FIN-binder.pdf").read_bytes()
    data = two_packs()
    data["Departments"][0]["Owner"] = "Lee Chen"
    rebuild(book, out, data, today=LATER)
    assert (out / "binders" / "FIN-binder.pdf").read_bytes() != fin_before
    assert by(manifest(out)["binders"], "department")["FIN"]["issued"] == LATER.isoformat()
    texts = page_texts(out / "binders" / "FIN-binder.pdf")
    assert "Lee Chen" in texts[0]
    assert not any("Changes in this issue" in t for t in texts)


# --- one pack -----------------------------------------------------------------------------------


def test_building_one_pack_reissues_only_that_pack_and_keeps_everything_else_listed(built, converters):
    book, out = built
    data = manifest(out)
    kept = {
        p: (out / p).read_bytes()
        for p in [
            "sops/FIN-001.docx",
            "sops/FIN-001.pdf",
            "sops/OPS-002.docx",
            "sops/OPS-002.pdf",
            "binders/FIN-binder.pdf",
            "binders/OPS-binder.pdf",
            "packs/new-finance-staff.pdf",
            "packs/new-finance-staff-record.xlsx",
        ]
    }
    changed = two_packs()
    changed["Settings"][0]["Value"] = "Acme Group plc"  # shown in every document, binder and pack
    result = rebuild(book, out, changed, today=LATER, pack=SECOND_PACK.upper())
    assert [key for key in converters[0].converted if key in ("FIN-001", "OPS-001", "OPS-002")] == ["OPS-001"]
    assert [p.pack for p in result.packs if not p.reused] == [SECOND_PACK]
    assert all(b.reused for b in result.binders)
    assert {p: (out / p).read_bytes() for p in kept} == kept
    after = manifest(out)
    assert [d["sop_id"] for d in after["documents"]] == [d["sop_id"] for d in data["documents"]]
    assert [b["path"] for b in after["binders"]] == [b["path"] for b in data["binders"]]
    assert sorted(p["pack"] for p in after["packs"]) == sorted(p["pack"] for p in data["packs"])
    for doc in after["documents"]:
        assert doc["sha256"]["pdf"] == sha256(out / doc["pdf"]) and doc["sha256"]["docx"] == sha256(out / doc["docx"])
    for entry in after["binders"] + after["packs"]:
        assert entry["sha256"] == sha256(out / entry["path"])
    packs = by(after["packs"], "pack")
    assert packs[SECOND_PACK]["issued"] == LATER.isoformat()
    assert packs["New finance staff"]["issued"] == wb.TODAY.isoformat()
    assert "Acme Group plc" in page_texts(out / packs[SECOND_PACK]["path"])[0]


# --- the training record ------------------------------------------------------------------------


def write_with_text_cells(path: Path, data: dict) -> Path:
    """``wb.write``, every string that openpyxl would take for a formula a text cell."""
    wb.write(path, data, formulas_as_text=True)
    return path


def test_the_training_record_keeps_formula_like_text_as_text_and_the_date_of_issue_as_a_date(tmp_path, converters):
    title = '=HYPERLINK("http://x","pack")'
    names = ["=SUM(1,2)", "+Onboarding", "-Stock handling", "@Team leads"]
    data = fin_001_only(wb.base())
    data["SOPs"][0]["Title"] = title
    data["Training"] = [{"Pack": name, "SOP ID": "FIN-001"} for name in names]
    book = write_with_text_cells(tmp_path / "book.xlsx", data)
    build(book, BuildOptions(out=tmp_path / "out", today=wb.TODAY, jobs=1))
    packs = by(manifest(tmp_path / "out")["packs"], "pack")
    assert sorted(packs) == sorted(names)
    for name in names:
        ws = load_workbook(tmp_path / "out" / packs[name]["record"]).active
        cells = {cell.value: cell for row in ws.iter_rows() for cell in row if cell.value is not None}
        for text in (name, title, "FIN-001", "2.0"):
            assert text in cells, (name, text)
            assert cells[text].data_type == "s", (name, text)
        issued = ws["B3"]
        assert issued.is_date and issued.data_type in ("d", "n")
        assert isinstance(issued.value, datetime) and issued.value.date() == wb.TODAY


def test_a_replaced_binder_is_never_carried_over_but_reissued_with_a_warning(built):
    """An issued file that is not what binder wrote (a colleague's edit, a planted file) is not trusted."""
    book, out = built
    fin = out / "binders" / "FIN-binder.pdf"
    planted = PdfReader(fin)
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=planted)
    writer.add_metadata({"/Title": "PLANTED"})
    with open(fin, "wb") as handle:
        writer.write(handle)
    planted_hash = sha256(fin)
    result = rebuild(book, out)
    assert [(w.code, w.where) for w in result.warnings if w.code == "issue-tampered"] == [
        ("issue-tampered", "binders/FIN-binder.pdf")
    ]
    assert sha256(fin) != planted_hash and PdfReader(fin).metadata.title != "PLANTED"
    fin_entry = by(manifest(out)["binders"], "department")["FIN"]
    assert fin_entry["sha256"] == sha256(fin)
    assert not next(b for b in result.binders if b.department == "FIN").reused


def test_a_signed_copy_handed_on_leaves_its_binder_as_issued(built, tmp_path):
    """``binder sign`` inside the output folder records its copy with the binder; the copy moved away (to the
    auditors) is dropped from the record, and the binder keeps its file and date of issue."""
    book, out = built
    binder = out / "binders" / "FIN-binder.pdf"
    copy = binder.with_name("FIN-binder.signed.pdf")
    issued = issued_file(binder)
    assert issued is not None
    with recording(issued, copy):
        copy.write_bytes(binder.read_bytes() + b"% a signature")
    copies = by(manifest(out)["binders"], "department")["FIN"]["signed_copies"]
    assert [c["path"] for c in copies] == ["binders/FIN-binder.signed.pdf"]
    before = by(manifest(out)["binders"], "department")["FIN"]
    copy.rename(tmp_path / "for the auditors.pdf")
    result = rebuild(book, out, today=LATER)
    after = by(manifest(out)["binders"], "department")["FIN"]
    assert not [w for w in result.warnings if w.code == "issue-tampered"]
    assert after["issued"] == before["issued"] and "signed_copies" not in after and sha256(binder) == after["sha256"]
    assert (tmp_path / "for the auditors.pdf").exists()
