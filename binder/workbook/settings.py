"""The Settings sheet: key/value rows with defaults.

Owns reading the Settings sheet into ``binder.model.Settings``; imports
``binder.model``, ``binder.problems`` and its own package only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from binder.model import Settings
from binder.problems import Problems
from binder.workbook import values as v
from binder.workbook.reader import RawRow
from binder.workbook.schema import SETTING_KEYS

_FILE_SUFFIXES = {"template": (".docx",), "front_template": (".docx",)}


def read_settings(rows: tuple[RawRow, ...], folder: Path, problems: Problems) -> Settings:
    """Settings from the sheet's rows; unknown keys warned about, bad values reported at the Value cell."""
    by_field: dict[str, Any] = {}  # Settings' keyword arguments, each field's own type
    origins: list[tuple[str, str]] = []
    keys = {k.casefold(): k for k in SETTING_KEYS}
    seen: dict[str, str] = {}
    for row in rows:
        key_cell, value_cell = row.get("key"), row.get("value")
        raw_key = v.text(key_cell).strip()
        key = keys.get(raw_key.casefold())
        if key is None:
            if raw_key:
                problems.warning(
                    key_cell.coord,
                    f'setting "{raw_key}" is unknown and ignored',
                    "known settings: " + ", ".join(SETTING_KEYS),
                    code="unknown-setting",
                )
            elif not value_cell.blank:
                problems.error(
                    key_cell.coord, "Key is required", "name the setting, or clear the row", code="required-value"
                )
            continue
        if key in seen:
            problems.error(
                key_cell.coord,
                f'setting "{key}" is given twice (also at {seen[key]})',
                "keep one of them",
                code="duplicate-setting",
            )
            continue
        seen[key] = key_cell.coord
        origins.append((key, value_cell.coord))
        field, _, choices = SETTING_KEYS[key]
        if field == "logo":
            by_field[field] = v.image_path(value_cell, folder, problems, key)
        elif field in _FILE_SUFFIXES:
            by_field[field] = v.confined_path(value_cell, folder, problems, key, _FILE_SUFFIXES[field])
        elif field == "ignore":
            by_field[field] = _ignored(value_cell, problems)
        elif field == "readability_threshold":
            by_field[field] = v.whole_number(value_cell, problems, key, 0, 100, Settings.readability_threshold)
        elif choices:
            default = Settings.__dataclass_fields__[field].default
            assert isinstance(default, str)  # the settings with choices are text fields with a default
            by_field[field] = v.choice(value_cell, problems, key, choices, default)
        else:
            by_field[field] = v.text(value_cell)
    return Settings(**by_field, origins=tuple(origins))


_CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _ignored(cell, problems: Problems) -> tuple[tuple[str, str], ...]:
    """``review-overdue, unknown-role; FIN-003: unreachable-step`` → ("", code) and (SOP ID, code) pairs."""
    pairs = []
    for entry in re.split(r"[;\n]", v.text(cell)):
        sop_id, _, codes = entry.rpartition(":")
        for code in (c.strip() for c in codes.split(",")):
            if not code:
                continue
            if not _CODE.match(code):
                problems.error(
                    cell.coord,
                    f'"{code}" is not a warning code',
                    "use the codes printed in brackets after each warning, e.g. review-overdue",
                    code="bad-choice",
                )
                continue
            pairs.append((sop_id.strip(), code))
    return tuple(pairs)
