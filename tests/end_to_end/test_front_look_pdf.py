"""One real build with a company SOP template in a serif: the binder's cover and contents and a
pack's acknowledgement sheet come out in the template's font, SOP IDs whole."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import wb
from docx import Document
from docx.oxml.ns import qn
from docx.shared import RGBColor

from binder.build import BuildOptions, build

pytestmark = pytest.mark.slow


def company_template(path: Path) -> Path:
    """Every style in Caladea (a serif), headings dark red, as a company restyles Word's own template."""
    doc = Document()
    for style in doc.styles.element.iter(qn("w:rFonts")):
        for attribute in ("w:asciiTheme", "w:hAnsiTheme"):  # a theme font would win over the named one
            style.attrib.pop(qn(attribute), None)
        style.set(qn("w:ascii"), "Caladea")
        style.set(qn("w:hAnsi"), "Caladea")
    doc.styles["Normal"].font.name = "Caladea"
    doc.styles["Heading 1"].font.color.rgb = RGBColor(0x8B, 0x00, 0x00)
    doc.add_paragraph("{{ sop.id }} {{ sop.title }}", style="Title")
    doc.add_paragraph("{{ labels.procedure }}", style="Heading 1")
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("front-look")
    company_template(folder / "company.docx")
    data = wb.base()
    data["Settings"].append({"Key": "Template", "Value": "company.docx"})
    out = folder / "out"
    build(wb.write(folder / "book.xlsx", data), BuildOptions(out=out, jobs=2, today=wb.TODAY))
    return out


def fonts(pdf: Path, first: int, last: int) -> set[str]:
    listing = subprocess.run(
        ["pdffonts", "-f", str(first), "-l", str(last), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    found = {line.split()[0].split("+")[-1] for line in listing.splitlines()[2:] if line.strip()}
    return found - {"LiberationSans"}  # binder's own page stamp ("FIN binder · 1"), not the document's


def text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_cover_and_contents_use_the_templates_font(out):
    manifest = json.loads((out / "manifest.json").read_text())
    binder = out / next(b["path"] for b in manifest["binders"] if b["department"] == "FIN")
    assert "Contents" in text(binder, 2)
    used = fonts(binder, 1, 2)
    assert used and all(name.startswith("Caladea") for name in used), used


def test_acknowledgement_sheet_uses_the_font_and_keeps_ids_whole(out):
    manifest = json.loads((out / "manifest.json").read_text())
    pack = out / manifest["packs"][0]["path"]
    last = int(
        subprocess.run(["pdfinfo", str(pack)], capture_output=True, text=True, check=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    sheet = text(pack, last)
    assert "acknowledgement" in sheet.lower()
    ids = [word for line in sheet.splitlines() for word in line.split() if word.startswith("FIN")]
    assert ids and all(word[3] in "-\u2011" and word[4:].isdigit() for word in ids), ids
    used = fonts(pack, last, last)
    assert used and all(name.startswith("Caladea") for name in used), used
