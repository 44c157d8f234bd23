"""What the hostile-workbook tests share: how a refusal and a problem look, and where a leak would show."""

from __future__ import annotations

from pathlib import Path

import bad_workbooks as bw
import pytest
import wb

from binder.errors import FileProblem
from binder.workbook.load import check_workbook

SOPS = bw.SHEET_PART["SOPs"]
TITLE = "Payroll processing"

NEVER: tuple[bytes, ...] = ()
"""No words to look for: put in place of ``container._DTD``, openpyxl's defusedxml is the only guard."""


def passwd_secrets() -> list[str]:
    """Lines of /etc/passwd that must never show up in anything binder reports or reads."""
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        return ["root:x:0:0"]
    return [line for line in lines if line.strip()][:5] or ["root:x:0:0"]


def refused(path: Path) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        check_workbook(path, today=wb.TODAY)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].where == str(path)
    return caught.value


def problems_of(path: Path, **options):
    _, problems = check_workbook(path, today=wb.TODAY, **options)
    return [(p.where, p.severity, p.message) for p in problems]


def errors_of(path: Path):
    return [(where, message) for where, severity, message in problems_of(path) if severity == "error"]


def make(path: Path, *steps) -> Path:
    """The base workbook at ``path``, then each of ``steps(path)``."""
    wb.write(path)
    for step in steps:
        step(path)
    return path


def everything_read(library) -> str:
    """Every text value of the library, joined: to look for leaked secrets."""
    import dataclasses

    texts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif dataclasses.is_dataclass(value):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(library)
    return "\n".join(texts)
