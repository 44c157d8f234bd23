"""Hostile workbooks: each is one clear problem naming the file or the cell, never a traceback, nothing written.

XML bombs and external entities, zip bombs, macros, external links and DDE
formulas, oversized cells and sheets, file paths that escape the workbook's
folder, links with dangerous schemes. The corpus (``bad_workbooks.py``,
``test_corpus.py``) holds one workbook of each kind with its exact message;
these tests check how each is handled.
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

from binder.errors import FileProblem
from binder.workbook import container, limits
from binder.workbook.load import check_workbook

NEVER = re.compile(b"(?!x)x")
"""A pattern that matches nothing: put in place of ``container._DTD``, openpyxl's defusedxml is the only guard."""


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


# ---------------------------------------------------------------- XML bombs and external entities

SOPS = bw.SHEET_PART["SOPs"]
TITLE = "Payroll processing"


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


# ---------------------------------------------------------------- macros, external links, DDE


def spy_on_openpyxl(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    real = container._SheetListReader

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(container, "_SheetListReader", spy)
    return calls


MACRO = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\0" * 504
    + b'Attribute VB_Name = "ThisWorkbook"\nSub Workbook_Open()\nShell "calc.exe"\nEnd Sub\n<!DOCTYPE html>\n'
)


def with_macros(path: Path) -> Path:
    def edit(parts):
        types = (
            parts["[Content_Types].xml"]
            .replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
            .replace(
                b"<Default ",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
                1,
            )
        )
        rels = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            (
                b'<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                b'Target="vbaProject.bin" Id="rIdVba"/></Relationships>'
            ),
        )
        return {**parts, "[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels, "xl/vbaProject.bin": MACRO}

    return bw.rezip(path, edit)


def test_an_xlsm_with_macros_reads_normally_without_loading_them(tmp_path, monkeypatch):
    calls = spy_on_openpyxl(monkeypatch)
    path = make(tmp_path / "book.xlsm", with_macros)
    library, problems = check_workbook(path, today=wb.TODAY)
    assert problems == ()
    assert [s.sop_id for s in library.sops] == ["FIN-001", "OPS-001", "OPS-002"]
    assert calls and all(call["keep_vba"] is False and call["keep_links"] is False for call in calls)


@pytest.mark.parametrize("name", ["book.xlsm", "book.XLSX", "book.xltx", "book.dat", "book"])
def test_the_content_decides_not_the_suffix(tmp_path, name):
    path = wb.write(tmp_path / "source.xlsx")
    path = path.rename(tmp_path / name)
    assert problems_of(path) == []


def test_a_csv_named_xlsm_is_refused_by_its_content(tmp_path):
    path = tmp_path / "book.xlsm"
    path.write_text("SOP ID,Title\nFIN-001,Payroll\n")
    assert refused(path).problems[0].message == "is not an Excel workbook: its content is text (a CSV file renamed?)"


def with_external_link(path: Path) -> Path:
    """An external workbook link (whose part is not even XML) used by the FIN-001 Title, with its cached value."""

    def edit(parts):
        types = parts["[Content_Types].xml"].replace(
            b"</Types>",
            (
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>'
            ),
        )
        rels = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            (
                b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
                b'Target="externalLinks/externalLink1.xml" Id="rIdExt"/></Relationships>'
            ),
        )
        book = parts["xl/workbook.xml"].replace(
            b"</sheets>",
            (
                b'</sheets><externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships" r:id="rIdExt"/></externalReferences>'
            ),
        )
        link_rels = (
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/externalLinkPath" Target="file:///etc/passwd" TargetMode="External"/>'
            b"</Relationships>"
        )
        sops = parts[SOPS].replace(
            bw.cell_xml("B2", TITLE), f'<c r="B2" t="str"><f>[1]Sheet1!A1</f><v>{TITLE}</v></c>'.encode()
        )
        return {
            **parts,
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/workbook.xml": book,
            SOPS: sops,
            "xl/externalLinks/externalLink1.xml": b"<externalLink this part is never parsed",
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
        }

    return bw.rezip(path, edit)


def test_external_links_are_not_followed_and_the_cached_value_is_used(tmp_path, monkeypatch):
    calls = spy_on_openpyxl(monkeypatch)
    library, problems = check_workbook(make(tmp_path / "book.xlsx", with_external_link), today=wb.TODAY)
    assert problems == ()
    assert library.sop("FIN-001").title == TITLE
    assert all(call["keep_links"] is False for call in calls)
    assert not any(secret in everything_read(library) for secret in passwd_secrets())


DDE = "cmd|'/c calc'!A1"


