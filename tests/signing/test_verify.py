"""``binder verify`` against files changed after signing, each change made for real with pypdf or pyHanko.

Only further signatures, validation data (DSS) and document timestamps may follow a signature,
with the modification dates and producers that signing tools rewrite. Everything else must make
the file NOT OK with a line saying what changed, the same in the text and JSON reports, and
poppler's pdfsig must agree that the signature no longer covers the whole file.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import certs
import cli
import pytest
from pypdf import PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import DecodedStreamObject, NameObject
from sample_binder import make_binder, pdfsig

from binder.signing.sign import SignOptions, sign_pdf
from binder.signing.verify import (
    CHANGE_PREFIX,
    NOTHING_ADDED,
    ONLY_SIGNATURES,
    ONLY_VALIDATION_DATA,
    VerifyReport,
    report_json,
    report_text,
    verify_pdf,
)

XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>Quality team</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreateDate>2025-03-01T09:00:00Z</xmp:CreateDate>
   <xmp:ModifyDate>2025-03-01T09:00:00Z</xmp:ModifyDate>
   <pdf:Producer>binder tests</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
TITLE = "Finance department binder"


def _xmp_stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    return stream


def make_described_binder(path: Path) -> Path:
    """A binder with document information (/Title, /Author, /Subject) and XMP metadata, as Word's PDFs have."""
    writer = PdfWriter(clone_from=make_binder(path))
    writer.add_metadata({"/Title": TITLE, "/Author": "Quality team", "/Subject": "SOPs"})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(_xmp_stream(XMP.format(title=TITLE).encode()))
    with path.open("wb") as handle:
        writer.write(handle)
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return certs.make_signer(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def original(tmp_path_factory, pki) -> Path:
    """The signed binder every case starts from."""
    folder = tmp_path_factory.mktemp("original")
    pdf = make_described_binder(folder / "FIN.pdf")
    return sign_pdf(pdf, pki.p12, pki.passphrase, folder / "FIN.signed.pdf", SignOptions())


# -- the changes, made for real -----------------------------------------------------------


def pypdf_update(signed: Path, out: Path, change: Callable[[PdfWriter], None]) -> Path:
    """An incremental update written by pypdf, as any PDF editor's save would append."""
    writer = PdfWriter(signed, incremental=True)
    change(writer)
    with out.open("wb") as handle:
        writer.write(handle)
    assert out.read_bytes().startswith(signed.read_bytes())
    return out


def replace_xmp(data: bytes) -> Callable[[PdfWriter], None]:
    def change(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/Metadata")] = writer._add_object(_xmp_stream(data))

    return change


def rewrite_xmp_in_place(writer: PdfWriter) -> None:
    stream = writer._root_object["/Metadata"].get_object()
    stream.set_data(stream.get_data().replace(b"Quality team", b"Someone else"))


def annotate(writer: PdfWriter) -> None:
    writer.add_annotation(page_number=1, annotation=FreeText(text="Approved", rect=(50, 550, 200, 650)))


def append(data: bytes) -> Callable[[Path, Path, object], Path]:
    def build(signed: Path, out: Path, _pki) -> Path:
        out.write_bytes(signed.read_bytes() + data)
        return out

    return build


def sign_again(signed: Path, out: Path, pki) -> Path:
    return sign_pdf(signed, pki.p12, pki.passphrase, out, SignOptions(reason="Reviewed"))


def add_dss(signed: Path, out: Path, pki) -> Path:
    """Validation data (the certificates) for the first signature, in a DSS of its own revision."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(pki.ca.cert.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    with signed.open("rb") as handle, out.open("wb") as target:
        add_validation_info(
            PdfFileReader(handle).embedded_signatures[0], context, skip_timestamp=True, output=target, force_write=True
        )
    assert b"/DSS" in out.read_bytes()[len(signed.read_bytes()) :]
    return out


def sign_with(change: Callable[[object], None]) -> Callable[[Path, Path, object], Path]:
    """A second signature whose own revision also carries ``change(writer)``: hiding it there does not work."""

    def build(signed: Path, out: Path, pki) -> Path:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import signers

        from binder.signing.keys import load_signer

        writer = IncrementalPdfFileWriter(io.BytesIO(signed.read_bytes()))
        change(writer)
        meta = signers.PdfSignatureMetadata(field_name="Sneaky", md_algorithm="sha256")
        with out.open("wb") as handle:
            signers.PdfSigner(meta, load_signer(pki.p12, pki.passphrase)).sign_pdf(writer, output=handle)
        return out

    return build


def retitle(writer) -> None:
    from pyhanko.pdf_utils.generic import NameObject as PdfName
    from pyhanko.pdf_utils.generic import TextStringObject

    info = writer.trailer["/Info"].get_object()
    info[PdfName("/Title")] = TextStringObject("Forged binder")
    writer.update_container(info)


def rotate_page_3(writer) -> None:
    from pyhanko.pdf_utils.generic import NameObject as PdfName
    from pyhanko.pdf_utils.generic import NumberObject

    page = writer.root["/Pages"]["/Kids"][2].get_object()
    page[PdfName("/Rotate")] = NumberObject(90)
    writer.update_container(page)


def add_document_timestamp(signed: Path, out: Path, pki) -> Path:
    """A PAdES document timestamp (/DocTimeStamp) in its own revision, from a test timestamping authority."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
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
    writer = IncrementalPdfFileWriter(io.BytesIO(signed.read_bytes()))
    with out.open("wb") as handle:
        signers.PdfTimeStamper(tsa).timestamp_pdf(writer, "sha256", output=handle)
    assert b"/DocTimeStamp" in out.read_bytes()
    return out


def with_pypdf(change: Callable[[PdfWriter], None]) -> Callable[[Path, Path, object], Path]:
    return lambda signed, out, _pki: pypdf_update(signed, out, change)


def then(*steps: Callable[[Path, Path, object], Path]) -> Callable[[Path, Path, object], Path]:
    """Several updates one after the other."""

    def build(signed: Path, out: Path, pki) -> Path:
        for n, step in enumerate(steps):
            signed = step(signed, out.with_name(f"{out.stem}-{n}.pdf"), pki)
        out.write_bytes(signed.read_bytes())
        return out

    return build


GARBAGE = b"\n% appended by someone\n<< /Forged true >>\n"
TAMPERED = {
    # name: (how, what verify must say)
    "title changed": (
        with_pypdf(lambda w: w.add_metadata({"/Title": "Forged binder"})),
        "document information (/Title) changed after signing",
    ),
    "author changed": (
        with_pypdf(lambda w: w.add_metadata({"/Author": "Mallory"})),
        "document information (/Author) changed after signing",
    ),
    "subject changed": (
        with_pypdf(lambda w: w.add_metadata({"/Subject": "Other SOPs"})),
        "document information (/Subject) changed after signing",
    ),
    "keywords added": (
        with_pypdf(lambda w: w.add_metadata({"/Keywords": "superseded"})),
        "document information (/Keywords) added after signing",
    ),
    "only the modification date": (
        with_pypdf(lambda w: w.add_metadata({"/ModDate": "D:20300101000000Z"})),
        "document information (/ModDate) added after signing",
    ),
    # the replacement is the original XMP with another title: the dates and producer the signing rewrote differ too
    "XMP replaced": (
        with_pypdf(replace_xmp(XMP.format(title="Forged binder").encode())),
        "XMP metadata (dc:title, pdf:Producer, xmp:ModifyDate) changed after signing",
    ),
    "XMP rewritten in place": (with_pypdf(rewrite_xmp_in_place), "XMP metadata (dc:creator) changed after signing"),
    "XMP replaced by junk": (
        with_pypdf(replace_xmp(b"not XML at all")),
        "XMP metadata replaced with something that is not XMP after signing",
    ),
    "annotation added": (with_pypdf(annotate), "an annotation on page 2 added after signing"),
    "bytes appended": (append(GARBAGE), "bytes appended after the end of the signed file"),
    "many bytes appended": (append(GARBAGE * 100), "bytes appended after the end of the signed file"),
    "bytes appended with an end marker": (
        append(GARBAGE + b"%%EOF\n"),
        "bytes appended after the end of the signed file",
    ),
    "title changed inside a second signature's revision": (
        sign_with(retitle),
        "document information (/Title) changed after signing",
    ),
    "page rotated inside a second signature's revision": (sign_with(rotate_page_3), "page 3 changed after signing"),
    "title changed after a document timestamp": (
        then(add_document_timestamp, with_pypdf(lambda w: w.add_metadata({"/Title": "Forged binder"}))),
        "document information (/Title) changed after signing",
    ),
    "title changed after a second signature": (
        then(sign_again, with_pypdf(lambda w: w.add_metadata({"/Title": "Forged binder"}))),
        "document information (/Title) changed after signing",
    ),
}
LEGITIMATE = {
    # name: (how, what the first signature's "after signing" says)
    "second signature": (sign_again, ONLY_SIGNATURES),
    "validation data": (add_dss, ONLY_VALIDATION_DATA),
    "validation data, then a second signature": (then(add_dss, sign_again), ONLY_SIGNATURES),
    "third signature": (then(sign_again, sign_again), ONLY_SIGNATURES),
    "document timestamp": (add_document_timestamp, ONLY_VALIDATION_DATA),
    "document timestamp, then validation data": (then(add_document_timestamp, add_dss), ONLY_VALIDATION_DATA),
}
CROSS_CHECKED = ["title changed", "XMP replaced", "bytes appended", "many bytes appended"]


@pytest.fixture(scope="module")
def made(tmp_path_factory, original, pki):
    """Case name -> the file, each built once."""
    folder = tmp_path_factory.mktemp("cases")
    files: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in files:
            how = (TAMPERED.get(name) or LEGITIMATE[name])[0]
            files[name] = how(original, folder / (name.replace(" ", "-").replace(",", "") + ".pdf"), pki)
        return files[name]

    return get


@pytest.fixture(scope="module")
def verified(made, pki):
    """Case name -> ``verify_pdf`` of its file against the test CA, each verified once: the verdict tests and the
    report tests read the same (immutable) report."""
    reports: dict[str, VerifyReport] = {}

    def get(name: str) -> VerifyReport:
        if name not in reports:
            reports[name] = verify_pdf(made(name), [pki.ca.pem])
        return reports[name]

    return get


# -- the verdicts -------------------------------------------------------------------------


@pytest.mark.parametrize("case", TAMPERED)
def test_a_change_after_signing_is_reported_with_what_changed(verified, case):
    report = verified(case)
    finding = TAMPERED[case][1]
    assert not report.ok
    assert finding in report.changes
    first = report.signatures[0]
    assert first.modified_after == "changed after signing" and finding in first.changes
    assert not first.covers_whole_file and "NOT VALID" in first.summary and finding in first.summary
    for sig in report.signatures:
        assert sig.intact and sig.valid and sig.trusted, sig.summary  # the signed bytes themselves are fine
        assert sig.ok == (not sig.changes)  # a later signature is fine when nothing came after it


@pytest.mark.parametrize("case", LEGITIMATE)
def test_signatures_and_validation_data_after_signing_are_fine(verified, case):
    report = verified(case)
    assert report.ok, report_text(report)
    assert report.changes == ()
    first, *later = report.signatures
    assert first.modified_after == LEGITIMATE[case][1] and not first.covers_whole_file
    assert later == [] or later[-1].modified_after == NOTHING_ADDED


def test_the_signed_binder_itself_has_xmp_and_verifies(original, pki):
    """The cases start from a file with XMP metadata and document information, both rewritten by later signatures."""
    assert b"/Metadata" in original.read_bytes() and TITLE.encode() in original.read_bytes()
    report = verify_pdf(original, [pki.ca.pem])
    assert report.ok and report.signatures[0].modified_after == NOTHING_ADDED


def test_every_change_is_listed_not_only_the_first(tmp_path, original, pki):
    def several(writer: PdfWriter) -> None:
        writer.add_metadata({"/Title": "Forged binder", "/Keywords": "superseded"})
        replace_xmp(XMP.format(title="Forged binder").encode())(writer)
        annotate(writer)

    changed = pypdf_update(original, tmp_path / "several.pdf", several)
    changed.write_bytes(changed.read_bytes() + GARBAGE)
    changes = verify_pdf(changed, [pki.ca.pem]).changes
    assert changes == (
        "document information (/Title) changed after signing",
        "document information (/Keywords) added after signing",
        "XMP metadata (dc:title, pdf:Producer, xmp:ModifyDate) changed after signing",
        "page 2 changed after signing",
        "an annotation on page 2 added after signing",
        "bytes appended after the end of the signed file",
    )


@pytest.mark.timeout(60)
def test_a_reference_loop_in_the_document_information_is_reported_not_followed_forever(tmp_path, original, pki):
    from pypdf.generic import ArrayObject

    def loop(writer: PdfWriter) -> None:
        array = ArrayObject()
        ref = writer._add_object(array)
        array.extend([ref, ref])  # each element is the array itself: 2^n paths n levels down
        writer._info.get_object()[NameObject("/Title")] = ref

    report = verify_pdf(pypdf_update(original, tmp_path / "loop.pdf", loop), [pki.ca.pem])
    assert not report.ok and "document information (/Title) changed after signing" in report.changes


def test_white_space_after_the_end_is_not_a_change(tmp_path, original, pki):
    padded = tmp_path / "padded.pdf"
    padded.write_bytes(original.read_bytes() + b"\r\n \n")
    assert verify_pdf(padded, [pki.ca.pem]).ok


# -- poppler agrees -----------------------------------------------------------------------


@pytest.mark.parametrize("case", CROSS_CHECKED)
def test_pdfsig_agrees_the_signature_no_longer_covers_the_file(made, case):
    poppler = pdfsig(made(case), "-nocert")
    assert "Signature is Valid." in poppler  # the signed bytes are intact...
    assert "Not total document signed" in poppler  # ...but the file holds more than them


def test_pdfsig_agrees_a_second_signature_covers_the_file(made):
    poppler = pdfsig(made("second signature"), "-nocert")
    assert poppler.count("Signature is Valid.") == 2
    assert "Total document signed" in poppler.split("Signature #2")[1]


# -- text and JSON say the same -----------------------------------------------------------


def parse_text(text: str) -> tuple[bool, list[list[str]]]:
    """(OK?, each signature's changes) from ``report_text``'s lines."""
    lines = text.splitlines()
    verdict = lines[0].split(": ")[1]
    assert verdict in ("OK", "NOT OK")
    per_signature: list[list[str]] = []
    for line in lines[1:]:
        if line.startswith("  ") and not line.startswith("   ") and ": signed by " in line:
            per_signature.append([])
        elif line.startswith(f"    {CHANGE_PREFIX}"):
            per_signature[-1].append(line.removeprefix(f"    {CHANGE_PREFIX}"))
    return verdict == "OK", per_signature


def assert_agree(text: str, data: dict, report: VerifyReport) -> None:
    ok, per_signature = parse_text(text)
    assert ok == data["ok"] == report.ok
    assert (
        per_signature == [sig["changes"] for sig in data["signatures"]] == [list(s.changes) for s in report.signatures]
    )
    assert data["changes"] == list(dict.fromkeys(c for sig in per_signature for c in sig)) == list(report.changes)
    assert [sig["summary"] for sig in data["signatures"]] == [
        line.strip() for line in text.splitlines() if line.strip().startswith(("valid:", "NOT "))
    ]


@pytest.mark.parametrize("case", [*TAMPERED, *LEGITIMATE])
def test_text_and_json_reports_agree(verified, case):
    report = verified(case)
    assert_agree(report_text(report), json.loads(report_json(report)), report)


@pytest.mark.parametrize("case", ["title changed", "bytes appended", "second signature"])
def test_the_verify_command_prints_the_same_verdict_and_changes_in_text_and_json(made, verified, pki, case, tmp_path):
    pdf = made(case)
    text = cli.run("verify", str(pdf), "--trust", str(pki.ca.pem), cwd=tmp_path)
    as_json = cli.run("verify", str(pdf), "--trust", str(pki.ca.pem), "--format", "json", cwd=tmp_path)
    expected = 0 if case in LEGITIMATE else 1
    assert text.returncode == as_json.returncode == expected, text.stdout + text.stderr
    assert "Traceback" not in text.stderr + as_json.stderr
    assert_agree(text.stdout, json.loads(as_json.stdout), verified(case))
    if case in TAMPERED:
        assert f"{CHANGE_PREFIX}{TAMPERED[case][1]}" in text.stdout


def test_verifying_fetches_nothing_from_the_addresses_a_certificate_names(tmp_path):
    """outputs.md: "nothing is fetched". The signer's certificate names an OCSP responder, its issuer's certificate
    and a CRL on a listening port here: verifying, trusted or not, and signing never connect to it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    calls: list[object] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                calls.append(listener.accept()[0].close())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        signer = certs.make_signer(tmp_path, url=f"http://127.0.0.1:{listener.getsockname()[1]}/ca")
        signed = sign_pdf(make_binder(tmp_path / "FIN.pdf"), signer.p12, signer.passphrase, tmp_path / "FIN.signed.pdf",
                          SignOptions())  # fmt: skip
        assert verify_pdf(signed, [signer.ca.pem]).ok
        assert not verify_pdf(signed).ok  # untrusted: the issuer is not looked for where the certificate says
    finally:
        stop.set()
        counter.join()
        listener.close()
    assert calls == []
