"""Signing binders (PAdES, visible stamp on the cover) and verifying them, checked against poppler's pdfsig."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import certs
import pytest
from pdfs import labels, outline
from pypdf import PdfReader, PdfWriter
from sample_binder import MARKER, PAGE, make_binder, pdfsig

from binder.errors import FileProblem, SigningError
from binder.signing.sign import SignOptions, default_output, sign_pdf
from binder.signing.stamp import signature_box
from binder.signing.verify import report_json, report_text, verify_pdf


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    return certs.make_signer(folder)


@pytest.fixture(scope="module")
def signed(tmp_path_factory, pki):
    """(unsigned, signed) pair made once for the read-only checks."""
    folder = tmp_path_factory.mktemp("signed")
    pdf = make_binder(folder / "FIN binder.pdf")
    out = sign_pdf(pdf, pki.p12, pki.passphrase, default_output(pdf), SignOptions(location="Leeds"))
    return pdf, out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def signed_ranges(path: Path) -> list[int]:
    """The /ByteRange of the first signature: start1, length1, start2, length2."""
    reader = PdfReader(path)
    for field in reader.get_fields().values():
        value = field.get("/V")
        if value is not None and "/ByteRange" in value.get_object():
            return [int(n) for n in value.get_object()["/ByteRange"]]
    raise AssertionError("no signature")


# -- signing and verifying ----------------------------------------------------------------


@pytest.fixture(scope="module")
def realistic_pki(tmp_path_factory):
    """A key file encrypted as real ones are (the other tests' files use one KDF round, to be quick)."""
    return certs.make_signer(tmp_path_factory.mktemp("realistic-pki"), realistic=True)


def test_signed_copy_is_written_beside_the_input_and_the_input_is_untouched(tmp_path, realistic_pki):
    pdf = make_binder(tmp_path / "FIN.pdf")
    before = sha256(pdf)
    out = sign_pdf(pdf, realistic_pki.p12, realistic_pki.passphrase, default_output(pdf), SignOptions())
    assert verify_pdf(out, [realistic_pki.ca.pem]).ok
    assert out == tmp_path / "FIN.signed.pdf" and out.is_file()
    assert sha256(pdf) == before
    assert out.read_bytes().startswith(pdf.read_bytes())  # an incremental update of the original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIN.pdf", "FIN.signed.pdf"]  # no temp file left


def test_verify_with_the_issuing_ca_is_ok(signed, pki):
    _, out = signed
    report = verify_pdf(out, [pki.ca.pem])
    assert report.ok
    (sig,) = report.signatures
    assert sig.signer == certs.SIGNER_CN
    assert sig.reason == "Issued as controlled copy"
    assert sig.field == "BinderIssuer"
    assert sig.intact and sig.valid and sig.trusted and sig.covers_whole_file
    assert sig.modified_after == "nothing added after signing"
    assert sig.signing_time and sig.signing_time.endswith("UTC")
    text = report_text(report)
    assert "OK" in text and certs.SIGNER_CN in text and "revocation not checked" in text
    data = json.loads(report_json(report))
    assert data["ok"] is True and data["signatures"][0]["signer"] == certs.SIGNER_CN
    assert data["revocation_checked"] is False


def test_a_pem_bundle_of_trust_anchors_is_accepted(tmp_path, signed, pki):
    other = certs.make_other_ca(tmp_path)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(other.pem.read_bytes() + pki.ca.pem.read_bytes())
    assert verify_pdf(signed[1], [bundle]).ok


def test_bookmarks_and_page_labels_survive_signing(signed):
    pdf, out = signed
    assert outline(out) == outline(pdf) == [(0, "FIN", 2), (1, "FIN-001 Payroll processing", 2), (1, "Procedure", 3)]
    assert labels(out) == labels(pdf) == ["Cover", "i", "FIN-001-1", "FIN-001-2", "FIN-001-3", "FIN-001-4"]


def test_pdfsig_agrees_the_signature_is_valid_and_covers_the_document(signed):
    report = pdfsig(signed[1], "-nocert")
    assert "Signature is Valid." in report
    assert f"Signer Certificate Common Name: {certs.SIGNER_CN}" in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES


def test_signed_file_passes_qpdf_check(signed):
    result = subprocess.run(["qpdf", "--check", str(signed[1])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_flipped_byte_in_the_signed_range_is_caught(tmp_path, signed, pki):
    start, length, _, _ = signed_ranges(signed[1])
    data = bytearray(signed[1].read_bytes())
    middle = start + length // 2
    data[middle] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    report = verify_pdf(tampered, [pki.ca.pem])
    assert not report.ok
    (sig,) = report.signatures
    assert not sig.intact and not sig.trusted
    assert "NOT VALID" in sig.summary
    poppler = pdfsig(tampered, "-nocert")
    assert "Signature is Valid." not in poppler
    assert "Digest Mismatch" in poppler


def test_an_unrelated_ca_leaves_the_signature_intact_but_untrusted(tmp_path, signed):
    other = certs.make_other_ca(tmp_path)
    report = verify_pdf(signed[1], [other.pem])
    assert not report.ok
    (sig,) = report.signatures
    assert sig.intact and sig.valid and not sig.trusted
    assert "NOT TRUSTED" in sig.summary


def test_no_trust_anchors_means_not_trusted(signed):
    report = verify_pdf(signed[1])
    assert not report.ok and report.signatures[0].intact and not report.signatures[0].trusted
    assert "--trust" in report.signatures[0].summary


def test_an_unsigned_file_has_no_signatures(signed, pki):
    report = verify_pdf(signed[0], [pki.ca.pem])
    assert report.signatures == () and not report.ok
    assert "no signatures" in report_text(report)
    assert json.loads(report_json(report))["message"] == "no signatures"


def test_signing_a_signed_file_adds_a_second_signature(tmp_path, signed, pki):
    out = sign_pdf(signed[1], pki.p12, pki.passphrase, tmp_path / "twice.pdf", SignOptions(reason="Reviewed"))
    report = verify_pdf(out, [pki.ca.pem])
    assert [s.field for s in report.signatures] == ["BinderIssuer", "BinderIssuer-2"]
    first, second = report.signatures
    assert first.modified_after == "only signatures added after signing" and not first.covers_whole_file
    assert second.modified_after == "nothing added after signing" and second.reason == "Reviewed"
    assert report.ok
    widths = [
        float(annot.get_object()["/Rect"][2]) - float(annot.get_object()["/Rect"][0])
        for annot in PdfReader(out).pages[0]["/Annots"]
    ]
    assert widths == [260, 0]  # the cover has room for one stamp: the second signature is invisible


def test_a_second_signature_goes_where_it_is_told(tmp_path, signed, pki):
    box = (300, 100, 560, 170)
    out = sign_pdf(signed[1], pki.p12, pki.passphrase, tmp_path / "twice.pdf", SignOptions(), box=box)
    rects = [[float(v) for v in annot.get_object()["/Rect"]] for annot in PdfReader(out).pages[0]["/Annots"]]
    assert rects[1] == list(box)
    assert verify_pdf(out, [pki.ca.pem]).ok


def test_verifying_a_file_changed_after_signing_is_not_ok(tmp_path, signed, pki):
    """An incremental update that rotates a page, as an editor's save would append."""
    from pyhanko.pdf_utils.generic import NameObject as PdfName
    from pyhanko.pdf_utils.generic import NumberObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    changed = tmp_path / "changed.pdf"
    with signed[1].open("rb") as handle:
        writer = IncrementalPdfFileWriter(handle)
        page = writer.root["/Pages"]["/Kids"][2].get_object()
        page[PdfName("/Rotate")] = NumberObject(90)
        writer.update_container(page)
        with changed.open("wb") as out:
            writer.write(out)
    report = verify_pdf(changed, [pki.ca.pem])
    (sig,) = report.signatures
    assert sig.intact and not report.ok
    assert sig.modified_after == "changed after signing"
    assert "NOT VALID" in sig.summary
    assert "page 3 changed after signing" in sig.changes


# -- the visible stamp --------------------------------------------------------------------


def test_the_stamp_font_is_embedded(signed):
    listing = subprocess.run(["pdffonts", str(signed[1])], capture_output=True, text=True, check=True).stdout
    stamp_fonts = [line for line in listing.splitlines() if "Carlito" in line or "Liberation" in line]
    assert stamp_fonts, listing
    for line in stamp_fonts:
        assert line.split()[-5] == "yes", line  # the "emb" column


def test_signature_box_sits_under_the_marker_line(signed):
    x1, y1, x2, y2 = signature_box(signed[0])
    assert x1 == pytest.approx(72, abs=1)
    assert 690 <= y2 < 700  # just below the marker's baseline at 700
    assert y2 - y1 == pytest.approx(70) and x2 - x1 == pytest.approx(260)
    assert y1 > 620  # above the next line of text at 610


def test_signature_box_finds_the_french_marker(tmp_path):
    cover = [(90, 500, 11, "Signature électronique de l'émetteur :"), (90, 300, 11, "Suite")]
    x1, _, _, y2 = signature_box(make_binder(tmp_path / "fr.pdf", cover=cover))
    assert x1 == pytest.approx(90, abs=1) and 490 <= y2 < 500


def test_signature_box_falls_back_to_bottom_right_above_the_footer(tmp_path):
    x1, y1, x2, y2 = signature_box(make_binder(tmp_path / "plain.pdf", cover=[(72, 760, 20, "Binder")]))
    assert PAGE[0] - 72 <= x2 <= PAGE[0] - 36 and x1 > PAGE[0] / 3
    assert 60 <= y1 and y2 < PAGE[1] / 3


def read_ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6"
    return int(parts[1]), int(parts[2]), parts[4]


def render_page1(pdf: Path, stem: Path) -> tuple[int, int, bytes]:
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)], check=True)
    return read_ppm(stem.with_suffix(".ppm"))


