"""Assemble PDFs with pypdf: front matter, then SOPs exactly as issued (plus the binder page
stamp), with bookmarks, page labels, metadata, and link markers turned into jumps inside the binder;
then, with pikepdf, ``tagging`` merges the parts' structure trees into it (pypdf drops them), the
document is described (``/Lang``, ``/MarkInfo``, ``/DisplayDocTitle``, XMP metadata with the PDF/UA
identification when tagged; with ``Document.pdfa``, ``archive`` keeps it PDF/A-2) and written atomically.

Links to other SOPs are written into Word documents as ``https://binder.invalid/sop/<ID>``
(``.invalid`` is reserved and never resolves). Here they become GoTo actions to the
page where that SOP starts, or are removed when the SOP is not in this PDF.
"""

from __future__ import annotations

import gc
import io
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle

from binder.document.labels import language_tag
from binder.document.links import resolve_links
from binder.files import atomic_write
from binder.issue.archive import archival, declare_pdfua
from binder.issue.stamp import stamp_pages
from binder.issue.tagging import Source, merge_structure

PRODUCER = "binder (pypdf, pikepdf)"
BIG = 40
"""SOPs from which pypdf's copy of a binder is worth a full garbage collection (~0.1 s in a big process)."""


@dataclass(frozen=True)
class Part:
    """One SOP inside a binder or pack."""

    key: str
    """SOP ID: page label prefix and link target."""
    title: str
    """Bookmark title, e.g. ``FIN-001 Payroll processing``."""
    pdf: Path


@dataclass(frozen=True)
class FrontItem:
    """A bookmark into the front matter, e.g. Contents."""

    title: str
    page: int | None
    """0-based page within the front matter; None: a bookmark that goes nowhere."""


@dataclass(frozen=True)
class Document:
    """What to assemble into one PDF."""

    title: str
    author: str
    subject: str
    top_bookmark: str
    """The outline's root item, e.g. the department's name."""
    front: Path
    front_items: tuple[FrontItem, ...]
    parts: tuple[Part, ...]
    back: Path | None = None
    back_title: str = ""
    stamp: str = ""
    """Stamped with its page number on every page ("FIN binder · 17"); nothing when empty."""
    lang: str = "en"
    """The workbook's language (``en``, ``fr``) or a BCP 47 tag: the document's ``/Lang``."""
    pdfa: bool = False
    """PDF/A-2 (its parts are, as LibreOffice exported them): ``archive.py`` says what is kept."""


@dataclass(frozen=True)
class Assembled:
    path: Path
    pages: int
    starts: tuple[tuple[str, int], ...]
    """(SOP ID, 1-based binder page where it starts)."""


