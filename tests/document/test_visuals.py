"""What SOPs show beyond text: checklists with tick boxes, the roles matrix, cross-references,
step pictures with captions, the logo in the page header, the flowchart before the steps."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from helpers_docx import make_library, make_sop, other_sop, paragraphs, part_xml, printed, step, write_png

from binder.document.context import Image, sop_context
from binder.document.links import LINK_PREFIX
from binder.document.render import render_sop
from binder.model import Reference, Role

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
WP_EXTENT = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"
TICK_BOX, MARK = "\u2610", "\u25cf"
TEXT_WIDTH = Mm(170)


def render(tmp_path: Path, sop, *others, name: str = "out.docx", extra=None, **settings) -> Path:
    return render_sop(sop, make_library(sop, *others, folder=tmp_path, **settings), tmp_path / name, extra=extra)


def cell_text(tc) -> str:
    """A cell's paragraphs, one a line, with their tabs."""

    def text(p) -> str:
        return "".join(
            n.text or "" if n.tag == f"{W}t" else "\t"
            for r in p.iter(f"{W}r")
            for n in r
            if n.tag in (f"{W}t", f"{W}tab")
        )

    return "\n".join(text(p) for p in tc.iter(f"{W}p"))


def tables_of_style(path: Path, style_id: str) -> list:
    body = Document(path).element.body
    return [t for t in body.iter(f"{W}tbl") if t.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == style_id]


def rows_of(tbl) -> list[list[str]]:
    return [[cell_text(tc).strip() for tc in tr.findall(f"{W}tc")] for tr in tbl.findall(f"{W}tr")]


def hyperlinks(path: Path) -> list[tuple[str, str, str, str]]:
    """(paragraph text, linked text, target, character style) of every hyperlink in the body."""
    doc = Document(path)
    rels = doc.part.rels
    found = []
    for p in doc.element.body.iter(f"{W}p"):
        for link in p.iter(f"{W}hyperlink"):
            style = link.find(f"{W}r/{W}rPr/{W}rStyle")
            found.append(
                (
                    printed(p),
                    printed(link),
                    rels[link.get(R_ID)].target_ref,
                    style.get(f"{W}val") if style is not None else "",
                )
            )
    return found


def extents(xml_path: Path, part: str) -> list[tuple[int, int]]:
    """(width, height) in EMU of every picture in the parts whose names start with ``part``."""
    from lxml import etree

    found = []
    with zipfile.ZipFile(xml_path) as z:
        for name in sorted(n for n in z.namelist() if n.startswith(part) and n.endswith(".xml")):
            root = etree.fromstring(z.read(name))
            found += [(int(e.get("cx")), int(e.get("cy"))) for e in root.iter(WP_EXTENT)]
    return found


# ---------------------------------------------------------------- checklist


def test_checklist_has_a_tick_box_row_per_step_with_initials_and_date_to_fill_in(tmp_path):
    sop = make_sop(format="Checklist")
    out = render(tmp_path, sop)
    table = next(t for t in Document(out).tables if t.rows[0].cells[0].text == "Done")
    assert [c.text for c in table.rows[0].cells] == ["Done", "Step", "Action", "Responsible", "Initials", "Date"]
    rows = table.rows[1:]
    assert [r.cells[1].text for r in rows] == [s.number for s in sop.steps]
    for row, sop_step in zip(rows, sop.steps):
        tick, number, action, responsible, initials, date = (c.text for c in row.cells)
        assert tick == TICK_BOX and action.startswith(sop_step.action) and responsible == sop_step.responsible
        assert initials == date == ""
        assert row.height >= Mm(10), "too short to write initials by hand"
    # Details and cautions stay under their action.
    step2 = rows[1].cells[2].text
    assert "Never enter hours from an unsigned timesheet" in step2
    # The box is in a font that has the glyph (Carlito has not), and big.
    tick_style = Document(out).styles["Tick Box"]
    assert tick_style.font.name == "DejaVu Sans" and tick_style.font.size.pt >= 16
    widths = [c.width for c in table.rows[0].cells]
    assert abs(sum(widths) - TEXT_WIDTH) < Mm(0.5)


def test_steps_format_has_no_tick_boxes(tmp_path):
    out = render(tmp_path, make_sop(format="Steps"))
    assert not any(text == TICK_BOX for _, text in paragraphs(out))
    assert ["Step", "Action", "Responsible"] in [[c.text for c in t.rows[0].cells] for t in Document(out).tables]


# ---------------------------------------------------------------- roles matrix


