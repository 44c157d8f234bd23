"""Binders and packs are tagged PDF, as the parts they are made of: assembly merges the structure
trees of the front matter, the SOPs and the back matter, so that every page's marked content and
every link is reached from one structure tree, and says so (``/MarkInfo``, ``/Lang``, XMP).

The slow tests build with LibreOffice and walk every binder and pack; the fast one assembles tiny
tagged PDFs made here with pikepdf. Every figure of a built binder or pack has alternative text and
every table header cells: the documents make them (picture descriptions, repeating header rows),
assembly keeps them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
import wb
from pikepdf import Array, Dictionary, Name, Pdf
from pypdf import PdfWriter

from binder.document.links import LINK_PREFIX
from binder.issue.assemble import Document, FrontItem, Part, assemble

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "inputs" / "example.xlsx"


# -- reading a tagged PDF, independently of binder.issue.tagging ------------------------------------


def items(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def standard(role, roles) -> str:
    name = str(role)
    for _ in range(16):
        mapped = roles.get(name)
        if mapped is None or str(mapped) == name:
            break
        name = str(mapped)
    return name


def number_tree(node) -> dict[int, object]:
    found: dict[int, object] = {}
    nums = list(node.get("/Nums") or ())
    for i in range(0, len(nums), 2):
        found[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids") or ():
        found.update(number_tree(kid))
    return found


def content_mcids(page) -> list[int]:
    """MCIDs of the marked content in the page's content streams (BDC with an /MCID in its properties)."""
    found = []
    properties = page.obj.get("/Resources", Dictionary()).get("/Properties", Dictionary())
    for operands, operator in pikepdf.parse_content_stream(page, "BDC BMC"):
        if str(operator) != "BDC":
            continue
        props = operands[1]
        if isinstance(props, Name):
            props = properties.get(str(props), Dictionary())
        if "/MCID" in props:
            found.append(int(props.MCID))
    return found


@dataclass
class Report:
    pages: int = 0
    marked: int = 0
    """Marked-content sequences with an MCID, over all pages."""
    links: int = 0
    """Link annotations tied to a /Link element."""
    shared_links: int = 0
    """Link annotations two /Link elements refer to (LibreOffice 7.4 does so for contents entries)."""
    parts: list[str] = field(default_factory=list)
    """/T of each /Part under the /Document, untitled ones as ''."""
    roles: Counter = field(default_factory=Counter)
    figures_without_alt: int = 0
    tables_without_th: int = 0
    figures: int = 0
    tables: int = 0


