"""Turn raw cell values into typed values, reporting what cannot be turned at its cell.

This module owns the value rules shared by every sheet: required cells, text, versions, dates,
whole numbers, choices, ID lists and file paths confined to the workbook's
folder (pictures and templates checked by their content). It imports
``binder.model``, ``binder.problems``, ``binder.errors`` and its own package
(python-docx only to read a picture's size).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from binder.errors import FileProblem
from binder.model import Origin
from binder.problems import Reporter
from binder.workbook import limits
from binder.workbook.reader import RawCell, RawRow
from binder.workbook.schema import sheet

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_VERSION = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9}){0,4}$")
"""``1``, ``1.0``, ``2.3``, ``1.10``, ``2.0.1``: what an SOP and its revisions are numbered with."""
_ID_SPLIT = re.compile(r"[,\n;]")
_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:)?[\\/]|^[A-Za-z]:")
"""``C:\\x``, ``C:x``, ``\\\\server\\share``, ``\\x``: absolute (or drive-relative) on Windows."""


def origin(row: RawRow) -> Origin:
    """Where a record comes from, for ``binder.model``."""
    return Origin(row.sheet, row.row, row.columns)


def required_filled(row: RawRow, sheet_name: str, problems: Reporter) -> bool:
    """Report every blank required cell of a non-blank row; True when none is blank.

    A cell a merged range covers is not reported again (the merged range is)."""
    ok = True
    for column in sheet(sheet_name).columns:
        cell = row.get(column.field)
        if column.required and row.has(column.field) and cell.blank:
            ok = False
            if not cell.covered:
                problems.error(
                    cell.coord,
                    f"{column.header} is required",
                    f"fill in {column.header}, or clear the whole row",
                    code="required-value",
                )
    return ok


def text(cell: RawCell) -> str:
    """Any value as text; whole numbers without ``.0``; dates in ISO form."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def version(cell: RawCell, problems: Reporter, label: str = "Version") -> str | None:
    """A version as text (numbers separated by dots); a number typed into Excel is accepted with a warning.

    None (and an error) when the cell holds something else."""
    typed = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
    if typed:
        value = repr(float(cell.value)) if isinstance(cell.value, float) else f"{cell.value}.0"
    else:
        value = text(cell).strip()
    if not _VERSION.fullmatch(value):
        problems.error(
            cell.coord,
            f'{label} "{_shown(cell) if not typed else value}" is not a version number',
            "use numbers separated by dots, e.g. 1.0 or 2.3",
            code="bad-version",
        )
        return None
    if typed:
        problems.warning(
            cell.coord,
            f"{label} {value} was typed as a number, so Excel may have changed it (1.10 becomes 1.1)",
            "format the cell as text and type the version again",
            code="version-as-number",
        )
    return value


def a_date(cell: RawCell, problems: Reporter, label: str) -> date | None:
    """A real Excel date or ISO text ``2026-01-31``; anything else is an error."""
    value = cell.value
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _ISO_DATE.match(str(value).strip()) if isinstance(value, str) else None
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    problems.error(
        cell.coord,
        f'{label} "{text(cell)}" is not a date',
        "enter a real date, or text in the form 2026-01-31",
        code="bad-date",
    )
    return None


def whole_number(cell: RawCell, problems: Reporter, label: str, low: int, high: int, default: int) -> int:
    """A whole number in ``low..high``; blank gives ``default``."""
    if cell.blank:
        return default
    value = cell.value
    number = None
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():  # is_integer() is False for nan and inf
        number = int(value)
    elif isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 18:
        number = int(value.strip())  # isdecimal, not isdigit: int() refuses superscripts such as "²"
    if number is None or not low <= number <= high:
        problems.error(
            cell.coord,
            f'{label} "{_shown(cell)}" must be a whole number from {low} to {high}',
            f"leave it blank for the default ({default})",
            code="bad-number",
        )
        return default
    return number


def _shown(cell: RawCell, limit: int = 60) -> str:
    """The cell's text for a message, shortened."""
    value = text(cell)
    return value if len(value) <= limit else value[:limit] + "…"


