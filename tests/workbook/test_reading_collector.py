"""Reading a workbook pauses Python's cyclic garbage collector (its objects hold no cycles) and always
resumes it, as it was, whatever the workbook."""

from __future__ import annotations

import gc

import pytest
import wb

from binder.errors import BinderError
from binder.workbook.load import check_workbook


def test_the_collector_runs_again_after_reading_a_good_workbook_and_a_broken_one(tmp_path):
    assert gc.isenabled()
    library, problems = check_workbook(wb.write(tmp_path / "book.xlsx"))
    assert library is not None and gc.isenabled()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(BinderError):
        check_workbook(broken)
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(tmp_path):
    gc.disable()
    try:
        check_workbook(wb.write(tmp_path / "book.xlsx"))
        assert not gc.isenabled()
    finally:
        gc.enable()
