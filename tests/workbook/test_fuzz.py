"""Fuzzing the reader and validator with hypothesis: whatever the workbook holds, problems come out, never a crash.

Three levels, each bounded (60 examples, no deadline; about 20 s together, in the slow run; the
fast run tries a few examples of each):

* data: ``wb.base()`` with random cells of any type (numbers huge and not
  finite, dates, times, durations, booleans, any text including Excel's
  ``_xHHHH_`` escapes of control characters and lone surrogates, formulas),
  headers in random order, case and spacing, sheets missing, extra sheets and
  columns. openpyxl writes these files, so they are valid containers: reading
  them must never fail as a whole file.
* XML: random edits of the XML inside the parts (cell types, references, values,
  merged ranges, tokens cut out or doubled): a ``FileProblem`` naming the file,
  or problems at cells.
* bytes: random damage to the zip file itself: a ``FileProblem`` naming the file.

``BINDER_FUZZ_EXAMPLES=2000`` runs more examples in the slow tests (a longer hunt).

In every case each problem has a code, a severity, a message, and a place that is
``Sheet!A1``, the workbook's path, or "" for a missing sheet; every message
and every text read can be written out as UTF-8.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import bad_workbooks as bw
import pytest
import wb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from binder.errors import FileProblem
from binder.problems import to_json
from binder.workbook.load import check_workbook
from binder.workbook.schema import SHEETS

_BOUNDS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
FUZZ = settings(max_examples=int(os.environ.get("BINDER_FUZZ_EXAMPLES", "60")), **_BOUNDS)
QUICK = settings(max_examples=5, **_BOUNDS)
"""The fast run's taste of each fuzz test; the whole hunt (``FUZZ``) is the slow variant of the same test."""


def fuzz(*strategies):
    """Two tests from one body: ``(quick, full)``, a few examples in the fast run and the full count, ``slow``."""

    def both(body):
        return QUICK(given(*strategies)(body)), pytest.mark.slow(FUZZ(given(*strategies)(body)))

    return both


CELL = re.compile(r"^.+![A-Z]{1,3}[1-9][0-9]*$")
MISSING_SHEET = re.compile(r'^sheet "[^"]+" is missing$')
CODE = re.compile(r"[a-z]+(-[a-z]+)*")

# openpyxl refuses to write these (XML 1.0 cannot hold them); Excel stores them as _xHHHH_ escapes instead
_UNWRITABLE = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF]))
CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=_UNWRITABLE)
ESCAPES = st.sampled_from(
    ["_x0001_", "_x000B_", "_x001F_", "_xD800_", "_xDFFF_", "_xFFFE_", "_x005F_x0001_", "_x0041_", "_x0000_"]
)
PIECES = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        " ",
        "\t",
        "²",
        "٣",
        "１２",
        "9" * 60,
        "1.2.3",
        "2.1",
        "0",
        "-1",
        "FIN-001",
        "OPS-001",
        "OPS-002",
        "Approved",
        "Draft",
        "Retired",
        "Decision",
        "End",
        "Action",
        "Approved by",
        "A4",
        "fr",
        "Logo",
        "Template",
        "../x.png",
        "/etc/passwd",
        "..",
        "pics/",
        "a" * 300 + ".png",
        "x.docx",
        "https://acme.test/a",
        "mailto:a@b.c",
        "javascript:alert(1)",
        "2026-02-30",
        "2026-01-31",
        "0000-00-00",
        '"',
        "'",
        "&",
        "<b>",
        "{{ sop.title }}",
        "{%",
    ]
)
TEXT = st.lists(st.one_of(st.text(CHARS, max_size=12), ESCAPES, PIECES), max_size=5).map("".join)
FORMULA = st.text(CHARS, max_size=12).map(lambda t: "=" + t)
VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.integers(min_value=-(10**300), max_value=10**300),  # beyond ~1.8e308 openpyxl itself cannot write
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.times(),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10_000)),
    TEXT,
    TEXT,
    TEXT,
    FORMULA,
    st.sampled_from(["x" * 32_767, "y" * 33_000]),
)
SHEET_NAMES = [s.name for s in SHEETS]
HEADERS = {s.name: [c.header for c in s.columns] for s in SHEETS}
TITLE_CHARS = st.characters(blacklist_characters="\\*?:/[]'", blacklist_categories=("Cs", "Cc"))


