"""An issue can be assembled with its parts added in any order (``Assembly``: a rebuild adds the SOPs from the
cache while the changed ones convert, ``binder.issue.ahead``) and it is the file ``assemble`` makes, object for
object: when a part added late would have changed what the parts added before it met (a role, a class, an
``/ID``), the file is assembled again in order.

Tiny tagged PDFs made here with pikepdf; compared as ``pdfs.logical`` (qpdf numbers the objects in reading
order: the file's own numbers follow the order they were made in)."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import pikepdf
import pytest
from pdfs import logical
from pikepdf import Array, Dictionary, Name

from binder.document.links import LINK_PREFIX
from binder.issue.assemble import Assembly, Document, FrontItem, Part, assemble


def part_pdf(
    path: Path,
    texts: list[str],
    links: tuple[str, ...] = (),
    roles: dict[str, str] | None = None,
    link_type: str = "/Link",
    ids: tuple[bytes, ...] = (),
) -> Path:
    """One tagged page: a ``/P`` element per text (the first ones with ``ids``), then an element of
    ``link_type`` per link (its text and its annotation, to the URI); ``roles``: the ``/RoleMap``."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 300))
    page = pdf.pages[0].obj
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, Pg=page))
    ops, kids, owners, annots, y = [], [], [], [], 280
    for mcid, text in enumerate([*texts, *(f"link {n}" for n in range(len(links)))]):
        ops.append(f"/P <</MCID {mcid}>> BDC BT /F1 10 Tf 20 {y} Td ({text}) Tj ET EMC")
        kind = "/P" if mcid < len(texts) else link_type
        element = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name(kind), P=document, Pg=page, K=Array([mcid]))
        )
        if mcid < len(ids):
            element.ID = pikepdf.String(ids[mcid])
        if mcid >= len(texts):
            annot = pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array([20, y, 120, y + 12]),
                    A=Dictionary(S=Name.URI, URI=pikepdf.String(links[mcid - len(texts)])),
                    StructParent=1 + len(annots),
                )
            )
            element.K.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=page))
            annots.append((annot, element))
        kids.append(element)
        owners.append(element)
        y -= 14
    page.Contents = pdf.make_stream("\n".join(ops).encode())
    page.Annots = Array([annot for annot, _ in annots])
    page.StructParents = 0
    document.K = Array(kids)
    root.K = Array([document])
    nums = [0, Array(owners)] + [x for n, (_, element) in enumerate(annots) for x in (1 + n, element)]
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=Array(nums)))
    if roles:
        root.RoleMap = Dictionary({f"/{key}": Name(value) for key, value in roles.items()})
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.save(path)
    return path


def document(tmp_path: Path, front: Path, parts: list[Path], back: Path | None = None) -> Document:
    return Document(
        "Binder",
        "Acme",
        "Subject",
        "Top",
        front,
        (FrontItem("Contents", 0),),
        tuple(Part(f"S-{n:03}", f"S-{n:03} Title {n}", pdf) for n, pdf in enumerate(parts, 1)),
        back=back,
        back_title="Sheet" if back else "",
        stamp="Binder",
    )


def in_order(doc: Document, out: Path) -> bytes:
    assemble(doc, out)
    return logical(out)


def added(doc: Document, order: list[int], out: Path) -> tuple[bytes, bool]:
    """The file made when the parts at ``order`` (indexes) are added first, and whether no reordering was needed."""
    with Assembly(doc.parts, doc.lang) as assembly:
        for index in order:
            assembly.add_part(index)
        assembly.finish(doc, out)
        free = assembly._merger.order_free
    return logical(out), free


