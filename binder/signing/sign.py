"""Sign a finished PDF (binder, pack or SOP) with a PAdES signature and a visible stamp on page 1.

Signing is always the last write: the signature is added as an incremental update to a
copy, written to a temporary file beside the output and moved into place only when
complete. The unsigned input is never changed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import getpass
import io
import logging
import os
import re
import sys
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives.serialization import pkcs12
from fontTools import subset, ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from binder.errors import FileProblem, SigningError
from binder.files import atomic_write

PASSPHRASE_ENV = "BINDER_KEY_PASSPHRASE"
MARKERS = ("electronic signature", "signature électronique")
"""How the cover announces the space reserved for the signature stamp (English, French)."""

BOX_WIDTH, BOX_HEIGHT = 260.0, 70.0
GAP = 4.0
"""Points between the marker line's baseline and the top of the stamp."""
FOOTER_CLEARANCE = 72.0
"""The SOP/cover footer occupies roughly the bottom inch; the fallback stamp sits above it."""
SIDE_MARGIN = 50.0
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
STAMP_TEXT = "Signed by: %(signer)s\nDate: %(when)s\nReason: %(reason)s"
REASON_WIDTH = 48
"""Characters per stamp line: the text box does not wrap, and 9 pt Carlito fits ~50 in 260 pt."""
TIMESTAMP_TIMEOUT = 10
FONT_SIZE = 9
BASIC_CHARACTERS = "".join(map(chr, range(0x20, 0x7F))) + "\u2026"


@dataclass(frozen=True)
class SignOptions:
    """What the signature says about itself, and where to get a trusted timestamp (optional)."""

    reason: str = "Issued as controlled copy"
    location: str = ""
    contact: str = ""
    timestamp_url: str | None = None
    field_name: str = "BinderIssuer"


def default_output(pdf: Path) -> Path:
    """``<name>.signed.pdf`` beside the input."""
    return pdf.with_name(f"{pdf.stem}.signed.pdf")


def read_passphrase(prompt: bool) -> bytes | None:
    """The key passphrase: ``$BINDER_KEY_PASSPHRASE``, else a hidden prompt on a terminal, else none.

    An empty answer means the key file has no passphrase.
    """
    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV].encode("utf-8") or None
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass("Passphrase for the signing key: ").encode("utf-8") or None
    return None


# -- the key ------------------------------------------------------------------------------


def _read_pkcs12(key: Path) -> bytes:
    if not key.is_file():
        raise FileProblem(str(key), "key file not found", "give a PKCS#12 file (.p12 or .pfx)")
    try:
        data = key.read_bytes()
    except OSError as exc:
        raise FileProblem(str(key), f"cannot read the key file: {exc.strerror}") from None
    if not _looks_like_pkcs12(data):
        raise FileProblem(str(key), "not a PKCS#12 key file", "give a .p12 or .pfx file holding the key and certificate")
    return data


def _looks_like_pkcs12(data: bytes) -> bool:
    """True when the bytes parse as a PKCS#12 PFX structure (before any decryption)."""
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native is not None
    except Exception:  # asn1crypto raises many kinds for garbage input
        return False


