"""A workbook saved by LibreOffice Calc (shared strings, its own XML) takes a record's rows, and Calc reads them back."""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from cli import run
from openpyxl import load_workbook

from binder.issue.record import write_record
from binder.workbook.blank import example_rows
from binder.workbook.load import check_workbook
from binder.workbook.load import load_workbook as load_library
from binder.workbook.writer import write_workbook

DAY = date(2026, 5, 4)
RECORDS_SHEET = 14  # Instructions, the 12 sheets before it, then Training records


def _calc(tmp_path: Path, source: Path, target: str, folder: Path) -> Path:
    """``source`` opened and saved by Calc as ``target`` (a --convert-to filter) in ``folder``."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    folder.mkdir(exist_ok=True)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return next(folder.iterdir())


@pytest.mark.slow
def test_a_calc_saved_workbook_takes_the_rows_and_calc_reads_them(tmp_path):
    book = _calc(tmp_path, write_workbook(tmp_path / "sops.xlsx", example_rows(DAY)), "xlsx", tmp_path / "calc")
    library = load_library(book, today=DAY).library
    record = write_record(library, library.packs[0], tmp_path / "record.xlsx", DAY)
    filled = load_workbook(record)
    filled.active["B4"], filled.active["E9"], filled.active["F9"] = "Jo Park", "JP", date(2026, 5, 6)
    filled.save(record)

    result = run("training", "record", record, book)
    assert result.returncode == 0 and "1 row(s) added" in result.stderr, result.stderr
    _, problems = check_workbook(book, today=DAY)
    assert [p.code for p in problems if p.is_error] == []

    options = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{RECORDS_SHEET}"
    sheet = _calc(tmp_path, book, options, tmp_path / "csv")
    with sheet.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Person", "SOP ID", "Version", "Date", "Trainer", "Pack"]
    assert rows[-1] == ["Jo Park", "FIN-001", "1.0", "2026-05-06", "", "New finance staff"]  # a date Calc shows as one
