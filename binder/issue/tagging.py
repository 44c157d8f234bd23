"""Tagged PDF through assembly: the structure trees of the parts, merged into the assembled file.

LibreOffice writes every SOP, front and back matter PDF tagged; appending a part's pages does not
bring its structure tree. This pass, on the assembled file and each part it was made of (open
with pikepdf), builds it:

- one ``/StructTreeRoot`` holding a ``/Document`` element, which holds one ``/Part`` per source in
  page order (front matter, each SOP titled with its bookmark, back matter). A part's own
  ``/Document`` element becomes its ``/Part``, keeping its attributes and kids;
- a part's whole tree is copied at once by qpdf, which points its ``/Pg`` and object references
  (``/OBJR``) at the pages and link annotations it copied when the part's pages were appended;
  each element is then walked: its parent, an unknown ``/Pg`` dropped, renamed roles and classes.
  Links that assembly removed (jumps to an SOP not in this binder) leave their text behind: an
  element left with no link becomes a ``/Span``. LibreOffice 7.4 tags a picture as a ``/Figure``
  holding an empty inner ``/Figure`` with the picture's description as ``/Alt``: the description
  moves to the outer one, which a screen reader meets, and the empty one is dropped;
- the ``/ParentTree`` is rebuilt: page *n*'s ``/StructParents`` is *n*, whose array's entry *i* is
  the element owning marked content *i*; each linked annotation gets the next free
  ``/StructParent``. ``/RoleMap`` and ``/ClassMap`` are merged (a name two parts map differently is
  renamed in the later part), ``/IDTree`` is rebuilt from the elements' ``/ID``.

The binder page stamp (``stamp.py``) is an ``/Artifact`` and needs no structure. ``assemble``
describes the document (``/MarkInfo``, ``/Lang``, XMP) and writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf

from binder.document.links import structure_kids

MARKED_CONTENT = "/MCR"
OBJECT_REFERENCE = "/OBJR"
GROUPING = {"/Document", "/Part"}
"""A part whose structure tree holds one of these at the top becomes that element, retyped ``/Part``."""


@dataclass(frozen=True)
class Source:
    """A PDF whose pages were appended to the assembled file."""

    pdf: Path
    first: int
    """0-based index of its first page in the assembled file."""
    title: str = ""
    """The ``/T`` (title) of its ``/Part`` element; none when empty."""


@dataclass
class _Part:
    """What walking one source's copied elements needs (objects of the assembled file)."""

    roles: dict[str, str] = field(default_factory=dict)
    """Structure types renamed in this part, as they clashed with another part's ``/RoleMap``."""
    classes: dict[str, str] = field(default_factory=dict)
    seen: set[tuple[int, int]] = field(default_factory=set)
    parents: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    """Annotation → the element its ``/StructParent`` named in the part."""


def merge_structure(pdf: Pdf, parts: Sequence[tuple[Source, Pdf]], lang: str) -> bool:
    """Give ``pdf`` the merged structure trees of ``parts`` (each a source and its PDF, open until
    ``pdf`` is saved); False when no part is tagged. ``lang``: the document's, e.g. ``en-GB``."""
    return Merger(pdf, lang).merge(parts)