def test_the_stamp_is_drawn_only_in_its_reserved_space(tmp_path, signed):
    """Page 1 changes only inside the stamp's box, and that box was blank before."""
    pdf, out = signed
    width, height, before = render_page1(pdf, tmp_path / "before")
    _, _, after = render_page1(out, tmp_path / "after")
    scale = 60 / 72
    x1, y1, x2, y2 = signature_box(pdf)
    left, right = int(x1 * scale) - 1, int(x2 * scale) + 1
    top, bottom = int((PAGE[1] - y2) * scale) - 1, int((PAGE[1] - y1) * scale) + 1
    inside_changed = outside_changed = inside_inked_before = 0
    for row in range(height):
        for col in range(width):
            i = (row * width + col) * 3
            inside = left <= col <= right and top <= row <= bottom
            differs = before[i : i + 3] != after[i : i + 3]
            if inside:
                inside_changed += differs
                inside_inked_before += before[i : i + 3] != b"\xff\xff\xff" and 1 < row - top and 1 < bottom - row
            else:
                outside_changed += differs
    assert outside_changed == 0
    assert inside_inked_before == 0
    assert inside_changed > 200  # the border and three lines of text


def test_long_reasons_are_wrapped_and_stay_inside_the_box(tmp_path, pki):
    pdf = make_binder(tmp_path / "long.pdf")
    reason = "Issued as controlled copy for the finance department, superseding all earlier copies " * 3
    out = sign_pdf(pdf, pki.p12, pki.passphrase, tmp_path / "long.signed.pdf", SignOptions(reason=reason))
    report = verify_pdf(out, [pki.ca.pem])
    assert report.ok and report.signatures[0].reason == reason  # the signature keeps it whole


