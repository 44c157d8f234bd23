"""Reading real PDFs in tests: text per page, bookmarks with their pages, page labels, links."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader


def page_texts(pdf: Path) -> list[str]:
    """Text of each page, as poppler's pdftotext lays it out."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, 0-based page) of every bookmark, in order."""
    reader = PdfReader(pdf)
    found: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def labels(pdf: Path) -> list[str]:
    return list(PdfReader(pdf).page_labels)


def links(pdf: Path) -> list[tuple[int, object]]:
    """(0-based page, target) of every link: a page index for internal jumps, the URI otherwise."""
    reader = PdfReader(pdf)
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    found = []
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or ():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            dest = annot.get("/Dest")
            if action is not None and action.get("/S") == "/URI":
                found.append((index, str(action["/URI"])))
                continue
            if action is not None and action.get("/S") == "/GoTo":
                dest = action["/D"]
            if isinstance(dest, (str, bytes)):  # a named destination
                found.append((index, reader.get_destination_page_number(reader.named_destinations[str(dest)])))
            elif dest is not None:
                found.append((index, pages.get(dest[0].idnum)))
    return found


def logical(pdf: Path) -> bytes:
    """The PDF's objects, whatever their numbers in the file: QDF, numbered in reading order by qpdf, without
    its comments naming the file's own numbers, the cross-reference table or the file's random ID."""
    import io

    import pikepdf

    buffer = io.BytesIO()
    with pikepdf.open(pdf) as opened:
        opened.save(buffer, qdf=True, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    text = buffer.getvalue()
    text = text[: text.rindex(b"\nxref\n")]
    return b"\n".join(line for line in text.split(b"\n") if not line.startswith(b"%% Original object ID"))


def structure(pdf: Path) -> tuple[dict[str, str], list[tuple]]:
    """A tagged PDF's role map, and its structure tree in reading order: each element's depth, type, title,
    alternative text and language, and what it holds (marked content by page and MCID, annotations by page and
    target). The same for two files whose tags are the same, whatever their object numbers."""
    import pikepdf

    with pikepdf.open(pdf) as opened:
        pages = {page.obj.objgen: index for index, page in enumerate(opened.pages)}
        root = opened.Root.get("/StructTreeRoot")
        if root is None:
            return {}, []
        roles = {str(k): str(v) for k, v in (root.get("/RoleMap") or {}).items()}
        found: list[tuple] = []

        def page_of(node, page):
            pg = node.get("/Pg")
            return pages.get(pg.objgen) if pg is not None else page

        def walk(node, depth, page):
            kids = node.get("/K")
            kids = [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            for kid in kids:
                if isinstance(kid, int):
                    found.append((depth, "mcid", page, kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    found.append((depth, "mcid", page_of(kid, page), int(kid.MCID)))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    action = kid.Obj.get("/A")
                    target = str(action.get("/URI", action.get("/S"))) if action is not None else ""
                    found.append((depth, "annot", page_of(kid, page), target))
                elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    texts = tuple(str(kid.get(key, "")) for key in ("/T", "/Alt", "/ActualText", "/Lang"))
                    found.append((depth, str(kid.S), *texts))
                    walk(kid, depth + 1, page_of(kid, page))

        walk(root, 0, None)
        return roles, found
