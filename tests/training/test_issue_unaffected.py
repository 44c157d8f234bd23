"""Training records change no issued document: a signed binder or pack must not go stale when people are trained."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from pipeline import LATER, manifest, rebuild, revised_fin_001, sha256, snapshot, two_packs

from binder import build as building
from binder.output.users_files import OutputError


def test_new_training_records_leave_every_binder_and_pack_as_issued(built):
    book, out = built
    issued = {p.relative_to(out): sha256(p) for folder in ("binders", "packs") for p in (out / folder).iterdir()}
    assert any(str(name).endswith("-record.xlsx") for name in issued) and len(issued) >= 4
    data = two_packs()
    data["Training records"] = [
        {
            "Person": "Ann Bell",
            "SOP ID": "FIN-001",
            "Version": "1.0",
            "Date": date(2025, 3, 2),
            "Pack": "New finance staff",
        }
    ]
    workbook_before = manifest(out)["workbook_sha256"]
    rebuild(book, out, data)
    assert manifest(out)["workbook_sha256"] != workbook_before  # this build read the new rows
    assert {
        p.relative_to(out): sha256(p) for folder in ("binders", "packs") for p in (out / folder).iterdir()
    } == issued


def fill(record: Path) -> bytes:
    """The record filled in where binder wrote it, as a trainer in Excel would."""
    book = openpyxl.load_workbook(record)
    book.active["A30"] = "Ann Bell, initialled"
    book.save(record)
    return record.read_bytes()


def fin_pack(out: Path) -> dict:
    return next(p for p in manifest(out)["packs"] if "FIN-001" in p["sops"])


def test_a_record_filled_in_where_it_was_written_keeps_its_pack_and_is_never_replaced_by_a_blank_one(built):
    book, out = built
    entry = fin_pack(out)
    record, pdf = out / entry["record"], (out / entry["path"]).read_bytes()
    filled = fill(record)
    result = rebuild(book, out, two_packs(), today=LATER)
    assert not [w for w in result.warnings if w.code == "issue-tampered"]
    assert (out / entry["path"]).read_bytes() == pdf and fin_pack(out)["issued"] == entry["issued"]
    assert record.read_bytes() == filled
    before = snapshot(out)
    with pytest.raises(OutputError, match="was filled in since binder wrote it"):
        rebuild(book, out, revised_fin_001(two_packs()), today=LATER)  # the pack is re-issued: a blank record
    assert snapshot(out) == before
    record.rename(book.parent / "filled-record.xlsx")
    rebuild(book, out, revised_fin_001(two_packs()), today=LATER)
    assert fin_pack(out)["issued"] == LATER.isoformat() and (out / entry["record"]).exists()
    assert (book.parent / "filled-record.xlsx").read_bytes() == filled


def test_a_record_filled_in_is_never_removed_with_its_pack(built):
    book, out = built
    record = out / fin_pack(out)["record"]
    fill(record)
    data = two_packs()
    data["Training"] = [row for row in data["Training"] if row["Pack"] != "New finance staff"]
    before = snapshot(out)
    with pytest.raises(OutputError, match="was filled in since binder wrote it"):
        rebuild(book, out, data, today=LATER)
    assert snapshot(out) == before


def test_a_record_filled_in_is_kept_past_a_manifest_that_cannot_be_trusted_even_with_force(built):
    book, out = built
    record = out / fin_pack(out)["record"]
    filled = fill(record)
    data = json.loads((out / "manifest.json").read_text())
    data["built_at"] = "edited by hand"
    (out / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(OutputError, match="was filled in since binder wrote it"):
        rebuild(book, out, revised_fin_001(two_packs()), today=LATER, force=True)
    assert record.read_bytes() == filled


def test_a_record_saved_again_while_the_build_ran_is_not_replaced_by_the_copy_it_took(built, monkeypatch):
    book, out = built
    record = out / fin_pack(out)["record"]
    fill(record)
    real = building.write_manifest

    def saved_meanwhile(*args, **kwargs):
        again = record.with_name("~saving.xlsx")
        shutil.copy(record, again)
        fill(again)
        os.replace(again, record)  # as Excel saves: a new file put in the old one's place
        return real(*args, **kwargs)

    monkeypatch.setattr(building, "write_manifest", saved_meanwhile)
    with pytest.raises(OutputError, match="was filled in since binder wrote it"):
        rebuild(book, out, two_packs(), today=LATER)  # the pack is kept: its staged record is the earlier save
    assert fin_pack(out)["issued"] != LATER.isoformat() and record.exists()


def test_a_record_taken_away_is_written_again_and_its_pack_stays_as_issued(built, tmp_path):
    """A trainer moves the record out to fill it in elsewhere: the pack keeps its file and date, and a blank
    record is put back beside it (no "issue-tampered": the issued PDF is as binder wrote it)."""
    book, out = built
    entry = fin_pack(out)
    pdf = (out / entry["path"]).read_bytes()
    (out / entry["record"]).rename(tmp_path / "taken.xlsx")
    result = rebuild(book, out, two_packs(), today=LATER)
    assert not [w for w in result.warnings if w.code == "issue-tampered"]
    after = fin_pack(out)
    assert (out / entry["path"]).read_bytes() == pdf and after["issued"] == entry["issued"]
    assert openpyxl.load_workbook(out / entry["record"]).active["B1"].value == entry["pack"]
    assert after["record_sha256"] == sha256(out / entry["record"])


def test_a_pack_rebuild_with_another_binder_gone_says_so(built):
    book, out = built
    (out / "binders" / "OPS-binder.pdf").unlink()
    with pytest.raises(OutputError, match="OPS-binder.pdf is gone since the last build"):
        rebuild(book, out, two_packs(), today=LATER, pack="New finance staff")
