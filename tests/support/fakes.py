"""Test doubles for the slow parts of a build.

``FakeConverter`` stands in for LibreOffice: it reads each .docx with python-docx and writes a real,
small PDF with pypdf (text in Helvetica, one page per ``PARAGRAPHS_PER_PAGE`` paragraphs, a bookmark
for every "Heading 1" paragraph, and a /Link annotation for every link to another SOP), so the
stages after conversion (standalone copies, front matter, assembly, manifest) run on real files.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import secrets
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.styles.styles import Styles
from lxml import etree
from pypdf import PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from binder.convert.base import ConverterBase, Job, Result
from binder.document.links import LINK_PREFIX
from binder.errors import ConversionError

PARAGRAPHS_PER_PAGE = 25
WIDTH, HEIGHT = 595.28, 841.89  # A4 in points
TOP, LEADING, LEFT, FONT_SIZE = 800, 28, 56, 10

# Codes WinAnsiEncoding leaves unused: characters outside cp1252 ("→") are given one of these per
# page through the font's /Differences, so ``extract_text`` still returns them.
_SPARE_CODES = [*range(1, 32), 0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D]
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


_READ: dict[bytes, list[tuple[str, str, list[str]]]] = {}
"""Paragraphs read before, by the digest of the parts they were read from: tests build the same SOPs and front
matter again and again, and parsing was two thirds of a fake conversion."""


_PDFS: dict[bytes, bytes] = {}
"""The PDF made of the paragraphs read before, by the same digest: ``write_pdf`` makes the same bytes of the same
paragraphs, and making them was most of what was left of a fake conversion."""


def docx_paragraphs(docx: Path) -> list[tuple[str, str, list[str]]]:
    """(style name, text, link targets) of every paragraph of the body, table cells included, in order."""
    return _read(docx)[1]


def _read(docx: Path) -> tuple[bytes, list[tuple[str, str, list[str]]]]:
    """The digest of the parts the paragraphs are read from, and the paragraphs."""
    # Only the three parts read here are parsed (opening the whole package with python-docx took
    # three times as long), into python-docx's own element classes: the text is python-docx's.
    with zipfile.ZipFile(docx) as archive:
        main = _main_part(archive)
        rels_part = posixpath.join(posixpath.dirname(main), "_rels", posixpath.basename(main) + ".rels")
        parts = (
            archive.read(main),
            archive.read(posixpath.join(posixpath.dirname(main), "styles.xml")),
            archive.read(rels_part) if rels_part in archive.namelist() else b"",
        )
    key = hashlib.sha256(b"\0".join(hashlib.sha256(part).digest() for part in parts)).digest()
    if key not in _READ:
        _READ[key] = _paragraphs(*parts)
    return key, [(style, text, list(links)) for style, text, links in _READ[key]]


def _paragraphs(main: bytes, styles_xml: bytes, rels_xml: bytes) -> list[tuple[str, str, list[str]]]:
    body = parse_xml(main).find(qn("w:body"))
    styles = Styles(parse_xml(styles_xml))
    rels = etree.fromstring(rels_xml) if rels_xml else None
    external = {
        rel.get("Id"): rel.get("Target")
        for rel in (rels.iter(_RELATIONSHIP) if rels is not None else ())
        if rel.get("TargetMode") == "External"
    }
    names = {style.style_id: style.name or "" for style in styles}
    default = next((s.name or "" for s in styles if s.type == 1 and s.element.default), "")
    found = []
    for element in body.iter(qn("w:p")):
        style = names.get(element.style, "") if element.style else default
        links = [external[rid] for link in element.iter(qn("w:hyperlink")) if (rid := link.get(qn("r:id"))) in external]
        found.append((style or "", element.text, links))
    return found


def _main_part(archive: zipfile.ZipFile) -> str:
    """The document part's name, as the package's own relationships give it."""
    for rel in etree.fromstring(archive.read("_rels/.rels")).iter(_RELATIONSHIP):
        if rel.get("Type") == RT.OFFICE_DOCUMENT:
            return rel.get("Target").lstrip("/")
    raise ValueError(f"{archive.filename}: no main document part")


def _pdf_string(text: str, codes: dict[str, int]) -> bytes:
    """``text`` as a PDF literal string in the page font's encoding."""
    out = bytearray(b"(")
    for char in text.replace("\t", " ").replace("\n", " "):
        try:
            raw = char.encode("cp1252")
        except UnicodeEncodeError:
            if char not in codes and len(codes) < len(_SPARE_CODES):
                codes[char] = _SPARE_CODES[len(codes)]
            raw = bytes([codes[char]]) if char in codes else b"?"
        for byte in raw:
            if byte in b"()\\":
                out += b"\\" + bytes([byte])
            elif 32 <= byte < 127:
                out.append(byte)
            else:
                out += b"\\%03o" % byte
    return bytes(out + b")")