def test_a_dde_formula_with_a_cached_value_gives_that_value_never_runs(tmp_path):
    def edit(parts):
        old = bw.cell_xml("C2", "Collect timesheets.")
        new = f'<c r="C2" t="str"><f>{DDE}</f><v>Collect timesheets.</v></c>'.encode()
        return {**parts, bw.SHEET_PART["Steps"]: parts[bw.SHEET_PART["Steps"]].replace(old, new)}

    library, problems = check_workbook(make(tmp_path / "book.xlsx", lambda p: bw.rezip(p, edit)), today=wb.TODAY)
    assert problems == ()
    assert library.sop("FIN-001").steps[0].action == "Collect timesheets."


def test_a_dde_formula_without_a_cached_value_is_reported_at_its_cell(tmp_path):
    data = wb.base()
    data["Steps"][0]["Action"] = "=" + DDE
    path = wb.write(tmp_path / "book.xlsx", data)
    # one error: the blank it leaves is not reported again as a missing Action
    assert errors_of(path) == [("Steps!C2", "this formula has no saved result")]


def test_a_formula_in_a_column_binder_ignores_is_ignored(tmp_path):
    data = wb.base()
    data["Steps"][0]["Notes"] = "=" + DDE
    assert problems_of(wb.write(tmp_path / "book.xlsx", data)) == [
        ("Steps!L1", "warning", 'column "Notes" is not part of the Steps sheet and is ignored')
    ]


# ---------------------------------------------------------------- big cells, big sheets


def test_a_cell_of_exactly_32767_characters_is_accepted(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Purpose"] = "p" * 32_767
    library, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert problems == ()
    assert len(library.sop("FIN-001").purpose) == 32_767


def test_a_cell_over_32767_characters_is_an_error_at_that_cell(tmp_path):
    data = wb.base()
    data["SOPs"][0]["Purpose"] = "LONG"
    path = bw.patch_part(SOPS, bw.inline("LONG"), bw.inline("p" * 32_768))(wb.write(tmp_path / "book.xlsx", data))
    assert errors_of(path) == [("SOPs!K2", "the cell holds 32,768 characters; at most 32,767 are allowed")]


def steps_sheet(rows: int) -> bytes:
    """A Steps sheet of ``rows`` data rows for OPS-002, written directly (openpyxl would take seconds)."""
    header = "".join(
        bw.cell_xml(f"{letter}1", text).decode() for letter, text in zip("ABC", ("SOP ID", "Step", "Action"))
    )
    body = [f'<row r="1">{header}</row>']
    for i in range(rows):
        r = i + 2
        body.append(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>OPS-002</t></is></c>'
            f'<c r="B{r}" t="inlineStr"><is><t>{i + 1}</t></is></c>'
            f'<c r="C{r}" t="inlineStr"><is><t>Count shelf {i + 1}.</t></is></c></row>'
        )
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(body)
        + "</sheetData></worksheet>"
    ).encode()


def with_steps(rows: int):
    return lambda path: bw.rezip(path, lambda parts: {**parts, bw.SHEET_PART["Steps"]: steps_sheet(rows)})


@pytest.mark.slow
def test_a_sheet_of_50000_rows_is_read_in_well_under_a_minute(tmp_path):
    assert limits.MAX_ROWS == 50_000
    path = make(tmp_path / "book.xlsx", with_steps(50_000))
    started = time.perf_counter()
    library, problems = check_workbook(path, today=wb.TODAY)
    elapsed = time.perf_counter() - started
    print(f"\n50,000 Steps rows validated in {elapsed:.1f} s")
    assert elapsed < 30
    assert len(library.sop("OPS-002").steps) == 50_000
    assert not any(p.is_error for p in problems)


def test_more_rows_than_the_limit_is_one_error_naming_the_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    path = make(tmp_path / "book.xlsx", with_steps(101))
    assert errors_of(path) == [("Steps!A102", "the sheet has more than 100 rows; at most 100 are read")]
    assert errors_of(make(tmp_path / "exact.xlsx", with_steps(100))) == []


def test_blank_formatted_rows_past_the_limit_do_not_count(tmp_path, monkeypatch):
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    path = wb.write(tmp_path / "book.xlsx")
    book = load_workbook(path)
    book["Steps"].cell(row=5_000, column=1).font = Font(bold=True)
    book.save(path)
    assert problems_of(path) == []


# ---------------------------------------------------------------- file paths confined to the workbook's folder


