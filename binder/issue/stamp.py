"""The binder page stamp: "FIN binder · 17" in the bottom margin of every page of a binder or pack.

The contents, the cover and the changes page give binder page numbers; an SOP's own footer says
"Page 1 of 5". The stamp is what makes the contents' numbers findable on paper, as court bundles
and compiled manuals do. It sits below the SOP's footer, in grey, and is marked as a pagination
artifact so that screen readers and text extraction of the structure skip it. Its font is
Liberation Sans (Helvetica's metrics), cut down to the characters stamped and embedded with a
``/ToUnicode`` map, as PDF/A asks of every font.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import subset, ttLib
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)

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


def stamp_pages(writer: PdfWriter, label: str) -> None:
    """Stamp ``label · N`` on every page N (1-based) of ``writer``."""
    texts = [_encoded(f"{label} \u00b7 {number}") for number in range(1, len(writer.pages) + 1)]
    codes = sorted(set(b"".join(texts)))
    font, widths = _font(writer, bytes(codes))
    for page, text in zip(writer.pages, texts):
        box = page.mediabox
        width = sum(widths[c] for c in text) * SIZE / 1000
        x, y = float(box.right) - RIGHT - width, float(box.bottom) + BOTTOM
        content = (
            b"q /Artifact <</Type /Pagination /Subtype /Footer>> BDC BT 0.35 g "
            + f"{FONT} {SIZE:g} Tf {x:.1f} {y:.1f} Td ".encode()
            + _pdf_text(text)
            + b" Tj ET EMC Q"
        )
        _append(writer, page, content, font)


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


@lru_cache(maxsize=64)
def _cut(codes: bytes) -> _Cut:
    """Cutting the font down takes a tenth of a second; every binder and pack of a build uses the same digits."""
    chars = codes.decode(ENCODING, errors="replace")
    font = ttLib.TTFont(_font_file(), recalcTimestamp=False)  # the same bytes in every build: no "modified now"
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


def _font(writer: PdfWriter, codes: bytes):
    """The stamp font, holding the glyphs of ``codes`` (WinAnsi bytes); with each code's width (1/1000 em)."""
    chars = codes.decode(ENCODING, errors="replace")
    cut = _cut(codes)
    program, widths = cut.program, dict(cut.widths)
    first, last = min(codes), max(codes)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
    name = NameObject(f"/{tag}+{cut.name}")
    raw = DecodedStreamObject()
    raw.set_data(program)
    stream = raw.flate_encode()
    stream[NameObject("/Length1")] = NumberObject(len(program))
    descriptor = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): name,
            NameObject("/Flags"): NumberObject(32),  # non-symbolic: WinAnsi codes map through the Unicode cmap
            NameObject("/FontBBox"): ArrayObject(FloatObject(v) for v in cut.bbox),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(cut.ascent),
            NameObject("/Descent"): NumberObject(cut.descent),
            NameObject("/CapHeight"): NumberObject(cut.cap_height),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): writer._add_object(stream),
        }
    )
    to_unicode = DecodedStreamObject()
    to_unicode.set_data(_to_unicode(codes, chars))
    dictionary = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/TrueType"),
            NameObject("/BaseFont"): name,
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/FirstChar"): NumberObject(first),
            NameObject("/LastChar"): NumberObject(last),
            NameObject("/Widths"): ArrayObject(NumberObject(widths.get(c, 0)) for c in range(first, last + 1)),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/ToUnicode"): writer._add_object(to_unicode.flate_encode()),
        }
    )
    return writer._add_object(dictionary), widths


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


def _append(writer: PdfWriter, page, content: bytes, font) -> None:
    """Add ``content`` after the page's own, in a clean graphics state, with the stamp font in its resources."""
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q")
    after.set_data(b"Q\n" + content)
    existing = page.get("/Contents")
    streams = ArrayObject([writer._add_object(before)])
    if existing is not None:
        existing = existing.get_object()
        streams.extend(existing if isinstance(existing, ArrayObject) else [page.raw_get("/Contents")])
    streams.append(writer._add_object(after))
    page[NameObject("/Contents")] = streams
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    fonts[NameObject(FONT)] = font
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
