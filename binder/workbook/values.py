"""Turn raw cell values into typed values, reporting what cannot be turned at its cell."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from binder.workbook import limits
from binder.errors import FileProblem
from binder.problems import Problems
from binder.workbook.reader import RawCell

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_ID_SPLIT = re.compile(r"[,\n;]")
_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:)?[\\/]|^[A-Za-z]:")
"""``C:\\x``, ``C:x``, ``\\\\server\\share``, ``\\x``: absolute (or drive-relative) on Windows."""


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


def version(cell: RawCell, problems: Problems, label: str = "Version") -> str:
    """A version as text; a number typed into Excel is accepted with a warning."""
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        value = repr(float(cell.value)) if isinstance(cell.value, float) else f"{cell.value}.0"
        problems.warning(cell.coord, f"{label} {value} was typed as a number, so Excel may have changed it (1.10 becomes 1.1)",
                         "format the cell as text and type the version again")
        return value
    return text(cell)


def a_date(cell: RawCell, problems: Problems, label: str) -> date | None:
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
    problems.error(cell.coord, f'{label} "{text(cell)}" is not a date',
                   "enter a real date, or text in the form 2026-01-31")
    return None


def whole_number(cell: RawCell, problems: Problems, label: str, low: int, high: int, default: int) -> int:
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
        problems.error(cell.coord, f'{label} "{_shown(cell)}" must be a whole number from {low} to {high}',
                       f"leave it blank for the default ({default})")
        return default
    return number


def _shown(cell: RawCell, limit: int = 60) -> str:
    """The cell's text for a message, shortened."""
    value = text(cell)
    return value if len(value) <= limit else value[:limit] + "…"


def choice(cell: RawCell, problems: Problems, label: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices``, matched case-insensitively; blank gives ``default``."""
    if cell.blank:
        return default
    wanted = text(cell).strip().casefold()
    for option in choices:
        if option.casefold() == wanted:
            return option
    problems.error(cell.coord, f'{label} "{text(cell)}" is not one of: {", ".join(choices)}',
                   "pick a value from the dropdown")
    return default


def id_list(cell: RawCell) -> tuple[str, ...]:
    """IDs separated by commas or new lines."""
    return tuple(part.strip() for part in _ID_SPLIT.split(text(cell)) if part.strip())


def confined_path(cell: RawCell, folder: Path, problems: Problems, label: str,
                  suffixes: tuple[str, ...]) -> Path | None:
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
            problems.error(cell.coord, f'{label} "{shown}" is an absolute path',
                           "give a path relative to the workbook's folder")
            return None
        resolved = (root / candidate).resolve()
        if not resolved.is_relative_to(root):
            problems.error(cell.coord, f'{label} "{shown}" points outside the workbook\'s folder',
                           "copy the file into the workbook's folder and give its relative path")
            return None
        if not resolved.is_file():
            problems.error(cell.coord, f'{label} "{shown}" does not exist', f"put the file at {resolved}")
            return None
    except (OSError, RuntimeError, ValueError) as exc:  # name too long, symlink loop, NUL byte ...
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        problems.error(cell.coord, f'{label} "{shown}" cannot be opened ({reason})',
                       "give the relative path of a file in the workbook's folder")
        return None
    if suffixes and resolved.suffix.lower() not in suffixes:
        problems.error(cell.coord, f'{label} "{shown}" must be a {" or ".join(suffixes)} file')
        return None
    if resolved.suffix.lower() == ".docx" and ".docx" in suffixes:
        wrong = _not_a_docx(resolved)
        if wrong:
            problems.error(cell.coord, f'{label} "{shown}" {wrong}', "save the template from Word as a .docx document")
            return None
    return resolved


def _not_a_docx(path: Path) -> str:
    """Why ``path`` is not a Word document it is safe to open, or ""."""
    try:
        size = path.stat().st_size
        if size > limits.MAX_TEMPLATE_BYTES:
            return f"is {size // 1_000_000} MB; the limit is {limits.MAX_TEMPLATE_BYTES // 1_000_000} MB"
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(path, archive)
            if "word/document.xml" not in archive.namelist():
                return "is not a Word .docx file (it is a zip archive without a document)"
    except FileProblem as exc:
        return f"is not safe to open: {exc.problems[0].message}"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "is not a Word .docx file (its content is not a zip archive)"
    return ""


def image_path(cell: RawCell, folder: Path, problems: Problems, label: str) -> Path | None:
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
        problems.error(cell.coord, f'{label} "{shown}" is {size // 1_000_000} MB; the limit is '
                       f"{limits.MAX_IMAGE_BYTES // 1_000_000} MB", "save a smaller picture")
        return None
    try:
        image = Image.from_file(str(path))
        width, height = image.px_width, image.px_height
    except Exception:  # python-docx raises many types (not only UnrecognizedImageError) for damaged pictures
        problems.error(cell.coord, f'{label} "{shown}" is not a readable PNG or JPEG picture',
                       "save the picture as PNG or JPEG")
        return None
    if image.content_type not in ("image/png", "image/jpeg"):
        problems.error(cell.coord, f'{label} "{shown}" is {image.content_type}, not PNG or JPEG',
                       "save the picture as PNG or JPEG")
        return None
    if width * height > limits.MAX_IMAGE_PIXELS or not width or not height:
        problems.error(cell.coord, f'{label} "{shown}" is {width}×{height} pixels; '
                       f"the limit is {limits.MAX_IMAGE_PIXELS // 1_000_000} megapixels", "save a smaller picture")
        return None
    return path