class Merger:
    """Builds the assembled file's structure tree from the parts' trees."""

    def __init__(self, pdf: Pdf, lang: str) -> None:
        self.pdf = pdf
        self.lang = lang
        self.page_objects = [page.obj for page in pdf.pages]
        self.page_index = {page.objgen: index for index, page in enumerate(self.page_objects)}
        self.annot_pages: dict[tuple[int, int], int] = {}
        """Annotation on a page of the file (the parts' links that assembly kept) → its 0-based page."""
        self.roles = Dictionary()
        self.classes = Dictionary()
        self.owners: dict[int, dict[int, Any]] = {}
        """0-based page → MCID → the element owning that marked content."""
        self.linked: dict[tuple[int, int], tuple[Any, Any]] = {}
        """Annotation → (annotation, the element holding its object reference)."""
        self.ids: dict[bytes, Any] = {}
        self.standard: dict[str, str] = {}
        """Structure type → the standard one ``self.roles`` maps it to: asked for every element."""

    def merge(self, opened: Sequence[tuple[Source, Pdf]]) -> bool:
        """Replace the file's structure tree by the merged one; False when no source is tagged."""
        root = self.pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        document = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array()))
        for index, page in enumerate(self.page_objects):
            annots: Any = page.get("/Annots")
            for position, annot in enumerate(annots or ()):
                if not annot.is_indirect:
                    annots[position] = annot = self.pdf.make_indirect(annot)
                self.annot_pages[annot.objgen] = index
        for source, pdf in opened:
            part = self._part(source, pdf, document)
            if part is not None:
                document.K.append(part)
        tagged = len(document.K) > 0
        if tagged:
            root.K = Array([document])
            if self.roles:
                root.RoleMap = self.roles
            if self.classes:
                root.ClassMap = self.classes
            if self.ids:
                names = [x for key in sorted(self.ids) for x in (pikepdf.String(key), self.ids[key])]
                root.IDTree = Dictionary(Names=Array(names))
        self._parent_tree(root if tagged else None)
        if tagged:
            self.pdf.Root.StructTreeRoot = root
        elif "/StructTreeRoot" in self.pdf.Root:
            del self.pdf.Root.StructTreeRoot
        return tagged

    def _part(self, source: Source, src: Pdf, document: Any) -> Any | None:
        tree = src.Root.get("/StructTreeRoot")
        if tree is None:
            return None
        if source.first + len(src.pages) > len(self.page_objects):
            raise ValueError(f"{source.pdf.name}: its pages are not all in the assembled file")
        part = _Part()
        kids = structure_kids(tree.get("/K"))
        annots = []
        owners = []
        parents = _numbers(tree.get("/ParentTree"))
        for page in src.pages:
            for annot in page.obj.get("/Annots") or ():
                owner = parents.get(int(annot.get("/StructParent", -1)))
                if annot.is_indirect and isinstance(owner, Dictionary) and owner.is_indirect:
                    annots.append(annot)
                    owners.append(owner)
        for kid in kids:
            if isinstance(kid, Dictionary) and "/P" in kid:
                del kid.P  # the part's own tree root (its parent tree, ID tree) is not copied along
        # One copy of the whole tree: qpdf maps the pages and annotations it points at to the copies
        # made when the pages were appended, and each element is then only walked, not rebuilt.
        copied = self.pdf.copy_foreign(src.make_indirect(Array([*kids, *annots, *owners])))
        kids = list(copied)[: len(kids)]
        found = list(copied)[len(kids) :]
        for annot, owner in zip(found[: len(annots)], found[len(annots) :]):
            part.parents[annot.objgen] = owner.objgen
        part.roles = _merge_map(self.roles, tree.get("/RoleMap"), self.pdf)
        self.standard.clear()  # the role map grew
        part.classes = _merge_map(self.classes, tree.get("/ClassMap"), self.pdf)
        source_roles = tree.get("/RoleMap") or Dictionary()
        element: Any
        if len(kids) == 1 and _is_element(kids[0]) and _standard(kids[0].S, source_roles) in GROUPING:
            element = self._element(part, kids[0], document, None)
        else:
            element = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, P=document))
            element.K = Array([c for kid in kids if (c := self._kid(part, kid, element, None)) is not None])
        element.S = Name.Part
        if source.title:
            element.T = pikepdf.String(source.title)
        lang = src.Root.get("/Lang")
        if lang is not None and "/Lang" not in element and str(lang) != self.lang:
            element.Lang = pikepdf.String(str(lang))
        return element

    def _element(self, part: _Part, element: Any, parent: Any, page: int | None) -> Any | None:
        """Fit a copied element into the merged tree (parent, pages, renamed roles and classes).

        A binder holds thousands of elements: each pikepdf read or write costs microseconds, so an element
        is only written where it changes (most keep their kids, their type and their role as copied)."""
        objgen = element.objgen
        if objgen in part.seen:
            return None
        part.seen.add(objgen)
        keys = set(element.keys())
        if "/Ref" in keys:
            del element.Ref
        if "/Type" not in keys:
            element.Type = Name.StructElem
        element.P = parent
        role = str(element.S)
        if role in part.roles:
            role = part.roles[role]
            element.S = Name(role)
        if "/C" in keys and part.classes:
            element.C = _renamed_classes(element.C, part.classes)
        if "/Pg" in keys:
            index = self.page_index.get(element.Pg.objgen)
            if index is None:
                del element.Pg
            else:
                page = index
        if "/ID" in keys:
            key = bytes(element.ID)
            if key in self.ids:
                del element.ID
            else:
                self.ids[key] = element
        kids = structure_kids(element.get("/K")) if "/K" in keys else []
        copied = [c for kid in kids if (c := self._kid(part, kid, element, page)) is not None]
        standard = self.standard.get(role)
        if standard is None:
            standard = self.standard[role] = _standard(role, self.roles)
        if standard == "/Figure" and "/Alt" not in keys:
            copied = self._hoist_alt(element, copied)
        if len(copied) != len(kids) or any(c is not k for c, k in zip(copied, kids)):
            element.K = Array(copied)
        if standard == "/Link" and any(_type(kid) == OBJECT_REFERENCE for kid in kids):
            if not any(_type(c) == OBJECT_REFERENCE for c in copied):
                element.S = Name.Span  # its link was removed in assembly; the text stays
        return element

    def _hoist_alt(self, figure: Any, kids: list[Any]) -> list[Any]:
        """LibreOffice 7.4 tags a picture as a ``/Figure`` holding its content and an empty inner
        ``/Figure`` with the description as ``/Alt``: the description moves to the one a reader
        meets, the empty one goes."""
        empty = [
            i
            for i, kid in enumerate(kids)
            if _is_element(kid)
            and _standard(kid.S, self.roles) == "/Figure"
            and "/Alt" in kid
            and not structure_kids(kid.get("/K"))
        ]
        if not empty:
            return kids
        figure.Alt = kids[empty[0]].Alt
        return [kid for i, kid in enumerate(kids) if i not in empty]

    def _kid(self, part: _Part, kid: Any, parent: Any, page: int | None) -> Any | None:
        if isinstance(kid, int):
            return self._own(page, kid, parent)
        if not isinstance(kid, Dictionary):
            return None
        kind = _type(kid)
        if kind == MARKED_CONTENT:
            if "/Stm" in kid:
                return None  # content of a form XObject: LibreOffice writes none, binder does not remap them
            own_page = "/Pg" in kid
            if own_page:
                page = self.page_index.get(kid.Pg.objgen)
            if page is None or self._own(page, int(kid.MCID), parent) is None:
                return None
            return kid if own_page else Dictionary(Type=Name.MCR, MCID=int(kid.MCID), Pg=self.page_objects[page])
        if kind == OBJECT_REFERENCE:
            annot: Any = kid.get("/Obj")
            index = self.annot_pages.get(annot.objgen) if isinstance(annot, Dictionary) else None
            if index is None:
                return None  # removed in assembly, or not on a page of this file
            # LibreOffice 7.4 has two /Link elements refer to each contents entry's annotation: both keep
            # their reference; the annotation's parent stays the one the part's /ParentTree named.
            if annot.objgen not in self.linked or part.parents.get(annot.objgen) == parent.objgen:
                self.linked[annot.objgen] = (annot, parent)
            return Dictionary(Type=Name.OBJR, Obj=annot, Pg=self.page_objects[index])
        if "/S" in kid:  # an element (``_is_element``: its type is neither of the above)
            return self._element(part, kid, parent, page)
        return None

    def _own(self, page: int | None, mcid: int, element: Any) -> int | None:
        if page is None:
            return None
        self.owners.setdefault(page, {})[mcid] = element
        return mcid

    def _parent_tree(self, root: Any | None) -> None:
        """Number the pages' and annotations' parents and write ``/ParentTree``; clear stale keys."""
        nums = Array()
        for index, page in enumerate(self.page_objects):
            owners = self.owners.get(index)
            if root is not None and owners:
                page.StructParents = index
                nums.append(index)
                nums.append(self.pdf.make_indirect(Array([owners.get(i) for i in range(max(owners) + 1)])))
            elif "/StructParents" in page:
                del page.StructParents
        key = len(self.page_objects)
        for annot, element in self.linked.values():
            if root is None:
                break
            annot.StructParent = key
            nums.append(key)
            nums.append(element)
            key += 1
        for page in self.page_objects:
            if page.get("/Annots"):
                for annot in page.Annots:
                    if "/StructParent" in annot and (root is None or annot.objgen not in self.linked):
                        del annot.StructParent
                if root is not None and "/Tabs" not in page:
                    page.Tabs = Name.S  # tab through annotations in structure order (PDF/UA)
        if root is not None:
            root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=nums))
            root.ParentTreeNextKey = key


