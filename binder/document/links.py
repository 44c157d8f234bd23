"""Links between SOPs inside documents.

Word documents link to another SOP as ``https://binder.invalid/sop/<ID>`` (``.invalid`` is
reserved and never resolves); assembly turns these markers into jumps inside a binder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from binder.files import atomic_write

if TYPE_CHECKING:
    import pikepdf

LINK_PREFIX = "https://binder.invalid/sop/"


def sop_link(sop_id: str) -> str:
    """The marker URL a document uses to link to another SOP."""
    return LINK_PREFIX + sop_id


def resolve_links(writer: PdfWriter, starts: dict[str, int]) -> None:
    """Turn SOP link markers into GoTo jumps; drop those whose SOP is not in this PDF."""
    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = ArrayObject()
        for ref in annots.get_object():
            annot = ref.get_object()
            uri = str(annot.get("/A", {}).get("/URI", "")) if annot.get("/Subtype") == "/Link" else ""
            if not uri.startswith(LINK_PREFIX):
                kept.append(ref)
                continue
            target = starts.get(uri[len(LINK_PREFIX) :])
            if target is None:
                continue
            annot[NameObject("/A")] = DictionaryObject(
                {
                    NameObject("/S"): NameObject("/GoTo"),
                    NameObject("/D"): ArrayObject([writer.pages[target - 1].indirect_reference, NameObject("/Fit")]),
                }
            )
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def resolve_links_pikepdf(pdf: pikepdf.Pdf, starts: dict[str, int]) -> None:
    """``resolve_links`` on a PDF opened with pikepdf."""
    # Imported here: every build imports this module (a document's links), and a rebuild that assembles
    # nothing never needs pikepdf (tests/architecture/test_startup_imports.py).
    import pikepdf

    pages = [page.obj for page in pdf.pages]
    for page in pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            action = annot.get("/A") if annot.get("/Subtype") == pikepdf.Name.Link else None
            uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
            if not uri.startswith(LINK_PREFIX):
                kept.append(annot)
                continue
            target = starts.get(uri[len(LINK_PREFIX) :])
            if target is None:
                continue
            annot.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([pages[target - 1], pikepdf.Name.Fit]))
            kept.append(annot)
        page.Annots = kept


def standalone_copy(linked: Path, standalone: Path) -> int:
    """Write the SOP's own PDF: ``linked`` with link markers removed (the text stays). Returns its page count."""
    reader = PdfReader(linked)
    if not any(_has_marker(page) for page in reader.pages):
        shutil.copyfile(linked, standalone)
        return len(reader.pages)
    writer = PdfWriter(clone_from=reader)
    resolve_links(writer, {})
    atomic_write(standalone, writer.write)
    return len(reader.pages)


def _has_marker(page) -> bool:
    for ref in page.get("/Annots") or ():
        annot = ref.get_object()
        if str(annot.get("/A", {}).get("/URI", "")).startswith(LINK_PREFIX):
            return True
    return False
