"""The workbook file as a container: read it once, refuse what is not a safe .xlsx, open it with openpyxl.

A workbook is untrusted input. Before openpyxl sees it, the whole file is
checked here: its size, that it is a zip archive and an Excel workbook, zip-bomb
limits from the archive's directory (``binder.workbook.limits``), the checksum
of every part, and that no XML part declares a DTD or entities (openpyxl parses
with defusedxml as well; this refuses such a file with one clear message
whichever parser would have met it). Macros (``vbaProject.bin``) and external
links are never loaded, formulas are never evaluated. Everything wrong here is
about the whole file: a ``FileProblem`` with a problem code, raised, never a
traceback. This module owns no sheet or cell logic; it imports openpyxl,
``binder.errors``, ``binder.problems`` (through ``limits``) and
``binder.workbook.limits`` only.
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from pathlib import Path

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import ARC_STYLE, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

from binder.errors import FileProblem
from binder.workbook import limits
from binder.workbook.limits import refused

try:  # openpyxl parses with defusedxml when it is installed (a dependency of binder)
    from defusedxml import DefusedXmlException
except ImportError:  # pragma: no cover - defusedxml is a declared dependency

    class DefusedXmlException(ValueError):  # type: ignore[no-redef]
        pass


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UNSAFE_XML = "unsafe XML (entity declarations) refused"
_UNSAFE_HINT = "save the workbook again from Excel or Calc; workbooks never declare XML entities"
# A DTD or entity declaration, in UTF-8 or UTF-16 (either byte order), in any case. Real workbook parts never
# hold one. Looked for in the part lowered (ASCII): a search for each is several times faster than one
# case-insensitive regular expression for all six.
_DTD = tuple(
    word.encode(encoding) for word in ("<!doctype", "<!entity") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_DTD_OVERLAP = 32
_CHUNK = 1 << 20
_SAVE_AGAIN = "save the workbook again from Excel or Calc"
_RESTORE = "save the workbook again, or restore it from a copy"
_AS_XLSX = "open it in Excel or Calc and save it as .xlsx"


def read_bytes(path: Path) -> bytes:
    """The whole file, read once (what is checked is what is parsed), within the size limit."""
    try:
        if not path.exists():
            raise refused(
                path,
                "no such file",
                "give the path of an .xlsx workbook, or run `binder init` to make one",
                code="missing-file",
            )
        if path.is_dir():
            raise refused(path, "is a folder, not a workbook", "give the path of an .xlsx file", code="not-a-file")
        if not path.is_file():
            raise refused(path, "is not a regular file", "give the path of an .xlsx file", code="not-a-file")
        size = path.stat().st_size
        if size > limits.MAX_WORKBOOK_BYTES:
            raise refused(
                path,
                f"is {limits.size_text(size)}; workbooks over "
                f"{limits.size_text(limits.MAX_WORKBOOK_BYTES)} are refused",
                "split the workbook or remove embedded pictures",
                code="file-too-large",
            )
        with path.open("rb") as handle:
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since: read on, up to the limit
                data += handle.read(limits.MAX_WORKBOOK_BYTES + 1 - len(data))
    except OSError as exc:
        raise refused(
            path,
            f"could not be read ({exc.strerror or type(exc).__name__})",
            "check the file's permissions",
            code="unreadable-file",
        ) from None
    except ValueError:  # a NUL byte in the name
        raise refused(
            repr(str(path)), "is not a valid file name", "give the path of an .xlsx file", code="not-a-file"
        ) from None
    if len(data) > limits.MAX_WORKBOOK_BYTES:  # it grew while we looked
        raise refused(
            path,
            f"is over {limits.size_text(limits.MAX_WORKBOOK_BYTES)}; such workbooks are refused",
            "split the workbook or remove embedded pictures",
            code="file-too-large",
        )
    return data


def check_container(path: Path, data: bytes) -> None:
    """Refuse what is not a safe .xlsx before openpyxl sees it: one clear message, no traceback.

    The content decides, not the name: a workbook saved as ``.xlsm`` (its macros
    are never loaded) or with any other suffix reads the same; a CSV or an old
    ``.xls`` renamed ``.xlsx`` is refused.
    """
    if not data:
        raise refused(path, "is empty (0 bytes)", _SAVE_AGAIN, code="not-a-workbook")
    if data.startswith(_OLE_MAGIC):
        raise refused(
            path,
            "is password-protected or an old .xls file",
            "remove the password (or save as .xlsx) in Excel or Calc",
            code="encrypted-or-xls",
        )
    if not data.startswith(b"PK"):
        kind = "text (a CSV file renamed?)" if _looks_like_text(data) else "not a zip-based .xlsx file"
        raise refused(path, f"is not an Excel workbook: its content is {kind}", _AS_XLSX, code="not-a-workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            limits.check_zip(path, archive)
            if "xl/workbook.xml" not in set(archive.namelist()):
                raise refused(
                    path,
                    "is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                    "give the path of an .xlsx file",
                    code="not-a-workbook",
                )
            for info in archive.infolist():
                _check_part(path, archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise refused(
            path, "is damaged (truncated or not a valid zip archive)", _RESTORE, code="damaged-workbook"
        ) from None


def _declares(window: bytes) -> bool:
    lowered = window.lower()
    return any(word in lowered for word in _DTD)


def _check_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Unpack one part in chunks: its checksum must hold, and an XML part must declare no DTD or entity."""
    if info.is_dir():
        return
    if info.flag_bits & 0x1:
        raise refused(
            path,
            f"is damaged: part {info.filename} is encrypted",
            "remove the password in Excel or Calc and save the workbook again",
            code="damaged-workbook",
        )
    try:
        with archive.open(info) as part:
            chunk = part.read(_CHUNK)
            xml = _looks_like_xml(chunk)
            tail = b""
            while chunk:
                window = tail + chunk
                if xml and _declares(window):
                    raise refused(path, f"{UNSAFE_XML} (part {info.filename})", _UNSAFE_HINT, code="unsafe-xml")
                tail = window[-_DTD_OVERLAP:]
                chunk = part.read(_CHUNK)
    except FileProblem:
        raise
    except NotImplementedError:
        raise refused(
            path,
            f"is damaged: part {info.filename} uses a compression method binder cannot read",
            _SAVE_AGAIN,
            code="damaged-workbook",
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError):
        raise refused(
            path, f"is damaged: part {info.filename} fails its checksum", _RESTORE, code="damaged-workbook"
        ) from None