def test_logo_and_template_symlinks_pointing_outside_are_refused(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(bw.png_bytes())
    bw.side_zip("outside.docx", {"word/document.xml": b"<w:document/>"})(tmp_path / "x")
    (folder / "logo.png").symlink_to(tmp_path / "outside.png")
    (folder / "template.docx").symlink_to("../outside.docx")
    data = wb.base()
    data["Settings"] += [{"Key": "Logo", "Value": "logo.png"}, {"Key": "Template", "Value": "template.docx"}]
    assert errors_of(wb.write(folder / "book.xlsx", data)) == [
        ("Settings!B6", 'Logo "logo.png" points outside the workbook\'s folder'),
        ("Settings!B7", 'Template "template.docx" points outside the workbook\'s folder'),
    ]


def test_symlinks_inside_the_folder_are_fine(tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "real.png").write_bytes(bw.png_bytes())
    (tmp_path / "alias.png").symlink_to("pics/real.png")
    data = wb.base()
    data["Steps"][0]["Image"] = "alias.png"
    data["Settings"].append({"Key": "Logo", "Value": "pics/../alias.png"})
    library, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert problems == ()
    assert library.sop("FIN-001").steps[0].image == (tmp_path / "pics" / "real.png").resolve()


def test_templates_are_checked_by_content(tmp_path):
    (tmp_path / "notes.docx").write_text("I am text")
    bw.side_zip("bomb.docx", {"word/document.xml": b"<w:document/>"})(tmp_path / "x")
    bw.declare_sizes("word/document.xml", 300_000_000, 1_000_000)(tmp_path / "bomb.docx")
    data = wb.base()
    data["Settings"].append({"Key": "Template", "Value": "notes.docx"})
    data["SOPs"][0]["Template"] = "bomb.docx"
    assert errors_of(wb.write(tmp_path / "book.xlsx", data)) == [
        ("Settings!B6", 'Template "notes.docx" is not a Word .docx file (its content is not a zip archive)'),
        (
            "SOPs!P2",
            'Template "bomb.docx" is not safe to open: part word/document.xml would unpack to 300 MB '
            "(limit 200 MB): refused as a possible zip bomb",
        ),
    ]


def test_paths_that_cannot_be_opened_are_errors_not_crashes(tmp_path):
    (tmp_path / "loop.png").symlink_to("loop.png")
    (tmp_path / "folder.png").mkdir()
    data = wb.base()
    data["Steps"][0]["Image"] = "loop.png"
    data["Steps"][1]["Image"] = "a" * 300 + ".png"
    data["Steps"][2]["Image"] = "folder.png"
    data["Steps"][3]["Image"] = "C:\\Windows\\win.ini"
    data["Steps"][5]["Image"] = "\\\\server\\share\\x.png"
    errors = errors_of(wb.write(tmp_path / "book.xlsx", data))
    assert [where for where, _ in errors] == ["Steps!J2", "Steps!J3", "Steps!J4", "Steps!J5", "Steps!J7"]
    assert errors[0][1].startswith('Image "loop.png" cannot be opened (')
    assert errors[1][1] == f'Image "{"a" * 60}…" cannot be opened (File name too long)'
    assert errors[2][1] == 'Image "folder.png" does not exist'
    assert errors[3][1] == 'Image "C:\\Windows\\win.ini" is an absolute path'
    assert errors[4][1] == 'Image "\\\\server\\share\\x.png" is an absolute path'


# ---------------------------------------------------------------- links


@pytest.mark.parametrize(
    "link",
    [
        "JavaScript:alert(document.cookie)",
        "vbscript:msgbox(1)",
        "http:evil.test",
        "https://",
        "file://server/share/x.pdf",
        "java\nscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ],
)
def test_links_other_than_web_mail_or_sop_are_errors(tmp_path, link):
    data = wb.base()
    data["References"][0]["Link"] = link
    assert errors_of(wb.write(tmp_path / "book.xlsx", data)) == [
        ("References!C2", f'Link "{link}" is not an http(s):// or mailto: address or an SOP ID')
    ]


@pytest.mark.parametrize(
    "link",
    [
        "mailto:help@acme.test?bcc=spy@evil.test",
        "mailto:help@acme.test%3Fbcc%3Dspy@evil.test",
        "mailto:help@acme.test%0D%0ABcc:spy@evil.test",
        "mailto:help@acme.test,spy@evil.test",
        "mailto:help@acme.test%2Cspy@evil.test",
        "mailto:help@acme.test&body=x",
    ],
)
def test_mailto_links_carry_one_address_and_nothing_else(tmp_path, link):
    data = wb.base()
    data["References"][0]["Link"] = link
    _, problems = check_workbook(wb.write(tmp_path / "book.xlsx", data), today=wb.TODAY)
    assert [(p.where, p.severity, p.code) for p in problems] == [("References!C2", "error", "bad-link")]


@pytest.mark.parametrize(
    "link", ["https://intranet.acme.test/policy?id=1#top", "HTTP://acme.test", "mailto:help@acme.test", "OPS-001"]
)
def test_web_mail_and_sop_links_are_accepted(tmp_path, link):
    data = wb.base()
    data["References"][0]["Link"] = link
    assert problems_of(wb.write(tmp_path / "book.xlsx", data)) == []


def test_a_step_number_of_thousands_of_digits_is_an_error_at_its_cell(tmp_path):
    data = wb.base()
    data["Steps"][0]["Step"] = "9" * 5000
    errors = errors_of(wb.write(tmp_path / "book.xlsx", data))
    assert errors and errors[0][0] == "Steps!B2"
