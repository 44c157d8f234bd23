"""The binder page stamp: "FIN binder · 17" in the bottom margin of every page of a binder or pack.

The contents, the cover and the changes page give binder page numbers; an SOP's own footer says
"Page 1 of 5". The stamp is what makes the contents' numbers findable on paper, as court bundles
and compiled manuals do. It sits below the SOP's footer, in grey, and is marked as a pagination
artifact so that screen readers and text extraction of the structure skip it. Its font is
Liberation Sans (Helvetica's metrics), cut down to printable ASCII and the characters stamped, and
embedded with a ``/ToUnicode`` map, as PDF/A asks of every font.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

FONT = "/BinderStamp"
SIZE = 8.0
BOTTOM = 14.0
"""Points from the bottom edge to the baseline: below the SOP footer, inside every printer's margin."""
RIGHT = 36.0
FONT_FILES = (
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
ENCODING = "cp1252"
"""The font is a simple TrueType font in WinAnsiEncoding: characters outside it print as "?"."""


def stamp_label(kind: str, name: str) -> str:
    """``FIN binder`` for a binder, the pack's name for a training pack."""
    return f"{name} binder" if kind == "binder" else name


def _encoded(text: str) -> bytes:
    return text.encode(ENCODING, errors="replace")


def _pdf_text(raw: bytes) -> bytes:
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def stamp_pages(pdf: Pdf, label: str) -> None:
    """Stamp ``label · N`` on every page N (1-based) of ``pdf``."""
    texts = _texts(label, len(pdf.pages))
    font, widths = _font(pdf, _codes(texts))
    for page, text in zip(pdf.pages, texts):
        box = page.mediabox
        width = sum(widths[c] for c in text) * SIZE / 1000
        x, y = float(box[2]) - RIGHT - width, float(box[1]) + BOTTOM
        content = (
            b"q /Artifact <</Type /Pagination /Subtype /Footer>> BDC BT 0.35 g "
            + f"{FONT} {SIZE:g} Tf {x:.1f} {y:.1f} Td ".encode()
            + _pdf_text(text)
            + b" Tj ET EMC Q"
        )
        _append(pdf, page.obj, content, font)


def prepare(label: str, pages: int) -> None:
    """Cut the font for stamping ``label`` on ``pages`` pages (an issue begun ahead does this while its last SOPs
    convert)."""
    _cut(_codes(_texts(label, pages)))


def warm() -> None:
    """Cut the font every label of printable ASCII characters uses: the build host does, once, for its builds."""
    _cut(_codes([]))


_ALWAYS = frozenset(range(0x20, 0x7F)) | {0xB7}
"""Printable ASCII and the middle dot, in every cut: every label written with them (most are) uses the same cut,
which a build host makes once for all its builds, not once in each; a few kilobytes more in each file."""


def _texts(label: str, pages: int) -> list[bytes]:
    return [_encoded(f"{label} \u00b7 {number}") for number in range(1, pages + 1)]


def _codes(texts: list[bytes]) -> bytes:
    return bytes(sorted(_ALWAYS.union(b"".join(texts))))


@cache
def _font_file() -> Path:
    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("no font for the binder page stamp: install fonts-liberation2 (Liberation Sans)")


@dataclass(frozen=True)
class _Cut:
    """The stamp font cut down to some characters, and what the PDF says of it (1/1000 em)."""

    program: bytes
    widths: tuple[tuple[int, int], ...]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    name: str


def _cut(codes: bytes) -> _Cut:
    path = _font_file()
    info = path.stat()
    return _cut_file(codes, path, info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=64)
def _cut_file(codes: bytes, path: Path, size: int, mtime_ns: int) -> _Cut:
    """Cutting the font down takes a tenth of a second: a cut is kept for its characters and the font file as it
    is (a font package upgraded under a build host is cut again)."""
    # Imported here: a build that assembles in worker processes (forked with fontTools imported, see
    # binder.build.WORKER_MODULES) never cuts in its own process, which would pay 0.1-0.2 s for nothing.
    from fontTools import subset, ttLib

    chars = codes.decode(ENCODING, errors="replace")
    font = ttLib.TTFont(path, recalcTimestamp=False)  # the same bytes in every build: no "modified now"
    # FontForge's timestamps (fontTools would warn it cannot cut them down); shaping and kerning tables a stamp
    # never uses, dropped before they are read: cutting them down took nine tenths of the time
    for tag in ("FFTM", "GSUB", "GPOS", "GDEF", "kern"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in chars})
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    return _Cut(
        data.getvalue(),
        tuple(
            (code, round(font["hmtx"][cmap[ord(char)]][0] * scale) if ord(char) in cmap else 0)
            for code, char in zip(codes, chars)
        ),
        tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        round(hhea.ascent * scale),
        round(hhea.descent * scale),
        round(getattr(os2, "sCapHeight", hhea.ascent) * scale),
        font["name"].getDebugName(6) or "LiberationSans",
    )


def _font(pdf: Pdf, codes: bytes) -> tuple[pikepdf.Object, dict[int, int]]:
    """The stamp font, holding the glyphs of ``codes`` (WinAnsi bytes); with each code's width (1/1000 em)."""
    chars = codes.decode(ENCODING, errors="replace")
    cut = _cut(codes)
    program, widths = cut.program, dict(cut.widths)
    first, last = min(codes), max(codes)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
    name = Name(f"/{tag}+{cut.name}")
    # streams written without a filter are compressed (flate) when saved
    stream = pikepdf.Stream(pdf, program)
    stream.Length1 = len(program)
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=name,
        Flags=32,  # non-symbolic: WinAnsi codes map through the Unicode cmap
        FontBBox=Array([float(v) for v in cut.bbox]),
        ItalicAngle=0,
        Ascent=cut.ascent,
        Descent=cut.descent,
        CapHeight=cut.cap_height,
        StemV=80,
        FontFile2=stream,
    )
    dictionary = Dictionary(
        Type=Name.Font,
        Subtype=Name.TrueType,
        BaseFont=name,
        Encoding=Name.WinAnsiEncoding,
        FirstChar=first,
        LastChar=last,
        Widths=Array([widths.get(c, 0) for c in range(first, last + 1)]),
        FontDescriptor=pdf.make_indirect(descriptor),
        ToUnicode=pikepdf.Stream(pdf, _to_unicode(codes, chars)),
    )
    return pdf.make_indirect(dictionary), widths


def _to_unicode(codes: bytes, chars: str) -> bytes:
    """A ``/ToUnicode`` CMap: each code to its character (at most 100 per ``bfchar`` block, as CMaps allow)."""
    pairs = [f"<{code:02X}> <{ord(char):04X}>" for code, char in zip(codes, chars)]
    blocks = "".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
        for chunk in (pairs[i : i + 100] for i in range(0, len(pairs), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{blocks}endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode("ascii")


def _append(pdf: Pdf, page: pikepdf.Dictionary, content: bytes, font: pikepdf.Object) -> None:
    """Add ``content`` after the page's own, in a clean graphics state, with the stamp font in its resources."""
    existing = page.get("/Contents")
    streams: list[pikepdf.Object] = [pikepdf.Stream(pdf, b"q")]
    if existing is not None:
        streams.extend(existing if isinstance(existing, Array) else [existing])
    streams.append(pikepdf.Stream(pdf, b"Q\n" + content))
    page.Contents = Array(streams)
    if "/Resources" not in page:
        page.Resources = Dictionary()
    if "/Font" not in page.Resources:
        page.Resources.Font = Dictionary()
    page.Resources.Font[FONT] = font