def plain_parts(tmp_path: Path) -> Document:
    front = part_pdf(tmp_path / "front.pdf", ["Cover", "Contents"], (LINK_PREFIX + "S-002",), {"Para": "/P"})
    parts = [
        part_pdf(tmp_path / "1.pdf", ["Purpose"], (LINK_PREFIX + "S-003", LINK_PREFIX + "X-999"), {"Para": "/P"}),
        part_pdf(tmp_path / "2.pdf", ["Scope", "Steps"], ("https://example.test/",)),
        part_pdf(tmp_path / "3.pdf", ["Policy"], (LINK_PREFIX + "S-001",), {"Para": "/P", "Note": "/P"}),
    ]
    return document(tmp_path, front, parts, back=part_pdf(tmp_path / "back.pdf", ["Signed"]))


@pytest.mark.parametrize("order", [o for n in range(4) for o in permutations(range(3), n)])
def test_parts_added_in_any_order_make_the_file_assemble_makes(tmp_path, order):
    doc = plain_parts(tmp_path)
    expected = in_order(doc, tmp_path / "expected.pdf")
    made, free = added(doc, list(order), tmp_path / "made.pdf")
    assert free and made == expected
    with pikepdf.open(tmp_path / "made.pdf") as pdf:  # and it is the binder: jumps, dropped links, parts in order
        parts = list(pdf.Root.StructTreeRoot.K[0].K)
        assert [str(p.get("/T", "")) for p in parts] == ["", "S-001 Title 1", "S-002 Title 2", "S-003 Title 3", "Sheet"]
        jumps = [a.A.D[0].objgen for p in pdf.pages for a in p.obj.get("/Annots") or () if a.A.S == Name.GoTo]
        assert jumps == [pdf.pages[2].obj.objgen, pdf.pages[3].obj.objgen, pdf.pages[1].obj.objgen]
        assert len(pdf.pages[1].obj.Annots) == 1  # S-001's link to X-999, not in this binder, is gone


def test_a_late_part_whose_roles_clash_with_those_added_before_it_is_assembled_in_order(tmp_path):
    # /Para is /P in the front and /H1 in S-001: in order, S-001's is renamed; added before the front, it would not
    front = part_pdf(tmp_path / "front.pdf", ["Cover"], roles={"Para": "/P"})
    sop = part_pdf(tmp_path / "1.pdf", ["Purpose"], roles={"Para": "/H1"})
    doc = document(tmp_path, front, [sop])
    made, free = added(doc, [0], tmp_path / "made.pdf")
    assert not free and made == in_order(doc, tmp_path / "expected.pdf")
    with pikepdf.open(tmp_path / "made.pdf") as pdf:
        assert {str(k): str(v) for k, v in pdf.Root.StructTreeRoot.RoleMap.items()} == {
            "/Para": "/P",
            "/Para 2": "/H1",
        }


def test_a_late_part_that_maps_a_role_the_earlier_added_ones_use_is_assembled_in_order(tmp_path):
    # S-002 tags its links /Lnk, mapped to /Link only by the front's role map. In order, the walk knows /Lnk is a
    # link: the one whose annotation was dropped (to an SOP not here) becomes a /Span. Added before the front, no.
    front = part_pdf(tmp_path / "front.pdf", ["Cover"], roles={"Lnk": "/Link"})
    one = part_pdf(tmp_path / "1.pdf", ["Purpose"])
    two = part_pdf(tmp_path / "2.pdf", ["Scope"], (LINK_PREFIX + "X-999",), link_type="/Lnk")
    doc = document(tmp_path, front, [one, two])
    expected = in_order(doc, tmp_path / "expected.pdf")
    made, free = added(doc, [1], tmp_path / "made.pdf")
    assert not free and made == expected
    with pikepdf.open(tmp_path / "made.pdf") as pdf:
        assert str(list(pdf.Root.StructTreeRoot.K[0].K)[2].K[-1].S) == "/Span"
    # the same roles in a part that comes after the others: nothing they met changes, no second assembly
    doc = document(tmp_path, one, [two, front])
    made, free = added(doc, [0], tmp_path / "made.pdf")
    assert free and made == in_order(doc, tmp_path / "expected.pdf")