def _glyph_name(char: str) -> str:
    point = ord(char)
    return f"/uni{point:04X}" if point <= 0xFFFF else f"/u{point:X}"


def write_pdf(paragraphs: list[tuple[str, str, list[str]]], pdf: Path) -> int:
    """A real PDF of ``paragraphs`` at ``pdf`` (atomically); returns its page count."""
    writer = PdfWriter()
    chunks = [paragraphs[i : i + PARAGRAPHS_PER_PAGE] for i in range(0, len(paragraphs), PARAGRAPHS_PER_PAGE)] or [[]]
    for number, chunk in enumerate(chunks):
        page = writer.add_blank_page(WIDTH, HEIGHT)
        codes: dict[str, int] = {}
        lines = [b"BT", b"/F1 %d Tf" % FONT_SIZE, b"%d %d Td" % (LEFT, TOP)]
        for index, (_, text, _) in enumerate(chunk):
            if index:
                lines.append(b"0 %d Td" % -LEADING)
            lines.append(_pdf_string(text, codes) + b" Tj")
        lines.append(b"ET")
        encoding: object = NameObject("/WinAnsiEncoding")
        if codes:
            differences = ArrayObject()
            for char, code in sorted(codes.items(), key=lambda item: item[1]):
                differences += [NumberObject(code), NameObject(_glyph_name(char))]
            encoding = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Encoding"),
                    NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
                    NameObject("/Differences"): differences,
                }
            )
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): encoding,
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
        )
        content = DecodedStreamObject()
        content.set_data(b"\n".join(lines))
        page.replace_contents(content)
        for index, (style, text, links) in enumerate(chunk):
            y = TOP - index * LEADING
            if style.startswith("Heading 1") and text.strip():
                writer.add_outline_item(title=text.strip(), page_number=number)
            for url in links:
                if url.startswith(LINK_PREFIX):
                    writer.add_annotation(number, Link(rect=(LEFT, y - 3, LEFT + 300, y + FONT_SIZE), url=url))
    buffer = io.BytesIO()
    writer.write(buffer)
    _write_atomically(pdf, buffer.getvalue())
    return len(chunks)


def _write_atomically(pdf: Path, data: bytes) -> None:
    tmp = pdf.with_name(f".{pdf.name}.{secrets.token_hex(4)}.fake")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, pdf)
    finally:
        tmp.unlink(missing_ok=True)


class FakeConverter(ConverterBase):
    """Converts like LibreOffice would, as far as binder's later stages can tell, in milliseconds."""

    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.fail_on = set(fail_on or ())
        self.converted: list[str] = []
        """Keys converted, in order (SOP IDs, and names of front and back matter)."""
        self.batches: list[list[str]] = []
        """The keys of each ``convert`` call."""
        self.warm_ups = 0
        self.closed = False
        self._conversions = 0

    def warm_up(self) -> None:
        self.warm_ups += 1

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        results = []
        self.batches.append([job.key for job in jobs])
        for job in jobs:
            if job.key in self.fail_on:
                raise ConversionError(job.key, "fake failure")
            started = time.monotonic()
            job.pdf.parent.mkdir(parents=True, exist_ok=True)
            key, paragraphs = _read(job.docx)
            if key in _PDFS:
                _write_atomically(job.pdf, _PDFS[key])
            else:
                write_pdf(paragraphs, job.pdf)
                _PDFS[key] = job.pdf.read_bytes()
            self._conversions += 1
            self.converted.append(job.key)
            result = Result(job.key, job.pdf, time.monotonic() - started, 0)
            results.append(result)
            if progress is not None:
                progress(result)
        return results

    def close(self) -> None:
        self.closed = True


def patch_converter(monkeypatch, **options) -> list[FakeConverter]:
    """Make every build use a new ``FakeConverter(**options)``; returns the converters made, in order."""
    import binder.build

    made: list[FakeConverter] = []

    def make_converter(build_options, warn):
        converter = FakeConverter(**options)
        made.append(converter)
        return converter

    monkeypatch.setattr(binder.build, "make_converter", make_converter)
    return made
