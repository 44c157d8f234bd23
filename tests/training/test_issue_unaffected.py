"""Training records change no issued document: a signed binder or pack must not go stale when people are trained."""

from __future__ import annotations

from datetime import date

from pipeline import manifest, rebuild, sha256, two_packs


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
