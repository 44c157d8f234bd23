"""Tagged PDF through assembly: the structure trees of the parts, merged into the assembled file.

LibreOffice writes every SOP, front and back matter PDF tagged; appending a part's pages does not
bring its structure tree. This pass, on the assembled file and each part it was made of (open
with pikepdf), builds it:

- one ``/StructTreeRoot`` holding a ``/Document`` element, which holds one ``/Part`` per source in
  page order (front matter, each SOP titled with its bookmark, back matter). A part's own
  ``/Document`` element becomes its ``/Part``, keeping its attributes and kids;
- a part's whole tree is copied at once by qpdf, which points its ``/Pg`` and object references
  (``/OBJR``) at the pages and link annotations it copied when the part's pages were added;
  each element is then walked: its parent, an unknown ``/Pg`` dropped, renamed roles and classes.
  Links that assembly removed (jumps to an SOP not in this binder) leave their text behind: an
  element left with no link becomes a ``/Span``. LibreOffice 7.4 tags a picture as a ``/Figure``
  holding an empty inner ``/Figure`` with the picture's description as ``/Alt``: the description
  moves to the outer one, which a screen reader meets, and the empty one is dropped;
- the ``/ParentTree`` is rebuilt: page *n*'s ``/StructParents`` is *n*, whose array's entry *i* is
  the element owning marked content *i*; each linked annotation gets the next free
  ``/StructParent``, in document order. ``/RoleMap`` and ``/ClassMap`` are merged (a name two parts
  map differently is renamed in the later part), ``/IDTree`` is rebuilt from the elements' ``/ID``.

Parts may be added in any order (``Merger.add``, as ``Assembly`` adds them); ``Merger.finish`` writes
the tree in document order. What a part's walk meets depends on the parts walked before it only
through the merged role and class maps and the ``/ID`` s taken: ``order_free`` says whether a part
added late changed any of that for one added before it, in which case the file is assembled again in
order.

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
from binder.issue.rolemaps import merge_map, renamed_classes
from binder.issue.rolemaps import standard as standard_type

MARKED_CONTENT = "/MCR"
OBJECT_REFERENCE = "/OBJR"
GROUPING = {"/Document", "/Part"}
"""A part whose structure tree holds one of these at the top becomes that element, retyped ``/Part``."""


@dataclass(frozen=True)
class Source:
    """A PDF whose pages were added to the assembled file."""

    pdf: Path
    title: str = ""
    """The ``/T`` (title) of its ``/Part`` element; none when empty."""


@dataclass
class _Part:
    """What walking one source's copied elements needs (objects of the assembled file)."""

    position: int
    """The source's place in the document."""
    roles: dict[str, str] = field(default_factory=dict)
    """Structure types renamed in this part, as they clashed with another part's ``/RoleMap``."""
    classes: dict[str, str] = field(default_factory=dict)
    seen: set[tuple[int, int]] = field(default_factory=set)
    parents: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    """Annotation → the element its ``/StructParent`` named in the part."""
    repeated_id = False
    """An element's ``/ID`` was another part's already (and was dropped here)."""