def _check_validity(cert: pyca_x509.Certificate, key: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    who = _common_name(cert)
    if cert.not_valid_after_utc < now:
        raise SigningError(f"{key}: the certificate of {who} expired on {_day(cert.not_valid_after_utc)}")
    if cert.not_valid_before_utc > now:
        raise SigningError(f"{key}: the certificate of {who} is not valid until {_day(cert.not_valid_before_utc)}")


def _check_key_usage(cert: pyca_x509.Certificate, key: Path) -> None:
    """pyHanko's validators (and so ``binder verify``) want nonRepudiation on a document signer."""
    try:
        usage = cert.extensions.get_extension_for_class(pyca_x509.KeyUsage).value
        allowed = usage.content_commitment
    except pyca_x509.ExtensionNotFound:
        allowed = False
    if not allowed:
        raise SigningError(
            f"{key}: the certificate of {_common_name(cert)} is not for signing documents"
            " (its key usage lacks nonRepudiation, also called contentCommitment)"
        )


def _common_name(cert: pyca_x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(pyca_x509.oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _day(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _open_pkcs12(key: Path, data: bytes, passphrase: bytes | None):
    """(the passphrase that opened it, private key, certificate)."""
    # an unprotected file opens only without a passphrase, whatever the environment holds
    for attempt in (passphrase, None) if passphrase else (None,):
        try:
            private_key, cert, _ = pkcs12.load_key_and_certificates(data, attempt)
            return attempt, private_key, cert
        except ValueError:
            continue
    raise SigningError(f"wrong passphrase for {key} (set {PASSPHRASE_ENV} or type it at the prompt)")


def load_signer(key: Path, passphrase: bytes | None) -> signers.SimpleSigner:
    """A pyHanko signer from a PKCS#12 file, after checking the certificate is usable today.

    Raises ``FileProblem`` for a missing or non-PKCS#12 file and ``SigningError`` for a wrong
    passphrase, a file without a certificate, a certificate outside its validity period or
    one without the nonRepudiation key usage.
    The passphrase never appears in a message.
    """
    key = Path(key)
    data = _read_pkcs12(key)
    passphrase, private_key, cert = _open_pkcs12(key, data, passphrase)
    if cert is None:
        raise SigningError(f"{key}: the PKCS#12 file holds no certificate; it needs the signer's certificate with the key")
    if private_key is None:
        raise SigningError(f"{key}: the PKCS#12 file holds no private key")
    _check_validity(cert, key)
    _check_key_usage(cert, key)
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"{key}: cannot use this key for signing ({type(exc).__name__})") from None


# -- where the stamp goes -----------------------------------------------------------------


Box = tuple[float, float, float, float]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _text_fragments(page) -> list[tuple[str, float, float]]:
    """(text, x, y) of every piece of text on the page, in user space."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, _size):
        if not text.strip():
            return
        # the text matrix is applied first, then the current transformation matrix
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        found.append((text, x, y))

    page.extract_text(visitor_text=visit)
    return found


def _marker_position(page) -> tuple[float, float] | None:
    """Start (x, baseline y) of the line beginning with a signature marker, if any."""
    lines: dict[int, list[tuple[float, str]]] = {}
    for text, x, y in _text_fragments(page):
        lines.setdefault(round(y), []).append((x, text))
    for y in sorted(lines, reverse=True):
        pieces = sorted(lines[y])
        joined = _normalise("".join(text for _, text in pieces))
        if joined.startswith(MARKERS):
            return pieces[0][0], float(y)
        # a marker may also start a fragment that pypdf joined with earlier text
        for x, text in pieces:
            if _normalise(text).startswith(MARKERS):
                return x, float(y)
    return None


def _fit(box: Box, page_box: Box) -> Box:
    """Move the box inside the page, keeping its size."""
    left, bottom, right, top = page_box
    x1, y1, x2, y2 = box
    dx = max(left - x1, 0) - max(x2 - right, 0)
    dy = max(bottom - y1, 0) - max(y2 - top, 0)
    return (x1 + dx, y1 + dy, x2 + dx, y2 + dy)


def signature_box(pdf: Path) -> Box:
    """Where the visible stamp goes on page 1, as PDF (x1, y1, x2, y2).

    Just below the line starting "Electronic signature" / "Signature électronique" when the
    cover has one; otherwise at the bottom right of the page, above the footer.
    """
    try:
        page = PdfReader(pdf).pages[0]
        media = page.mediabox
        page_box = (float(media.left), float(media.bottom), float(media.right), float(media.top))
        found = _marker_position(page)
    except (PyPdfError, OSError, ValueError, KeyError, IndexError):
        found, page_box = None, (0.0, 0.0, 595.0, 842.0)
    left, bottom, right, _top = page_box
    if found is None:
        x2, y1 = right - SIDE_MARGIN, bottom + FOOTER_CLEARANCE
        return (x2 - BOX_WIDTH, y1, x2, y1 + BOX_HEIGHT)
    x, baseline = found
    top = baseline - GAP
    return _fit((x, top - BOX_HEIGHT, x + BOX_WIDTH, top), page_box)


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
    return writer


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


# -- the stamp ----------------------------------------------------------------------------


def _font_file() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise SigningError(
        "no TrueType font for the signature stamp: install fonts-crosextra-carlito or fonts-liberation2"
    )


@functools.lru_cache(maxsize=4)
def _font_at_1000_upem(font_file: str, characters: str) -> bytes:
    """The font cut down to ``characters`` (plus ASCII) and rescaled to 1000 units per em.

    pyHanko 0.38 writes glyph widths and kerning in the font's own units while PDF wants
    thousandths of an em, so a 2048-unit font such as Carlito comes out letter-spaced.
    """
    with _quiet_fonttools():
        font = ttLib.TTFont(font_file)
        options = subset.Options()  # default features (kerning, ligatures) and names (incl. PostScript name)
        options.hinting = False  # hints are in the old units and are not rescaled
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted({ord(c) for c in BASIC_CHARACTERS + characters}))
        subsetter.subset(font)
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        buffer = io.BytesIO()
        font.save(buffer)
    return buffer.getvalue()


@contextmanager
def quiet_logs(*names: str):
    """Silence libraries' log records (with tracebacks) for failures we report in our own words.

    Left alone when a logger was explicitly set to DEBUG, so they can still be seen.
    """
    saved = []
    for name in names:
        log = logging.getLogger(name)
        if log.getEffectiveLevel() > logging.DEBUG:
            saved.append((log, log.level))
            log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in saved:
            log.setLevel(level)


def _quiet_fonttools():
    """fontTools warns about harmless things (e.g. Carlito's odd creation date)."""
    return quiet_logs("fontTools")


@dataclass(frozen=True)
class _EmbeddedFontFactory(GlyphAccumulatorFactory):
    """A glyph accumulator fed the rescaled font instead of the file on disk."""

    characters: str = ""
    """Every character the stamp will show (subsetting first makes the rescaling quick)."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_at_1000_upem(self.font_file, self.characters)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def _stamp_style(characters: str) -> TextStampStyle:
    font = _EmbeddedFontFactory(_font_file(), font_size=FONT_SIZE, characters="".join(sorted(set(characters))))
    # pyHanko centres text boxes by default; a signature block reads better from the top left
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=font, font_size=FONT_SIZE, leading=FONT_SIZE + 3,
            box_layout_rule=SimpleBoxLayoutRule(
                x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MAX, margins=Margins.uniform(0)
            ),
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MAX, margins=Margins.uniform(7)
        ),
        border_width=2,  # half of it is clipped by the widget box
        background=None,
    )


def _wrap_reason(reason: str) -> str:
    """At most two stamp lines; the full reason is always in the signature itself."""
    lines = textwrap.wrap(reason or "-", REASON_WIDTH) or ["-"]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), REASON_WIDTH - 1, placeholder=" \u2026")]
    return "\n    ".join(lines)


def _stamp_params(options: SignOptions, now: dt.datetime) -> dict[str, str]:
    return {"when": now.strftime("%Y-%m-%d %H:%M:%S UTC"), "reason": _wrap_reason(options.reason)}


# -- signing ------------------------------------------------------------------------------


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
        raise SigningError(f"timestamp server URL must start with http:// or https://: {_safe_url(options.timestamp_url)}")
    return HTTPTimeStamper(options.timestamp_url, timeout=TIMESTAMP_TIMEOUT)


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


def _check_output(pdf: Path, out: Path) -> None:
    if out.resolve() == pdf.resolve() or (out.exists() and out.samefile(pdf)):
        raise FileProblem(str(out), "the signed copy must not replace the unsigned file", "choose another --out")
    if not out.parent.is_dir():
        raise FileProblem(str(out), f"folder {out.parent} does not exist")


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
    is invisible unless ``box`` is given. Nothing is written when anything fails.
    """
    pdf, key, out = Path(pdf), Path(key), Path(out)
    _check_pdf(pdf)
    _check_output(pdf, out)
    signer = load_signer(key, passphrase)
    writer = _open_writer(pdf, pdf.read_bytes())
    existing = _existing_fields(pdf, writer)
    field_name = _free_field_name(options.field_name, existing)
    # the cover reserves room for one stamp: a later signature is invisible unless told where to go
    place = box or (None if any(existing.values()) else signature_box(pdf))
    params = _stamp_params(options, dt.datetime.now(dt.timezone.utc))
    pdf_signer = _pdf_signer(signer, options, field_name, place, params)

    def write(handle) -> None:
        with quiet_logs("fontTools", "pyhanko", "pyhanko_certvalidator"):
            _run_signer(pdf_signer, writer, handle, params, options)

    atomic_write(out, write)
    return out


def _pdf_signer(
    signer: signers.SimpleSigner, options: SignOptions, field_name: str, place: Box | None, params: dict[str, str]
) -> signers.PdfSigner:
    spec = fields.SigFieldSpec(field_name, on_page=0, box=place) if place else fields.SigFieldSpec(field_name)
    shown = STAMP_TEXT + (signer.subject_name or "") + "".join(params.values())
    return signers.PdfSigner(
        _signature_meta(options, field_name),
        signer,
        timestamper=_timestamper(options),
        stamp_style=_stamp_style(shown),
        new_field_spec=spec,
    )


def _run_signer(pdf_signer, writer, handle, params: dict[str, str], options: SignOptions) -> None:
    try:
        pdf_signer.sign_pdf(writer, output=handle, appearance_text_params=params)
    except TimestampRequestError as exc:
        raise SigningError(
            f"timestamp server URL could not be reached: {_safe_url(options.timestamp_url or '')} ({_describe(exc)})"
        ) from None
    except (PyHankoSigningError, PdfError, ValueError, KeyError, asyncio.TimeoutError) as exc:
        raise SigningError(f"signing failed: {_describe(exc)}") from None
