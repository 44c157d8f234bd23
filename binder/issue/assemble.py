"""Assemble PDFs with pikepdf (qpdf): front matter, then SOPs exactly as issued (plus the binder
page stamp), with bookmarks, page labels, metadata, and link markers turned into jumps inside the
binder; ``tagging`` merges the parts' structure trees into it, the document is described
(``/Lang``, ``/MarkInfo``, ``/DisplayDocTitle``, XMP metadata with the PDF/UA identification when
tagged; with ``Document.pdfa``, ``archive`` keeps it PDF/A-2) and written atomically.

qpdf copies each part's pages and remembers, per part, what it copied: the structure merge's
copies of the same part's objects (pages, annotations) reuse them instead of copying them again.

Links to other SOPs are written into Word documents as ``https://binder.invalid/sop/<ID>``
(``.invalid`` is reserved and never resolves). Here they become GoTo actions to the
page where that SOP starts, or are removed when the SOP is not in this PDF.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf
from pypdf import PdfReader

from binder.document.labels import language_tag
from binder.document.links import drop_links, jump_links
from binder.files import atomic_write
from binder.issue.archive import archival, declare_pdfua
from binder.issue.stamp import stamp_pages
from binder.issue.tagging import Merger, Source

PRODUCER = "binder (pikepdf)"


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


@dataclass(frozen=True)
class _Item:
    """An outline item: its title, its 0-based page (None: goes nowhere) and the items under it."""

    title: str
    page: int | None
    kids: tuple[_Item, ...] = ()


def assemble(doc: Document, out: Path) -> Assembled:
    """Write ``doc`` to ``out`` (atomically) and return where each SOP starts.

    Parses PDFs throughout: the caller holds ``binder.interrupts.shielded()``."""
    with Assembly(doc.parts, doc.lang) as assembly:
        return assembly.finish(doc, out)


class Assembly:
    """A PDF being assembled from the SOPs ``parts``: they can be added in any order (``add_part``), an early
    assembly adding those converted already while the others convert (``binder.issue.ahead``). ``finish``
    adds what is left, front and back matter included, in document order, and writes the same objects whatever
    order the parts came in (not the same bytes: qpdf numbers objects in the order they were made). Open PDFs
    are held until the context ends."""

    def __init__(self, parts: tuple[Part, ...], lang: str) -> None:
        self.parts = parts
        self.lang = lang
        self._stack = ExitStack()
        self.pdf = self._stack.enter_context(pikepdf.new())
        self._merger = Merger(self.pdf, _language(lang))
        self._within = frozenset(part.key for part in parts)
        self._added: dict[int, tuple[Pdf, list[Any]]] = {}
        """Place in the document (0 the front matter, then the parts, then the back matter) → the source open
        and its pages as added to the file."""

    def __enter__(self) -> Assembly:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the PDFs opened (the file must have been written, or is given up)."""
        self._stack.close()

    def add_part(self, index: int) -> None:
        """Add the ``index``-th SOP (pages, links, structure)."""
        part = self.parts[index]
        self._add(index + 1, part.pdf, part.title)

    def _add(self, position: int, path: Path, title: str) -> None:
        # Objects copied from the source read their data from it when the file is saved: it stays open until then.
        source = self._stack.enter_context(pikepdf.open(path))
        at = sum(len(pages) for place, (_, pages) in self._added.items() if place < position)
        if at == len(self.pdf.pages):
            self.pdf.pages.extend(source.pages)
        else:
            for offset, page in enumerate(source.pages):
                self.pdf.pages.insert(at + offset, page)
        pages = [self.pdf.pages[at + offset].obj for offset in range(len(source.pages))]
        drop_links(pages, self._within)
        self._merger.add(position, Source(path, title), source, pages)
        self._added[position] = (source, pages)

    def finish(self, doc: Document, out: Path) -> Assembled:
        """Add what is not added yet and write ``doc`` to ``out`` (atomically); where each SOP starts.

        Parses PDFs throughout: the caller holds ``binder.interrupts.shielded()``."""
        if doc.parts != self.parts or doc.lang != self.lang:
            raise ValueError(f"{out.name}: assembled from other parts than begun with")
        back = len(doc.parts) + 1
        if 0 not in self._added:
            self._add(0, doc.front, "")
        for index in range(len(doc.parts)):
            if index + 1 not in self._added:
                self.add_part(index)
        if doc.back is not None and back not in self._added:
            self._add(back, doc.back, doc.back_title)
        if not self._merger.order_free:  # a part added late brought roles the others may have met: in order, then
            return assemble(doc, out)
        pdf = self.pdf
        front_pages = len(self._added[0][1])
        items = [_Item(item.title, item.page) for item in doc.front_items]
        labels: list[tuple[int, Dictionary]] = [(0, Dictionary(S=Name.r))]
        starts: list[tuple[str, int]] = []
        first = front_pages
        for index, part in enumerate(doc.parts):
            source, pages = self._added[index + 1]
            starts.append((part.key, first + 1))
            items.append(_Item(part.title, first, _outline(source, first)))
            labels.append((first, Dictionary(S=Name.D, P=pikepdf.String(f"{part.key}-"), St=1)))
            first += len(pages)
        if doc.back is not None:
            items.append(_Item(doc.back_title, first))
            labels.append((first, Dictionary(S=Name.r, St=front_pages + 1)))
        every = [page.obj for page in pdf.pages]
        jump_links(every, {key: every[start - 1] for key, start in starts})
        if doc.stamp:
            stamp_pages(pdf, doc.stamp)
        _write_outline(pdf, _Item(doc.top_bookmark, 0, tuple(items)))
        pdf.Root.PageLabels = Dictionary(Nums=Array([x for first, label in labels for x in (first, label)]))
        pdf.Root.PageMode = Name.UseOutlines
        info = pdf.docinfo
        for key, value in (("/Title", doc.title), ("/Author", doc.author), ("/Subject", doc.subject)):
            info[key] = pikepdf.String(value)
        info.Creator = pikepdf.String("binder")
        tagged = self._merger.finish(every)
        conformance = archival(pdf, [source for _, (source, _) in sorted(self._added.items())]) if doc.pdfa else ""
        lang = _language(doc.lang)
        _describe(pdf, doc, lang, tagged, conformance)
        if conformance and tagged:
            declare_pdfua(pdf)
        # Object streams: a tagged binder holds thousands of small structure elements.
        streams = pikepdf.ObjectStreamMode.generate
        atomic_write(out, lambda h: pdf.save(h, min_version="1.7", deterministic_id=True, object_stream_mode=streams))
        return Assembled(out, len(every), tuple(starts))


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