@st.composite
def edits(draw):
    """(sheet, row index, header, value): row index past the end adds a row."""
    sheet = draw(st.sampled_from(SHEET_NAMES))
    row = draw(st.integers(min_value=0, max_value=len(wb.BASE.get(sheet, [])) + 1))
    header = draw(st.one_of(st.sampled_from(HEADERS[sheet]), st.text(CHARS, min_size=1, max_size=8)))
    return sheet, row, header, draw(VALUE)


def header_style(draw) -> callable:
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title, str.swapcase]))
    left, right = draw(st.sampled_from(["", " ", "  ", "\t"])), draw(st.sampled_from(["", " ", "   "]))
    return lambda header: f"{left}{case(header)}{right}"


@st.composite
def workbooks(draw):
    data = wb.base()
    for sheet, row, header, value in draw(st.lists(edits(), max_size=14)):
        rows = data.setdefault(sheet, [])  # a sheet the base workbook leaves out (Training records)
        while len(rows) <= row:
            rows.append({})
        rows[row][header] = value
    dropped = draw(st.sets(st.sampled_from(SHEET_NAMES), max_size=3))
    layout = {}
    for sheet in SHEET_NAMES:
        if sheet in dropped:
            continue
        headers = list(dict.fromkeys(HEADERS[sheet] + [h for row in data.get(sheet, []) for h in row]))
        headers = draw(st.permutations(headers))
        layout[sheet] = (headers, [header_style(draw) for _ in headers])
    extra = draw(
        st.lists(
            st.one_of(
                st.text(TITLE_CHARS, min_size=1, max_size=20).filter(lambda t: t.strip()),
                st.sampled_from([" steps ", "SOPS", "Instructions", "Sheet!1"]),
            ),
            max_size=2,
        )
    )
    order = draw(st.permutations(list(layout) + [f"extra:{t}" for t in extra]))
    return data, layout, order


def write(path: Path, data, layout, order) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name in order:
        if name.startswith("extra:"):
            book.create_sheet(name[len("extra:") :][:31]).append(["SOP ID", "Notes"])
            continue
        headers, styles = layout[name]
        ws = book.create_sheet(name)
        ws.append([style(h) for h, style in zip(headers, styles)])
        for row in data.get(name, []):
            ws.append([row.get(h) for h in headers])
    book.save(path)
    return path


def texts_of(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in texts_of(getattr(value, f.name))]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in texts_of(item)]
    return []


def check_problems(path: Path, problems) -> None:
    for p in problems:
        assert p.severity in ("error", "warning"), p
        assert isinstance(p.message, str) and p.message.strip(), p
        assert isinstance(p.hint, str), p
        assert CODE.fullmatch(p.code), p  # every problem has its stable code
        assert CELL.match(p.where) or p.where == str(path) or (p.where == "" and MISSING_SHEET.match(p.message)), p
        p.format(str(path)).encode("utf-8")
    to_json(tuple(problems), str(path)).encode("utf-8")


def checked(path: Path, *, file_problem_allowed: bool, **options):
    try:
        library, problems = check_workbook(path, today=wb.TODAY, **options)
    except FileProblem as exc:
        assert file_problem_allowed, f"a valid container was refused: {exc.problems[0].format()}"
        assert len(exc.problems) == 1 and exc.problems[0].where == str(path)
        check_problems(path, exc.problems)
        return None, exc.problems
    check_problems(path, problems)
    assert library is not None
    "\n".join(texts_of(library)).encode("utf-8")  # nothing unprintable reaches the documents
    return library, problems


def any_cell_values_and_layout_give_problems_never_a_crash(book, strict, include_drafts):
    data, layout, order = book
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "book.xlsx", data, layout, order)
        checked(path, file_problem_allowed=False, strict=strict, include_drafts=include_drafts)


(
    test_any_cell_values_and_layout_give_problems_never_a_crash_quick,
    test_any_cell_values_and_layout_give_problems_never_a_crash,
) = fuzz(workbooks(), st.booleans(), st.booleans())(any_cell_values_and_layout_give_problems_never_a_crash)