def check_tagged(path: Path, described: bool = True) -> Report:
    """Assert everything assembly must keep; return the counts. ``described``: also what assembly says of
    the whole document (language, title, PDF/UA), which an SOP's own PDF has as LibreOffice wrote it."""
    report = Report()
    with Pdf.open(path) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        if described:
            assert str(root.Lang)
            assert root.ViewerPreferences.DisplayDocTitle is True
            meta = pdf.open_metadata()
            assert meta.get("dc:title") and str(meta.get("pdfuaid:part")) == "1"
        tree = root.StructTreeRoot
        roles = tree.get("/RoleMap", Dictionary())
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        report.pages = len(pages)

        owned: dict[tuple[int, int], tuple[int, int]] = {}
        objrs: dict[tuple[int, int], set[tuple[int, int]]] = {}

        def walk(element, parent, page: int | None) -> None:
            assert element.is_indirect, "structure elements are indirect objects"
            assert element.P.objgen == parent.objgen, "every element's /P is its parent"
            if "/Pg" in element:
                assert element.Pg.objgen in pages, "/Pg is a page of this file"
                page = pages[element.Pg.objgen]
            role = standard(element.S, roles)
            report.roles[role] += 1
            if role == "/Figure":
                report.figures += 1
                report.figures_without_alt += "/Alt" not in element
            if role == "/Table":
                report.tables += 1
                report.tables_without_th += not has_header(element)
            for kid in items(element.get("/K")):
                if isinstance(kid, int):
                    assert page is not None, "an MCID needs a page"
                    assert (page, kid) not in owned, f"MCID {kid} of page {page + 1} has two owners"
                    owned[(page, kid)] = element.objgen
                elif str(kid.get("/Type", "")) == "/MCR":
                    at = pages[kid.Pg.objgen] if "/Pg" in kid else page
                    assert at is not None and (at, int(kid.MCID)) not in owned
                    owned[(at, int(kid.MCID))] = element.objgen
                elif str(kid.get("/Type", "")) == "/OBJR":
                    objrs.setdefault(kid.Obj.objgen, set()).add(element.objgen)
                else:
                    walk(kid, element, page)

        def has_header(element) -> bool:
            return any(
                not isinstance(kid, int) and "/S" in kid and (standard(kid.S, roles) == "/TH" or has_header(kid))
                for kid in items(element.get("/K"))
            )

        if described:
            (document,) = items(tree.K)
            assert standard(document.S, roles) == "/Document"
            walk(document, tree, None)
            report.parts = [str(kid.get("/T", "")) for kid in items(document.K) if str(kid.S) == "/Part"]
        else:  # LibreOffice puts some documents' elements at the top, with no /Document around them
            for top in items(tree.K):
                walk(top, tree, None)

        parents = number_tree(tree.ParentTree)
        if described or "/ParentTreeNextKey" in tree:  # optional; LibreOffice writes none, assembly does
            assert int(tree.ParentTreeNextKey) > max(parents, default=-1)
        for index, page in enumerate(pdf.pages):
            mcids = content_mcids(page)
            report.marked += len(mcids)
            assert len(mcids) == len(set(mcids)), f"page {index + 1} repeats an MCID"
            assert {m for (p, m) in owned if p == index} == set(mcids), f"page {index + 1}: tree and content differ"
            if mcids:
                array = parents[int(page.obj.StructParents)]
                for mcid in mcids:
                    assert array[mcid].objgen == owned[(index, mcid)], f"page {index + 1}, MCID {mcid}"
            for annot in page.obj.get("/Annots") or ():
                if annot.get("/Subtype") != "/Link":
                    continue
                assert "/StructParent" in annot, f"an untagged link on page {index + 1}"
                element = parents[int(annot.StructParent)]
                assert standard(element.S, roles) == "/Link"
                assert element.objgen in objrs.get(annot.objgen, ()), "its parent refers to it"
                report.links += 1
                report.shared_links += len(objrs[annot.objgen]) > 1
        assert len(objrs) == report.links, "every object reference is a link on a page"
    return report


# -- the real thing: LibreOffice's PDFs through a whole build ----------------------------------------


def build(folder: Path, workbook: Path | None) -> Path:
    if workbook is None:
        wb.write(folder / "book.xlsx")
    else:
        (folder / "book.xlsx").write_bytes(workbook.read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "binder", "build", "book.xlsx", "--out", "out", "--quiet"],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return folder / "out"


@pytest.mark.slow
@pytest.mark.parametrize("workbook", [None, EXAMPLE], ids=["test-workbook", "example"])
def test_every_binder_and_pack_is_one_tagged_structure(tmp_path, workbook):
    out = build(tmp_path, workbook)
    manifest = json.loads((out / "manifest.json").read_text())
    issued = [(entry, "binders") for entry in manifest["binders"]] + [(entry, "packs") for entry in manifest["packs"]]
    assert len(issued) >= 3
    lines, missing, figures = [], 0, 0
    for entry, kind in issued:
        pdf = out / entry["path"]
        report = check_tagged(pdf)
        assert report.marked and report.links, pdf.name
        # the front matter, each SOP titled as its bookmark, and a pack's acknowledgement sheet
        assert report.parts[0] == "" and len(report.parts) == 1 + len(entry["sops"]) + (kind == "packs")
        assert [title.split(" ")[0] for title in report.parts[1 : 1 + len(entry["sops"])]] == entry["sops"]
        lines.append(
            f"{pdf.parent.name}/{pdf.name}: {report.pages} pages, {report.marked} marked contents, "
            f"{report.links} links; {report.figures_without_alt} of {report.figures} figures without /Alt, "
            f"{report.tables_without_th} of {report.tables} tables without /TH"
        )
        missing += report.figures_without_alt + report.tables_without_th
        figures += report.figures
    print("\n" + "\n".join(lines))
    assert missing == 0, "\n".join(lines)
    # Each SOP's own PDF lost its links to other SOPs: nothing in its structure tree refers to them any more
    for entry in manifest["documents"]:
        check_tagged(out / entry["pdf"], described=False)
    if workbook == EXAMPLE:
        assert figures, "the example's flowcharts are figures"