def test_a_late_part_with_an_id_an_earlier_added_one_has_is_assembled_in_order(tmp_path):
    # the first /ID met keeps it: in order, the front's
    front = part_pdf(tmp_path / "front.pdf", ["Cover"], ids=(b"intro",))
    sop = part_pdf(tmp_path / "1.pdf", ["Purpose"], ids=(b"intro",))
    doc = document(tmp_path, front, [sop])
    made, free = added(doc, [0], tmp_path / "made.pdf")
    assert not free and made == in_order(doc, tmp_path / "expected.pdf")
    with pikepdf.open(tmp_path / "made.pdf") as pdf:
        first = list(pdf.Root.StructTreeRoot.K[0].K)[0].K[0]
        assert bytes(first.ID) == b"intro"


def test_finishing_with_other_parts_than_begun_is_refused(tmp_path):
    doc = plain_parts(tmp_path)
    with Assembly(doc.parts[:2], doc.lang) as assembly, pytest.raises(ValueError, match="other parts"):
        assembly.finish(doc, tmp_path / "made.pdf")


def test_a_late_part_that_uses_a_role_only_a_part_after_it_maps_is_assembled_in_order(tmp_path):
    # S-001 tags its dropped link /Lnk and maps nothing; S-002, after it, maps /Lnk to /Link. In order, S-001's walk
    # does not know /Lnk is a link (it stays /Lnk); S-001 added after S-002 would see the mapping and make a /Span.
    front = part_pdf(tmp_path / "front.pdf", ["Cover"])
    one = part_pdf(tmp_path / "1.pdf", ["Purpose"], (LINK_PREFIX + "X-999",), link_type="/Lnk")
    two = part_pdf(tmp_path / "2.pdf", ["Scope"], roles={"Lnk": "/Link"})
    doc = document(tmp_path, front, [one, two])
    expected = in_order(doc, tmp_path / "expected.pdf")
    made, free = added(doc, [1], tmp_path / "made.pdf")
    assert not free and made == expected
    with pikepdf.open(tmp_path / "made.pdf") as pdf:
        assert str(list(pdf.Root.StructTreeRoot.K[0].K)[1].K[-1].S) == "/Lnk"


def test_a_role_mapped_through_another_part_s_mapping_counts_as_used(tmp_path):
    # S-002 maps /Lnk to /Hyper; the front, before it, maps /Hyper to /Link: in order S-002 meets the front's map
    front = part_pdf(tmp_path / "front.pdf", ["Cover"], roles={"Hyper": "/Link"})
    one = part_pdf(tmp_path / "1.pdf", ["Purpose"])
    two = part_pdf(tmp_path / "2.pdf", ["Scope"], (LINK_PREFIX + "X-999",), {"Lnk": "/Hyper"}, link_type="/Lnk")
    doc = document(tmp_path, front, [one, two])
    made, free = added(doc, [1], tmp_path / "made.pdf")
    assert not free and made == in_order(doc, tmp_path / "expected.pdf")


def test_a_late_part_that_maps_the_roles_it_uses_as_the_others_do_is_not_assembled_again(tmp_path):
    # LibreOffice gives the front matter and every SOP the same role map: the front, converted while the SOPs
    # came from the cache, maps /Lnk as they do, so it took nothing from them and brought them nothing new
    roles = {"Lnk": "/Link", "Para": "/P"}
    front = part_pdf(tmp_path / "front.pdf", ["Cover"], (LINK_PREFIX + "S-002",), roles, link_type="/Lnk")
    one = part_pdf(tmp_path / "1.pdf", ["Purpose"], (LINK_PREFIX + "X-999",), roles, link_type="/Lnk")
    two = part_pdf(tmp_path / "2.pdf", ["Scope"], (LINK_PREFIX + "S-001",), roles, link_type="/Lnk")
    doc = document(tmp_path, front, [one, two])
    expected = in_order(doc, tmp_path / "expected.pdf")
    for order in ([0, 1], [1, 0], [1]):
        made, free = added(doc, order, tmp_path / "made.pdf")
        assert free and made == expected
