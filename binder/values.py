"""Turn raw cell values into typed values, reporting what cannot be turned at its cell."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from binder.problems import Problems
from binder.reader import RawCell

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_ID_SPLIT = re.compile(r"[,\n;]")


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
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        problems.error(cell.coord, f'{label} "{text(cell)}" must be a whole number from {low} to {high}',
                       f"leave it blank for the default ({default})")
        return default
    return number


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
    """A file path relative to the workbook's folder that must stay inside it (symlinks resolved)."""
    raw = text(cell).strip()
    if not raw:
        return None
    root = folder.resolve()
    candidate = Path(raw)
    if candidate.is_absolute():
        problems.error(cell.coord, f'{label} "{raw}" is an absolute path',
                       "give a path relative to the workbook's folder")
        return None
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root):
        problems.error(cell.coord, f'{label} "{raw}" points outside the workbook\'s folder',
                       "copy the file into the workbook's folder and give its relative path")
        return None
    if not resolved.is_file():
        problems.error(cell.coord, f'{label} "{raw}" does not exist', f"put the file at {resolved}")
        return None
    if suffixes and resolved.suffix.lower() not in suffixes:
        problems.error(cell.coord, f'{label} "{raw}" must be a {" or ".join(suffixes)} file')
        return None
    return resolved


def image_path(cell: RawCell, folder: Path, problems: Problems, label: str) -> Path | None:
    """A PNG or JPEG inside the workbook's folder, recognised by its content, within the size limits."""
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image

    from binder import limits

    path = confined_path(cell, folder, problems, label, ())
    if path is None:
        return None
    size = path.stat().st_size
    if size > limits.MAX_IMAGE_BYTES:
        problems.error(cell.coord, f'{label} "{text(cell)}" is {size // 1_000_000} MB; the limit is '
                       f"{limits.MAX_IMAGE_BYTES // 1_000_000} MB", "save a smaller picture")
        return None
    try:
        image = Image.from_file(str(path))
    except (UnrecognizedImageError, OSError, ValueError, IndexError, KeyError):
        problems.error(cell.coord, f'{label} "{text(cell)}" is not a readable PNG or JPEG picture',
                       "save the picture as PNG or JPEG")
        return None
    if image.content_type not in ("image/png", "image/jpeg"):
        problems.error(cell.coord, f'{label} "{text(cell)}" is {image.content_type}, not PNG or JPEG',
                       "save the picture as PNG or JPEG")
        return None
    if image.px_width * image.px_height > limits.MAX_IMAGE_PIXELS or not image.px_width:
        problems.error(cell.coord, f'{label} "{text(cell)}" is {image.px_width}×{image.px_height} pixels; '
                       f"the limit is {limits.MAX_IMAGE_PIXELS // 1_000_000} megapixels", "save a smaller picture")
        return None
    return path
