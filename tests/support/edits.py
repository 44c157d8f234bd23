"""Edits of ``wb.base()`` for the validation tests: each returns a change that a test applies to the data
before the workbook is written, and the problems that reading it gives."""

from __future__ import annotations

import wb

from binder.workbook.load import check_workbook


def put(sheet, index, header, value):
    def change(data):
        data[sheet][index][header] = value

    return change


def drop(sheet, index):
    def change(data):
        del data[sheet][index]

    return change


def both(*changes):
    def change(data):
        for c in changes:
            c(data)

    return change


def problems_for(tmp_path, change, today=wb.TODAY, **options):
    data = wb.base()
    change(data)
    path = wb.write(tmp_path / "book.xlsx", data)
    _, problems = check_workbook(path, today=today, **options)
    return problems


def add(sheet, row):
    def change(data):
        data[sheet].append(row)

    return change


def rename_sop(old, new):
    """Give an SOP another ID, on every sheet."""

    def change(data):
        for rows in data.values():
            for row in rows:
                if row.get("SOP ID") == old:
                    row["SOP ID"] = new

    return change


def rename_header(sheet, column, header):
    """Change a header cell of the written workbook (``wb.write`` always writes the schema's headers)."""

    def edit(path):
        from openpyxl import load_workbook

        book = load_workbook(path)
        book[sheet].cell(row=1, column=column, value=header)
        book.save(path)

    return edit


def exact_problems(tmp_path, change, after=None):
    data = wb.base()
    change(data)
    path = wb.write(tmp_path / "book.xlsx", data)
    if after:
        after(path)
    _, problems = check_workbook(path, today=wb.TODAY)
    return [(p.where, p.severity, p.code, p.message) for p in problems]


def nothing(data):
    pass
