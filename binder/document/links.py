"""Links between SOPs inside documents.

Word documents link to another SOP as ``https://binder.invalid/sop/<ID>`` (``.invalid`` is
reserved and never resolves); assembly turns these markers into jumps inside a binder, and an SOP's
own PDF loses them (the text stays, tagged as plain text rather than a link).
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from binder.files import atomic_write

if TYPE_CHECKING:
    import pikepdf

LINK_PREFIX = "https://binder.invalid/sop/"


def sop_link(sop_id: str) -> str:
    """The marker URL a document uses to link to another SOP."""
    return LINK_PREFIX + sop_id


def drop_links(pages: Iterable[Any], within: Collection[str]) -> list[Any]:
    """Take the SOP link markers to SOPs not ``within`` this PDF off its ``pages``; returns them."""
    # Imported here: every build imports this module (a document's links), and a rebuild that assembles
    # nothing never needs pikepdf (tests/architecture/test_startup_imports.py).
    import pikepdf

    dropped = []
    for page in pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            uri = _marker(annot)
            if uri is not None and uri[len(LINK_PREFIX) :] not in within:
                dropped.append(annot)
            else:
                kept.append(annot)
        page.Annots = kept
    return dropped


def jump_links(pages: Iterable[Any], firsts: Mapping[str, Any]) -> None:
    """Turn the SOP link markers on ``pages`` into jumps to their SOP's first page (``firsts``: the page
    object of each SOP in this PDF; markers to others were dropped, ``drop_links``)."""
    import pikepdf

    for page in pages:
        for annot in page.get("/Annots") or ():
            uri = _marker(annot)
            if uri is not None:
                target = firsts[uri[len(LINK_PREFIX) :]]
                annot.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([target, pikepdf.Name.Fit]))


def standalone_copy(linked: Path, standalone: Path) -> int:
    """Write the SOP's own PDF: ``linked`` with link markers removed (the text stays). Returns its page count."""
    import pikepdf

    with pikepdf.open(linked) as pdf:
        count = len(pdf.pages)
        if not any(_marker(annot) for page in pdf.pages for annot in page.obj.get("/Annots") or ()):
            shutil.copyfile(linked, standalone)
            return count
        _untag(pdf, drop_links([page.obj for page in pdf.pages], ()))
        # The same input gives the same bytes (a rebuild writes what a cold build writes).
        atomic_write(standalone, lambda handle: pdf.save(handle, deterministic_id=True))
    return count


def _marker(annot: Any) -> str | None:
    """The SOP link marker ``annot`` jumps to, if it is one."""
    import pikepdf

    if annot.get("/Subtype") != pikepdf.Name.Link:
        return None
    action = annot.get("/A")
    uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
    return uri if uri.startswith(LINK_PREFIX) else None


def _untag(pdf: pikepdf.Pdf, dropped: list[Any]) -> None:
    """Take the dropped links out of the structure tree: every element that referred to one loses that
    reference (LibreOffice 7.4 has two elements refer to some links), and a ``/Link`` left with none
    becomes a ``/Span`` (a screen reader would otherwise announce a link that goes nowhere)."""
    import pikepdf

    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or not dropped:
        return
    gone = {annot.objgen for annot in dropped}

    def is_reference(kid: Any, only_gone: bool) -> bool:
        return (
            isinstance(kid, pikepdf.Dictionary)
            and kid.get("/Type") == pikepdf.Name.OBJR
            and (not only_gone or (isinstance(kid.get("/Obj"), pikepdf.Dictionary) and kid.Obj.objgen in gone))
        )

    seen: set[tuple[int, int]] = set()
    todo = structure_kids(tree.get("/K"))
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element or element.objgen in seen:
            continue
        if element.is_indirect:
            seen.add(element.objgen)
        kids = structure_kids(element.get("/K"))
        if any(is_reference(kid, True) for kid in kids):
            kids = [kid for kid in kids if not is_reference(kid, True)]
            element.K = pikepdf.Array(kids)
            if element.get("/S") == pikepdf.Name.Link and not any(is_reference(kid, False) for kid in kids):
                element.S = pikepdf.Name.Span
        todo.extend(kids)
    parents = tree.get("/ParentTree")
    if parents is not None:
        for annot in dropped:
            _take_number(parents, int(annot.get("/StructParent", -1)))


def structure_kids(value: Any) -> list[Any]:
    """A structure element's ``/K`` as a list: absent, one kid, or an array of them."""
    import pikepdf

    return list(value) if isinstance(value, pikepdf.Array) else [] if value is None else [value]


def _take_number(tree: Any, key: int) -> Any:
    """Remove ``key`` from a number tree; return its value (None when absent)."""
    nums = tree.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums) - 1, 2):
            if int(nums[i]) == key:
                value = nums[i + 1]
                del nums[i + 1]
                del nums[i]
                return value
    for kid in tree.get("/Kids") or ():
        value = _take_number(kid, key)
        if value is not None:
            return value
    return None
