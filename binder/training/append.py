"""Append rows to one sheet of the user's workbook without touching anything else in it.

A workbook loaded and saved by openpyxl loses what openpyxl does not model
(pictures, some data validations and conditional formats, comments' layout,
styles it renumbers). So this module edits only the sheet's XML part inside the
zip: new ``<row>`` elements of inline-string and date cells, each cell styled
like the cell above it (or like its column), inserted before ``</sheetData>``,
and the sheet's ``<dimension>`` widened. Every other part is copied byte for
byte, in the same order. The new file replaces the old one atomically, with the
old one's permissions, and only when nobody changed it meanwhile. A workbook
open in Excel or Calc (their lock file beside it) is refused. Imports
``binder.errors``, ``binder.files`` and ``binder.workbook.container`` only
(with openpyxl to read the header row and the date styles).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel

from binder.errors import BinderError
from binder.files import atomic_write
from binder.workbook.container import check_container, open_book, read_bytes

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW = re.compile(r"<(?:\w+:)?row\b[^>]*>")
_ROW_NUMBER = re.compile(r"""\br=["'](\d+)["']""")
_CELL = re.compile(r"""<(?:\w+:)?c\b[^>]*\br=["']([A-Z]+)\d+["'][^>]*>""")
_COL = re.compile(r"<(?:\w+:)?col\b[^>]*>")
_SHEET_DATA = re.compile(r"<(\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(r"""(<(?:\w+:)?dimension\b[^>]*\bref=["'])([^"']*)(["'])""")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Refused(BinderError):
    """The workbook cannot be written now (open in Excel, changed meanwhile, a sheet missing): nothing was written."""

    exit_code = 1


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel (``~$NAME.xlsx``) and LibreOffice (``.~lock.NAME.xlsx#``) leave beside an open workbook."""
    found = []
    for place in dict.fromkeys([path, path.resolve()]):
        # Excel's owner file is ~$ + the name; Office's rule for names of 8 letters or more (Word's, at least)
        # puts ~$ over the first two letters: both are looked for.
        names = [f"~${place.name}", f".~lock.{place.name}#"]
        if len(place.stem) >= 8:
            names.append(f"~${place.name[2:]}")
        for name in names:
            lock = place.with_name(name)
            if lock.exists() and lock not in found:
                found.append(lock)
    return found


def refuse_if_open(path: Path) -> None:
    """Refuse a workbook open in Excel or Calc: they would overwrite the new rows when it is saved there."""
    locks = lock_files(path)
    if locks:
        raise Refused(
            f"{path} is open in Excel or LibreOffice (lock file {locks[0]}): nothing was written",
            hint="close the workbook there, then run the command again",
        )


def append_rows(path: Path, sheet: str, rows: Sequence[Mapping[str, object]], headers: Mapping[str, str]) -> list[str]:
    """Append ``rows`` (field → text or date) below the last row of ``sheet``; return the fields it has no column for.

    ``headers``: field → the header naming its column in row 1 (matched ignoring case and spaces)."""
    refuse_if_open(path)
    target = path.resolve()  # through a symbolic link: the file it points to is replaced, the link stays
    data = read_bytes(target)
    check_container(target, data)
    part, columns, date_styles, epoch = _sheet_part(target, data, sheet)
    wanted = {" ".join(h.split()).casefold(): f for f, h in headers.items()}
    letters = {wanted[h]: letter for letter, h in columns.items() if h in wanted}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode("utf-8")
        new_xml = _with_rows(xml, rows, letters, date_styles, epoch)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as copy:
            for info in archive.infolist():
                copy.writestr(info, new_xml.encode("utf-8") if info.filename == part else archive.read(info))
    mode = os.stat(target).st_mode & 0o7777

    def write(handle) -> None:
        if read_bytes(target) != data:
            raise Refused(f"{path} was changed while binder read it: nothing was written", hint="run the command again")
        handle.write(out.getvalue())
        os.fchmod(handle.fileno(), mode)

    atomic_write(target, write)
    return [f for f in headers if f not in letters]


def _sheet_part(path: Path, data: bytes, sheet: str) -> tuple[str, dict[str, str], set[int], object]:
    """The sheet's part name, its header row (letter → header, normalised), date style indices and date epoch."""
    book = open_book(path, data)
    try:
        match = next((ws for ws in book.worksheets if ws.title.strip().casefold() == sheet.casefold()), None)
        if match is None:
            raise Refused(
                f'{path} has no "{sheet}" sheet: nothing was written',
                hint=f'add a sheet named "{sheet}" with the header row of the one `binder init` writes '
                "(run `binder init blank.xlsx` and copy it), then run the command again",
            )
        title = match.title
        first = next(match.iter_rows(min_row=1, max_row=1), ())
        columns = {
            get_column_letter(cell.column): " ".join(str(cell.value).split()).casefold()
            for cell in first
            if getattr(cell, "value", None) not in (None, "")
        }
        date_styles, epoch = set(book._date_formats), book.epoch  # openpyxl 3.1 internals, as sheets.py reads them
    finally:
        book.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _part_of(archive, title), columns, date_styles, epoch


def _part_of(archive: zipfile.ZipFile, title: str) -> str:
    """The zip name of the worksheet titled ``title``: the workbook part, its sheet's r:id, the relationship."""
    root_rels = ElementTree.fromstring(archive.read("_rels/.rels"))
    workbook = next(
        r.get("Target", "")
        for r in root_rels.iter(f"{{{_PKG_REL_NS}}}Relationship")
        if r.get("Type", "").endswith("/officeDocument")
    ).lstrip("/")
    folder, name = posixpath.split(workbook)
    sheets = ElementTree.fromstring(archive.read(workbook)).iter(f"{{{_MAIN_NS}}}sheet")
    rid = next(s.get(f"{{{_REL_NS}}}id") for s in sheets if s.get("name") == title)
    rels = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    target = next(r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship") if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


def _with_rows(
    xml: str, rows: Sequence[Mapping[str, object]], letters: Mapping[str, str], date_styles: set[int], epoch
) -> str:
    """The sheet's XML with ``rows`` after its last row."""
    opening = _SHEET_DATA.search(xml)
    if opening is None:
        raise Refused(
            "the sheet's XML has no cell data binder can append to", hint="save the workbook again in Excel or Calc"
        )
    prefix = opening.group(1) or ""
    closing = len(xml) if opening.group(2) == "/" else xml.index(f"</{prefix}sheetData>", opening.end())
    existing = list(_ROW.finditer(xml, opening.end(), closing))
    last = max((int(m.group(1)) for r in existing if (m := _ROW_NUMBER.search(r.group(0)))), default=0)
    styles = _styles(xml, existing if last > 1 else [], letters)  # never the header row's bold and fill
    if any(isinstance(row.get(f), date) for row in rows for f in letters) and not _is_date_style(
        styles, letters, rows, date_styles
    ):
        fallback = min(date_styles) if date_styles else None
        styles = {**styles, **{f: fallback for f in letters if any(isinstance(row.get(f), date) for row in rows)}}
    order = sorted(letters.items(), key=lambda item: column_index_from_string(item[1]))
    new = "".join(
        _row(prefix, last + offset, row, order, styles, date_styles, epoch) for offset, row in enumerate(rows, start=1)
    )
    if opening.group(2) == "/":  # <sheetData/>: no rows yet
        xml = f"{xml[: opening.start()]}<{prefix}sheetData>{new}</{prefix}sheetData>{xml[opening.end() :]}"
    else:
        xml = xml[:closing] + new + xml[closing:]
    return _widen(xml, last + len(rows))


def _styles(xml: str, existing: list[re.Match], letters: Mapping[str, str]) -> dict[str, int | None]:
    """field → the style of its column's cell in the last row, else of the column, else none."""
    found: dict[str, int | None] = {}
    if existing:
        start = existing[-1].end()
        end = start if existing[-1].group(0).endswith("/>") else xml.find("row>", start)
        for cell in _CELL.finditer(xml, start, max(end, start)):
            cell_style = _attribute(cell.group(0), "s")
            for field, letter in letters.items():
                if cell.group(1) == letter and cell_style:
                    found[field] = int(cell_style)
    for col in _COL.finditer(xml):
        low, high, style = (_attribute(col.group(0), name) for name in ("min", "max", "style"))
        for field, letter in letters.items():
            if field not in found and low and high and style:
                if int(low) <= column_index_from_string(letter) <= int(high):
                    found[field] = int(style)
    return found


def _attribute(tag: str, name: str) -> str | None:
    """An attribute's value in a start tag (in any order, as Excel and Calc write them), when it is a number."""
    match = re.search(rf"""\s{name}=["'](\d+)["']""", tag)
    return match.group(1) if match else None


def _is_date_style(styles: Mapping[str, int | None], letters, rows, date_styles: set[int]) -> bool:
    return all(styles.get(f) in date_styles for f in letters if any(isinstance(row.get(f), date) for row in rows))


def _row(prefix: str, number: int, row: Mapping[str, object], order, styles, date_styles: set[int], epoch) -> str:
    cells = []
    for field, letter in order:
        value = row.get(field)
        if value in (None, ""):
            continue
        style = styles.get(field)
        s = f' s="{style}"' if style is not None else ""
        ref = f"{letter}{number}"
        if isinstance(value, date) and style in date_styles:
            cells.append(f'<{prefix}c r="{ref}"{s}><{prefix}v>{int(to_excel(value, epoch))}</{prefix}v></{prefix}c>')
            continue
        text = escape(_XML_ILLEGAL.sub("", value.isoformat() if isinstance(value, date) else str(value)))
        cells.append(
            f'<{prefix}c r="{ref}"{s} t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{prefix}c>'
        )
    return f'<{prefix}row r="{number}">{"".join(cells)}</{prefix}row>'


def _widen(xml: str, last_row: int) -> str:
    """The ``<dimension ref>`` reaching down to ``last_row``."""
    match = _DIMENSION.search(xml)
    if match is None:
        return xml
    start, _, end = match.group(2).partition(":")
    end = end or start
    letters = re.match(r"[A-Z]*", end)
    row = re.search(r"\d+$", end)
    if not letters or not row or int(row.group(0)) >= last_row:
        return xml
    return xml[: match.start(2)] + f"{start}:{letters.group(0)}{last_row}" + xml[match.end(2) :]
