"""The binder page stamp: "FIN binder · 17" in the bottom margin of every page of a binder or pack.

The contents, the cover and the changes page give binder page numbers; an SOP's own footer says
"Page 1 of 5". The stamp is what makes the contents' numbers findable on paper, as court bundles
and compiled manuals do. It sits below the SOP's footer, in grey, and is marked as a pagination
artifact so that screen readers and text extraction of the structure skip it.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

FONT = "/BinderStamp"
SIZE = 8.0
BOTTOM = 14.0
"""Points from the bottom edge to the baseline: below the SOP footer, inside every printer's margin."""
RIGHT = 36.0
CHAR_WIDTH = 0.5
"""Helvetica's average advance, in ems, for right-aligning without font metrics."""


def stamp_label(kind: str, name: str) -> str:
    """``FIN binder`` for a binder, the pack's name for a training pack."""
    return f"{name} binder" if kind == "binder" else name


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def stamp_pages(writer: PdfWriter, label: str) -> None:
    """Stamp ``label · N`` on every page N (1-based) of ``writer``."""
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for number, page in enumerate(writer.pages, 1):
        text = f"{label} \u00b7 {number}"
        box = page.mediabox
        width = len(text) * SIZE * CHAR_WIDTH
        x, y = float(box.right) - RIGHT - width, float(box.bottom) + BOTTOM
        content = (
            b"q /Artifact <</Type /Pagination /Subtype /Footer>> BDC BT 0.35 g "
            + f"{FONT} {SIZE:g} Tf {x:.1f} {y:.1f} Td ".encode()
            + _pdf_text(text)
            + b" Tj ET EMC Q"
        )
        _append(writer, page, content, font)


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
