"""Check the digital signatures in a PDF: who signed, when, and whether anything changed since.
Owns ``verify_pdf`` and its reports (text for people, JSON for scripts, the same verdict and
findings in both): reading the file, the trust anchors, and each signature's integrity, validity
and trust, with what changed after it from ``binder.signing.changes``. Trust comes only from the
CA certificates given (``--trust``); nothing is fetched from the network and revocation
(CRL/OCSP) is not checked. It may import pyHanko and asn1crypto, and from binder only
``binder.errors``, ``binder.files``, ``binder.model`` and other ``binder.signing`` modules;
never click, never rich.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature, PdfSignatureStatus, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from binder.errors import FileProblem
from binder.signing.changes import (
    APPENDED,
    SIGNATURE,
    Changes,
    bytes_after_last_revision,
    changes_after,
    signed_prefixes,
)
from binder.signing.logs import quiet_logs

NO_SIGNATURES = "no signatures"
CHANGE_PREFIX = "changed: "
"""How ``report_text`` starts each finding's line (after the indent)."""
REVOCATION_NOTE = "revocation not checked (no CRL or OCSP look-ups)"
SIGNED_CONTENT_CHANGED = "signed content changed"
CHANGED = "changed after signing"


@dataclass(frozen=True)
class SignatureReport:
    """What one signature says and whether it holds."""

    field: str
    signer: str
    signing_time: str | None
    reason: str | None
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """The signature checks out over intact content (and its timestamp, if any, too)."""
    trusted: bool
    """The signer's certificate chains to one of the given CAs (and so does the timestamp's)."""
    covers_whole_file: bool
    modified_after: str
    """In words: "nothing added after signing", "only signatures added after signing", ..."""
    summary: str
    changes: tuple[str, ...] = ()
    """Each change after signing beyond further signatures, validation data and timestamps, one line each."""

    @property
    def only_signatures_after(self) -> bool:
        """Nothing but later signatures (or their validation data) was added after this one."""
        return self.modified_after in ACCEPTABLE_AFTER

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.only_signatures_after


@dataclass(frozen=True)
class VerifyReport:
    """Every signature in one file; ``ok`` only when there is one and all hold."""

    path: str
    signatures: tuple[SignatureReport, ...]
    ok: bool

    @property
    def changes(self) -> tuple[str, ...]:
        """Every signature's findings, each once, in order."""
        return tuple(dict.fromkeys(change for sig in self.signatures for change in sig.changes))

    @property
    def message(self) -> str:
        if not self.signatures:
            return NO_SIGNATURES
        good = sum(1 for s in self.signatures if s.ok)
        return f"{good} of {len(self.signatures)} signature(s) intact, trusted and unchanged since signing"


NOTHING_ADDED = "nothing added after signing"
ONLY_SIGNATURES = "only signatures added after signing"
ONLY_VALIDATION_DATA = "only validation data or timestamps added after signing"
ACCEPTABLE_AFTER = (NOTHING_ADDED, ONLY_SIGNATURES, ONLY_VALIDATION_DATA)


# -- trust anchors ------------------------------------------------------------------------


def _certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM file (one or a bundle) or a DER file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileProblem(str(path), "trust certificate file not found") from None
    except OSError as exc:
        raise FileProblem(str(path), f"cannot read the trust certificate file: {exc.strerror}") from None
    try:
        if pem.detect(data):
            found = [
                x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"
            ]
        else:
            found = [x509.Certificate.load(data, strict=True)]
        for cert in found:
            _ = cert.native  # parse now: asn1crypto is lazy and would fail later, mid-validation
    except Exception:  # asn1crypto raises many kinds for garbage input
        raise FileProblem(str(path), "not a PEM or DER certificate file") from None
    if not found:
        raise FileProblem(str(path), "no certificate in this file", "give the CA certificate in PEM or DER form")
    return found


def _validation_context(trust: Sequence[Path]) -> ValidationContext:
    roots = [cert for path in trust for cert in _certificates(Path(path))]
    # an empty list (not None) so the operating system's TLS roots are never used
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


# -- reading the file ---------------------------------------------------------------------


def _open(pdf: Path, handle) -> tuple[PdfFileReader, bool]:
    """The reader, and whether bytes that are no revision follow the last one.

    A file that cannot be read whole but can up to an earlier ``%%EOF`` had something appended:
    its signatures are checked in what comes before, and the rest is reported.
    """
    head = handle.read(1024)
    handle.seek(0)
    if b"%PDF-" not in head:
        raise FileProblem(str(pdf), "not a PDF file")
    try:
        reader = _reader(handle)
    except Exception as exc:  # pyHanko's reader raises assorted errors on damaged files
        handle.seek(0)
        shorter = _reader_before_appended(handle.read())
        if shorter is None:
            raise FileProblem(str(pdf), f"damaged or unreadable PDF ({_first_line(exc)})") from None
        reader, appended = shorter, True
    else:
        appended = bytes_after_last_revision(reader)
    if reader.encrypted:
        raise FileProblem(str(pdf), "the PDF is encrypted; cannot verify its signatures")
    return reader, appended