def page_count(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def start_pages(front_pages: int, part_pages: list[int]) -> list[int]:
    """1-based page where each part starts, after ``front_pages`` of front matter."""
    starts, page = [], front_pages + 1
    for count in part_pages:
        starts.append(page)
        page += count
    return starts


def assemble(doc: Document, out: Path) -> Assembled:
    """Write ``doc`` to ``out`` (atomically) and return where each SOP starts.

    Parses PDFs throughout: the caller holds ``binder.interrupts.shielded()``."""
    assembled, pages, starts, sources = _assemble(doc)
    if len(doc.parts) >= BIG:
        # pypdf's objects point at each other: freed now, not next to pikepdf's copy of the same binder
        gc.collect()
    _write_tagged(assembled, sources, doc, out)
    return Assembled(out, pages, starts)


def _assemble(doc: Document) -> tuple[io.BytesIO, int, tuple[tuple[str, int], ...], list[Source]]:
    """``doc`` put together by pypdf: (the file, its pages, where each SOP starts, what it was made of)."""
    writer = PdfWriter()
    front = PdfReader(doc.front)
    writer.append(front, import_outline=False)
    front_pages = len(writer.pages)
    sources = [Source(doc.front, 0)]
    root = writer.add_outline_item(title=doc.top_bookmark, page_number=0)
    for item in doc.front_items:
        writer.add_outline_item(title=item.title, page_number=item.page, parent=root)
    writer.set_page_label(0, front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    starts: list[tuple[str, int]] = []
    for part in doc.parts:
        reader = PdfReader(part.pdf)
        first = len(writer.pages)
        writer.append(reader, import_outline=False)
        sources.append(Source(part.pdf, first, part.title))
        starts.append((part.key, first + 1))
        parent = writer.add_outline_item(title=part.title, page_number=first, parent=root)
        _copy_outline(writer, reader, reader.outline, first, parent)
        writer.set_page_label(
            first, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, prefix=f"{part.key}-", start=1
        )
    if doc.back is not None:
        first = len(writer.pages)
        writer.append(PdfReader(doc.back), import_outline=False)
        sources.append(Source(doc.back, first, doc.back_title))
        writer.add_outline_item(title=doc.back_title, page_number=first, parent=root)
        writer.set_page_label(first, len(writer.pages) - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=front_pages + 1)
    resolve_links(writer, dict(starts))
    if doc.stamp:
        stamp_pages(writer, doc.stamp)
    writer.add_metadata({"/Title": doc.title, "/Author": doc.author, "/Subject": doc.subject, "/Creator": "binder"})
    writer.page_mode = "/UseOutlines"
    assembled = io.BytesIO()
    writer.write(assembled)
    return assembled, len(writer.pages), tuple(starts), sources


def _write_tagged(assembled: io.BytesIO, sources: list[Source], doc: Document, out: Path) -> None:
    """``assembled`` with the parts' structure and the document's description, written to ``out``."""
    lang = _language(doc.lang)
    with ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.open(assembled))
        # Objects copied from the parts read their data from them when saved: they stay open until then.
        parts = [(source, stack.enter_context(pikepdf.open(source.pdf))) for source in sources]
        tagged = merge_structure(pdf, parts, lang)
        conformance = archival(pdf, [p for _, p in parts]) if doc.pdfa else ""
        _describe(pdf, doc, lang, tagged, conformance)
        if conformance and tagged:
            declare_pdfua(pdf)
        # Object streams: a tagged binder holds thousands of small structure elements.
        streams = pikepdf.ObjectStreamMode.generate
        atomic_write(out, lambda h: pdf.save(h, min_version="1.7", deterministic_id=True, object_stream_mode=streams))


def _describe(pdf: pikepdf.Pdf, doc: Document, lang: str, tagged: bool, conformance: str = "") -> None:
    """Catalog entries and XMP metadata; tagging and PDF/UA are claimed only for a ``tagged`` file,
    PDF/A-2 only with a ``conformance`` level (``B`` or ``U``)."""
    root = pdf.Root
    if tagged:
        root.MarkInfo = pikepdf.Dictionary(Marked=True)
    root.Lang = pikepdf.String(lang)
    preferences = root.get("/ViewerPreferences")
    preferences = pikepdf.Dictionary() if preferences is None else preferences
    preferences.DisplayDocTitle = True
    root.ViewerPreferences = preferences
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:  # also sets the document information
        meta["dc:title"] = doc.title
        if doc.author:
            meta["dc:creator"] = [doc.author]
        if doc.subject:
            meta["dc:description"] = doc.subject
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = "binder"
        if tagged:
            meta["pdfuaid:part"] = "1"
        if conformance:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = conformance


def _language(lang: str) -> str:
    """``en-GB`` for ``en``, as the SOPs' own PDFs say; a tag binder does not know is kept as it is."""
    try:
        return language_tag(lang)
    except (KeyError, ValueError):
        return lang


def _copy_outline(writer: PdfWriter, reader: PdfReader, items, offset: int, parent) -> None:
    """Copy a SOP's own heading bookmarks under its item, shifted by its first page."""
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                _copy_outline(writer, reader, item, offset, last)
            continue
        page = reader.get_destination_page_number(item)
        if page is None or page < 0:
            continue
        last = writer.add_outline_item(title=str(item.title), page_number=offset + page, parent=parent)
