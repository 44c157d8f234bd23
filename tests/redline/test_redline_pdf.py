"""The redline on a real binder: two builds with LibreOffice (before and after FIN-001 is revised),
the changes page read from the PDF, the runs of its Word file checked for underline and strike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import wb
from docx import Document
from pipeline import page_texts, revised_fin_001

from binder.build import BuildOptions, build
from binder.issue import front
from binder.redline.content import contents_of
from binder.redline.diff import diff_contents

pytestmark = pytest.mark.slow


def fin_only(data: dict) -> dict:
    """The base workbook with FIN-001 alone and no training pack: one SOP and one binder to convert."""
    for sheet, rows in data.items():
        if sheet not in ("Settings", "Departments"):
            data[sheet] = [r for r in rows if r.get("SOP ID", "FIN-001") == "FIN-001"]
    data["SOPs"][0].pop("Related SOPs")
    data["References"] = [r for r in data["References"] if r["Link"] != "OPS-001"]
    data["Training"] = []
    return data


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    """(first build's copy, second build's folder, the changes page's Word file) after a revision of FIN-001."""
    tmp = tmp_path_factory.mktemp("redline")
    book, out = tmp / "book.xlsx", tmp / "out"
    wb.write(book, fin_only(wb.base()))
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))
    shutil.copytree(out, tmp / "first")
    data = revised_fin_001(fin_only(wb.base()), "Collect the signed forms.")
    data["SOPs"][0]["Purpose"] = "Pay all staff correctly, on the last working day."
    del data["Steps"][2]  # 2.1 Check overtime.
    data["Steps"].append(
        {"SOP ID": "FIN-001", "Step": "4", "Action": "File the payslips.", "Responsible": "Payroll clerk"}
    )
    wb.write(book, data)
    caught: list[Path] = []
    render = front.render_front

    def keep(library, spec, starts, issued, target):
        made = render(library, spec, starts, issued, target)
        caught.append(Path(shutil.copy(made, tmp / f"front-{len(caught)}.docx")))
        return made

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(front, "render_front", keep)
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))
    return tmp / "first", out, caught[-1]


def test_the_changes_page_of_the_pdf_shows_old_and_new_words(revised):
    _, out, _ = revised
    (page,) = [t for t in page_texts(out / "binders" / "FIN-binder.pdf") if "Changes in this issue" in t]
    text = " ".join(page.split())
    assert "Timesheets must be signed." in text  # the change text, as before
    assert "FIN-001 Payroll processing (2.0 → 2.1)" in text
    assert "Step 1, reworded: Collect timesheetsthe signed forms." in text
    assert "Step 2.1, removed: Check overtime." in text and "Step 4, added: File the payslips." in text
    assert "Purpose, reworded: Pay all staff correctly" in text


def test_its_runs_are_underlined_or_struck_through(revised):
    _, _, docx = revised
    runs = [r for p in Document(docx).paragraphs for r in p.runs]
    looks = {r.text: (bool(r.font.underline), bool(r.font.strike)) for r in runs}
    assert looks["timesheets"] == (False, True) and looks["Check overtime."] == (False, True)
    assert looks["the signed forms"] == (True, False) and looks["File the payslips."] == (True, False)


def test_binder_diff_of_the_two_folders_gives_the_same_changes(revised):
    first, out, _ = revised
    (diff,) = diff_contents(contents_of(first), contents_of(out))
    assert [(c.part, c.kind, c.key) for c in diff.changes] == [
        ("purpose", "reworded", ""),
        ("step", "reworded", "1"),
        ("step", "removed", "2.1"),
        ("step", "added", "4"),
    ]
