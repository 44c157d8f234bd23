"""The build pipeline without LibreOffice: sequencing, re-issue, packs, the manifest, the cache, the output folder.

A ``FakeConverter`` (tests/fakes.py) writes real small PDFs, so every later stage runs on real files;
each test opens what the build wrote (pypdf, openpyxl, json) rather than trusting the return value.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

import fakes
import wb
from binder.build import BuildOptions, build
from binder.errors import ConversionError, InputError
from binder.output.manifest import ManifestError, read_manifest
from binder.output.transaction import OutputError

LATER = wb.TODAY + timedelta(days=30)
SECOND_PACK = "Warehouse basics"


# --- helpers ------------------------------------------------------------------------------------

@pytest.fixture
def converters(monkeypatch):
    """Every build in the test converts with a new FakeConverter; the list of those made."""
    return fakes.patch_converter(monkeypatch)


def two_packs() -> dict:
    """The base workbook with a second pack that holds only OPS-001."""
    data = wb.base()
    data["Training"].append({"Pack": SECOND_PACK, "SOP ID": "OPS-001"})
    return data


def revised_fin_001(data: dict, action: str = "Collect signed timesheets.") -> dict:
    """FIN-001 with new step text, raised to 2.1 with its revision and approval, effective after both."""
    data["Steps"][0]["Action"] = action
    sop = data["SOPs"][0]
    sop["Version"] = "2.1"
    sop["Effective date"] = date(2026, 5, 1)
    data["Revisions"].append({"SOP ID": "FIN-001", "Version": "2.1", "Date": date(2026, 4, 1), "Author": "Dana Ruiz",
                              "Change": "Timesheets must be signed."})
    data["Approvals"].append({"SOP ID": "FIN-001", "Role": "Approved by", "Name": "Lee Chen", "Job title": "CFO",
                              "Date": date(2026, 4, 10)})
    return data


def first_build(tmp_path: Path, data: dict | None = None):
    """Write the workbook and build it once into ``tmp_path/out``; (workbook, out, result)."""
    book = wb.write(tmp_path / "book.xlsx", data)
    out = tmp_path / "out"
    return book, out, build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """One first build of ``two_packs()``, for tests to read or copy: (workbook, output folder, result, converter)."""
    with pytest.MonkeyPatch.context() as patch:
        made = fakes.patch_converter(patch)
        book, out, result = first_build(tmp_path_factory.mktemp("first"), two_packs())
    return book, out, result, made[0]


@pytest.fixture
def built(built_once, tmp_path, converters):
    """A copy of the first build of ``two_packs()`` of this test's own: (workbook, output folder)."""
    book, out, _, _ = built_once
    shutil.copy2(book, tmp_path / book.name)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / book.name, tmp_path / "out"


def rebuild(book: Path, out: Path, data: dict | None = None, today: date = wb.TODAY, **options):
    if data is not None:
        wb.write(book, data)
    return build(book, BuildOptions(out=out, today=today, jobs=1, **options))


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple]:
    """Everything under ``folder``: each file's mode and bytes, each folder's mode, each link's target."""
    found: dict[str, tuple] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def issued_files(out: Path) -> dict[str, bytes]:
    """The bytes of every binder and pack (PDF and record) the manifest lists."""
    data = manifest(out)
    paths = [b["path"] for b in data["binders"]] + [p[k] for p in data["packs"] for k in ("path", "record")]
    return {p: (out / p).read_bytes() for p in paths}


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


def by(entries: list[dict], key: str) -> dict[str, dict]:
    return {e[key]: e for e in entries}


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
        "new-finance-staff-record.xlsx", "new-finance-staff.pdf", "warehouse-basics-record.xlsx",
        "warehouse-basics.pdf"]
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


def test_a_revised_sop_reissues_only_its_department_binder_and_the_packs_holding_it(built, converters):
    book, out = built
    before = issued_files(out)
    rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert "FIN-001" in converters[0].converted and "OPS-001" not in converters[0].converted
    after, data = issued_files(out), manifest(out)
    changed = {path for path in before if after[path] != before[path]}
    assert changed == {"binders/FIN-binder.pdf", "packs/new-finance-staff.pdf", "packs/new-finance-staff-record.xlsx"}
    issued = {e["path"]: e["issued"] for e in data["binders"] + data["packs"]}
    assert issued == {"binders/FIN-binder.pdf": LATER.isoformat(), "binders/OPS-binder.pdf": wb.TODAY.isoformat(),
                      "packs/new-finance-staff.pdf": LATER.isoformat(), "packs/warehouse-basics.pdf": wb.TODAY.isoformat()}
    assert "Collect signed timesheets." in "".join(page_texts(out / "binders" / "FIN-binder.pdf"))


def test_a_reissued_binder_lists_the_revised_sop_with_its_old_and_new_version(built):
    book, out = built
    rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
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


# --- the cache ----------------------------------------------------------------------------------

@pytest.mark.parametrize("hmac", ["kept", "dropped"])
def test_a_planted_cache_entry_is_discarded_and_its_sop_converted_again(built, tmp_path, converters, hmac):
    book, out = built
    fin_pdf = manifest(out)["documents"][0]["sha256"]["pdf"]
    entry = next(meta.parent for meta in (out / ".cache").glob("*/meta.json")
                 if json.loads(meta.read_text())["standalone"] == fin_pdf)
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
    before = {rel: item for rel, item in snapshot(out).items()
              if rel in ("notes.txt", "binders/cover-letter.md", "empty folder", "latest-finance.pdf", "sops/dangling")}
    rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert by(manifest(out)["binders"], "department")["FIN"]["issued"] == LATER.isoformat()  # the rebuild changed things
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


def test_a_failed_conversion_leaves_the_output_as_it_was(built, monkeypatch):
    book, out = built
    before = snapshot(out)
    fakes.patch_converter(monkeypatch, fail_on={"FIN-001"})
    with pytest.raises(ConversionError, match="FIN-001: fake failure"):
        rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert snapshot(out) == before


# --- one pack -----------------------------------------------------------------------------------

def test_building_one_pack_reissues_only_that_pack_and_keeps_everything_else_listed(built, converters):
    book, out = built
    data = manifest(out)
    kept = {p: (out / p).read_bytes() for p in
            ["sops/FIN-001.docx", "sops/FIN-001.pdf", "sops/OPS-002.docx", "sops/OPS-002.pdf",
             "binders/FIN-binder.pdf", "binders/OPS-binder.pdf",
             "packs/new-finance-staff.pdf", "packs/new-finance-staff-record.xlsx"]}
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
    """``wb.write``, then every string that openpyxl took for a formula made a text cell again."""
    wb.write(path, data)
    book = load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    book.save(path)
    return path


def test_the_training_record_keeps_formula_like_text_as_text_and_the_date_of_issue_as_a_date(tmp_path, converters):
    title = '=HYPERLINK("http://x","pack")'
    names = ["=SUM(1,2)", "+Onboarding", "-Stock handling", "@Team leads"]
    data = wb.base()
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
