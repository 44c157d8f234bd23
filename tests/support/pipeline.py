"""Builds without LibreOffice, shared by the pipeline tests of the issue and output stages.

A ``FakeConverter`` (``fakes.py``) writes real small PDFs, so every later stage runs on real files;
each test opens what the build wrote (pypdf, openpyxl, json) rather than trusting the return value.
The fixtures (``converters``, ``built_once``, ``built``) reach every test through ``tests/conftest.py``.
``built_once`` is built once per test process: each test that changes the output works on its own
copy (``built``), so a first build is paid once per worker rather than once per module.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from datetime import date, timedelta
from pathlib import Path

import fakes
import pytest
import wb
from pypdf import PdfReader

from binder.build import BuildOptions, build

LATER = wb.TODAY + timedelta(days=30)
SECOND_PACK = "Warehouse basics"


@pytest.fixture
def converters(monkeypatch):
    """Every build in the test converts with a new FakeConverter; the list of those made."""
    return fakes.patch_converter(monkeypatch)


def two_packs() -> dict:
    """The base workbook with a second pack that holds only OPS-001."""
    data = wb.base()
    data["Training"].append({"Pack": SECOND_PACK, "SOP ID": "OPS-001"})
    return data


def fin_001_only(data: dict) -> dict:
    """``data`` cut down to FIN-001 and its department: a build of one SOP and one binder."""
    for rows in data.values():
        rows[:] = [row for row in rows if row.get("SOP ID", "FIN-001") in ("FIN-001", "")]
    data["Departments"] = [d for d in data["Departments"] if d["Code"] == "FIN"]
    data["SOPs"][0].pop("Related SOPs", None)
    data["References"] = [r for r in data["References"] if r["Link"] != "OPS-001"]
    return data


def revised_fin_001(data: dict, action: str = "Collect signed timesheets.") -> dict:
    """FIN-001 with new step text, raised to 2.1 with its revision and approval, effective after both."""
    data["Steps"][0]["Action"] = action
    sop = data["SOPs"][0]
    sop["Version"] = "2.1"
    sop["Effective date"] = date(2026, 5, 1)
    data["Revisions"].append(
        {
            "SOP ID": "FIN-001",
            "Version": "2.1",
            "Date": date(2026, 4, 1),
            "Author": "Dana Ruiz",
            "Change": "Timesheets must be signed.",
        }
    )
    data["Approvals"].append(
        {"SOP ID": "FIN-001", "Role": "Approved by", "Name": "Lee Chen", "Job title": "CFO", "Date": date(2026, 4, 10)}
    )
    return data


def first_build(tmp_path: Path, data: dict | None = None):
    """Write the workbook and build it once into ``tmp_path/out``; (workbook, out, result)."""
    book = wb.write(tmp_path / "book.xlsx", data)
    out = tmp_path / "out"
    return book, out, build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))


@pytest.fixture(scope="session")
def built_once(tmp_path_factory):
    """One first build of ``two_packs()``, for tests to read or copy: (workbook, output folder, result, converter)."""
    with pytest.MonkeyPatch.context() as patch:
        made = fakes.patch_converter(patch)
        book, out, result = first_build(tmp_path_factory.mktemp("first"), two_packs())
    return book, out, result, made[0]


@pytest.fixture
def built(built_once, tmp_path, converters):
    """A copy of the first build of ``two_packs()`` of this test's own: (workbook, output folder)."""
    book, out, _, _ = built_once
    shutil.copy2(book, tmp_path / book.name)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / book.name, tmp_path / "out"


def rebuild(book: Path, out: Path, data: dict | None = None, today: date = wb.TODAY, **options):
    if data is not None:
        wb.write(book, data)
    return build(book, BuildOptions(out=out, today=today, jobs=1, **options))


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple]:
    """Everything under ``folder``: each file's mode and bytes, each folder's mode, each link's target."""
    found: dict[str, tuple] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                found[rel] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes())
    return found


def issued_files(out: Path) -> dict[str, bytes]:
    """The bytes of every binder and pack (PDF and record) the manifest lists."""
    data = manifest(out)
    paths = [b["path"] for b in data["binders"]] + [p[k] for p in data["packs"] for k in ("path", "record")]
    return {p: (out / p).read_bytes() for p in paths}


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


def by(entries: list[dict], key: str) -> dict[str, dict]:
    return {e[key]: e for e in entries}
