"""Write an .xlsx workbook that follows the contract in ``binder.workbook.schema``.

Used by ``binder init`` (a blank workbook with example rows) and by
``tools/make_example.py`` (the shipped example). The sheet layout, headers,
notes, widths and dropdown choices all come from the schema; this module only
decides how they look in Excel. Imports openpyxl, ``binder.files`` and its own package only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from binder.files import atomic_write
from binder.workbook.schema import SETTING_KEYS, SHEETS, Column, Sheet, sheet
from binder.workbook.writing import IN_PLAIN_WORDS

INSTRUCTIONS = "Instructions"
LAST_ROW = 1000
"""Dropdowns reach down to this row: far more rows than any SOP workbook needs."""
DEPARTMENT_LIST_END = 200
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"

# The schema does not type its columns; these fields hold dates, or text that looks like a number
# (versions and step numbers: Excel would turn 1.10 into 1.1), on every sheet.
DATE_FIELDS = frozenset({"effective_date", "date"})
TEXT_FIELDS = frozenset({"version", "step", "if_yes", "if_no"})
WRAP_FROM_WIDTH = 28
"""Columns at least this wide hold sentences, so their text wraps."""
LINE_HEIGHT = 15
CHARS_PER_WIDTH = 1.0
"""Average characters of text per unit of column width (a unit is one "0")."""

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="BDD7EE")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

Rows = Mapping[str, Sequence[Mapping[str, object]]]


def write_workbook(path: Path, rows: Rows, *, instructions: bool = True) -> Path:
    """Write ``rows`` (sheet name → rows keyed by column ``field``) as a contract workbook at ``path``.

    Every sheet of the schema is written, in schema order, with a styled,
    frozen, filtered header row, header comments and dropdowns; an
    Instructions sheet comes first unless ``instructions`` is False. The file
    is replaced atomically. Returns ``path``.
    """
    _check_names(rows)
    wb = Workbook()
    wb.remove(wb.active)
    if instructions:
        write_instructions(wb.create_sheet(INSTRUCTIONS))
    for spec in SHEETS:
        _write_sheet(wb.create_sheet(spec.name), spec, rows.get(spec.name, ()))
    wb.active = 0
    save_atomically(wb, Path(path))
    return Path(path)


def _check_names(rows: Rows) -> None:
    """Refuse unknown sheets and fields: a typo would otherwise silently drop data."""
    known = {s.name: s for s in SHEETS}
    for name, sheet_rows in rows.items():
        if name not in known:
            raise ValueError(f"unknown sheet {name!r}; expected one of {', '.join(known)}")
        fields = {c.field for c in known[name].columns}
        for row in sheet_rows:
            unknown = set(row) - fields
            if unknown:
                raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))} on sheet {name}")


def save_atomically(wb: Workbook, path: Path) -> None:
    """Save ``wb`` to a temporary file beside ``path``, then move it over ``path`` in one step."""
    atomic_write(path, wb.save)


# --- data sheets -----------------------------------------------------------------------------


def _write_sheet(ws: Worksheet, spec: Sheet, rows: Sequence[Mapping[str, object]]) -> None:
    _write_header(ws, spec)
    _format_columns(ws, spec)
    for offset, row in enumerate(rows):
        _write_row(ws, spec, offset + 2, row)
    last = get_column_letter(len(spec.columns))
    ws.freeze_panes = "A2"
    fit_to_page_width(ws)
    ws.print_title_rows = "1:1"
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    _add_choice_lists(ws, spec)
    if spec.name == "SOPs":
        _add_department_list(ws, spec)
    if spec.name == "Training records":
        _add_sop_list(ws, spec)
    if spec.name == "Settings":
        _add_setting_lists(ws, rows)


def _write_header(ws: Worksheet, spec: Sheet) -> None:
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        cell.comment = _comment(column)
    # Bold text is wider than the estimate assumes, hence the narrower width.
    fit_height(ws, 1, max(line_count(c.header, c.width - 2) for c in spec.columns))


def _comment(column: Column) -> Comment:
    text = column.note + (" Required." if column.required else "")
    # Size the box to its text so Excel does not cut the note off.
    lines = max(2, line_count(text, 36))
    return Comment(text.strip(), "binder", height=20 + 15 * lines, width=260)


def _format_columns(ws: Worksheet, spec: Sheet) -> None:
    """Column-wide styles, so rows an author adds later get them too."""
    for index, column in enumerate(spec.columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.alignment = _alignment(column)
        number_format = _number_format(column)
        if number_format:
            dimension.number_format = number_format


def _alignment(column: Column) -> Alignment:
    return WRAP if column.width >= WRAP_FROM_WIDTH else TOP


def _number_format(column: Column) -> str:
    if column.field in DATE_FIELDS:
        return DATE_FORMAT
    if column.field in TEXT_FIELDS:
        return TEXT_FORMAT
    return ""


def _write_row(ws: Worksheet, spec: Sheet, target: int, row: Mapping[str, object]) -> None:
    lines = 1
    for index, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=target, column=index, value=_cell_value(column, row.get(column.field)))
        cell.alignment = _alignment(column)
        number_format = _number_format(column)
        if number_format:
            cell.number_format = number_format
        if cell.alignment.wrap_text:
            lines = max(lines, line_count(cell.value, column.width))
    fit_height(ws, target, lines)


def line_count(value: object, width: float) -> int:
    """Lines a wrapped text needs in a column ``width`` wide (an estimate: fonts vary)."""
    if not isinstance(value, str):
        return 1
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    return sum(max(1, len(textwrap.wrap(part, per_line))) for part in value.split("\n"))


def fit_height(ws: Worksheet, row: int, lines: int) -> None:
    """Make a row tall enough for its wrapped text: neither Excel nor Calc resizes rows on opening."""
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines


def _cell_value(column: Column, value: object) -> object:
    if value is None or value == "":
        return None
    if column.field in DATE_FIELDS:
        return _as_date(value, column)
    if column.field in TEXT_FIELDS:
        return str(value)
    return value


def _as_date(value: object, column: Column) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(f"{column.header}: {value!r} is not a date")


def fit_to_page_width(ws: Worksheet) -> None:
    """Print landscape, with all columns on one page width."""
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


# --- dropdowns -------------------------------------------------------------------------------


def _add_choice_lists(ws: Worksheet, spec: Sheet) -> None:
    for index, column in enumerate(spec.columns, start=1):
        if column.choices:
            letter = get_column_letter(index)
            _validation(ws, _quoted_list(column.choices), f"{letter}2:{letter}{LAST_ROW}", column.header)


def _add_department_list(ws: Worksheet, spec: Sheet) -> None:
    """The SOPs Department column offers the Codes typed in the Departments sheet."""
    departments = sheet("Departments")
    code = _letter(departments, "code")
    letter = _letter(spec, "department")
    source = f"{quote_sheetname(departments.name)}!${code}$2:${code}${DEPARTMENT_LIST_END}"
    _validation(
        ws,
        source,
        f"{letter}2:{letter}{LAST_ROW}",
        "Department",
        "Pick a Code from the Departments sheet (add the department there first).",
    )


def _add_sop_list(ws: Worksheet, spec: Sheet) -> None:
    """Training records' SOP ID column offers the IDs typed in the SOPs sheet."""
    sop_id, letter = _letter(sheet("SOPs"), "sop_id"), _letter(spec, "sop_id")
    source = f"{quote_sheetname('SOPs')}!${sop_id}$2:${sop_id}${LAST_ROW}"
    _validation(ws, source, f"{letter}2:{letter}{LAST_ROW}", "SOP ID", "Pick an SOP ID from the SOPs sheet.")