def _looks_like_xml(head: bytes) -> bool:
    """True when a part starts like an XML document (any encoding Excel or Calc uses)."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            return True
    stripped = head.lstrip(b" \t\r\n\x00")
    return stripped.startswith(b"<")


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    return b"\x00" not in head and all(b >= 9 for b in head)


def open_book(path: Path, data: bytes):
    """openpyxl's read-only workbook: sheets listed, shared strings and styles read, no macros, no links."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and conditional formats it does not keep.
            warnings.simplefilter("ignore")
            reader = _SheetListReader(
                io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False, rich_text=False
            )
            reader.read()
            return reader.wb
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for malformed parts
        raise unreadable(path, exc) from None


class _StreamedSheet(ReadOnlyWorksheet):
    """A read-only worksheet that does not parse its part to find its size on opening: binder streams
    every sheet's rows itself (``binder.workbook.sheets``), and that parse cost a millisecond a sheet."""

    def _get_size(self) -> None:
        pass


class _SheetListReader(ExcelReader):
    """openpyxl's reader listing the worksheets as ``_StreamedSheet``; chart sheets are not listed.

    Of the styles it reads only which cell styles show dates and durations, and it skips the document
    properties and theme: binder reads values, and building openpyxl's whole stylesheet (fonts, fills,
    borders, named styles) was half the time of opening a small workbook."""

    def read(self) -> None:
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        self._read_date_styles()
        self.read_worksheets()

    def _read_date_styles(self) -> None:
        """``wb._date_formats`` and ``wb._timedelta_formats`` as openpyxl's stylesheet sets them: the indexes of
        the cell formats (``cellXfs``) whose number format is a date or a duration."""
        try:
            root = fromstring(self.archive.read(ARC_STYLE))
        except KeyError:
            return
        ns = f"{{{SHEET_MAIN_NS}}}"
        custom = {
            int(fmt.get("numFmtId", "-1")): fmt.get("formatCode", "")
            for fmt in root.iterfind(f"{ns}numFmts/{ns}numFmt")
        }
        cell_formats = root.find(f"{ns}cellXfs")
        if cell_formats is None:
            return
        dates, durations = set(), set()
        for index, xf in enumerate(cell_formats.iterfind(f"{ns}xf")):
            number = int(xf.get("numFmtId", "0"))
            code = custom[number] if number in custom else builtin_format_code(number)
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
        self.wb._date_formats, self.wb._timedelta_formats = dates, durations

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


def damaged(path: Path, sheet: str, what: str) -> FileProblem:
    """A sheet whose XML is not a worksheet binder can place cells in."""
    return refused(path, f'is damaged: sheet "{sheet}" {what}', _SAVE_AGAIN, code="damaged-workbook")


def unreadable(path: Path, exc: Exception, sheet: str = "") -> FileProblem:
    """The ``FileProblem`` for whatever openpyxl (or its XML parser) raised."""
    if isinstance(exc, FileProblem):
        return exc
    if _caused_by(exc, DefusedXmlException):  # openpyxl wraps what its parser raised in a ValueError
        return refused(path, UNSAFE_XML, _UNSAFE_HINT, code="unsafe-xml")
    what = f'sheet "{sheet}" could not be read' if sheet else "could not be read as a workbook"
    return refused(path, f"{what} ({_reason(exc)})", _AS_XLSX, code="damaged-workbook")


def _caused_by(exc: BaseException | None, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__