def _outline(src: Pdf, offset: int) -> tuple[_Item, ...]:
    """A SOP's own heading bookmarks, shifted by its first page ``offset``."""
    pages = {page.obj.objgen: index for index, page in enumerate(src.pages)}
    outlines = src.Root.get("/Outlines")
    return _items(src, outlines.get("/First") if outlines is not None else None, pages, offset, set())


def _items(src: Pdf, item: Any, pages: dict[tuple[int, int], int], offset: int, seen: set) -> tuple[_Item, ...]:
    """``item`` and its next siblings; one that goes to no page of the SOP is left out, and the items
    under it go under the sibling before it (as pypdf's outline reading did)."""
    found: list[_Item] = []
    while isinstance(item, Dictionary) and item.objgen not in seen:
        seen.add(item.objgen)
        kids = _items(src, item.get("/First"), pages, offset, seen)
        page = _page(src, item, pages)
        if page is not None:
            found.append(_Item(str(item.get("/Title", "")), offset + page, kids))
        elif found and kids:
            found[-1] = _Item(found[-1].title, found[-1].page, found[-1].kids + kids)
        item = item.get("/Next")
    return tuple(found)


def _page(src: Pdf, item: Any, pages: dict[tuple[int, int], int]) -> int | None:
    """The 0-based page an outline item goes to (an explicit or a named destination), or None."""
    dest = item.get("/Dest")
    action = item.get("/A")
    if dest is None and isinstance(action, Dictionary) and action.get("/S") == Name.GoTo:
        dest = action.get("/D")
    if isinstance(dest, (Name, pikepdf.String)):
        dest = _named(src, dest)
    if isinstance(dest, Dictionary):
        dest = dest.get("/D")
    if not isinstance(dest, Array) or len(dest) == 0:
        return None
    target = dest[0]
    if isinstance(target, Dictionary) and target.is_indirect:
        return pages.get(target.objgen)
    return None


def _named(src: Pdf, name: Any) -> Any:
    if isinstance(name, Name):
        dests = src.Root.get("/Dests")
        return dests.get(str(name)) if isinstance(dests, Dictionary) else None
    names = src.Root.get("/Names")
    tree = names.get("/Dests") if isinstance(names, Dictionary) else None
    if tree is None:
        return None
    return pikepdf.NameTree(tree).get(bytes(name).decode("latin-1"))


def _write_outline(pdf: Pdf, top: _Item) -> None:
    """The outline, every item open, each going to its page fitted in the window (a GoTo action)."""
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines))
    made = _write_items(pdf, (top,), outlines)
    outlines.Count = made
    pdf.Root.Outlines = outlines


def _write_items(pdf: Pdf, items: tuple[_Item, ...], parent: Any) -> int:
    """Write ``items`` under ``parent``; the number of items written, at every depth."""
    previous = None
    total = 0
    for item in items:
        made = pdf.make_indirect(Dictionary(Title=pikepdf.String(item.title), Parent=parent))
        if item.page is not None:
            made.A = Dictionary(S=Name.GoTo, D=Array([pdf.pages[item.page].obj, Name.Fit]))
        if previous is None:
            parent.First = made
        else:
            previous.Next = made
            made.Prev = previous
        parent.Last = made
        below = _write_items(pdf, item.kids, made)
        if below:
            made.Count = below
        total += 1 + below
        previous = made
    return total