# -- fast: tiny tagged PDFs made here ----------------------------------------------------------------


def tagged_pdf(path: Path, paragraphs: list[str], link: str, para_role: str) -> Path:
    """One page: each paragraph a /Para element (role-mapped to ``para_role``), then a link (MCID last)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    page = pdf.pages[0]
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    ops, y = [], 250
    for mcid, text in enumerate([*paragraphs, "link"]):
        tag = "/Link" if text == "link" else "/P"
        ops.append(f"{tag} <</MCID {mcid}>> BDC BT /F1 10 Tf 20 {y} Td ({text}) Tj ET EMC")
        y -= 20
    page.obj.Contents = pdf.make_stream("\n".join(ops).encode())
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot, RoleMap=Dictionary(Para=Name(para_role))))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, Pg=page.obj))
    kids = [
        pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/Para"), P=document, Pg=page.obj, K=Array([m])))
        for m in range(len(paragraphs))
    ]
    annot = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Link,
            Rect=Array([20, y, 120, y + 20]),
            Border=Array([0, 0, 0]),
            A=Dictionary(S=Name.URI, URI=pikepdf.String(link)),
            StructParent=1,
        )
    )
    page.obj.Annots = Array([annot])
    link_element = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Link, P=document, Pg=page.obj, K=Array([len(paragraphs)]))
    )
    link_element.K.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=page.obj))
    kids.append(link_element)
    document.K = Array(kids)
    root.K = Array([document])
    page.obj.StructParents = 0
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array([0, Array(kids), 1, link_element])))
    root.ParentTreeNextKey = 2
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String("en-GB")
    pdf.save(path)
    return path


def test_assembly_merges_the_parts_structure_trees(tmp_path):
    front = tagged_pdf(tmp_path / "front.pdf", ["Cover", "Contents"], LINK_PREFIX + "B-001", "/P")
    sop = tagged_pdf(tmp_path / "sop.pdf", ["Purpose", "Scope", "Policy"], LINK_PREFIX + "ZZZ-999", "/H1")
    other = tagged_pdf(tmp_path / "other.pdf", ["Help"], "https://example.test/", "/P")
    back = tmp_path / "back.pdf"  # untagged, as a hand-made template could convert
    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    writer.write(back)
    made = assemble(
        Document(
            "Test binder",
            "Acme Ltd",
            "Subject",
            "Test",
            front,
            (FrontItem("Contents", 0),),
            (Part("B-001", "B-001 Purposes", sop), Part("B-002", "B-002 Help", other)),
            back=back,
            back_title="Sheet",
            stamp="Test binder",
            lang="fr",
        ),
        tmp_path / "binder.pdf",
    )
    assert made.pages == 4
    report = check_tagged(made.path)
    assert report.parts == ["", "B-001 Purposes", "B-002 Help"]  # the untagged back matter adds no part
    assert report.marked == 3 + 4 + 2
    assert report.links == 2  # the front's jump and the web link; the link to an SOP not here is gone
    with Pdf.open(made.path) as pdf:
        tree = pdf.Root.StructTreeRoot
        assert str(pdf.Root.Lang) == "fr-FR"
        # /Para means /P in the front and /H1 in the SOP: the SOP's is renamed, both mappings kept
        assert {str(k): str(v) for k, v in tree.RoleMap.items()} == {"/Para": "/P", "/Para 2": "/H1"}
        front_part, sop_part, other_part = items(tree.K[0].K)
        assert [str(e.S) for e in items(sop_part.K)] == ["/Para 2"] * 3 + ["/Span"]  # its link was removed
        assert str(sop_part.Lang) == "en-GB" and sop_part.Pg.objgen == pdf.pages[1].obj.objgen
        assert [e.Pg.objgen for e in items(other_part.K)] == [pdf.pages[2].obj.objgen] * 2
        jump = front_part.K[-1].K[-1].Obj
        assert jump.A.S == "/GoTo" and jump.A.D[0].objgen == pdf.pages[1].obj.objgen
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Test binder" and meta["dc:creator"] == ["Acme Ltd"]
        assert "/StructParents" not in pdf.pages[3].obj  # the untagged back matter
        # the page stamp: an artifact, in an embedded font that maps to Unicode (as PDF/A asks)
        stamp = pdf.pages[1].obj.Resources.Font.BinderStamp
        assert "/FontFile2" in stamp.FontDescriptor and "/ToUnicode" in stamp
        assert b"/Artifact <</Type /Pagination" in pdf.pages[1].obj.Contents[-1].read_bytes()
    text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(made.path), "-"], capture_output=True, text=True)
    assert "Test binder \u00b7 2" in text.stdout


def test_untagged_parts_make_an_untagged_file_that_claims_nothing(tmp_path):
    blank = tmp_path / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    writer.write(blank)
    made = assemble(Document("T", "A", "S", "T", blank, (), (Part("X-001", "X-001", blank),)), tmp_path / "out.pdf")
    with Pdf.open(made.path) as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        assert str(pdf.Root.Lang) == "en-GB" and pdf.Root.ViewerPreferences.DisplayDocTitle is True
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "T" and "pdfuaid:part" not in meta


def test_binders_and_packs_speak_the_workbooks_language(tmp_path, monkeypatch):
    """Settings Language reaches every binder's and pack's /Lang (built with the fake converter)."""
    import fakes
    from pipeline import first_build

    from binder.document.labels import language_tag

    fakes.patch_converter(monkeypatch)
    data = wb.base()
    for row in data["Settings"]:
        if row["Key"] == "Language":
            row["Value"] = "fr"
    _, out, _ = first_build(tmp_path, data)
    manifest = json.loads((out / "manifest.json").read_text())
    issued = manifest["binders"] + manifest["packs"]
    assert len(issued) >= 2
    for entry in issued:
        with Pdf.open(out / entry["path"]) as pdf:
            assert str(pdf.Root.Lang) == language_tag("fr") == "fr-FR", entry["path"]


def test_a_pictures_description_moves_to_the_figure_that_holds_it(tmp_path):
    """LibreOffice 7.4 nests an empty /Figure carrying /Alt inside the /Figure that holds the picture."""
    sop = tagged_pdf(tmp_path / "sop.pdf", ["Chart"], "https://example.test/", "/P")
    with Pdf.open(sop, allow_overwriting_input=True) as pdf:
        figure = pdf.Root.StructTreeRoot.K[0].K[0]
        figure.S = Name.Figure
        inner = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Figure, P=figure, Alt=pikepdf.String("A chart"))
        )
        figure.K = Array([0, inner])
        pdf.save(sop)
    made = assemble(Document("T", "A", "S", "T", sop, (), (Part("X-001", "X-001", sop),)), tmp_path / "out.pdf")
    report = check_tagged(made.path)
    assert report.figures == 2 and report.figures_without_alt == 0  # the front's and the SOP's
    with Pdf.open(made.path) as pdf:
        front_figure = items(pdf.Root.StructTreeRoot.K[0].K)[0].K[0]
        assert str(front_figure.Alt) == "A chart" and list(front_figure.K) == [0]


def test_pdfa_assembly_refuses_parts_that_are_not_pdfa(tmp_path):
    from binder.issue.archive import NotArchival

    sop = tagged_pdf(tmp_path / "sop.pdf", ["Purpose"], "https://example.test/", "/P")
    doc = Document("T", "A", "S", "T", sop, (), (Part("X-001", "X-001", sop),), pdfa=True)
    with pytest.raises(NotArchival, match="output intent"):
        assemble(doc, tmp_path / "out.pdf")
    with Pdf.open(sop, allow_overwriting_input=True) as pdf:
        profile = pdf.make_stream(b"\0" * 128, N=3)
        pdf.Root.OutputIntents = Array(
            [Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, DestOutputProfile=profile)]
        )
        pdf.save(sop)
    with pytest.raises(NotArchival, match="Helvetica on page 1 is not embedded"):
        assemble(doc, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