@pytest.mark.slow
def test_stamp_goes_under_the_marker_on_a_libreoffice_cover(tmp_path, pki):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    from docx import Document

    doc = Document()
    doc.add_heading("Finance department binder", 1)
    doc.add_paragraph("Date of issue: 2025-03-01")
    doc.add_paragraph(MARKER)
    for _ in range(6):
        doc.add_paragraph("")
    doc.add_paragraph("SOPs in this binder: FIN-001 Payroll processing 2.0")
    docx = tmp_path / "cover.docx"
    doc.save(docx)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    cover = tmp_path / "cover.pdf"
    x1, y1, x2, y2 = signature_box(cover)
    words = word_boxes(cover)  # poppler's independent reading of where the words are
    page_height = float(PdfReader(cover).pages[0].mediabox.top)
    marker_left, marker_top, _, marker_bottom = words["Electronic"]
    sops_top = words["SOPs"][1]
    assert x1 == pytest.approx(marker_left, abs=1)
    assert page_height - y2 >= marker_bottom - 3  # below the marker line (its descenders may touch)
    assert page_height - y2 < marker_bottom + 12
    assert page_height - y1 < sops_top  # above the next text
    out = sign_pdf(cover, pki.p12, pki.passphrase, default_output(cover), SignOptions())
    assert verify_pdf(out, [pki.ca.pem]).ok