def choice(cell: RawCell, problems: Reporter, label: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``, matched case-insensitively; blank gives ``default``."""
    if cell.blank:
        return default
    wanted = text(cell).strip().casefold()
    for option in choices:
        if option.casefold() == wanted:
            return option
    problems.error(
        cell.coord,
        f'{label} "{text(cell)}" is not one of: {", ".join(choices)}',
        "pick a value from the dropdown",
        code="bad-choice",
    )
    return default


def id_list(cell: RawCell) -> tuple[str, ...]:
    """IDs separated by commas or new lines."""
    return tuple(part.strip() for part in _ID_SPLIT.split(text(cell)) if part.strip())


def confined_path(
    cell: RawCell, folder: Path, problems: Reporter, label: str, suffixes: tuple[str, ...]
) -> Path | None:
    """A file path relative to the workbook's folder that must stay inside it (symlinks resolved).

    A ``.docx`` file must also be a Word document by its content, within the zip limits.
    """
    raw = text(cell).strip()
    if not raw:
        return None
    shown = _shown(cell)
    try:
        root = folder.resolve()
        candidate = Path(raw)
        if candidate.is_absolute() or _WINDOWS_ABSOLUTE.match(raw):
            problems.error(
                cell.coord,
                f'{label} "{shown}" is an absolute path',
                "give a path relative to the workbook's folder",
                code="unsafe-path",
            )
            return None
        resolved = (root / candidate).resolve()
        if not resolved.is_relative_to(root):
            problems.error(
                cell.coord,
                f'{label} "{shown}" points outside the workbook\'s folder',
                "copy the file into the workbook's folder and give its relative path",
                code="unsafe-path",
            )
            return None
        if not resolved.is_file():
            problems.error(
                cell.coord, f'{label} "{shown}" does not exist', f"put the file at {resolved}", code="missing-file"
            )
            return None
    except (OSError, RuntimeError, ValueError) as exc:  # name too long, symlink loop, NUL byte ...
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        problems.error(
            cell.coord,
            f'{label} "{shown}" cannot be opened ({reason})',
            "give the relative path of a file in the workbook's folder",
            code="unreadable-file",
        )
        return None
    if suffixes and resolved.suffix.lower() not in suffixes:
        problems.error(
            cell.coord,
            f'{label} "{shown}" must be a {" or ".join(suffixes)} file',
            f"give the path of a {' or '.join(suffixes)} file",
            code="wrong-file-type",
        )
        return None
    if resolved.suffix.lower() == ".docx" and ".docx" in suffixes:
        if not _docx_ok(cell, resolved, problems, f'{label} "{shown}"'):
            return None
    return resolved


def _docx_ok(cell: RawCell, path: Path, problems: Reporter, named: str) -> bool:
    """``path`` is a Word document it is safe to open; else an error at ``cell`` (``named`` starts the message)."""
    hint = "save the template from Word as a .docx document"
    try:
        size = path.stat().st_size
        if size > limits.MAX_TEMPLATE_BYTES:
            problems.error(
                cell.coord,
                f"{named} is {size // 1_000_000} MB; the limit is {limits.MAX_TEMPLATE_BYTES // 1_000_000} MB",
                "save a smaller template",
                code="file-too-large",
            )
            return False
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(path, archive)
            if "word/document.xml" not in archive.namelist():
                problems.error(
                    cell.coord,
                    f"{named} is not a Word .docx file (it is a zip archive without a document)",
                    hint,
                    code="wrong-file-type",
                )
                return False
    except FileProblem as exc:
        problems.error(cell.coord, f"{named} is not safe to open: {exc.problems[0].message}", hint, code="zip-bomb")
        return False
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        problems.error(
            cell.coord,
            f"{named} is not a Word .docx file (its content is not a zip archive)",
            hint,
            code="wrong-file-type",
        )
        return False
    return True


def image_path(cell: RawCell, folder: Path, problems: Reporter, label: str) -> Path | None:
    """A PNG or JPEG inside the workbook's folder, recognised by its content, within the size limits."""
    from docx.image.image import Image

    path = confined_path(cell, folder, problems, label, ())
    if path is None:
        return None
    shown = _shown(cell)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > limits.MAX_IMAGE_BYTES:
        problems.error(
            cell.coord,
            f'{label} "{shown}" is {size // 1_000_000} MB; the limit is {limits.MAX_IMAGE_BYTES // 1_000_000} MB',
            "save a smaller picture",
            code="image-too-large",
        )
        return None
    try:
        image = Image.from_file(str(path))
        width, height = image.px_width, image.px_height
    except Exception:  # noqa: BLE001 - python-docx raises many types (not only UnrecognizedImageError) for damaged pictures
        problems.error(
            cell.coord,
            f'{label} "{shown}" is not a readable PNG or JPEG picture',
            "save the picture as PNG or JPEG",
            code="bad-image",
        )
        return None
    if image.content_type not in ("image/png", "image/jpeg"):
        problems.error(
            cell.coord,
            f'{label} "{shown}" is {image.content_type}, not PNG or JPEG',
            "save the picture as PNG or JPEG",
            code="wrong-file-type",
        )
        return None
    if width * height > limits.MAX_IMAGE_PIXELS or not width or not height:
        problems.error(
            cell.coord,
            f'{label} "{shown}" is {width}×{height} pixels; '
            f"the limit is {limits.MAX_IMAGE_PIXELS // 1_000_000} megapixels",
            "save a smaller picture",
            code="image-too-large",
        )
        return None
    return path
