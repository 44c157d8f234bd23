"""The look of the front matter: a front-matter template's content dressed in the styles of another
template (the Settings ``Template`` SOP template, or the ``Front template``), so covers, contents
and acknowledgement sheets look like the SOPs they hold.

The dressed document takes the style template's styles, theme (its theme fonts), numbering and
page margins; tables are sized to its text width. A style the content uses that the style template
lacks keeps its built-in definition, without its fonts, so it is drawn in the template's fonts.
"""

from __future__ import annotations

import io
from copy import deepcopy
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Length
from lxml import etree

from binder.document import template_files

CODE_STYLES = ("Hyperlink",)
"""Styles the build itself uses in front matter: the contents' links (LibreOffice drops a link
whose text has only direct formatting from the PDF)."""
_STYLE_REFS = (qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))
_VAL, _ID, _TYPE = qn("w:val"), qn("w:styleId"), qn("w:type")


def dressed(body: Path, styles: Path | None) -> bytes:
    """The .docx of ``body``'s content in ``styles``' look (``None``: its own look), every style it uses defined."""
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in (body, styles) if p is not None)
    return _dressed(str(body), str(styles) if styles else "", key)


@lru_cache(maxsize=16)
def _dressed(body: str, styles: str, _key: tuple) -> bytes:
    doc = Document(body)
    definitions = deepcopy(doc.styles.element)
    if styles:
        source = Document(styles)
        _take_look(doc, source)
    renames, _ = _define(doc.styles.element, definitions, _used_ids(doc) | _ids_of(definitions, CODE_STYLES))
    for root in _roots(doc):
        for ref in root.iter(*_STYLE_REFS):
            ref.set(_VAL, renames.get(ref.get(_VAL), ref.get(_VAL)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def missing_front_styles(styles: Path) -> tuple[str, ...]:
    """Names of the styles the built-in front matter uses that the template at ``styles`` lacks."""
    have = {(_name(s), s.get(_TYPE)) for s in Document(str(styles)).styles.element.findall(qn("w:style"))}
    missing: dict[str, None] = {}
    for body in (template_files.BINDER_FRONT, template_files.PACK_FRONT, template_files.ACKNOWLEDGEMENT):
        doc = Document(str(body))
        by_id = {s.get(_ID): s for s in doc.styles.element.findall(qn("w:style"))}
        for style_id in sorted(_used_ids(doc) | _ids_of(doc.styles.element, CODE_STYLES)):
            style = by_id.get(style_id)
            if style is not None and (_name(style), style.get(_TYPE)) not in have:
                missing[style.find(qn("w:name")).get(_VAL)] = None
    return tuple(missing)


def _take_look(doc, source) -> None:
    """Styles, theme, numbering and margins of ``source``; tables as wide as its text."""
    doc.part._styles_part._element = deepcopy(source.styles.element)
    for reltype in (RT.THEME, RT.NUMBERING):
        mine, theirs = _related(doc.part, reltype), _related(source.part, reltype)
        if mine is not None and theirs is not None:
            if hasattr(mine, "_element"):
                mine._element = deepcopy(theirs.element)
            else:
                mine._blob = theirs.blob
    model = source.sections[0]
    for section in doc.sections:
        for name in ("page_width", "page_height", "left_margin", "right_margin", "top_margin", "bottom_margin"):
            value = getattr(model, name)
            if value is not None:
                setattr(section, name, value)
    section = doc.sections[0]
    if section.page_width and section.left_margin is not None and section.right_margin is not None:
        width = Length(section.page_width - section.left_margin - section.right_margin).twips
        _fit_tables(doc.element.body, width)
        for root in _roots(doc)[1:]:
            # the footer's page number stands at a right tab at the built-in text width
            for tab in root.iter(qn("w:tab")):
                if tab.get(_VAL) == "right" and int(tab.get(qn("w:pos"), "0")) > width:
                    tab.set(qn("w:pos"), str(width))


def _related(part, reltype):
    return next((rel.target_part for rel in part.rels.values() if rel.reltype == reltype and not rel.is_external), None)


def _fit_tables(body, width: int) -> None:
    """Scale each table's fixed column widths to the text width (the built-in ones fill A4's)."""
    for table in body.iter(qn("w:tbl")):
        columns = table.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
        total = sum(int(c.get(qn("w:w"), "0")) for c in columns)
        if not total or abs(total - width) < 20:
            continue
        for element in (*columns, *table.iter(qn("w:tcW"), qn("w:tblW"))):
            if element.tag == qn("w:gridCol") or element.get(_TYPE) == "dxa":
                element.set(qn("w:w"), str(int(int(element.get(qn("w:w"), "0")) * width / total)))


def _define(target, definitions, used: set[str]) -> tuple[dict[str, str], list[str]]:
    """Map each used style id onto ``target``'s style of the same name, copying the definition when
    ``target`` has none. Returns (renames, names of the copied styles)."""
    by_name = {(_name(s), s.get(_TYPE)): s.get(_ID) for s in target.findall(qn("w:style"))}
    ids = {s.get(_ID) for s in target.findall(qn("w:style"))}
    originals = {s.get(_ID): s for s in definitions.findall(qn("w:style"))}
    renames: dict[str, str] = {}
    copied: list[str] = []

    def ensure(style_id: str) -> str:
        if style_id in renames:
            return renames[style_id]
        original = originals.get(style_id)
        if original is None:
            return style_id
        found = by_name.get((_name(original), original.get(_TYPE)))
        if found is not None:
            renames[style_id] = found
            return found
        new_id = style_id
        while new_id in ids:
            new_id += "Front"
        renames[style_id] = new_id
        ids.add(new_id)
        style = deepcopy(original)
        style.set(_ID, new_id)
        for fonts in list(style.iter(qn("w:rFonts"))):
            # the template's fonts, not the built-in ones: the style inherits its template's defaults
            fonts.getparent().remove(fonts)
        based = style.find(qn("w:basedOn"))
        if based is not None:
            based.set(_VAL, ensure(based.get(_VAL)))
        for tag in (qn("w:link"), qn("w:next")):
            ref = style.find(tag)
            if ref is not None and ref.get(_VAL) not in ids:
                style.remove(ref)
        target.append(style)
        copied.append(_name(original))
        return new_id

    for style_id in sorted(used):
        ensure(style_id)
    return renames, copied


def _used_ids(doc) -> set[str]:
    return {ref.get(_VAL) for root in _roots(doc) for ref in root.iter(*_STYLE_REFS)}


def _ids_of(styles, names: tuple[str, ...]) -> set[str]:
    wanted = {n.casefold() for n in names}
    return {s.get(_ID) for s in styles.findall(qn("w:style")) if _name(s) in wanted}


def _roots(doc) -> list[etree._Element]:
    """The body and every header and footer."""
    roots = [doc.element.body]
    for rel in doc.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            roots.append(rel.target_part.element)
    return roots


def _name(style) -> str:
    name = style.find(qn("w:name"))
    return (name.get(_VAL) if name is not None else style.get(_ID) or "").casefold()


def style_id(document, name: str) -> str:
    """The id of the style called ``name`` in ``document`` (python-docx's document), else ``name``."""
    for style in document.styles.element.findall(qn("w:style")):
        if _name(style) == name.casefold():
            return style.get(_ID)
    return name
