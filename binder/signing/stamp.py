"""The visible signature stamp: where it goes on page 1, and how it looks.
Owns the search for the cover's "Electronic signature" marker and ``signature_box``, the
stamp's text and style, and the font behind it: a TrueType font from the system, cut down and
rescaled by fontTools (kept in the caller's cache folder between runs), fed to pyHanko through an
embedded-font factory. It may import pypdf, fontTools and pyHanko, and from binder only
``binder.errors``, ``binder.files``, ``binder.model`` and other ``binder.signing`` modules;
never click, never rich.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import fontTools
from fontTools import subset, ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from binder.errors import SigningError
from binder.files import write_bytes
from binder.signing.logs import quiet_logs

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
FONT_SIZE = 9
BASIC_CHARACTERS = "".join(map(chr, range(0x20, 0x7F))) + "\u2026"

Box = tuple[float, float, float, float]


# -- where the stamp goes -----------------------------------------------------------------


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


# -- the font -----------------------------------------------------------------------------


def _font_file() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise SigningError("no TrueType font for the signature stamp: install fonts-crosextra-carlito or fonts-liberation2")


FONT_CACHE_FORMAT = 1
"""Part of every cache entry's name: a change to how the font is cut makes new entries."""


@functools.lru_cache(maxsize=4)
def _font_at_1000_upem(font_file: str, characters: str, cache: Path | None = None) -> bytes:
    """The font cut down to ``characters`` (plus ASCII) and rescaled to 1000 units per em.

    pyHanko 0.38 writes glyph widths and kerning in the font's own units while PDF wants
    thousandths of an em, so a 2048-unit font such as Carlito comes out letter-spaced.
    Cutting takes ~0.6 s, so with a ``cache`` folder the result is kept there, named after the
    source font's bytes, the characters and the fontTools version; an entry is used only if its
    checksum matches and it is a 1000-unit font.
    """
    source = Path(font_file).read_bytes()
    if cache is None:
        return _cut_and_rescale(source, characters)
    recipe = (FONT_CACHE_FORMAT, fontTools.version, hashlib.sha256(source).hexdigest(), characters)
    entry = cache / f"{hashlib.sha256(repr(recipe).encode()).hexdigest()}.ttf"
    cached = _read_cached_font(entry)
    if cached is not None:
        return cached
    font = _cut_and_rescale(source, characters)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(entry, hashlib.sha256(font).digest() + font)
    except OSError:  # a read-only or full home: sign anyway, cutting again next time
        pass
    return font


def _read_cached_font(entry: Path) -> bytes | None:
    """The cached font, or None when there is none or it is damaged (the checksum or the font disagrees)."""
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    digest, font = data[:32], data[32:]
    if hashlib.sha256(font).digest() != digest:
        return None
    try:
        with _quiet_fonttools():
            ok = ttLib.TTFont(io.BytesIO(font))["head"].unitsPerEm == 1000
    except Exception:  # fontTools raises many kinds for a broken font
        return None
    return font if ok else None


def _cut_and_rescale(source: bytes, characters: str) -> bytes:
    with _quiet_fonttools():
        font = ttLib.TTFont(io.BytesIO(source))
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


def _beyond_basic(characters: str) -> str:
    return "".join(sorted(set(characters) - set(BASIC_CHARACTERS)))


def _quiet_fonttools():
    """fontTools warns about harmless things (e.g. Carlito's odd creation date)."""
    return quiet_logs("fontTools")


@dataclass(frozen=True)
class _EmbeddedFontFactory(GlyphAccumulatorFactory):
    """A glyph accumulator fed the rescaled font instead of the file on disk."""

    characters: str = ""
    """Every character the stamp will show (subsetting first makes the rescaling quick)."""
    cache: Path | None = None
    """Where the rescaled font is kept between runs; None: cut once per process."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            # Keyed on the characters beyond ASCII only (always in the cut): the stamp's time changes
            # every second, and cutting the font again for each new digit would cost half a second.
            font_handle=io.BytesIO(_font_at_1000_upem(self.font_file, _beyond_basic(self.characters), self.cache)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


# -- the stamp ----------------------------------------------------------------------------


def stamp_style(characters: str, font_cache: Path | None = None) -> TextStampStyle:
    """The stamp's look, with a font that can show every one of ``characters``."""
    shown = "".join(sorted(set(characters)))
    font = _EmbeddedFontFactory(_font_file(), font_size=FONT_SIZE, characters=shown, cache=font_cache)
    # pyHanko centres text boxes by default; a signature block reads better from the top left
    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(
            font=font,
            font_size=FONT_SIZE,
            leading=FONT_SIZE + 3,
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


def stamp_params(reason: str, now: dt.datetime) -> dict[str, str]:
    """The stamp's date and (wrapped) reason; pyHanko fills in the signer's name."""
    return {"when": now.strftime("%Y-%m-%d %H:%M:%S UTC"), "reason": _wrap_reason(reason)}