def _add_setting_lists(ws: Worksheet, rows: Sequence[Mapping[str, object]]) -> None:
    """Only the Value cell of a setting with fixed choices gets a dropdown: other values are free text."""
    value = _letter(sheet("Settings"), "value")
    for offset, row in enumerate(rows):
        key = str(row.get("key") or "").strip()
        choices = SETTING_KEYS.get(key, ("", "", ()))[2]
        if choices:
            _validation(ws, _quoted_list(choices), f"{value}{offset + 2}", key)


def _validation(ws: Worksheet, formula: str, cells: str, label: str, message: str = "") -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showDropDown=False,
        showErrorMessage=True,
        errorTitle=label,
        error=message or f"Pick a {label} from the list.",
    )
    dv.add(cells)
    ws.add_data_validation(dv)
    return dv


def _quoted_list(choices: Sequence[str]) -> str:
    return '"' + ",".join(choices) + '"'


def _letter(spec: Sheet, field: str) -> str:
    return get_column_letter([c.field for c in spec.columns].index(field) + 1)


# --- instructions ----------------------------------------------------------------------------

SHEET_PURPOSES = {
    "Settings": "Settings for the whole workbook: one row per Key.",
    "Departments": "One row per department. Each department gets its own binder.",
    "SOPs": "One row per procedure: its ID, title, department, version, status and the text of its opening sections.",
    "Steps": "The steps of each SOP, one row per step, numbered 1, 2, 2.1, 2.2, 3 ...",
    "Roles": "Who takes part in each SOP and what they are responsible for.",
    "Definitions": "Terms explained in an SOP. Leave SOP ID blank for a term that applies to every SOP.",
    "KPIs": "How the performance of each SOP is measured, with its target.",
    "FAQ": "Questions staff ask about an SOP, with their answers.",
    "References": "Documents an SOP refers to: a web page, an e-mail address or another SOP.",
    "Revisions": "The history of changes of each SOP, oldest first.",
    "Approvals": "Who prepared, reviewed and approved each SOP, and when.",
    "Training": "Training packs for onboarding: a pack name and the SOPs in it, in reading order.",
    "Training records": (
        "Who has been trained on which SOP: one row each time a person signs the read-and-understood sheet "
        "of a training pack, with the SOP's version printed on it and the date they signed. When an SOP is "
        "revised, everyone trained on an older version must be trained again: `binder training` lists them. "
        "You do not need to type these rows: `binder training record` copies them from a filled-in "
        "packs/...-record.xlsx. Pack names the pack the person follows, so SOPs of that pack they have not "
        "been trained on yet show as missing."
    ),
}

