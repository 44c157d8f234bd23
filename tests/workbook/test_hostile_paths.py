"""Hostile workbooks: file paths that escape the workbook's folder, links with dangerous schemes."""

from __future__ import annotations

import bad_workbooks as bw
import pytest
import wb
from hostile import errors_of, problems_of

from binder.workbook.load import check_workbook

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
