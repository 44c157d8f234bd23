"""Sign a finished PDF (binder, pack or SOP) with a PAdES signature and a visible stamp on page 1.
Owns ``SignOptions``, ``sign_pdf`` and ``sign_outputs`` (signing the PDFs of a build), the
timestamp server and the checks on the input and output files. Signing is always the last
write: the signature is added as an incremental update to a copy, written through
``binder.files.atomic_write`` beside the output (so it gets the same permissions as every other
file binder writes) and moved into place only when complete; the unsigned input is never
changed. It may import pyHanko, and from binder only ``binder.errors``, ``binder.files``,
``binder.model`` and other ``binder.signing`` modules (the key comes from ``keys``, the stamp
from ``stamp``); never click, never rich.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

from binder.errors import FileProblem, SigningError
from binder.files import atomic_write
from binder.model import Settings
from binder.signing.keys import load_signer
from binder.signing.logs import quiet_logs
from binder.signing.options import Signing
from binder.signing.stamp import STAMP_TEXT, Box, signature_box, stamp_params, stamp_style

TIMESTAMP_TIMEOUT = 10


@dataclass(frozen=True)
class SignOptions:
    """What the signature says about itself, and where to get a trusted timestamp (optional)."""

    reason: str = "Issued as controlled copy"
    location: str = ""
    contact: str = ""
    timestamp_url: str | None = None
    field_name: str = "BinderIssuer"
    font_cache: Path | None = None
    """A folder where the stamp's rescaled font is kept between runs (the CLI gives the user's cache)."""


def default_output(pdf: Path) -> Path:
    """``<name>.signed.pdf`` beside the input."""
    return pdf.with_name(f"{pdf.stem}.signed.pdf")


# -- the input PDF ------------------------------------------------------------------------


def _check_pdf(pdf: Path) -> None:
    if not pdf.is_file():
        raise FileProblem(str(pdf), "file not found")
    with pdf.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise FileProblem(str(pdf), "not a PDF file")


def _open_writer(pdf: Path, data: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception as exc:  # pyHanko's reader raises assorted errors on damaged files
        raise FileProblem(str(pdf), f"damaged or unreadable PDF ({_describe(exc)})") from None
    if writer.prev.encrypted:
        raise FileProblem(str(pdf), "the PDF is encrypted", "sign the unencrypted binder")
    _align_producer(writer)
    return writer


def _align_producer(writer: IncrementalPdfFileWriter) -> None:
    """pyHanko writes itself as the XMP producer but appends itself to the document information's
    ("binder; pyHanko"); PDF/A wants the two equal, so a file with XMP gets pyHanko's name in both.
    The change is part of the signed revision."""
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is None or "/Metadata" not in writer.root or not isinstance(info_ref, generic.IndirectObject):
        return
    info = info_ref.get_object()
    if str(info.get("/Producer", "")) != VENDOR:  # a second signature changes nothing here
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)


def _existing_fields(pdf: Path, writer: IncrementalPdfFileWriter) -> dict[str, bool]:
    """Signature field name -> already signed."""
    try:
        return {name: value is not None for name, value, _ in fields.enumerate_sig_fields(writer.prev)}
    except Exception as exc:  # a broken AcroForm: pyHanko would trip over it while signing too
        raise FileProblem(str(pdf), f"damaged form fields ({_describe(exc)})") from None


def _free_field_name(wanted: str, existing: dict[str, bool]) -> str:
    """The wanted name, or ``wanted-2``, ``-3``... when the file is signed already."""
    name, n = wanted, 1
    while name in existing:
        n += 1
        name = f"{wanted}-{n}"
    return name


def _check_output(pdf: Path, out: Path) -> None:
    if out.resolve() == pdf.resolve() or (out.exists() and out.samefile(pdf)):
        raise FileProblem(str(out), "the signed copy must not replace the unsigned file", "choose another --out")
    if not out.parent.is_dir():
        raise FileProblem(str(out), f"folder {out.parent} does not exist")


# -- the timestamp server -----------------------------------------------------------------


def _safe_url(url: str) -> str:
    """The URL without any user:password part."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def _timestamper(options: SignOptions) -> HTTPTimeStamper | None:
    if not options.timestamp_url:
        return None
    if urlsplit(options.timestamp_url).scheme not in ("http", "https"):
        raise SigningError(
            f"timestamp server URL must start with http:// or https://: {_safe_url(options.timestamp_url)}"
        )
    return HTTPTimeStamper(options.timestamp_url, timeout=TIMESTAMP_TIMEOUT)