def _reader(handle) -> PdfFileReader:
    reader = PdfFileReader(handle, strict=False)
    _ = reader.encrypted  # reads the trailer: fails now on a damaged file
    return reader


def _reader_before_appended(data: bytes) -> PdfFileReader | None:
    """The latest readable cut of the file at an ``%%EOF``, if it is signed (else the file is just damaged)."""
    for prefix in signed_prefixes(data):
        try:
            reader = _reader(io.BytesIO(prefix))
            signed = bool(reader.embedded_regular_signatures)
        except Exception:  # as above: this cut is no readable PDF either
            continue
        return reader if signed else None
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _signatures(pdf: Path, reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    try:
        return list(reader.embedded_regular_signatures)
    except Exception as exc:  # as above: a damaged file, whatever the library calls it
        raise FileProblem(str(pdf), f"damaged or unreadable PDF ({_first_line(exc)})") from None


# -- one signature ------------------------------------------------------------------------


def _when(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _text(value) -> str | None:
    return str(value) if value is not None else None


def _signer_name(cert: x509.Certificate | None) -> str:
    if cert is None:
        return "unknown"
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


def _changes(sig: EmbeddedPdfSignature, status: PdfSignatureStatus, reader: PdfFileReader, appended: bool) -> Changes:
    if not status.intact:
        return Changes((), frozenset())  # the signature itself says the signed content changed
    whole = status.coverage in (SignatureCoverageLevel.ENTIRE_REVISION, SignatureCoverageLevel.ENTIRE_FILE)
    try:
        return changes_after(reader, sig, whole, appended)
    except Exception as exc:  # a damaged later update: the signature holds, the file does not pass
        found = f"the updates after signing could not be analysed ({_first_line(exc)})"
        return Changes((found, APPENDED) if appended else (found,), frozenset())


def _modified_after(status: PdfSignatureStatus, changes: Changes) -> str:
    if not status.intact:
        return SIGNED_CONTENT_CHANGED
    if changes.findings:
        return CHANGED
    if SIGNATURE in changes.added:
        return ONLY_SIGNATURES
    return ONLY_VALIDATION_DATA if changes.added else NOTHING_ADDED


def _timestamp_problem(status: PdfSignatureStatus) -> str:
    stamp = status.timestamp_validity
    if stamp is None:
        return ""
    if not (stamp.intact and stamp.valid):
        return "its timestamp token is broken"
    if not stamp.trusted:
        return "its timestamp authority is not trusted (add its CA with --trust)"
    return ""


TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "the signer's certificate does not chain to a trusted CA",
    "EXPIRED": "the signer's certificate has expired",
    "OUT_OF_BOUNDS_NO_POE": "the signer's certificate has expired (or was not yet valid) and there is no timestamp",
    "OUT_OF_BOUNDS_NOT_REVOKED": "the signer's certificate has expired",
    "NOT_YET_VALID": "the signer's certificate is not valid yet",
    "CHAIN_CONSTRAINTS_FAILURE": "the certificate chain does not allow this use (key usage or CA constraints)",
    "SIG_CONSTRAINTS_FAILURE": "the signer's certificate is not meant for document signing (key usage)",
    "REVOKED": "the signer's certificate was revoked",
}


def _trust_problem(status: PdfSignatureStatus, anchors: int) -> str:
    if _timestamp_problem(status):
        return _timestamp_problem(status)
    if not anchors:
        return "no trusted CA was given (use --trust CA.pem)"
    indic = status.trust_problem_indic
    if indic is None:
        return "the signer's certificate could not be validated"
    name: str = indic.name  # type: ignore[attr-defined]  # pyhanko's AdESSubIndic base lacks .name; values are enums
    return TRUST_PROBLEMS.get(name, f"the signer's certificate could not be validated ({name})")


def _summary(report: SignatureReport, status: PdfSignatureStatus, anchors: int) -> str:
    if not report.intact:
        return "NOT VALID: the signed content was changed after signing"
    if not report.valid:
        indic = status.trust_problem_indic  # below: AdESSubIndic's .name, as in _trust_problem
        problem = _timestamp_problem(status) or (indic.name if indic else "")  # type: ignore[attr-defined]
        return "NOT VALID: the signature does not check out" + (f" ({problem})" if problem else "")
    if not report.trusted:
        return f"NOT TRUSTED: signature intact, but {_trust_problem(status, anchors)}"
    if not report.only_signatures_after:
        found = f" ({'; '.join(report.changes)})" if report.changes else ""
        return f"NOT VALID: the document was {report.modified_after}{found}"
    return f"valid: signed by {report.signer}, intact and trusted; {report.modified_after}"


def _check_one(
    sig: EmbeddedPdfSignature, reader: PdfFileReader, context: ValidationContext, anchors: int, appended: bool
) -> SignatureReport:
    try:
        field, reason = str(sig.field_name), _text(sig.sig_object.get("/Reason"))
        # pyHanko's own difference analysis is replaced by binder.signing.changes' stricter one
        status = validate_pdf_signature(sig, context, skip_diff=True)
        report = _report(field, reason, status, _changes(sig, status, reader, appended))
    except Exception as exc:  # pyHanko raises many kinds for mangled signatures; report, don't crash
        return _broken(sig, exc)
    return _with_summary(report, _summary(report, status, anchors))


def _broken(sig: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    """What can still be read from a signature that could not be checked at all."""
    report = SignatureReport(
        field=_safe(lambda: str(sig.field_name), "?"),
        signer=_safe(lambda: _signer_name(sig.signer_cert), "unknown"),
        signing_time=_when(_safe(lambda: sig.self_reported_timestamp, None)),
        reason=_safe(lambda: _text(sig.sig_object.get("/Reason")), None),
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        modified_after=SIGNED_CONTENT_CHANGED,
        summary="",
    )
    return _with_summary(report, f"NOT VALID: the signature could not be checked ({_first_line(exc)})")


def _report(field: str, reason: str | None, status: PdfSignatureStatus, changes: Changes) -> SignatureReport:
    stamp = status.timestamp_validity
    timestamp_ok = stamp is None or (stamp.intact and stamp.valid)
    return SignatureReport(
        field=field,
        signer=_signer_name(status.signing_cert),
        signing_time=_when(stamp.timestamp if stamp is not None else status.signer_reported_dt),
        reason=reason,
        intact=bool(status.intact),
        # pyHanko's "valid" is about the signature bytes alone; over changed content it means little
        valid=bool(status.valid and status.intact and timestamp_ok),
        trusted=bool(status.trusted and (stamp is None or stamp.trusted)),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and APPENDED not in changes.findings,
        modified_after=_modified_after(status, changes),
        summary="",
        changes=changes.findings,
    )


def _with_summary(report: SignatureReport, summary: str) -> SignatureReport:
    return SignatureReport(**{**asdict(report), "summary": summary.splitlines()[0] if summary else ""})


def _safe(read, default):
    """``read()``, or ``default`` when the signature data is too broken to read."""
    try:
        return read()
    except Exception:
        return default


# -- the whole file -----------------------------------------------------------------------


def verify_pdf(pdf: Path, trust: Sequence[Path] = ()) -> VerifyReport:
    """Validate every signature in ``pdf`` against the CA certificates in ``trust``.

    Raises ``FileProblem`` for a missing, non-PDF or damaged file or an unreadable trust
    file. An unsigned file gives a report with no signatures and ``ok`` False.
    """
    pdf = Path(pdf)
    context = _validation_context(trust)
    anchors = len(list(trust))
    if not pdf.is_file():
        raise FileProblem(str(pdf), "file not found")
    with pdf.open("rb") as handle, quiet_logs("pyhanko", "pyhanko_certvalidator"):
        reader, appended = _open(pdf, handle)
        reports = tuple(_check_one(sig, reader, context, anchors, appended) for sig in _signatures(pdf, reader))
    ok = bool(reports) and all(report.ok for report in reports)
    return VerifyReport(str(pdf), reports, ok)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def report_text(report: VerifyReport) -> str:
    """A person-readable account, one block per signature."""
    verdict = "OK" if report.ok else "NOT OK"
    lines = [f"{report.path}: {verdict}: {report.message}"]
    for sig in report.signatures:
        lines += [
            f"  {sig.field}: signed by {sig.signer}" + (f" at {sig.signing_time}" if sig.signing_time else ""),
            f"    reason: {sig.reason or '-'}",
            f"    intact: {_yes(sig.intact)}  valid: {_yes(sig.valid)}  trusted: {_yes(sig.trusted)}"
            f"  covers whole file: {'yes' if sig.covers_whole_file else 'no'}",
            f"    after signing: {sig.modified_after}",
            *(f"    {CHANGE_PREFIX}{change}" for change in sig.changes),
            f"    {sig.summary}",
        ]
    if report.signatures:
        lines.append(f"  note: {REVOCATION_NOTE}")
    return "\n".join(lines)


def report_json(report: VerifyReport) -> str:
    """The report as JSON (for scripts): the dataclass fields plus the message."""
    data = asdict(report)
    data["message"] = report.message
    data["changes"] = list(report.changes)
    data["revocation_checked"] = False
    return json.dumps(data, indent=2, ensure_ascii=False)
