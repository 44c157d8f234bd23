"""Hostile workbooks: each is one clear problem naming the file or the cell, never a traceback, nothing written.

XML bombs and external entities, zip bombs, macros, external links and DDE
formulas, oversized cells and sheets, file paths that escape the workbook's
folder, links with dangerous schemes. The corpus (``bad_workbooks.py``,
``test_corpus.py``) holds one workbook of each kind with its exact message;
these tests check how each is handled: XML and zip bombs here, macros, links, formulas and big
sheets in ``test_hostile_content.py``, file paths and link schemes in ``test_hostile_paths.py``.
"""

from __future__ import annotations

import random
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import bad_workbooks as bw
import openpyxl.xml
import pytest
import wb
from hostile import NEVER, SOPS, TITLE, everything_read, make, passwd_secrets, problems_of, refused

from binder.errors import FileProblem
from binder.workbook import container, limits
from binder.workbook.load import check_workbook

# ---------------------------------------------------------------- XML bombs and external entities


def test_openpyxl_parses_with_defusedxml():
    # openpyxl's own parts (styles, shared strings, the workbook); binder's sheet parser refuses entity
    # declarations itself (tests/workbook/test_sheets_speed_equivalence.py) and the attacks below reach both
    assert openpyxl.xml.DEFUSEDXML is True


XML_ATTACKS = {
    "billion-laughs-in-sheet": (bw.xml_bomb_in_sheet("SOPs", "B2", TITLE), SOPS),
    "xxe-in-shared-strings": (bw.xxe_in_shared_strings("SOPs", "B2", TITLE), "xl/sharedStrings.xml"),
    "xxe-in-sheet": (
        lambda p: bw.rezip(
            p,
            lambda parts: {
                **parts,
                SOPS: bw.doctype(bw.XXE, "worksheet")
                + parts[SOPS].replace(bw.cell_xml("B2", TITLE), b'<c r="B2" t="inlineStr"><is><t>&xxe;</t></is></c>'),
            },
        ),
        SOPS,
    ),
    "billion-laughs-in-shared-strings": (
        lambda p: (
            bw.xxe_in_shared_strings("SOPs", "B2", TITLE)(p),
            bw.rezip(
                p,
                lambda parts: {
                    **parts,
                    "xl/sharedStrings.xml": parts["xl/sharedStrings.xml"]
                    .replace(bw.XXE.encode(), bw.BILLION_LAUGHS.encode())
                    .replace(b"&xxe;", b"&lol9;"),
                },
            ),
        ),
        "xl/sharedStrings.xml",
    ),
}


@pytest.mark.parametrize("attack", XML_ATTACKS, ids=list(XML_ATTACKS))
def test_entity_declarations_are_refused_before_parsing(tmp_path, attack):
    change, part = XML_ATTACKS[attack]
    path = make(tmp_path / "book.xlsx", change)
    started = time.perf_counter()
    problem = refused(path).problems[0]
    assert time.perf_counter() - started < 2
    assert problem.message == f"unsafe XML (entity declarations) refused (part {part})"
    assert not any(secret in problem.format() for secret in passwd_secrets())