def word_boxes(pdf: Path) -> dict[str, tuple[float, float, float, float]]:
    """Page 1 words -> (xMin, yMin, xMax, yMax) measured from the top left, as pdftotext -bbox gives them."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<'
    return {m[4]: tuple(float(v) for v in m[:4]) for m in re.findall(pattern, html)}


# -- failures: one clear message, nothing written, never the passphrase -------------------


def assert_nothing_written(folder: Path, expected: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == expected


@pytest.fixture
def binder_pdf(tmp_path):
    return make_binder(tmp_path / "FIN.pdf")


@pytest.mark.parametrize("realistic", [False, True], ids=["one KDF round", "realistic KDF"])
def test_wrong_passphrase(binder_pdf, pki, realistic_pki, realistic):
    key = (realistic_pki if realistic else pki).p12
    with pytest.raises(SigningError) as caught:
        sign_pdf(binder_pdf, key, b"not it", default_output(binder_pdf), SignOptions())
    assert str(caught.value) == (f"wrong passphrase for {key} (set BINDER_KEY_PASSPHRASE or type it at the prompt)")
    assert caught.value.exit_code == 3
    assert_nothing_written(binder_pdf.parent, {"FIN.pdf"})


def test_no_passphrase_for_a_protected_key_is_a_wrong_passphrase(binder_pdf, pki):
    with pytest.raises(SigningError, match="wrong passphrase"):
        sign_pdf(binder_pdf, pki.p12, None, default_output(binder_pdf), SignOptions())


def test_an_unprotected_key_signs_whatever_passphrase_is_set(tmp_path, binder_pdf):
    open_key = certs.make_signer(tmp_path / "open", passphrase=None)
    for passphrase in (None, b"left over in the environment"):
        out = sign_pdf(binder_pdf, open_key.p12, passphrase, tmp_path / "open.pdf", SignOptions())
        assert verify_pdf(out, [open_key.ca.pem]).ok


def test_a_key_without_a_certificate(tmp_path, binder_pdf):
    key = certs.make_key_without_cert(tmp_path)
    with pytest.raises(SigningError, match="no certificate"):
        sign_pdf(binder_pdf, key, certs.PASSPHRASE, default_output(binder_pdf), SignOptions())
    assert not default_output(binder_pdf).exists()


def test_an_expired_certificate_names_its_expiry_date(tmp_path, binder_pdf):
    expired = certs.make_signer(tmp_path / "old", expired=True)
    day = expired.cert.not_valid_after_utc.strftime("%Y-%m-%d")
    with pytest.raises(SigningError, match=f"expired on {day}"):
        sign_pdf(binder_pdf, expired.p12, expired.passphrase, default_output(binder_pdf), SignOptions())
    assert not default_output(binder_pdf).exists()


def test_a_certificate_not_yet_valid(tmp_path, binder_pdf):
    early = certs.make_signer(tmp_path / "early", not_yet_valid=True)
    with pytest.raises(SigningError, match="not valid until"):
        sign_pdf(binder_pdf, early.p12, early.passphrase, default_output(binder_pdf), SignOptions())


def test_a_certificate_without_non_repudiation(tmp_path, binder_pdf):
    plain = certs.make_signer(tmp_path / "plain", non_repudiation=False)
    with pytest.raises(SigningError, match="nonRepudiation"):
        sign_pdf(binder_pdf, plain.p12, plain.passphrase, default_output(binder_pdf), SignOptions())


def test_an_unreachable_timestamp_server(binder_pdf, pki):
    options = SignOptions(timestamp_url="http://127.0.0.1:9/tsa")
    with pytest.raises(SigningError, match="^timestamp server URL could not be reached: http://127.0.0.1:9/tsa"):
        sign_pdf(binder_pdf, pki.p12, pki.passphrase, default_output(binder_pdf), options)
    assert_nothing_written(binder_pdf.parent, {"FIN.pdf"})


def test_a_missing_key_file(tmp_path, binder_pdf):
    with pytest.raises(FileProblem) as caught:
        sign_pdf(binder_pdf, tmp_path / "nope.p12", None, default_output(binder_pdf), SignOptions())
    assert "nope.p12" in str(caught.value) and "not found" in str(caught.value)


def test_a_key_file_that_is_not_pkcs12(tmp_path, binder_pdf, pki):
    pem_key = tmp_path / "key.pem"
    pem_key.write_bytes(pki.ca.pem.read_bytes())
    with pytest.raises(FileProblem, match="key.pem: not a PKCS#12"):
        sign_pdf(binder_pdf, pem_key, None, default_output(binder_pdf), SignOptions())


def test_an_input_that_is_not_a_pdf(tmp_path, pki):
    fake = tmp_path / "binder.pdf"
    fake.write_text("hello")
    with pytest.raises(FileProblem, match="not a PDF"):
        sign_pdf(fake, pki.p12, pki.passphrase, default_output(fake), SignOptions())
    with pytest.raises(FileProblem, match="not a PDF"):
        verify_pdf(fake)
    assert_nothing_written(tmp_path, {"binder.pdf"})


def test_an_encrypted_input(tmp_path, binder_pdf, pki):
    writer = PdfWriter(clone_from=binder_pdf)
    writer.encrypt("owner-secret", "user-secret")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(FileProblem, match="encrypted"):
        sign_pdf(locked, pki.p12, pki.passphrase, default_output(locked), SignOptions())
    assert not default_output(locked).exists()


def test_the_unsigned_file_is_never_overwritten(binder_pdf, pki):
    before = sha256(binder_pdf)
    with pytest.raises(FileProblem, match="must not replace"):
        sign_pdf(binder_pdf, pki.p12, pki.passphrase, binder_pdf, SignOptions())
    assert sha256(binder_pdf) == before


def test_the_passphrase_never_appears_in_a_message(tmp_path, binder_pdf, pki):
    secret = pki.passphrase.decode()
    expired = certs.make_signer(tmp_path / "old", expired=True)
    attempts = [
        lambda: sign_pdf(binder_pdf, pki.p12, pki.passphrase + b"x", tmp_path / "a.pdf", SignOptions()),
        lambda: sign_pdf(
            binder_pdf, certs.make_key_without_cert(tmp_path), pki.passphrase, tmp_path / "b.pdf", SignOptions()
        ),
        lambda: sign_pdf(binder_pdf, expired.p12, pki.passphrase, tmp_path / "c.pdf", SignOptions()),
        lambda: sign_pdf(
            binder_pdf, pki.p12, pki.passphrase, tmp_path / "d.pdf", SignOptions(timestamp_url="http://127.0.0.1:9/")
        ),
        lambda: sign_pdf(binder_pdf, pki.p12, pki.passphrase, binder_pdf, SignOptions()),
    ]
    for attempt in attempts:
        with pytest.raises((SigningError, FileProblem)) as caught:
            attempt()
        error = caught.value
        # no library traceback is chained to our message
        assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
        chain = []
        while error is not None:
            chain.append(f"{error} {error!r} {getattr(error, 'hint', '')} {getattr(error, 'problems', '')}")
            error = error.__cause__ or error.__context__
        assert secret not in " ".join(chain)


def test_verify_reports_a_missing_or_bad_trust_file(tmp_path, signed):
    with pytest.raises(FileProblem, match="not found"):
        verify_pdf(signed[1], [tmp_path / "nope.pem"])
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(FileProblem, match="certificate"):
        verify_pdf(signed[1], [junk])


@pytest.mark.slow
def test_flipping_any_byte_never_verifies_and_never_crashes(tmp_path, signed, pki):
    data = signed[1].read_bytes()
    start, length, second, second_length = signed_ranges(signed[1])
    copy = tmp_path / "flipped.pdf"
    outcomes = set()
    for position in [*range(start, length, 61), *range(second, second + second_length, 61)]:
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        copy.write_bytes(bytes(flipped))
        try:
            report = verify_pdf(copy, [pki.ca.pem])
        except FileProblem:  # damaged beyond reading: reported as a bad file
            outcomes.add("damaged")
            continue
        assert not report.ok, position
        outcomes.add("not intact" if report.signatures and not report.signatures[0].intact else "other")
    assert "not intact" in outcomes


def test_verify_a_truncated_pdf_is_a_file_problem_or_not_intact(tmp_path, signed, pki):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(signed[1].read_bytes()[: len(signed[1].read_bytes()) // 2])
    try:
        report = verify_pdf(cut, [pki.ca.pem])
    except FileProblem:
        return
    assert not report.ok


# -- PAdES B-T against a local RFC 3161 server --------------------------------------------


@pytest.fixture
def local_tsa(pki):
    """An HTTP timestamp server on a free loopback port, answering with pyHanko's test TSA."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import keys as asn1_keys
    from asn1crypto import tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import DummyTimeStamper

    key, cert = certs.issue_tsa(pki.ca)
    tsa = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = asyncio.run(tsa.async_request_tsa_response(request)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_a_timestamped_signature_verifies(tmp_path, pki, local_tsa):
    pdf = make_binder(tmp_path / "FIN.pdf")
    out = sign_pdf(pdf, pki.p12, pki.passphrase, default_output(pdf), SignOptions(timestamp_url=local_tsa))
    report = verify_pdf(out, [pki.ca.pem])
    assert report.ok, report_text(report)
    assert "Signature is Valid." in pdfsig(out, "-nocert")
