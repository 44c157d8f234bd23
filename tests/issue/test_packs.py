"""Training packs: SOPs in the sheet's order exactly as issued, acknowledgement rows, record workbook."""

from __future__ import annotations

import json
from datetime import datetime

import pdfs
import pytest
import wb
from openpyxl import load_workbook as open_xlsx

from binder.build import BuildOptions, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs")
    data = wb.base()
    data["Training"] = [
        {"Pack": "New finance staff", "SOP ID": "OPS-001"},
        {"Pack": "New finance staff", "SOP ID": "FIN-001"},
    ]
    build(wb.write(folder / "book.xlsx", data), BuildOptions(out=folder / "out", today=wb.TODAY))
    return folder / "out"


def test_pack_is_listed_in_the_manifest(out):
    (pack,) = json.loads((out / "manifest.json").read_text())["packs"]
    assert pack["pack"] == "New finance staff" and pack["sops"] == ["OPS-001", "FIN-001"]
    assert pack["path"] == "packs/new-finance-staff.pdf" and pack["record"] == "packs/new-finance-staff-record.xlsx"


def test_pack_holds_the_sops_in_sheet_order_exactly_as_issued(out):
    pack = out / "packs" / "new-finance-staff.pdf"
    marks = pdfs.outline(pack)
    sop_marks = [(t, p) for d, t, p in marks if d == 1 and t[:7] in ("OPS-001", "FIN-001")]
    assert [t for t, _ in sop_marks] == ["OPS-001 Receiving goods", "FIN-001 Payroll processing"]
    texts = pdfs.page_texts(pack)
    for (_title, start), sop_id in zip(sop_marks, ["OPS-001", "FIN-001"]):
        own = pdfs.page_texts(out / "sops" / f"{sop_id}.pdf")
        stamps = [f"New finance staff · {start + n}" for n in range(1, len(own) + 1)]
        # same pages as issued, plus the pack's page stamp at the foot of each
        assert [pdfs.squash(t) for t in texts[start : start + len(own)]] == [
            f"{pdfs.squash(o)} {stamp}" for o, stamp in zip(own, stamps)
        ]
        labels = pdfs.labels(pack)[start : start + len(own)]
        assert labels == [f"{sop_id}-{n}" for n in range(1, len(own) + 1)]
    cover = pdfs.squash(texts[0])
    assert "New finance staff" in cover and "Trainee name" in cover and "Trainer" in cover


def test_acknowledgement_rows_tie_each_sop_to_its_version(out):
    pack = out / "packs" / "new-finance-staff.pdf"
    texts = pdfs.page_texts(pack)
    ack = pdfs.squash(texts[-1])
    assert "Read-and-understood acknowledgement" in ack
    assert ack.index("OPS-001 Receiving goods 1.0 1 Feb 2026") < ack.index("FIN-001 Payroll processing 2.0 1 Mar 2026")
    assert "Printed name" in ack and "Signature" in ack and "Trainee" in ack and "Trainer" in ack
    assert pdfs.outline(pack)[-1][1] == "Read-and-understood acknowledgement"


def test_contents_links_land_on_each_sop(out):
    pack = out / "packs" / "new-finance-staff.pdf"
    starts = {t[:7]: p for d, t, p in pdfs.outline(pack) if d == 1 and t[:7] in ("OPS-001", "FIN-001")}
    targets = {target for page, target in pdfs.links(pack) if page < min(starts.values())}
    assert set(starts.values()) <= targets


def test_record_workbook_has_the_same_rows(out):
    ws = open_xlsx(out / "packs" / "new-finance-staff-record.xlsx").active
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] in ("OPS-001", "FIN-001")]
    assert [r[:4] for r in rows] == [
        ("OPS-001", "Receiving goods", "1.0", datetime(2026, 2, 1)),
        ("FIN-001", "Payroll processing", "2.0", datetime(2026, 3, 1)),
    ]
    assert all(r[4] is None and r[5] is None for r in rows)


def test_build_only_one_pack_keeps_the_rest(out, tmp_path):
    import shutil

    target = tmp_path / "out"
    shutil.copytree(out, target)
    data = wb.base()
    data["Training"] = [
        {"Pack": "New finance staff", "SOP ID": "OPS-001"},
        {"Pack": "New finance staff", "SOP ID": "FIN-001"},
    ]
    book = wb.write(tmp_path / "book.xlsx", data)
    result = build(book, BuildOptions(out=target, pack="new finance STAFF", today=wb.TODAY))
    assert [p.pack for p in result.packs] == ["New finance staff"]
    manifest = json.loads((target / "manifest.json").read_text())
    assert [b["department"] for b in manifest["binders"]] == ["FIN", "OPS"]
    assert (target / "binders" / "FIN-binder.pdf").exists()