@pytest.mark.parametrize("attack", XML_ATTACKS, ids=list(XML_ATTACKS))
def test_defusedxml_alone_refuses_them_too(tmp_path, monkeypatch, attack):
    """With binder's own check switched off, openpyxl's defusedxml parser refuses: same message, no expansion."""
    monkeypatch.setattr(container, "_DTD", NEVER)
    change, _ = XML_ATTACKS[attack]
    path = make(tmp_path / "book.xlsx", change)
    tracemalloc.start()
    try:
        problem = refused(path).problems[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem.message == "unsafe XML (entity declarations) refused"
    assert peak < 100_000_000  # 10**9 "lol"s would be gigabytes
    assert not any(secret in problem.format() for secret in passwd_secrets())


def test_an_entity_in_the_workbook_part_never_leaks(tmp_path, monkeypatch):
    """workbook.xml is parsed by lxml with entities unresolved: even unchecked, nothing of /etc/passwd is read."""

    def attack(parts):
        body = parts["xl/workbook.xml"].replace(b'name="Settings"', b'name="&xxe;"')
        return {**parts, "xl/workbook.xml": bw.doctype(bw.XXE, "workbook") + body}

    path = make(tmp_path / "book.xlsx", lambda p: bw.rezip(p, attack))
    assert refused(path).problems[0].message == "unsafe XML (entity declarations) refused (part xl/workbook.xml)"
    monkeypatch.setattr(container, "_DTD", NEVER)
    try:
        library, problems = check_workbook(path, today=wb.TODAY)
        seen = everything_read(library) + "\n".join(p.format() for p in problems)
    except FileProblem as exc:
        seen = "\n".join(p.format() for p in exc.problems)
    assert not any(secret in seen for secret in passwd_secrets())


def test_entity_declarations_in_utf16_are_refused(tmp_path):
    def attack(parts):
        body = (
            parts[SOPS]
            .decode()
            .replace(bw.cell_xml("B2", TITLE).decode(), '<c r="B2" t="inlineStr"><is><t>&xxe;</t></is></c>')
        )
        xml = f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE worksheet [{bw.XXE}]>\n{body}'
        return {**parts, SOPS: xml.encode("utf-16")}

    path = make(tmp_path / "book.xlsx", lambda p: bw.rezip(p, attack))
    assert refused(path).problems[0].message == f"unsafe XML (entity declarations) refused (part {SOPS})"


def test_a_doctype_in_a_binary_part_is_not_mistaken_for_xml(tmp_path):
    """Only parts that are XML are searched: a picture or macro that happens to hold the bytes is fine."""
    path = make(tmp_path / "book.xlsx", bw.add_parts({"xl/media/image1.png": bw.png_bytes() + b"<!DOCTYPE html>"}))
    assert problems_of(path) == []


# ---------------------------------------------------------------- zip bombs


def bomb_checked(path: Path) -> str:
    started = time.perf_counter()
    tracemalloc.start()
    try:
        message = refused(path).problems[0].message
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 3 * path.stat().st_size + 5_000_000
    return message


def test_a_part_over_the_part_limit_is_refused_before_decompression(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED_PART", 2_000_000)
    path = make(tmp_path / "book.xlsx", bw.zeros_part("xl/media/zeros.bin", 3 * bw.MB))
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a part was decompressed"))
    assert (
        bomb_checked(path)
        == "part xl/media/zeros.bin would unpack to 3.1 MB (limit 2.0 MB): refused as a possible zip bomb"
    )


def test_parts_over_the_total_limit_are_refused_before_decompression(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED_TOTAL", 3_000_000)
    noise = random.Random(7)
    path = make(
        tmp_path / "book.xlsx", bw.add_parts({f"xl/media/noise{i}.bin": noise.randbytes(900_000) for i in range(4)})
    )
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a part was decompressed"))
    assert re.fullmatch(
        r"would unpack to 3\.\d MB \(limit 3\.0 MB\): refused as a possible zip bomb", bomb_checked(path)
    )


def test_an_extreme_compression_ratio_is_refused_before_decompression(tmp_path, monkeypatch):
    # 5 MB of zeros compresses about 1000 times; the real limits, nothing lowered
    path = make(tmp_path / "book.xlsx", bw.zeros_part("xl/media/zeros.bin", 5 * bw.MB))
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a part was decompressed"))
    message = bomb_checked(path)
    assert re.fullmatch(
        r"part xl/media/zeros\.bin is compressed [\d,]+ times \(limit 200\): "
        r"refused as a possible zip bomb",
        message,
    )
    assert int(re.search(r"compressed ([\d,]+) times", message)[1].replace(",", "")) > 500


def test_many_small_parts_that_add_up_to_a_bomb_are_refused(tmp_path, monkeypatch):
    # each part is under the size from which one part's ratio is checked; together they are a bomb
    path = make(tmp_path / "book.xlsx", bw.add_parts({f"xl/media/z{i}.bin": b"\0" * 900_000 for i in range(3)}))
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a part was decompressed"))
    assert re.fullmatch(
        r"is compressed [\d,]+ times overall \(limit 200\): refused as a possible zip bomb", bomb_checked(path)
    )


def test_too_many_parts_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PARTS", 30)
    path = make(tmp_path / "book.xlsx", bw.many_parts(20))
    assert refused(path).problems[0].message == "holds 40 parts (limit 30): refused as a possible zip bomb"


def test_a_directory_that_understates_a_part_cannot_smuggle_a_bomb(tmp_path):
    """Declared small, really 5 MB of zeros: zipfile stops at the declared size and the checksum fails."""
    path = make(tmp_path / "book.xlsx", bw.zeros_part("xl/media/zeros.bin", 5 * bw.MB))
    with zipfile.ZipFile(path) as archive:
        compressed = archive.getinfo("xl/media/zeros.bin").compress_size
    bw.declare_sizes("xl/media/zeros.bin", 1000, compressed)(path)
    assert refused(path).problems[0].message == "is damaged: part xl/media/zeros.bin fails its checksum"


def test_a_workbook_over_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_WORKBOOK_BYTES", 5_000)
    path = make(tmp_path / "book.xlsx")
    size = path.stat().st_size
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("the file was read"))
    assert refused(path).problems[0].message == f"is {size:,} bytes; workbooks over 5,000 bytes are refused"