XML_TOKENS = st.sampled_from(
    [
        b'<c r="ZZZ9">',
        b'<c r="A0">',
        b'<c r="XFE1">',
        b"<c>",
        b"</c>",
        b"<row>",
        b'<row r="0">',
        b'<row r="2.5">',
        b'<row r="1048577">',
        b"</row>",
        b"<v>1e999</v>",
        b"<v>NaN</v>",
        b"<v>-1</v>",
        b"<v>99999999999</v>",
        b"<v>" + b"9" * 5000 + b"</v>",
        b"<v>x</v>",
        b't="e"',
        b't="s"',
        b't="b"',
        b't="d"',
        b't="str"',
        b't="n"',
        b's="99"',
        b's="x"',
        b"<f>A1</f>",
        b"<f/>",
        b"<is><t>x</t></is>",
        b"<is/>",
        b"&amp;",
        b"&#1;",
        b"&bogus;",
        b"_xD800_",
        b'<mergeCells><mergeCell ref="A1:B2"/></mergeCells>',
        b'<mergeCell ref="junk"/>',
        b'<mergeCell ref="$$:B2"/>',
        b"<v>1_000</v>",
        b'"',
        b"<",
        b"<!DOCTYPE x>",
        b"\x00",
        b"\xff\xfe",
        b"<sheetData/>",
        b'<dimension ref="A1:A2"/>',
    ]
)


@st.composite
def xml_edits(draw):
    """A part to edit and edits: (position fraction, bytes removed, bytes inserted, copies of the cut)."""
    part = draw(
        st.sampled_from(
            [bw.SHEET_PART[s] for s in SHEET_NAMES if s in bw.SHEET_PART] * 3
            + ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "_rels/.rels"]
        )
    )
    changes = draw(
        st.lists(
            st.tuples(
                st.floats(min_value=0, max_value=1),
                st.integers(0, 40),
                st.one_of(XML_TOKENS, st.binary(max_size=6)),
                st.integers(0, 2),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return part, changes


def apply_xml_edits(path: Path, part: str, changes) -> Path:
    def edit(parts: dict[str, bytes]) -> dict[str, bytes]:
        body = parts[part]
        for where, cut, token, copies in changes:
            at = int(where * len(body))
            removed = body[at : at + cut]
            body = body[:at] + token + removed * copies + body[at + cut :]
        parts[part] = body
        return parts

    return bw.rezip(path, edit)


def damaged_xml_inside_the_workbook_gives_problems_never_a_crash(edit):
    part, changes = edit
    with tempfile.TemporaryDirectory() as folder:
        path = apply_xml_edits(wb.write(Path(folder) / "book.xlsx"), part, changes)
        checked(path, file_problem_allowed=True)


(
    test_damaged_xml_inside_the_workbook_gives_problems_never_a_crash_quick,
    test_damaged_xml_inside_the_workbook_gives_problems_never_a_crash,
) = fuzz(xml_edits())(damaged_xml_inside_the_workbook_gives_problems_never_a_crash)


def damaged_zip_bytes_give_a_file_problem_never_a_crash(flips, cut):
    with tempfile.TemporaryDirectory() as folder:
        path = wb.write(Path(folder) / "book.xlsx")
        data = bytearray(path.read_bytes())
        for where, new in flips:
            at = min(int(where * len(data)), len(data) - 1)
            data[at : at + len(new)] = new
        if cut is not None:
            data = data[: int(cut * len(data))]
        path.write_bytes(bytes(data))
        checked(path, file_problem_allowed=True)


(
    test_damaged_zip_bytes_give_a_file_problem_never_a_crash_quick,
    test_damaged_zip_bytes_give_a_file_problem_never_a_crash,
) = fuzz(
    st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.binary(min_size=1, max_size=4)), min_size=1, max_size=5),
    st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)(damaged_zip_bytes_give_a_file_problem_never_a_crash)


def test_the_fuzzed_shapes_are_writable_at_their_extremes(tmp_path):
    """The generators' edges are files openpyxl can write (else the fuzz tests would test openpyxl)."""
    data = wb.base()
    data["SOPs"][0].update(
        {
            "Title": 10**300,
            "Owner": float("nan"),
            "Audience": time(12, 30),
            "Scope": timedelta(days=3),
            "Policy": "=" + "x",
            "Purpose": "_xD800_ok",
        }
    )
    layout = {s: (HEADERS[s], [str] * len(HEADERS[s])) for s in SHEET_NAMES}
    path = write(tmp_path / "book.xlsx", data, layout, SHEET_NAMES)
    _, problems = checked(path, file_problem_allowed=False)
    assert ("SOPs!M2", "error", "this formula has no saved result") in [
        (p.where, p.severity, p.message) for p in problems
    ]
    assert zipfile.is_zipfile(path)
