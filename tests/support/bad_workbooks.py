"""A corpus of bad workbooks, made by code from ``wb.base()``: one mutation each.

Every entry is ``(name, make, where, severity, message, count)``: ``make(path)``
writes the workbook at ``path`` (and any file it refers to next to it) and
returns the path; checking it must give, as its first problem, exactly
``where``, ``severity`` and ``message``, and ``count`` problems in all (one
mistake, one problem: nothing follows on from it). ``where`` is ``FILE`` for a problem with the
whole file (its path), ``""`` for a missing sheet, else ``Sheet!A1``.
``tests/workbook/test_corpus.py`` checks every entry.

Write the corpus to a folder, to open the files in Excel or Calc::

    .venv/bin/python tests/support/bad_workbooks.py OUTDIR

Nothing here is a hand-kept binary: the hostile files (XML and zip bombs,
damaged archives, DDE formulas...) are built by the helpers below.
"""

from __future__ import annotations

import struct
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wb  # noqa: E402

FILE = "<file>"
"""``where`` of a problem with the whole file: the workbook's path."""

SHEET_PART = {
    name: f"xl/worksheets/sheet{i}.xml"
    for i, name in enumerate(
        [
            "Settings",
            "Departments",
            "SOPs",
            "Steps",
            "Roles",
            "Definitions",
            "KPIs",
            "FAQ",
            "References",
            "Revisions",
            "Approvals",
            "Training",
        ],
        start=1,
    )
}
"""The part ``wb.write`` puts each sheet of the base workbook in."""

ETC_PASSWD = "file:///etc/passwd"


class Bad(NamedTuple):
    name: str
    make: Callable[[Path], Path]
    where: str
    severity: str
    message: str
    count: int = 1
    """How many problems the workbook gives in all."""

    def expected_where(self, path: Path) -> str:
        return str(path) if self.where == FILE else self.where


# ---------------------------------------------------------------- helpers: workbook data


def mutate(*changes: Callable[[dict], object]) -> Callable[[Path], Path]:
    """Write the base workbook after ``changes`` (functions of the data dict)."""

    def make(path: Path) -> Path:
        data = wb.base()
        for change in changes:
            change(data)
        return wb.write(path, data)

    return make


