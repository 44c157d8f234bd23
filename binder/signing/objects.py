"""Naming and comparing the objects of a PDF revision, for reports of what changed after signing.
Owns ``describe`` (objects named by what a reader sees: "page 3", "an annotation on page 2", "the
form", else "object 45"), ``plain`` (a PDF value as comparable Python data) and the small helpers
for reading dictionaries without following references, all over pyHanko's historical resolvers.
It may import pyHanko, and from binder only ``binder.errors``, ``binder.files``, ``binder.model``
and other ``binder.signing`` modules; never click, never rich.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver

LISTED = 4
"""Objects named in one finding before "and N more"."""
MAX_DEPTH, MAX_PARTS = 32, 100_000
"""How deep and how big a value ``plain`` compares."""


def describe(refs: list[generic.Reference], old: HistoricalResolver, new: HistoricalResolver) -> list[str]:
    """One line for the objects changed, one for those added, each named by its role where known."""
    roles = _roles(new)
    changed = [roles.get(r, f"object {r.idnum}") for r in refs if not old.is_ref_unassignable(r)]
    added = [roles.get(r, f"object {r.idnum}") for r in refs if old.is_ref_unassignable(r)]
    return [
        f"{_listing(names)} {verb} after signing" for verb, names in (("changed", changed), ("added", added)) if names
    ]


def _listing(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    more = len(unique) - LISTED
    return ", ".join(unique[:LISTED]) + (f" and {more} more" if more > 0 else "")


CATALOG_ROLES = {
    "/Pages": "the page tree",
    "/Outlines": "the bookmarks",
    "/AcroForm": "the form",
    "/Names": "the name dictionary",
    "/PageLabels": "the page labels",
    "/DSS": "the validation data",
    "/StructTreeRoot": "the structure tree",
    "/OpenAction": "the open action",
}


def _roles(resolver: HistoricalResolver) -> dict[generic.Reference, str]:
    """What the objects a reader sees are: the catalog, pages and their parts, the form..."""
    roles = {resolver.root_ref: "the document catalog"}
    for key, role in CATALOG_ROLES.items():
        ref = ref_of(raw(resolver.root, key))
        if ref is not None:
            roles.setdefault(ref, role)
    try:
        for number, page in enumerate(_pages(resolver.root.raw_get("/Pages")), start=1):
            _page_roles(roles, number, page)
    except Exception:  # a damaged page tree: name the objects by number instead
        pass
    return roles


def _pages(node, depth: int = 0, seen: set | None = None) -> Iterator:
    seen = set() if seen is None else seen
    ref = ref_of(node)
    if depth > 64 or (ref is not None and ref in seen):
        return
    seen.add(ref)
    obj = node.get_object()
    if "/Kids" in obj:
        for index in range(len(obj["/Kids"])):
            yield from _pages(obj["/Kids"].raw_get(index), depth + 1, seen)
    else:
        yield node


def _page_roles(roles: dict, number: int, page) -> None:
    obj = page.get_object()
    parts = [
        (page, f"page {number}"),
        (raw(obj, "/Resources"), f"the resources of page {number}"),
        (raw(obj, "/Contents"), f"the content of page {number}"),
        (raw(obj, "/Annots"), f"the annotations of page {number}"),
    ]
    for key, role in (("/Contents", f"the content of page {number}"), ("/Annots", f"an annotation on page {number}")):
        value = raw(obj, key)
        if value is not None and isinstance(value.get_object(), generic.ArrayObject):
            array = value.get_object()
            parts += [(array.raw_get(i), role) for i in range(len(array))]
    for value, role in parts:
        ref = ref_of(value)
        if ref is not None:
            roles.setdefault(ref, role)


# -- plain values -------------------------------------------------------------------------


def raw(dictionary, key: str):
    """``dictionary[key]`` without following a reference; None when absent."""
    try:
        return dictionary.raw_get(key)
    except (KeyError, AttributeError):
        return None


def ref_of(value) -> generic.Reference | None:
    return value.reference if isinstance(value, generic.IndirectObject) else None


def plain(value, resolve: bool = False):
    """A PDF value as comparable Python data: references kept as such unless ``resolve``.

    A value too deep or too big to compare (a reference loop, say) never equals anything, so a
    comparison reports it as changed rather than spending forever on it.
    """
    return _plain(value, resolve, 0, [MAX_PARTS])


def _plain(value, resolve: bool, depth: int, budget: list[int]):
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        return object()
    if isinstance(value, generic.IndirectObject):
        if not resolve:
            return ("ref", value.reference.idnum, value.reference.generation)
        value = value.get_object()
    if isinstance(value, generic.StreamObject):
        return ("stream", _plain_dict(value, resolve, depth, budget), bytes(value.encoded_data or b""))
    if isinstance(value, generic.DictionaryObject):
        return _plain_dict(value, resolve, depth, budget)
    if isinstance(value, generic.ArrayObject):
        return tuple(_plain(value.raw_get(i), resolve, depth + 1, budget) for i in range(len(value)))
    if isinstance(value, (generic.TextStringObject, generic.NameObject)):
        return str(value)
    if isinstance(value, generic.ByteStringObject):
        return bytes(value)
    return value if value is None or isinstance(value, (bool, int, float)) else repr(value)


def _plain_dict(value: generic.DictionaryObject, resolve: bool, depth: int, budget: list[int]):
    return tuple(
        sorted(
            ((str(key), _plain(value.raw_get(key), resolve, depth + 1, budget)) for key in value),
            key=lambda item: item[0],
        )
    )
