"""A small binder PDF made with pypdf (a cover with the signature marker, a contents page, SOP pages,
bookmarks and page labels), for signing and verifying without LibreOffice; and poppler's ``pdfsig``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

MARKER = "Electronic signature of the issuer:"
PAGE = (595, 842)


def _text_page(writer: PdfWriter, lines: list[tuple[float, float, float, str]]):
    """A page drawing each (x, y, size, text) in Helvetica."""
    page = writer.add_blank_page(*PAGE)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    ops = []
    for x, y, size, text in lines:
        text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT /F1 {size} Tf {x} {y} Td ({text}) Tj ET")
    stream = DecodedStreamObject()
    stream.set_data("\n".join(ops).encode("cp1252"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    return page


COVER = [
    (72, 760, 20, "Finance department binder"),
    (72, 730, 11, "Issued 2025-03-01 by the Quality team"),
    (72, 700, 11, MARKER),
    (72, 610, 11, "SOPs in this binder: FIN-001 Payroll processing 2.0"),
    (72, 40, 8, "Controlled copy - printed copies are uncontrolled"),
]


def make_binder(path: Path, *, cover=COVER, pages: int = 6) -> Path:
    """A small binder: a cover, a contents page and SOP pages, with bookmarks and page labels."""
    writer = PdfWriter()
    _text_page(writer, cover)
    _text_page(writer, [(72, 760, 14, "Contents")])
    for n in range(pages - 2):
        _text_page(writer, [(72, 760, 12, f"FIN-001 page {n + 1}"), (72, 400, 11, "Procedure text " * 4)])
    writer.set_page_label(0, 0, prefix="Cover")
    writer.set_page_label(1, 1, style="/r")
    writer.set_page_label(2, pages - 1, style="/D", prefix="FIN-001-", start=1)
    top = writer.add_outline_item(title="FIN", page_number=2)
    writer.add_outline_item(title="FIN-001 Payroll processing", page_number=2, parent=top)
    writer.add_outline_item(title="Procedure", page_number=3, parent=top)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def pdfsig(path: Path, *args: str) -> str:
    result = subprocess.run(["pdfsig", *args, str(path)], capture_output=True, text=True)
    return result.stdout + result.stderr
