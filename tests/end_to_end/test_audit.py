"""For auditors, end to end: signed binders that verify, change control and the changes page across builds."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import certs
import pdfs
import pytest
import wb
from cli import binder
from pypdf import PdfReader

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signed")
    signer = certs.make_signer(folder)
    book = wb.write(folder / "book.xlsx")
    env = {"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()}
    result = binder(
        "build",
        "book.xlsx",
        "--out",
        "out",
        "--quiet",
        "--sign",
        "--key",
        str(signer.p12),
        "--reason",
        "Issued for the 2026 audit",
        cwd=folder,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert signer.passphrase.decode() not in result.stderr + result.stdout
    return folder, signer, book


def test_build_sign_signs_every_binder_and_pack_and_they_verify(signed):
    folder, signer, _ = signed
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    paths = [b["path"] for b in manifest["binders"]] + [p["path"] for p in manifest["packs"]]
    assert len(paths) == 3
    for rel in paths:
        result = binder("verify", f"out/{rel}", "--trust", str(signer.ca.pem), "--format", "json", cwd=folder)
        assert result.returncode == 0, result.stdout
        report = json.loads(result.stdout)
        (sig,) = report["signatures"]
        assert sig["intact"] and sig["trusted"] and sig["reason"] == "Issued for the 2026 audit"
        assert "Dana Ruiz" in sig["signer"]


def test_pdfsig_agrees_and_bookmarks_and_labels_survive_signing(signed):
    folder, _, _ = signed
    binder_pdf = folder / "out" / "binders" / "FIN-binder.pdf"
    out = subprocess.run(["pdfsig", "-nocert", str(binder_pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out and "Total document signed" in out
    assert pdfs.outline(binder_pdf)[0][1] == "FIN Finance"
    assert pdfs.labels(binder_pdf)[-1].startswith("FIN-001-")
    assert f"Signer Certificate Common Name: {certs.SIGNER_CN}" in out  # Dana Ruiz signed it
    # The visible stamp is the signature widget's appearance (not page text): drawn, on the cover, with a size.
    cover = PdfReader(binder_pdf).pages[0]
    widgets = [annot.get_object() for annot in cover.get("/Annots") or ()]
    stamps = [
        w
        for w in widgets
        if w.get("/Subtype") == "/Widget" and (w.get("/FT") or w.get("/Parent", {}).get("/FT")) == "/Sig"
    ]
    assert len(stamps) == 1, widgets
    x1, y1, x2, y2 = (float(v) for v in stamps[0]["/Rect"])
    assert x2 > x1 and y2 > y1
    appearance = stamps[0]["/AP"]["/N"].get_object()
    assert appearance.get("/Subtype") == "/Form"
    assert b"Dana Ruiz" in appearance.get_data()  # the stamp's text, "Signed by: Dana Ruiz, ...", as /ActualText
    assert "Signed by: Dana Ruiz" in pdfs.page_texts(binder_pdf)[0]  # and poppler draws it on the cover


def test_verify_detects_tampering_untrusted_and_unsigned(signed, tmp_path):
    folder, signer, _ = signed
    binder_pdf = folder / "out" / "binders" / "OPS-binder.pdf"
    data = bytearray(binder_pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(data))
    tampered = binder("verify", str(tmp_path / "tampered.pdf"), "--trust", str(signer.ca.pem), cwd=tmp_path)
    assert tampered.returncode != 0 and "Traceback" not in tampered.stderr
    other = certs.make_other_ca(tmp_path)
    untrusted = binder("verify", str(binder_pdf), "--trust", str(other.pem), "--format", "json", cwd=tmp_path)
    assert untrusted.returncode == 1
    assert json.loads(untrusted.stdout)["signatures"][0]["intact"] is True
    assert json.loads(untrusted.stdout)["signatures"][0]["trusted"] is False
    unsigned = binder("verify", str(folder / "out" / "sops" / "FIN-001.pdf"), cwd=tmp_path)
    assert unsigned.returncode == 1 and "no signatures" in unsigned.stdout


def test_sign_command_writes_a_signed_copy_and_never_the_original(signed, tmp_path):
    folder, signer, _ = signed
    source = tmp_path / "FIN.pdf"
    source.write_bytes((folder / "out" / "sops" / "FIN-001.pdf").read_bytes())
    before = source.read_bytes()
    env = {"BINDER_KEY_PASSPHRASE": "wrong passphrase"}
    wrong = binder("sign", str(source), "--key", str(signer.p12), cwd=tmp_path, env=env)
    assert wrong.returncode == 3 and "wrong passphrase" in wrong.stderr
    assert not (tmp_path / "FIN.signed.pdf").exists()
    good = binder(
        "sign",
        str(source),
        "--key",
        str(signer.p12),
        cwd=tmp_path,
        env={"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()},
    )
    assert good.returncode == 0, good.stderr
    assert source.read_bytes() == before
    assert binder("verify", "FIN.signed.pdf", "--trust", str(signer.ca.pem), cwd=tmp_path).returncode == 0


def test_change_control_and_changes_page_across_two_builds(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    assert binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path).returncode == 0
    first = pdfs.page_texts(tmp_path / "out" / "binders" / "FIN-binder.pdf")
    assert not any("Changes in this issue" in page for page in first)

    data = wb.base()
    data["Steps"][1]["Action"] = "Enter hours and overtime in the payroll system."
    data["SOPs"][0]["Purpose"] = "Pay every employee correctly and on time."
    wb.write(book, data)
    refused = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert refused.returncode == 1
    assert (
        "book.xlsx:SOPs!D2: error: FIN-001 changed since the last build (step 2; purpose) but Version is "
        "still 2.0. Add a row to Revisions and raise the version" in refused.stderr
    )

    data["SOPs"][0]["Version"] = "2.1"
    data["Revisions"].append(
        {
            "SOP ID": "FIN-001",
            "Version": "2.1",
            "Date": "2026-02-15",
            "Author": "Dana Ruiz",
            "Change": "Overtime entered with the hours.",
        }
    )
    data["SOPs"][2]["Status"] = "Approved"  # OPS-002 joins the OPS binder
    data["SOPs"][2]["Effective date"] = "2026-05-01"
    data["Approvals"].append({"SOP ID": "OPS-002", "Role": "Approved by", "Name": "Lee Chen", "Date": "2026-04-20"})
    wb.write(book, data)
    second = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    fin = pdfs.page_texts(tmp_path / "out" / "binders" / "FIN-binder.pdf")
    changes = next(p for p in fin if "Changes in this issue" in p)
    assert re.search(r"FIN-001.*Revised.*2\.0 → 2\.1.*Overtime entered with the hours\.", pdfs.squash(changes))
    ops = pdfs.squash(
        next(
            p for p in pdfs.page_texts(tmp_path / "out" / "binders" / "OPS-binder.pdf") if "Changes in this issue" in p
        )
    )
    assert re.search(r"OPS-002.*Added", ops)
    marks = [t for _, t, _ in pdfs.outline(tmp_path / "out" / "binders" / "FIN-binder.pdf")]
    assert "Changes in this issue" in marks


def test_allow_unversioned_and_drafts_are_exempt(tmp_path):
    book = wb.write(tmp_path / "book.xlsx")
    assert binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path).returncode == 0
    data = wb.base()
    data["Steps"][0]["Action"] = "Collect every timesheet."
    data["Steps"][7]["Action"] = "Count the shelves twice."  # OPS-002 is a Draft
    wb.write(book, data)
    refused = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert refused.returncode == 1 and "OPS-002" not in refused.stderr
    allowed = binder("build", "book.xlsx", "--out", "out", "--quiet", "--allow-unversioned", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