def put(sheet: str, index: int, header: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data[sheet][index][header] = value

    return change


def drop(sheet: str, index: int | None = None) -> Callable[[dict], None]:
    """Remove one row of ``sheet``, or the whole sheet."""

    def change(data: dict) -> None:
        if index is None:
            del data[sheet]
        else:
            del data[sheet][index]

    return change


def setting(key: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["Settings"].append({"Key": key, "Value": value})

    return change


def with_book(edit: Callable, *changes: Callable[[dict], object]) -> Callable[[Path], Path]:
    """Write the base workbook, then ``edit(openpyxl_book)`` and save it again."""

    def make(path: Path) -> Path:
        from openpyxl import load_workbook

        mutate(*changes)(path)
        book = load_workbook(path)
        edit(book)
        book.save(path)
        return path

    return make


def then(make: Callable[[Path], Path], *after: Callable[[Path], object]) -> Callable[[Path], Path]:
    """``make``, then each of ``after(path)`` (side files, zip edits)."""

    def run(path: Path) -> Path:
        make(path)
        for step in after:
            step(path)
        return path

    return run


def side_file(name: str, content: bytes) -> Callable[[Path], None]:
    """A file next to the workbook."""

    def write(path: Path) -> None:
        (path.parent / name).write_bytes(content)

    return write


def side_sparse(name: str, size: int, head: bytes) -> Callable[[Path], None]:
    """A file next to the workbook that starts with ``head`` and is ``size`` bytes long (sparse: no disk used)."""

    def write(path: Path) -> None:
        with open(path.parent / name, "wb") as file:
            file.write(head)
            file.truncate(size)

    return write


def side_link(name: str, target: str) -> Callable[[Path], None]:
    """A symbolic link next to the workbook."""

    def link(path: Path) -> None:
        place = path.parent / name
        if place.is_symlink() or place.exists():
            place.unlink()
        place.symlink_to(target)

    return link


def side_zip(name: str, parts: dict[str, bytes]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with zipfile.ZipFile(path.parent / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, body in parts.items():
                archive.writestr(part, body)

    return write


# ---------------------------------------------------------------- helpers: the zip archive and its XML


def rezip(path: Path, edit: Callable[[dict[str, bytes]], dict[str, bytes]], stored: tuple[str, ...] = ()) -> Path:
    """Rewrite the archive: ``edit`` gets and returns {part name: bytes}, in order; ``stored`` parts uncompressed."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    parts = edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return path


def patch_part(part: str, old: bytes, new: bytes, count: int = 1) -> Callable[[Path], Path]:
    """Replace ``old`` by ``new`` in one part (which must hold ``old``)."""

    def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
        assert old in parts[part], f"{old!r} not in {part}"
        parts[part] = parts[part].replace(old, new, count)
        return parts

    return lambda path: rezip(path, edit)


def add_parts(
    extra: dict[str, bytes], content_types: dict[str, str] | None = None, stored: bool = False
) -> Callable[[Path], Path]:
    """Add parts (uncompressed when ``stored``); ``content_types`` maps a part name to its registered type."""

    def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
        for name, ctype in (content_types or {}).items():
            override = f'<Override PartName="/{name}" ContentType="{ctype}"/></Types>'.encode()
            parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override)
        parts.update(extra)
        return parts

    return lambda path: rezip(path, edit, stored=tuple(extra) if stored else ())


def inline(text: str) -> bytes:
    """A cell's inline string as ``wb.write`` (openpyxl) writes it."""
    return f"<is><t>{text}</t></is>".encode()


def cell_xml(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr">'.encode() + inline(text) + b"</c>"


def doctype(entities: str, root: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [\n{entities}\n]>\n'.encode()


BILLION_LAUGHS = "\n".join(
    ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
)
"""Ten levels of ten: ``&lol9;`` expands to 10**9 "lol"s (3 GB) if anything resolves it."""
XXE = f'<!ENTITY xxe SYSTEM "{ETC_PASSWD}">'

SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def xml_bomb_in_sheet(sheet: str, ref: str, text: str) -> Callable[[Path], Path]:
    """Billion laughs in a worksheet part: the cell's text becomes ``&lol9;``."""

    def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
        body = parts[SHEET_PART[sheet]]
        body = body.replace(cell_xml(ref, text), f'<c r="{ref}" t="inlineStr"><is><t>&lol9;</t></is></c>'.encode())
        parts[SHEET_PART[sheet]] = doctype(BILLION_LAUGHS, "worksheet") + body
        return parts

    return lambda path: rezip(path, edit)


def xxe_in_shared_strings(sheet: str, ref: str, text: str) -> Callable[[Path], Path]:
    """A shared-strings part whose first string is ``&xxe;`` (/etc/passwd), used by the cell ``ref``."""

    def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
        ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        parts["xl/sharedStrings.xml"] = (
            doctype(XXE, "sst") + f'<sst xmlns="{ns}" count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'.encode()
        )
        override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/></Types>'.encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override)
        parts[SHEET_PART[sheet]] = parts[SHEET_PART[sheet]].replace(
            cell_xml(ref, text), f'<c r="{ref}" t="s"><v>0</v></c>'.encode()
        )
        return parts

    return lambda path: rezip(path, edit)


def _directory_entries(data: bytearray, part: str):
    """Offsets of ``part``'s central directory entry and local header, with the layout of each."""
    name = part.encode()
    # signature, offset of: flags, method, compressed size, name length, name
    for signature, layout in ((b"PK\x01\x02", (8, 10, 20, 28, 46)), (b"PK\x03\x04", (6, 8, 18, 26, 30))):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags_at, method_at, sizes_at, name_length_at, name_at = layout
            (length,) = struct.unpack_from("<H", data, start + name_length_at)
            if data[start + name_at : start + name_at + length] == name:
                yield start + flags_at, start + method_at, start + sizes_at
            start += 4


def declare_sizes(part: str, file_size: int, compress_size: int | None = None) -> Callable[[Path], Path]:
    """Make the zip directory declare other sizes for ``part`` (what a crafted zip bomb does)."""

    def patch(path: Path) -> Path:
        data = bytearray(path.read_bytes())
        for _, _, sizes_at in _directory_entries(data, part):
            (compressed,) = struct.unpack_from("<I", data, sizes_at)
            struct.pack_into("<II", data, sizes_at, compressed if compress_size is None else compress_size, file_size)
        path.write_bytes(bytes(data))
        return path

    return patch


def set_flag(part: str, *, flags: int | None = None, method: int | None = None) -> Callable[[Path], Path]:
    """Set the general-purpose flags or the compression method of ``part`` in the zip directory."""

    def patch(path: Path) -> Path:
        data = bytearray(path.read_bytes())
        for flags_at, method_at, _ in _directory_entries(data, part):
            if flags is not None:
                struct.pack_into("<H", data, flags_at, flags)
            if method is not None:
                struct.pack_into("<H", data, method_at, method)
        path.write_bytes(bytes(data))
        return path

    return patch


def zeros_part(name: str, size: int, compresslevel: int = 6) -> Callable[[Path], Path]:
    """Add a real zip bomb part: ``size`` zero bytes, streamed (never held in memory), compressed ~1000
    times (~200 times at ``compresslevel`` 1, which is three times quicker to write)."""

    def add(path: Path) -> Path:
        block = b"\0" * (1 << 20)
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
            with archive.open(name, "w", force_zip64=True) as part:
                left = size
                while left > 0:
                    part.write(block[: min(left, len(block))])
                    left -= len(block)
        return path

    return add


def many_parts(count: int) -> Callable[[Path], Path]:
    def add(path: Path) -> Path:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
            for i in range(count):
                archive.writestr(f"customXml/item{i}.txt", b"")
        return path

    return add


def corrupt_stored(part: str, old: bytes, new: bytes) -> Callable[[Path], Path]:
    """Store ``part`` uncompressed, then change bytes inside it without updating its checksum."""

    def patch(path: Path) -> Path:
        rezip(path, lambda parts: parts, stored=(part,))
        data = path.read_bytes()
        assert len(old) == len(new) and data.count(old) == 1
        path.write_bytes(data.replace(old, new))
        return path

    return patch


def raw(content: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path

    return make


def truncated(path: Path) -> Path:
    wb.write(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return path


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    import zlib

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def merge(cells: str, sheet: str) -> Callable:
    return lambda book: book[sheet].merge_cells(cells)


def rename_header(sheet: str, column: int, header: str) -> Callable:
    def edit(book) -> None:
        book[sheet].cell(row=1, column=column, value=header)

    return edit


def delete_column(sheet: str, column: int) -> Callable:
    return lambda book: book[sheet].delete_cols(column)


def far_row(sheet: str, row: int, value: str) -> Callable:
    return lambda book: book[sheet].cell(row=row, column=1, value=value)


def extra_sheet(title: str) -> Callable:
    def edit(book) -> None:
        book.create_sheet(title).append(["SOP ID"])

    return edit


# ---------------------------------------------------------------- the corpus

MB = 1 << 20
SOPS, STEPS = SHEET_PART["SOPs"], SHEET_PART["Steps"]
FIN_TITLE = cell_xml("B2", "Payroll processing")

CORPUS: list[Bad] = [
    # -------- the file itself
    Bad("file-empty", raw(b""), FILE, "error", "is empty (0 bytes)"),
    Bad(
        "file-csv-renamed",
        raw(b"SOP ID,Title\nFIN-001,Payroll processing\n"),
        FILE,
        "error",
        "is not an Excel workbook: its content is text (a CSV file renamed?)",
    ),
    Bad(
        "file-binary-junk",
        raw(bytes(range(256)) * 8),
        FILE,
        "error",
        "is not an Excel workbook: its content is not a zip-based .xlsx file",
    ),
    Bad(
        "file-encrypted-ole",
        raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096),
        FILE,
        "error",
        "is password-protected or an old .xls file",
    ),
    Bad("file-truncated-zip", truncated, FILE, "error", "is damaged (truncated or not a valid zip archive)"),
    Bad(
        "file-zip-not-a-workbook",
        plain_zip,
        FILE,
        "error",
        "is a zip archive but not an Excel workbook (no xl/workbook.xml)",
    ),
    Bad(
        "file-part-checksum",
        then(mutate(), corrupt_stored(SOPS, b"Payroll processing", b"Payroll processinG")),
        FILE,
        "error",
        f"is damaged: part {SOPS} fails its checksum",
    ),
    Bad(
        "file-part-encrypted",
        then(mutate(), set_flag("xl/styles.xml", flags=1)),
        FILE,
        "error",
        "is damaged: part xl/styles.xml is encrypted",
    ),
    Bad(
        "file-part-unknown-compression",
        then(mutate(), set_flag("xl/styles.xml", method=99)),
        FILE,
        "error",
        "is damaged: part xl/styles.xml uses a compression method binder cannot read",
    ),
    Bad(
        "file-xml-bomb",
        then(mutate(), xml_bomb_in_sheet("SOPs", "B2", "Payroll processing")),
        FILE,
        "error",
        f"unsafe XML (entity declarations) refused (part {SOPS})",
    ),
    Bad(
        "file-xxe-shared-strings",
        then(mutate(), xxe_in_shared_strings("SOPs", "B2", "Payroll processing")),
        FILE,
        "error",
        "unsafe XML (entity declarations) refused (part xl/sharedStrings.xml)",
    ),
    Bad(
        "file-zip-bomb-part",
        then(mutate(), zeros_part("xl/media/zeros.bin", 210 * MB, compresslevel=1)),
        FILE,
        "error",
        "part xl/media/zeros.bin would unpack to 220 MB (limit 200 MB): refused as a possible zip bomb",
    ),
    Bad(
        "file-zip-bomb-ratio",
        then(
            mutate(),
            add_parts({"xl/media/bomb.bin": b"\0" * 10_000}, stored=True),
            declare_sizes("xl/media/bomb.bin", 2_500_000),
        ),
        FILE,
        "error",
        "part xl/media/bomb.bin is compressed 250 times (limit 200): refused as a possible zip bomb",
    ),
    Bad(
        "file-zip-bomb-total",
        then(
            mutate(),
            add_parts({f"xl/media/big{i}.bin": b"\0" * 1000 for i in range(3)}),
            *[declare_sizes(f"xl/media/big{i}.bin", 190_000_000, 1_900_000) for i in range(3)],
        ),
        FILE,
        "error",
        "would unpack to 570 MB (limit 500 MB): refused as a possible zip bomb",
    ),
    Bad(
        "file-too-many-parts",
        then(mutate(), many_parts(10_000)),
        FILE,
        "error",
        "holds 10,020 parts (limit 10,000): refused as a possible zip bomb",
    ),
    Bad(
        "file-bad-cell-reference",
        then(mutate(), patch_part(SOPS, b'<c r="B2"', b'<c r="B0"')),
        FILE,
        "error",
        'is damaged: sheet "SOPs" has a cell reference "B0" outside the sheet',
    ),
    Bad(
        "file-bad-row-number",
        then(mutate(), patch_part(SOPS, b'<row r="2"', b'<row r="two"')),
        FILE,
        "error",
        'is damaged: sheet "SOPs" has a row number "two" that is not valid',
    ),
    # -------- sheets, headers and cells
    Bad("sheet-missing", mutate(drop("Roles")), "", "error", 'sheet "Roles" is missing'),
    Bad(
        "sheet-twice",
        with_book(extra_sheet(" steps ")),
        " steps !A1",
        "error",
        'sheet " steps " has the same name as sheet "Steps" and is not read',
    ),
    Bad(
        "sheet-too-many-rows",
        with_book(far_row("Steps", 50_002, "FIN-001")),
        "Steps!A50002",
        "error",
        "the sheet has more than 50,000 rows; at most 50,000 are read",
    ),
    Bad("column-missing", with_book(delete_column("FAQ", 3)), "FAQ!C1", "error", 'column "Answer" is missing'),
    Bad(
        "column-twice",
        with_book(rename_header("Roles", 3, "role")),
        "Roles!C1",
        "error",
        'column "Role" appears twice (also at Roles!B1)',
        2,
    ),  # and "Responsibility" is missing
    Bad(
        "column-misspelt",
        with_book(rename_header("Steps", 2, "Step no.")),
        "Steps!B1",
        "error",
        'column "Step" is missing; found "Step no.": rename it to "Step"',
    ),
    Bad("cells-merged", with_book(merge("E2:F2", "Steps")), "Steps!E2", "error", "cells E2:F2 are merged"),
    Bad(
        "cell-too-long",
        then(mutate(put("SOPs", 0, "Purpose", "LONG")), patch_part(SOPS, inline("LONG"), inline("x" * 40_000))),
        "SOPs!K2",
        "error",
        "the cell holds 40,000 characters; at most 32,767 are allowed",
    ),
    Bad(
        "cell-formula-without-result",
        mutate(put("SOPs", 0, "Title", '="Payroll "&"processing"')),
        "SOPs!B2",
        "error",
        "this formula has no saved result",
    ),
    Bad(
        "cell-dde-formula",
        mutate(put("Steps", 0, "Action", "=cmd|'/c calc'!A1")),
        "Steps!C2",
        "error",
        "this formula has no saved result",
    ),
    Bad(
        "cell-error-value",
        then(mutate(), patch_part(SOPS, FIN_TITLE, b'<c r="B2" t="e"><v>#REF!</v></c>')),
        "SOPs!B2",
        "error",
        "the cell shows the error #REF!",
    ),
    Bad(
        "cell-bad-number",
        then(mutate(), patch_part(SOPS, b'<c r="I2" t="n"><v>12</v></c>', b'<c r="I2" t="n"><v>12abc</v></c>')),
        "SOPs!I2",
        "error",
        'the number "12abc" cannot be read',
    ),
    Bad(
        "cell-huge-number",
        then(
            mutate(),
            patch_part(SOPS, b'<c r="I2" t="n"><v>12</v></c>', b'<c r="I2" t="n"><v>' + b"9" * 5000 + b"</v></c>"),
        ),
        "SOPs!I2",
        "error",
        f'the number "{"9" * 40}…" cannot be read',
    ),
    Bad(
        "cell-missing-shared-string",
        then(mutate(), patch_part(SOPS, FIN_TITLE, b'<c r="B2" t="s"><v>999</v></c>')),
        "SOPs!B2",
        "error",
        "the cell's text is missing from the workbook (shared string 999)",
    ),
    Bad(
        "cell-date-out-of-range",
        then(
            mutate(put("SOPs", 0, "Effective date", date(2026, 3, 1))),
            patch_part(SOPS, b"<v>46082</v>", b"<v>99999999</v>"),
        ),
        "SOPs!H2",
        "error",
        "the date (serial number 99999999) is out of range",
    ),
    Bad(
        "cell-bad-boolean",
        then(mutate(), patch_part(SOPS, FIN_TITLE, b'<c r="B2" t="b"><v>yes</v></c>')),
        "SOPs!B2",
        "error",
        'the TRUE/FALSE value "yes" cannot be read',
    ),
    Bad(
        "cell-lone-surrogate",
        mutate(put("Steps", 0, "Details", "broken _xD800_ text")),
        "Steps!E2",
        "warning",
        "characters that cannot appear in a document were removed",
    ),
    # -------- Settings
    Bad(
        "settings-paper-size",
        mutate(put("Settings", 1, "Value", "A5")),
        "Settings!B3",
        "error",
        'Paper size "A5" is not one of: A4, Letter',
    ),
    Bad(
        "settings-key-twice",
        mutate(setting("language", "fr")),
        "Settings!A6",
        "error",
        'setting "Language" is given twice (also at Settings!A4)',
    ),
    Bad(
        "settings-logo-symlink",
        then(
            mutate(setting("Logo", "settings-logo-symlink.png")), side_link("settings-logo-symlink.png", "/etc/passwd")
        ),
        "Settings!B6",
        "error",
        'Logo "settings-logo-symlink.png" points outside the workbook\'s folder',
    ),
    Bad(
        "settings-logo-text",
        then(
            mutate(setting("Logo", "settings-logo-text.png")),
            side_file("settings-logo-text.png", b"I am text, not a picture\n"),
        ),
        "Settings!B6",
        "error",
        'Logo "settings-logo-text.png" is not a readable PNG or JPEG picture',
    ),
    Bad(
        "settings-template-symlink",
        then(
            mutate(setting("Template", "settings-template-symlink.docx")),
            side_link("settings-template-symlink.docx", "../outside.docx"),
        ),
        "Settings!B6",
        "error",
        'Template "settings-template-symlink.docx" points outside the workbook\'s folder',
    ),
    # -------- Departments
    Bad(
        "dept-code-chars",
        mutate(put("Departments", 0, "Code", "FI N")),
        "Departments!A2",
        "error",
        'Code "FI N" may hold only letters, digits and -',
    ),
    Bad(
        "dept-code-twice",
        mutate(put("Departments", 1, "Code", "fin")),
        "Departments!A3",
        "error",
        'Code "fin" is used twice (also at Departments!A2)',
    ),
    Bad(
        "dept-code-too-long",
        mutate(put("Departments", 1, "Code", "O" * 65)),
        "Departments!A3",
        "error",
        f'Code "{"O" * 40}…" cannot be used in a file name: it is 65 characters long; at most 64 are allowed',
    ),
    Bad(
        "dept-name-required", mutate(put("Departments", 1, "Name", None)), "Departments!B3", "error", "Name is required"
    ),
    # -------- SOPs
    Bad(
        "sop-id-chars",
        mutate(put("SOPs", 2, "SOP ID", "OPS 002")),
        "SOPs!A4",
        "error",
        'SOP ID "OPS 002" may hold only letters, digits, -, . and _',
    ),
    Bad(
        "sop-id-reserved",
        mutate(put("SOPs", 2, "SOP ID", "CON")),
        "SOPs!A4",
        "error",
        'SOP ID "CON" cannot be used in a file name: CON is a reserved device name on Windows',
    ),
    Bad(
        "sop-id-dot-dot",
        mutate(put("SOPs", 2, "SOP ID", "..")),
        "SOPs!A4",
        "error",
        'SOP ID ".." cannot be used in a file name: ".." means a folder',
    ),
    Bad(
        "sop-version-text",
        mutate(put("SOPs", 0, "Version", "two")),
        "SOPs!D2",
        "error",
        'Version "two" is not a version number',
    ),
    Bad(
        "sop-department-unknown",
        mutate(put("SOPs", 0, "Department", "HR")),
        "SOPs!C2",
        "error",
        'Department "HR" is not a Code in the Departments sheet',
    ),
    Bad(
        "sop-status-choice",
        mutate(put("SOPs", 0, "Status", "Done")),
        "SOPs!E2",
        "error",
        'Status "Done" is not one of: Draft, In review, Approved, Retired',
    ),
    Bad(
        "sop-effective-date",
        mutate(put("SOPs", 0, "Effective date", "01/03/2026")),
        "SOPs!H2",
        "error",
        'Effective date "01/03/2026" is not a date',
    ),
    Bad(
        "sop-review-range",
        mutate(put("SOPs", 0, "Review every (months)", 61)),
        "SOPs!I2",
        "error",
        'Review every (months) "61" must be a whole number from 1 to 60',
    ),
    Bad(
        "sop-review-superscript",
        mutate(put("SOPs", 0, "Review every (months)", "²")),
        "SOPs!I2",
        "error",
        'Review every (months) "²" must be a whole number from 1 to 60',
    ),
    Bad(
        "sop-review-huge-integer",
        then(
            mutate(),
            patch_part(SOPS, b'<c r="I2" t="n"><v>12</v></c>', b'<c r="I2" t="n"><v>' + b"9" * 400 + b"</v></c>"),
        ),
        "SOPs!I2",
        "error",
        f'Review every (months) "{"9" * 60}…" must be a whole number from 1 to 60',
    ),
    Bad(
        "sop-format-choice",
        mutate(put("SOPs", 0, "Format", "Table")),
        "SOPs!J2",
        "error",
        'Format "Table" is not one of: Steps, Checklist, Flowchart',
    ),
    Bad(
        "sop-related-unknown",
        mutate(put("SOPs", 0, "Related SOPs", "OPS-001, XYZ-9")),
        "SOPs!O2",
        "error",
        'Related SOP "XYZ-9" is not in the SOPs sheet',
    ),
    Bad(
        "sop-template-outside",
        mutate(put("SOPs", 0, "Template", "../evil.docx")),
        "SOPs!P2",
        "error",
        'Template "../evil.docx" points outside the workbook\'s folder',
    ),
    Bad(
        "sop-template-not-zip",
        then(
            mutate(put("SOPs", 0, "Template", "sop-template-not-zip.docx")),
            side_file("sop-template-not-zip.docx", b"I am text, not a Word document\n"),
        ),
        "SOPs!P2",
        "error",
        'Template "sop-template-not-zip.docx" is not a Word .docx file (its content is not a zip archive)',
    ),
    Bad(
        "sop-template-zip-not-docx",
        then(
            mutate(put("SOPs", 0, "Template", "sop-template-zip.docx")),
            side_zip("sop-template-zip.docx", {"readme.txt": b"hello"}),
        ),
        "SOPs!P2",
        "error",
        'Template "sop-template-zip.docx" is not a Word .docx file (it is a zip archive without a document)',
    ),
    # -------- Steps
    Bad(
        "step-sop-unknown",
        mutate(put("Steps", 0, "SOP ID", "FIN-009")),
        "Steps!A2",
        "error",
        'SOP ID "FIN-009" is not in the SOPs sheet',
    ),
    Bad(
        "step-number-form",
        mutate(put("Steps", 0, "Step", "one")),
        "Steps!B2",
        "error",
        'Step "one" must be a number such as 3 or 2.1',
    ),
    Bad(
        "step-twice",
        mutate(put("Steps", 1, "Step", "1")),
        "Steps!B3",
        "error",
        "step 1 of FIN-001 appears twice (also at Steps!B2)",
    ),
    Bad(
        "step-substep-parent",
        mutate(put("Steps", 2, "Step", "7.1")),
        "Steps!B4",
        "error",
        "sub-step 7.1 of FIN-001 has no step 7",
    ),
    Bad(
        "step-decision-target",
        mutate(put("Steps", 4, "If no, go to", "9")),
        "Steps!I6",
        "error",
        'If no, go to "9": OPS-001 has no step 9',
    ),
    Bad(
        "step-image-absolute",
        mutate(put("Steps", 0, "Image", "/etc/passwd")),
        "Steps!J2",
        "error",
        'Image "/etc/passwd" is an absolute path',
    ),
    Bad(
        "step-image-traversal",
        mutate(put("Steps", 0, "Image", "../../etc/passwd")),
        "Steps!J2",
        "error",
        'Image "../../etc/passwd" points outside the workbook\'s folder',
    ),
    Bad(
        "step-image-text",
        then(
            mutate(put("Steps", 0, "Image", "step-image-text.png")),
            side_file("step-image-text.png", b"I am text, not a picture\n"),
        ),
        "Steps!J2",
        "error",
        'Image "step-image-text.png" is not a readable PNG or JPEG picture',
    ),
    Bad(
        "step-image-truncated-png",
        then(mutate(put("Steps", 0, "Image", "step-image-cut.png")), side_file("step-image-cut.png", png_bytes()[:20])),
        "Steps!J2",
        "error",
        'Image "step-image-cut.png" is not a readable PNG or JPEG picture',
    ),
    Bad(
        "step-image-gif-named-png",
        then(
            mutate(put("Steps", 0, "Image", "step-image-gif.png")),
            side_file(
                "step-image-gif.png",
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(6) + b"\xff" * 3 + b",\x00"
                b"\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            ),
        ),
        "Steps!J2",
        "error",
        'Image "step-image-gif.png" is image/gif, not PNG or JPEG',
    ),
    Bad(
        "step-image-too-many-pixels",
        then(
            mutate(put("Steps", 0, "Image", "step-image-huge.png")),
            side_file("step-image-huge.png", png_bytes()[:16] + struct.pack(">II", 10_000, 5_000) + png_bytes()[24:]),
        ),
        "Steps!J2",
        "error",
        'Image "step-image-huge.png" is 10000×5000 pixels; the limit is 40 megapixels',
    ),
    Bad(
        "step-image-too-many-bytes",
        then(
            mutate(put("Steps", 0, "Image", "step-image-big.png")),
            side_sparse("step-image-big.png", 21_000_000, png_bytes()),
        ),
        "Steps!J2",
        "error",
        'Image "step-image-big.png" is 21 MB; the limit is 20 MB',
    ),
    # -------- Roles, Definitions, KPIs, FAQ
    Bad("role-required", mutate(put("Roles", 0, "Role", None)), "Roles!B2", "error", "Role is required"),
    Bad(
        "definition-sop-unknown",
        mutate(put("Definitions", 1, "SOP ID", "NOPE-1")),
        "Definitions!A3",
        "error",
        'SOP ID "NOPE-1" is not in the SOPs sheet',
    ),
    Bad("kpi-target-required", mutate(put("KPIs", 0, "Target", None)), "KPIs!C2", "error", "Target is required"),
    Bad("faq-answer-required", mutate(put("FAQ", 0, "Answer", None)), "FAQ!C2", "error", "Answer is required"),
    # -------- References: links only http(s), mailto or an SOP ID
    *[
        Bad(
            f"reference-link-{scheme}",
            mutate(put("References", 0, "Link", link)),
            "References!C2",
            "error",
            f'Link "{link}" is not an http(s):// or mailto: address or an SOP ID',
        )
        for scheme, link in (
            ("javascript", "javascript:alert(1)"),
            ("file", ETC_PASSWD),
            ("ftp", "ftp://files.acme.test/policy.pdf"),
            ("data", "data:text/html,<b>hi</b>"),
        )
    ],
    Bad(
        "reference-link-unknown-sop",
        mutate(put("References", 1, "Link", "OPS-009")),
        "References!C3",
        "error",
        'Link "OPS-009" is not an SOP ID of the SOPs sheet',
    ),
    Bad(
        "reference-mailto-bcc",
        mutate(put("References", 0, "Link", "mailto:a@b.c%3Fbcc=x")),
        "References!C2",
        "error",
        'Link "mailto:a@b.c%3Fbcc=x" carries more than an e-mail address (?bcc=x)',
    ),
    # -------- Revisions, Approvals, Training
    Bad(
        "revision-order",
        mutate(put("Revisions", 1, "Date", date(2024, 1, 1))),
        "Revisions!C3",
        "error",
        "revision 2.0 of FIN-001 is dated 2024-01-01, before revision 1.0 (2025-01-10)",
    ),
    Bad(
        "revision-not-newest",
        mutate(put("SOPs", 0, "Version", "2.1")),
        "SOPs!D2",
        "error",
        "Version is 2.1 but the newest revision of FIN-001 is 2.0 (Revisions!B3)",
    ),
    Bad(
        "revision-after-effective",
        mutate(put("Revisions", 1, "Date", date(2026, 3, 5))),
        "Revisions!C3",
        "error",
        "revision 2.0 of FIN-001 is dated 2026-03-05, after the SOP's Effective date (2026-03-01)",
    ),
    Bad(
        "revision-missing",
        mutate(drop("Revisions", 2)),
        "SOPs!D3",
        "error",
        "OPS-001 is Approved at version 1.0 but has no revision in the Revisions sheet",
    ),
    Bad(
        "revision-version-text",
        mutate(put("Revisions", 1, "Version", "v2")),
        "Revisions!B3",
        "error",
        'Version "v2" is not a version number',
    ),
    Bad(
        "effective-too-early",
        mutate(put("SOPs", 0, "Effective date", date(2026, 1, 31))),
        "SOPs!H2",
        "error",
        "Effective date 2026-01-31 of FIN-001 is before its revision 2.0 (2026-02-01, Revisions!C3) "
        "and its approval (2026-02-20)",
    ),
    Bad(
        "approval-before-revision",
        mutate(put("Approvals", 1, "Date", date(2026, 1, 20))),
        "Approvals!E3",
        "error",
        "Approved by date 2026-01-20 is before revision 2.0 of FIN-001 (2026-02-01, Revisions!C3): "
        "version 2.0 was never approved",
    ),
    Bad(
        "approval-date-text",
        mutate(put("Approvals", 1, "Date", "soon")),
        "Approvals!E3",
        "error",
        'Date "soon" is not a date',
    ),
    Bad(
        "approval-role-choice",
        mutate(put("Approvals", 0, "Role", "Signed by")),
        "Approvals!B2",
        "error",
        'Role "Signed by" is not one of: Prepared by, Reviewed by, Approved by',
    ),
    Bad(
        "approval-after-effective",
        mutate(put("Approvals", 1, "Date", date(2026, 3, 5))),
        "Approvals!E3",
        "error",
        "Approved by date 2026-03-05 is after the effective date of FIN-001 (2026-03-01)",
    ),
    Bad(
        "training-pack-reserved",
        mutate(put("Training", 1, "Pack", "CON")),
        "Training!A3",
        "error",
        'Pack "CON" cannot be used in a file name: its file name con.pdf is reserved on Windows',
    ),
    Bad(
        "training-pack-same-file",
        mutate(put("Training", 1, "Pack", "New Finance Staff!")),
        "Training!A3",
        "error",
        'Pack "New Finance Staff!" gets the same file name (new-finance-staff.pdf) as pack "New finance staff" '
        "(Training!A2)",
    ),
    Bad(
        "training-draft",
        mutate(put("Training", 1, "SOP ID", "OPS-002")),
        "Training!B3",
        "error",
        "OPS-002 is Draft: a training pack may hold only Approved SOPs",
    ),
]


def write_corpus(folder: Path) -> list[Path]:
    """Every workbook of the corpus in ``folder``, named after its entry."""
    folder.mkdir(parents=True, exist_ok=True)
    return [bad.make(folder / f"{bad.name}.xlsx") for bad in CORPUS]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: {Path(sys.argv[0]).name} OUTDIR", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    for bad, path in zip(CORPUS, write_corpus(folder)):
        where = bad.where if bad.where != FILE else "(the file)"
        print(f"{path}: {where or '(workbook)'}: {bad.severity}: {bad.message[:100]}")
    print(f"{len(CORPUS)} bad workbooks in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
