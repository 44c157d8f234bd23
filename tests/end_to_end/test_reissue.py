"""Signatures are never lost silently: the previous issue stands until its content changes.

Real builds with LibreOffice and real signatures, checked with pyHanko (``binder verify``) and
poppler's ``pdfsig``.
"""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import date
from pathlib import Path

import certs
import pytest
import wb
from cli import binder

pytestmark = pytest.mark.slow


def signatures(pdf: Path) -> str:
    return subprocess.run(["pdfsig", "-nocert", str(pdf)], capture_output=True, text=True).stdout


def revise_fin_001(data: dict) -> dict:
    """FIN-001 2.1: a reworded step, its revision, an approval between revision and effective date."""
    data["Steps"][1]["Action"] = "Enter hours and overtime in the payroll system."
    data["SOPs"][0]["Version"] = "2.1"
    data["SOPs"][0]["Effective date"] = date(2026, 3, 15)
    data["Revisions"].append(
        {
            "SOP ID": "FIN-001",
            "Version": "2.1",
            "Date": date(2026, 3, 10),
            "Author": "Dana Ruiz",
            "Change": "Overtime entered with the hours.",
        }
    )
    data["Approvals"].append(
        {"SOP ID": "FIN-001", "Role": "Approved by", "Name": "Lee Chen", "Job title": "CFO", "Date": date(2026, 3, 12)}
    )
    return data


@pytest.fixture()
def signed(tmp_path):
    signer = certs.make_signer(tmp_path)
    wb.write(tmp_path / "book.xlsx")
    env = {"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()}
    result = binder(
        "build", "book.xlsx", "--out", "out", "--quiet", "--sign", "--key", str(signer.p12), cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    return tmp_path, signer, env


def issued(folder: Path) -> dict[str, bytes]:
    out = folder / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    return {e["path"]: (out / e["path"]).read_bytes() for e in manifest["binders"] + manifest["packs"]}


def test_an_unchanged_rebuild_with_or_without_sign_keeps_every_signature(signed):
    folder, signer, env = signed
    before = issued(folder)
    again = binder("build", "book.xlsx", "--out", "out", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert issued(folder) == before
    assert "unsigned" not in again.stderr
    signing = binder("build", "book.xlsx", "--out", "out", "--sign", "--key", str(signer.p12), cwd=folder, env=env)
    assert signing.returncode == 0, signing.stderr
    assert issued(folder) == before  # already signed: not signed a second time
    for rel in before:
        assert "Signature is Valid" in signatures(folder / "out" / rel)
        assert binder("verify", f"out/{rel}", "--trust", str(signer.ca.pem), cwd=folder).returncode == 0
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert all(e["signed"] for e in manifest["binders"] + manifest["packs"])


def test_a_changed_binder_rebuilt_without_sign_is_named_and_strict_refuses_it(signed):
    folder, signer, _ = signed
    before = issued(folder)
    wb.write(folder / "book.xlsx", revise_fin_001(wb.base()))
    strict = binder("build", "book.xlsx", "--out", "out", "--strict", cwd=folder)
    assert strict.returncode == 1
    assert "FIN binder re-issued unsigned; its previous issue was signed" in strict.stderr
    assert issued(folder) == before
    loose = binder("build", "book.xlsx", "--out", "out", cwd=folder)
    assert loose.returncode == 0, loose.stderr
    assert "FIN binder re-issued unsigned; its previous issue was signed. Pass --sign --key" in loose.stderr
    assert 'training pack "New finance staff" re-issued unsigned' in loose.stderr
    after = issued(folder)
    assert after["binders/OPS-binder.pdf"] == before["binders/OPS-binder.pdf"]  # unchanged: still the signed issue
    assert "Signature is Valid" in signatures(folder / "out" / "binders" / "OPS-binder.pdf")
    assert "Signature is Valid" not in signatures(folder / "out" / "binders" / "FIN-binder.pdf")
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert {b["department"]: b["signed"] for b in manifest["binders"]} == {"FIN": False, "OPS": True}


def test_signing_an_unchanged_unsigned_issue_keeps_its_date_of_issue(tmp_path):
    signer = certs.make_signer(tmp_path)
    wb.write(tmp_path / "book.xlsx")
    assert binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path).returncode == 0
    first = json.loads((tmp_path / "out" / "manifest.json").read_text())
    env = {"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()}
    result = binder(
        "build", "book.xlsx", "--out", "out", "--quiet", "--sign", "--key", str(signer.p12), cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    second = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [b["issued"] for b in second["binders"]] == [b["issued"] for b in first["binders"]]
    assert all(b["signed"] for b in second["binders"] + second["packs"])
    assert "Signature is Valid" in signatures(tmp_path / "out" / "binders" / "FIN-binder.pdf")


def test_signed_files_get_the_same_permissions_as_every_other_output(signed):
    folder, _, _ = signed
    out = folder / "out"
    modes = {
        p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode)
        for p in out.rglob("*")
        if p.is_file() and ".cache" not in p.parts and p.name != ".binder-lock"
    }
    assert len(set(modes.values())) == 1, modes


def test_a_signed_copy_in_the_output_folder_is_recorded_and_goes_with_its_issue(tmp_path):
    signer = certs.make_signer(tmp_path)
    env = {"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()}
    wb.write(tmp_path / "book.xlsx")
    assert binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path).returncode == 0
    signed = binder("sign", "out/binders/FIN-binder.pdf", "--key", str(signer.p12), cwd=tmp_path, env=env)
    assert signed.returncode == 0, signed.stderr
    copy = tmp_path / "out" / "binders" / "FIN-binder.signed.pdf"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    fin = next(b for b in manifest["binders"] if b["department"] == "FIN")
    assert fin["signed_copies"] == [
        {"path": "binders/FIN-binder.signed.pdf", "sha256": __import__("hashlib").sha256(copy.read_bytes()).hexdigest()}
    ]
    again = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert copy.exists()  # FIN unchanged: the issue stands, and its signed copy with it
    assert binder("verify", str(copy), "--trust", str(signer.ca.pem), cwd=tmp_path).returncode == 0
    wb.write(tmp_path / "book.xlsx", revise_fin_001(wb.base()))
    revised = binder("build", "book.xlsx", "--out", "out", "--quiet", cwd=tmp_path)
    assert revised.returncode == 0, revised.stderr
    assert not copy.exists()  # re-issued: the copy of the old issue goes with it
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "signed_copies" not in next(b for b in manifest["binders"] if b["department"] == "FIN")