GENERAL_RULES = (
    (
        "Required cells",
        (
            "A column whose header is dark blue is required: fill it on every row you use "
            "(marked * in the list below). Hover over a header to read what goes in it."
        ),
    ),
    ("Example rows", "The rows already filled in are worked examples: change them or delete them."),
    ("Dates", "Type a real date (Excel shows it right-aligned) or text in the form 2026-01-31."),
    (
        "Versions",
        (
            "Versions and step numbers are text: the Version, Step and go-to columns are formatted as text, "
            "so 1.10 stays 1.10. In a cell formatted as a number, start with an apostrophe ('1.10), "
            "or Excel turns 1.10 into 1.1."
        ),
    ),
    ("Line breaks", "Press Alt+Enter (Option+Return on a Mac) for a new line inside a cell. Line breaks are kept."),
    ("ID lists", "In Related SOPs, separate SOP IDs with commas or new lines: FIN-001, FIN-002."),
    ("Dropdowns", "Status, Format, Type, Role, Department, Paper size and Language offer a dropdown list."),
    ("Blank rows", "Blank rows are skipped. Do not merge cells. Extra columns and sheets are ignored."),
    (
        "Statuses",
        (
            "Only Approved SOPs go into binders. Draft and In review are left out unless you build with "
            "--include-drafts; Retired SOPs never are."
        ),
    ),
    ("Writing checks", IN_PLAIN_WORDS),
)

COMMANDS = (
    ("Check", "binder validate sops.xlsx   (lists every problem with its sheet and cell, e.g. Steps!D14)"),
    ("Build", "binder build sops.xlsx --out output   (Word and PDF SOPs, one PDF binder per department)"),
    ("Reviews", "binder status sops.xlsx   (versions, effective dates and reviews that are due)"),
    (
        "Training",
        'binder training record packs/new-finance-staff-record.xlsx --person "Alex Morgan" sops.xlsx   '
        "(adds a filled-in training record to Training records; close the workbook first)\n"
        "binder training sops.xlsx   (who is current, who must retrain on a revised SOP, who has not been trained)",
    ),
)


def write_instructions(ws: Worksheet) -> None:
    """Fill ``ws`` with how to complete the workbook: rules, each sheet's purpose and columns, commands."""
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 110
    ws.append(["How to fill in this workbook"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            (
                "Each sheet has a header row (row 1) and one row per item below it. "
                "Sheets and columns are matched by name, so keep the header text as it is."
            )
        ]
    )
    _section(ws, "General rules", GENERAL_RULES)
    _section(ws, "The sheets", [(s.name, _describe(s)) for s in SHEETS])
    _section(ws, "Commands", COMMANDS)
    for row in ws.iter_rows(min_row=2):
        row[0].alignment = TOP
        if len(row) > 1:
            row[1].alignment = WRAP
            fit_height(ws, row[1].row, line_count(row[1].value, ws.column_dimensions["B"].width))
    fit_to_page_width(ws)


def _section(ws: Worksheet, title: str, lines: Sequence[tuple[str, str]]) -> None:
    ws.append([])
    ws.append([title])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
    for name, text in lines:
        ws.append([name, text])
        ws.cell(row=ws.max_row, column=1).font = HEADER_FONT


def _describe(spec: Sheet) -> str:
    purpose = SHEET_PURPOSES.get(spec.name) or spec.note
    optional = " (optional sheet)" if spec.optional else ""
    columns = ", ".join(c.header + ("*" if c.required else "") for c in spec.columns)
    text = f"{purpose}{optional}\nColumns: {columns}"
    if spec.name == "Settings":
        text += "".join(f"\n{key}: {meaning}" for key, (_, meaning, _) in SETTING_KEYS.items())
    return text