def test_roles_matrix_marks_exactly_the_steps_each_role_performs(tmp_path):
    steps = (
        step("1", "Collect timesheets.", "Payroll clerk"),
        step("2", "Approve the run.", "FINANCE MANAGER"),  # matched whatever the case
        step("2.1", "Check overtime.", "payroll clerk"),
        step("3", "Audit the payroll.", "Internal auditor"),  # not in Roles: a column of its own
        step("4", "File the report.", ""),
    )
    sop = make_sop(steps=steps)
    out = render(tmp_path, sop)
    (matrix,) = tables_of_style(out, "SOPMatrix")
    rows = rows_of(matrix)
    roles = ["Payroll clerk", "Payroll officer", "Finance manager", "Internal auditor"]
    assert rows[0] == ["Step", *roles]
    performs = {row[0].split("\t")[0]: [role for role, mark in zip(roles, row[1:]) if mark == MARK] for row in rows[1:]}
    assert performs == {
        "1": ["Payroll clerk"],
        "2": ["Finance manager"],
        "2.1": ["Payroll clerk"],
        "3": ["Internal auditor"],
        "4": [],
    }
    assert all(mark in ("", MARK) for row in rows[1:] for mark in row[1:])
    assert rows[1][0] == "1\tCollect timesheets."
    assert "Roles and responsibilities" in [t for s, t in paragraphs(out) if s == "Heading1"]
    assert ("TableTitle", "Who performs each step") in paragraphs(out)


