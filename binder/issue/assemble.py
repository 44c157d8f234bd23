"""Assemble PDFs with pypdf: front matter, then SOPs exactly as issued (plus the binder page
stamp), with bookmarks, page labels, metadata, and link markers turned into jumps inside the binder.

Links to other SOPs are written into Word documents as ``https://binder.invalid/sop/<ID>``
(``.invalid`` is reserved and never resolves). Here they become GoTo actions to the
page where that SOP starts, or are removed when the SOP is not in this PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle

from binder.document.links import resolve_links
from binder.files import atomic_write
from binder.issue.stamp import stamp_pages


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
    """Write ``doc`` to ``out`` (atomically) and return where each SOP starts."""
    writer = PdfWriter()
    front = PdfReader(doc.front)
    writer.append(front, import_outline=False)
    front_pages = len(writer.pages)
    root = writer.add_outline_item(title=doc.top_bookmark, page_number=0)
    for item in doc.front_items:
        writer.add_outline_item(title=item.title, page_number=item.page, parent=root)
    writer.set_page_label(0, front_pages - 1, style=PageLabelStyle.LOWERCASE_ROMAN)
    starts: list[tuple[str, int]] = []
    for part in doc.parts:
        reader = PdfReader(part.pdf)
        first = len(writer.pages)
        writer.append(reader, import_outline=False)
        starts.append((part.key, first + 1))
        parent = writer.add_outline_item(title=part.title, page_number=first, parent=root)
        _copy_outline(writer, reader, reader.outline, first, parent)
        writer.set_page_label(
            first, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, prefix=f"{part.key}-", start=1
        )
    if doc.back is not None:
        first = len(writer.pages)
        writer.append(PdfReader(doc.back), import_outline=False)
        writer.add_outline_item(title=doc.back_title, page_number=first, parent=root)
        writer.set_page_label(first, len(writer.pages) - 1, style=PageLabelStyle.LOWERCASE_ROMAN, start=front_pages + 1)
    resolve_links(writer, dict(starts))
    if doc.stamp:
        stamp_pages(writer, doc.stamp)
    writer.add_metadata({"/Title": doc.title, "/Author": doc.author, "/Subject": doc.subject, "/Creator": "binder"})
    writer.page_mode = "/UseOutlines"
    atomic_write(out, writer.write)
    return Assembled(out, len(writer.pages), tuple(starts))


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