def _numbers(tree: Any) -> dict[int, Any]:
    """The entries of a number tree (e.g. a ``/ParentTree``)."""
    if tree is None:
        return {}
    nums = list(tree.get("/Nums") or ())
    found = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}
    for kid in tree.get("/Kids") or ():
        found.update(_numbers(kid))
    return found


def _type(value: Any) -> str:
    return str(value.get("/Type", "")) if isinstance(value, Dictionary) else ""


def _is_element(value: Any) -> bool:
    return isinstance(value, Dictionary) and "/S" in value and _type(value) not in (MARKED_CONTENT, OBJECT_REFERENCE)


def _standard(role: Any, roles: Any) -> str:
    """The structure type ``role`` maps to through ``roles`` (a ``/RoleMap``)."""
    name = str(role)
    for _ in range(16):
        mapped = roles.get(name)
        if mapped is None or str(mapped) == name:
            break
        name = str(mapped)
    return name


def _foreign(pdf: Pdf, value: Any) -> Any:
    """``value`` from another PDF, as an object of ``pdf``."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return pdf.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_foreign(pdf, v) for v in value])
    if isinstance(value, Dictionary):
        return Dictionary({k: _foreign(pdf, v) for k, v in value.items()})
    return value


def _merge_map(target: Any, source: Any, pdf: Pdf) -> dict[str, str]:
    """Add ``source``'s entries to ``target`` (a ``/RoleMap`` or ``/ClassMap``); returns the keys renamed."""
    renamed: dict[str, str] = {}
    for key, value in (source or Dictionary()).items():
        copied = _foreign(pdf, value)
        if key not in target:
            target[key] = copied
            continue
        if _text(target[key]) == _text(copied):
            continue
        number = 2
        while f"{key} {number}" in target:
            number += 1
        renamed[key] = f"{key} {number}"
        target[renamed[key]] = copied
    return renamed


def _text(value: Any) -> bytes:
    return value.unparse(resolved=True) if isinstance(value, pikepdf.Object) else repr(value).encode()


def _renamed_classes(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, Array):
        return Array([_renamed_classes(v, renamed) for v in value])
    if isinstance(value, Name):
        return Name(renamed.get(str(value), str(value)))
    return value