class Merger:
    """Builds the assembled file's structure tree from the parts' trees.

    Parts are added with their pages (``add``), in any order: an early assembly adds the SOPs already
    converted while the others convert. ``finish`` writes the tree in document order: the same objects,
    whatever order the parts came in, as long as ``order_free``: no part added late took a role mapping from a
    part after it in the document, nor brought a mapping, a renamed role or class, or an ``/ID`` that the parts
    after it, added before it, met."""

    def __init__(self, pdf: Pdf, lang: str) -> None:
        self.pdf = pdf
        self.lang = lang
        self.pages: dict[tuple[int, int], Any] = {}
        """The file's pages added so far, by object id."""
        self.annot_pages: dict[tuple[int, int], tuple[int, int]] = {}
        """Annotation on a page of the file (the parts' links that assembly kept) → its page's object id."""
        self.roles = Dictionary()
        self.classes = Dictionary()
        self.owners: dict[tuple[int, int], dict[int, Any]] = {}
        """Page → MCID → the element owning that marked content."""
        self.linked: dict[tuple[int, int], tuple[tuple[int, int], Any, Any]] = {}
        """Annotation → ((its part's position, order met), the annotation, the element holding its reference)."""
        self.ids: dict[bytes, Any] = {}
        self.standard: dict[str, str] = {}
        """Structure type → the standard one ``self.roles`` maps it to: asked for every element."""
        self.document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.parts: dict[int, Any] = {}
        """The source's place in the document → its ``/Part`` element."""
        self.used: dict[int, frozenset[str]] = {}
        """The place of each part added → the structure types its elements have, and those they map to."""
        self.brought: dict[str, int] = {}
        """A role map's key → the place of the part that brought it."""
        self.order_free = True

    def add(self, position: int, source: Source, src: Pdf, pages: Sequence[Any]) -> None:
        """Add the tree of ``src``, whose pages were added as ``pages``, ``position``-th in the document."""
        for page in pages:
            self.pages[page.objgen] = page
            annots: Any = page.get("/Annots")
            for index, annot in enumerate(annots or ()):
                if not annot.is_indirect:
                    annots[index] = annot = self.pdf.make_indirect(annot)
                self.annot_pages[annot.objgen] = page.objgen
        roles = set(self.roles.keys())
        element, part = self._part(position, source, src)
        if part is None or element is None:
            return
        for role in set(self.roles.keys()) - roles:
            self.brought[role] = position
        # A mapping this part has itself, the same as the one met (a different one is renamed, in part.roles),
        # is one it would have brought in document order: it took nothing there, and it brings it for those after.
        own = {str(key) for key in src.Root.StructTreeRoot.get("/RoleMap") or ()} - set(part.roles)
        for role in own:
            self.brought[role] = min(self.brought.get(role, position), position)
        used = frozenset(name for role in self.standard for name in self._chain(role))
        self.used[position] = used
        self.parts[position] = element
        # In document order a part meets the role map of the parts before it only. Out of order that holds
        # when this part took nothing from the parts after it (no mapping it uses and lacks, no /ID), and
        # brought nothing those added before it use, nor renamed a role or class of theirs.
        after = [types for place, types in self.used.items() if place > position]
        took = any(self.brought.get(name, position) > position for name in used)
        if took or (after and (part.roles or part.classes or part.repeated_id)):
            self.order_free = False
        elif after and any((set(self.roles.keys()) - roles) & types for types in after):
            self.order_free = False

    def _chain(self, role: str) -> set[str]:
        """``role`` and the types the merged role map takes it through."""
        names, name = {role}, role
        for _ in range(16):
            mapped = self.roles.get(name)
            if mapped is None or str(mapped) == name:
                break
            name = str(mapped)
            names.add(name)
        return names

    def finish(self, pages: Sequence[Any]) -> bool:
        """Write the merged tree, ``pages`` being the file's pages in order; False when no part is tagged."""
        root = self.pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        tagged = bool(self.parts)
        if tagged:
            self.document.P = root
            self.document.K = Array([self.parts[p] for p in sorted(self.parts)])
            root.K = Array([self.document])
            if self.roles:
                root.RoleMap = self.roles
            if self.classes:
                root.ClassMap = self.classes
            if self.ids:
                names = [x for key in sorted(self.ids) for x in (pikepdf.String(key), self.ids[key])]
                root.IDTree = Dictionary(Names=Array(names))
        self._parent_tree(root if tagged else None, pages)
        if tagged:
            self.pdf.Root.StructTreeRoot = root
        elif "/StructTreeRoot" in self.pdf.Root:
            del self.pdf.Root.StructTreeRoot
        return tagged

    def _part(self, position: int, source: Source, src: Pdf) -> tuple[Any, _Part] | tuple[None, None]:
        tree = src.Root.get("/StructTreeRoot")
        if tree is None:
            return None, None
        part = _Part(position)
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
        # made when the pages were added, and each element is then only walked, not rebuilt.
        copied = self.pdf.copy_foreign(src.make_indirect(Array([*kids, *annots, *owners])))
        kids = list(copied)[: len(kids)]
        found = list(copied)[len(kids) :]
        for annot, owner in zip(found[: len(annots)], found[len(annots) :]):
            part.parents[annot.objgen] = owner.objgen
        part.roles = merge_map(self.roles, tree.get("/RoleMap"), self.pdf)
        self.standard.clear()  # the role map grew
        part.classes = merge_map(self.classes, tree.get("/ClassMap"), self.pdf)
        source_roles = tree.get("/RoleMap") or Dictionary()
        element: Any
        if len(kids) == 1 and _is_element(kids[0]) and standard_type(kids[0].S, source_roles) in GROUPING:
            element = self._element(part, kids[0], self.document, None)
        else:
            element = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, P=self.document))
            element.K = Array([c for kid in kids if (c := self._kid(part, kid, element, None)) is not None])
        element.S = Name.Part
        if source.title:
            element.T = pikepdf.String(source.title)
        lang = src.Root.get("/Lang")
        if lang is not None and "/Lang" not in element and str(lang) != self.lang:
            element.Lang = pikepdf.String(str(lang))
        return element, part

    def _element(self, part: _Part, element: Any, parent: Any, page: tuple[int, int] | None) -> Any | None:
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
            element.C = renamed_classes(element.C, part.classes)
        if "/Pg" in keys:
            objgen = element.Pg.objgen
            if objgen in self.pages:
                page = objgen
            else:
                del element.Pg
        if "/ID" in keys:
            key = bytes(element.ID)
            if key in self.ids:
                part.repeated_id = True
                del element.ID
            else:
                self.ids[key] = element
        kids = structure_kids(element.get("/K")) if "/K" in keys else []
        copied = [c for kid in kids if (c := self._kid(part, kid, element, page)) is not None]
        standard = self.standard.get(role)
        if standard is None:
            standard = self.standard[role] = standard_type(role, self.roles)
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
            and standard_type(kid.S, self.roles) == "/Figure"
            and "/Alt" in kid
            and not structure_kids(kid.get("/K"))
        ]
        if not empty:
            return kids
        figure.Alt = kids[empty[0]].Alt
        return [kid for i, kid in enumerate(kids) if i not in empty]

    def _kid(self, part: _Part, kid: Any, parent: Any, page: tuple[int, int] | None) -> Any | None:
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
                page = kid.Pg.objgen if kid.Pg.objgen in self.pages else None
            if page is None or self._own(page, int(kid.MCID), parent) is None:
                return None
            return kid if own_page else Dictionary(Type=Name.MCR, MCID=int(kid.MCID), Pg=self.pages[page])
        if kind == OBJECT_REFERENCE:
            annot: Any = kid.get("/Obj")
            on = self.annot_pages.get(annot.objgen) if isinstance(annot, Dictionary) else None
            if on is None:
                return None  # removed in assembly, or not on a page of this file
            # LibreOffice 7.4 has two /Link elements refer to each contents entry's annotation: both keep
            # their reference; the annotation's parent stays the one the part's /ParentTree named.
            known = self.linked.get(annot.objgen)
            if known is None or part.parents.get(annot.objgen) == parent.objgen:
                order = known[0] if known else (part.position, len(self.linked))
                self.linked[annot.objgen] = (order, annot, parent)
            return Dictionary(Type=Name.OBJR, Obj=annot, Pg=self.pages[on])
        if "/S" in kid:  # an element (``_is_element``: its type is neither of the above)
            return self._element(part, kid, parent, page)
        return None

    def _own(self, page: tuple[int, int] | None, mcid: int, element: Any) -> int | None:
        if page is None:
            return None
        self.owners.setdefault(page, {})[mcid] = element
        return mcid

    def _parent_tree(self, root: Any | None, pages: Sequence[Any]) -> None:
        """Number the pages' and annotations' parents and write ``/ParentTree``; clear stale keys."""
        nums = Array()
        for index, page in enumerate(pages):
            owners = self.owners.get(page.objgen)
            if root is not None and owners:
                page.StructParents = index
                nums.append(index)
                nums.append(self.pdf.make_indirect(Array([owners.get(i) for i in range(max(owners) + 1)])))
            elif "/StructParents" in page:
                del page.StructParents
        key = len(pages)
        for _, annot, element in sorted(self.linked.values(), key=lambda entry: entry[0]):
            if root is None:
                break
            annot.StructParent = key
            nums.append(key)
            nums.append(element)
            key += 1
        for page in pages:
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