# -- signing ------------------------------------------------------------------------------


def _signature_meta(options: SignOptions, field_name: str) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=options.reason or None,
        location=options.location or None,
        contact_info=options.contact or None,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )


def _describe(exc: BaseException) -> str:
    """The innermost cause's words, for a one-line message."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def sign_pdf(
    pdf: Path,
    key: Path,
    passphrase: bytes | None,
    out: Path,
    options: SignOptions = SignOptions(),
    box: Box | None = None,
) -> Path:
    """Sign ``pdf`` (PAdES B-B, or B-T with ``options.timestamp_url``) into ``out``; returns ``out``.

    The visible stamp goes in ``box`` (default: ``signature_box(pdf)``) on page 1. A file that
    is already signed gets one more signature in a new field (``BinderIssuer-2``, ...), the
    earlier signatures staying valid; since the cover has room for one stamp, that signature
    is invisible unless ``box`` is given. Nothing is written when anything fails; ``out`` is
    written by ``atomic_write``, so its mode follows the umask like every other output's.
    """
    pdf, key, out = Path(pdf), Path(key), Path(out)
    _check_pdf(pdf)
    _check_output(pdf, out)
    return _sign_with(load_signer(key, passphrase), pdf, out, options, box)


def _sign_with(signer: signers.SimpleSigner, pdf: Path, out: Path, options: SignOptions, box: Box | None) -> Path:
    """``sign_pdf`` with the key already opened and the files already checked."""
    writer = _open_writer(pdf, pdf.read_bytes())
    existing = _existing_fields(pdf, writer)
    field_name = _free_field_name(options.field_name, existing)
    # the cover reserves room for one stamp: a later signature is invisible unless told where to go
    place = box or (None if any(existing.values()) else signature_box(pdf))
    params = stamp_params(options.reason, dt.datetime.now(dt.UTC))
    pdf_signer = _pdf_signer(signer, options, field_name, place, params)

    def write(handle) -> None:
        with quiet_logs("fontTools", "pyhanko", "pyhanko_certvalidator"):
            _run_signer(pdf_signer, writer, handle, params, options)

    atomic_write(out, write)
    return out


def _pdf_signer(
    signer: signers.SimpleSigner, options: SignOptions, field_name: str, place: Box | None, params: dict[str, str]
) -> signers.PdfSigner:
    # pyHanko annotates box as ints, but only writes the numbers into the PDF: fractional points work
    spec = fields.SigFieldSpec(field_name, on_page=0, box=place) if place else fields.SigFieldSpec(field_name)  # type: ignore[arg-type]
    shown = STAMP_TEXT + (signer.subject_name or "") + "".join(params.values())
    return signers.PdfSigner(
        _signature_meta(options, field_name),
        signer,
        timestamper=_timestamper(options),
        stamp_style=stamp_style(shown, options.font_cache),
        new_field_spec=spec,
    )


def _run_signer(pdf_signer, writer, handle, params: dict[str, str], options: SignOptions) -> None:
    try:
        pdf_signer.sign_pdf(writer, output=handle, appearance_text_params=params)
    except TimestampRequestError as exc:
        raise SigningError(
            f"timestamp server URL could not be reached: {_safe_url(options.timestamp_url or '')} ({_describe(exc)})"
        ) from None
    except (TimeoutError, PyHankoSigningError, PdfError, ValueError, KeyError) as exc:
        raise SigningError(f"signing failed: {_describe(exc)}") from None


def sign_outputs(signing: Signing, settings: Settings, root: Path, paths: list[str]) -> None:
    """Sign each PDF (relative to ``root``) in place inside the staging folder: its last write."""
    options = signing.options(SignOptions(), settings)
    if not paths:
        return
    # the key file is opened once per build: each opening runs the file's thousands of KDF rounds
    signer = load_signer(Path(signing.key), signing.passphrase)
    for rel in paths:
        pdf = root / rel
        unsigned = pdf.with_name(pdf.name + ".unsigned")
        pdf.rename(unsigned)
        _check_pdf(unsigned)
        _check_output(unsigned, pdf)
        _sign_with(signer, unsigned, pdf, options, None)
        unsigned.unlink()