@pytest.mark.parametrize("count", [1, 3, 7])
def test_roles_matrix_columns_fit_the_page_for_one_to_seven_roles(tmp_path, count):
    names = [f"Role number {i} with a long name" for i in range(count)]
    steps = tuple(step(str(i + 1), f"Do thing {i + 1}.", names[i % count]) for i in range(8))
    sop = make_sop(roles=tuple(Role(n, "Does it.", step("1", "x").origin) for n in names), steps=steps)
    (matrix,) = tables_of_style(render(tmp_path, sop), "SOPMatrix")
    grid = [int(c.get(f"{W}w")) for c in matrix.find(f"{W}tblGrid")]
    assert len(grid) == count + 1
    assert abs(sum(grid) - TEXT_WIDTH.twips) <= count
    assert len(set(grid[1:])) == 1 and Mm(14).twips <= grid[1] <= Mm(26).twips  # narrow, equal role columns
    assert grid[0] >= Mm(40).twips  # room for the step's action
    for tr in matrix.findall(f"{W}tr"):
        assert [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")] == grid


def test_no_matrix_when_no_step_has_a_responsible(tmp_path):
    sop = make_sop(steps=tuple(dataclasses.replace(s, responsible="") for s in make_sop().steps))
    out = render(tmp_path, sop)
    assert tables_of_style(out, "SOPMatrix") == []
    assert "Who performs each step" not in [t for _, t in paragraphs(out)]
    assert "Roles and responsibilities" in [t for s, t in paragraphs(out) if s == "Heading1"]  # the roles table stays


# ---------------------------------------------------------------- cross-references


def _xref_library_sops():
    same = dataclasses.replace(other_sop(), sop_id="FIN-002", title="Client invoicing", department="FIN")
    draft = dataclasses.replace(
        other_sop(), sop_id="FIN-003", title="Expense reports", department="FIN", status="In review"
    )
    retired = dataclasses.replace(other_sop(), sop_id="OPS-009", title="Old stock count", status="Retired")
    return same, draft, retired


def test_cross_references_say_where_the_target_is(tmp_path):
    same, draft, retired = _xref_library_sops()
    sop = make_sop(
        related=("FIN-002", "OPS-001", "FIN-003", "OPS-009"),
        references=(
            Reference("Payroll policy", "https://intranet.acme.test/payroll", make_sop().origin),
            Reference("Invoicing rules", "FIN-002", make_sop().origin),
            Reference("Receiving goods", "OPS-001", make_sop().origin),
            Reference("Questions", "mailto:payroll@acme.test", make_sop().origin),
        ),
    )
    out = render(tmp_path, sop, same, draft, retired)
    bullets = [text for style, text in paragraphs(out) if style == "ListBullet"]
    assert bullets == [
        "Payroll policy · https://intranet.acme.test/payroll",
        "FIN-002 Client invoicing · Invoicing rules",  # the author's own wording follows when it differs
        "see OPS-001 Receiving goods (Operations binder)",
        "Questions · mailto:payroll@acme.test",
        "FIN-002 Client invoicing",
        "see OPS-001 Receiving goods (Operations binder)",
        "FIN-003 Expense reports (In review)",
        "OPS-009 Old stock count (Retired)",
    ]
    found = hyperlinks(out)
    assert (
        "Payroll policy · https://intranet.acme.test/payroll",
        "Payroll policy",
        "https://intranet.acme.test/payroll",
        "Hyperlink",
    ) in found
    assert ("Questions · mailto:payroll@acme.test", "Questions", "mailto:payroll@acme.test", "Hyperlink") in found
    assert ("FIN-002 Client invoicing", "FIN-002 Client invoicing", LINK_PREFIX + "FIN-002", "Hyperlink") in found
    # Another department's SOP: the words say which binder; the link stays for packs that hold both.
    assert (
        "see OPS-001 Receiving goods (Operations binder)",
        "OPS-001 Receiving goods",
        LINK_PREFIX + "OPS-001",
        "CrossReference",
    ) in found
    # Not Approved: words only, no link.
    assert not [f for f in found if "FIN-003" in f[0] or "OPS-009" in f[0]]
    assert Document(out).styles["Cross Reference"].base_style.name == "Hyperlink"


def test_cross_references_in_french(tmp_path):
    same, draft, _ = _xref_library_sops()
    sop = make_sop(related=("OPS-001", "FIN-003"), references=())
    out = render(tmp_path, sop, same, draft, language="fr")
    bullets = [text for style, text in paragraphs(out) if style == "ListBullet"]
    assert bullets == ["voir OPS-001 Receiving goods (classeur Operations)", "FIN-003 Expense reports (En relecture)"]


def test_cross_reference_text_is_in_the_context_for_the_document_cache():
    """The cache keys documents by their context: a renamed department must change it."""
    sop = make_sop(related=("OPS-001",))
    library = make_library(sop)
    renamed = dataclasses.replace(
        library,
        departments=tuple(
            dataclasses.replace(d, name="Logistics") if d.code == "OPS" else d for d in library.departments
        ),
    )
    assert sop_context(sop, library)["related"][0]["text"] == "see OPS-001 Receiving goods (Operations binder)"
    assert sop_context(sop, renamed)["related"][0]["text"] == "see OPS-001 Receiving goods (Logistics binder)"


# ---------------------------------------------------------------- pictures


def test_step_image_fits_the_action_column_with_a_caption(tmp_path):
    big = write_png(tmp_path / "screen.png", 2000, 1000)  # 96 dpi: 529 mm wide
    small = write_png(tmp_path / "icon.png", 96, 48)  # 25.4 mm wide: kept as it is
    sop = make_sop(
        steps=(step("1", "Open the screen.", image=big), step("2", "Click the icon.", image=small), step("3", "Done."))
    )
    out = render(tmp_path, sop)
    with zipfile.ZipFile(out) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 2
    (w1, h1), (w2, h2) = extents(out, "word/document")
    assert abs(w1 - Mm(110)) < Mm(0.5) and abs(h1 - Mm(55)) < Mm(0.5)  # scaled down, proportions kept
    assert abs(w2 - Mm(25.4)) < Mm(0.5) and abs(h2 - Mm(12.7)) < Mm(0.5)  # never scaled up
    styles = paragraphs(out)
    captions = [text for style, text in styles if style == "Caption"]
    assert captions == ["Figure — step 1", "Figure — step 2"]
    image_at = [i for i, (style, _) in enumerate(styles) if style == "StepImage"]
    assert [styles[i + 1] for i in image_at] == [("Caption", "Figure — step 1"), ("Caption", "Figure — step 2")]


def test_step_image_in_a_checklist_fits_its_narrower_column_and_french_caption(tmp_path):
    big = write_png(tmp_path / "screen.png", 2000, 1000)
    out = render(
        tmp_path, make_sop(format="Checklist", steps=(step("3", "Open the screen.", image=big),)), language="fr"
    )
    ((width, _),) = extents(out, "word/document")
    assert abs(width - Mm(70)) < Mm(0.5)
    assert ("Caption", "Figure — étape 3") in paragraphs(out)


def test_logo_is_in_the_page_header_small(tmp_path):
    logo = write_png(tmp_path / "logo.png", 600, 200)  # 159 × 53 mm at 96 dpi
    out = render(tmp_path, make_sop(), logo=logo)
    ((width, height),) = extents(out, "word/header")
    assert abs(height - Mm(10)) < Mm(0.5) and abs(width - Mm(30)) < Mm(0.5)  # 30 mm wide at most, 12 high
    assert extents(out, "word/document") == []  # not repeated in the body
    header = part_xml(out, "word/header")
    assert header.index("<w:drawing>") < header.index("Acme Ltd")  # left of the organisation's name
    square = write_png(tmp_path / "square.png", 400, 400)
    ((width, height),) = extents(render(tmp_path, make_sop(), name="sq.docx", logo=square), "word/header")
    assert abs(height - Mm(12)) < Mm(0.5) and abs(width - Mm(12)) < Mm(0.5)


def test_no_logo_no_picture_in_the_header(tmp_path):
    out = render(tmp_path, make_sop())
    assert "<w:drawing>" not in part_xml(out, "word/header")
    assert "Acme Ltd" in part_xml(out, "word/header")


@pytest.mark.parametrize("fmt", ["Steps", "Flowchart"])
def test_flowchart_comes_before_the_numbered_steps_with_a_caption(tmp_path, fmt):
    chart = write_png(tmp_path / "flow.png", 800, 1600)
    sop = make_sop(format=fmt)
    out = render(tmp_path, sop, extra={"flowchart": Image(chart, 170, 200)})
    styles = paragraphs(out)
    procedure = styles.index(("Heading1", "Procedure"))
    figure = next(i for i, (style, _) in enumerate(styles) if style == "Figure")
    first_step = styles.index(("StepNumber", "1"))
    assert procedure < figure < first_step
    assert styles[figure + 1] == ("FigureCaption", "Figure — flowchart of the procedure")
    numbers = [text for style, text in styles if style in ("StepNumber", "SubStepNumber")]
    assert numbers == [s.number for s in sop.steps]  # every step still listed after the chart
    ((width, height),) = extents(out, "word/document")
    assert height <= Mm(200) + Mm(0.5) and width <= TEXT_WIDTH
