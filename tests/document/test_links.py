"""An SOP's own PDF: links to other SOPs lose their jump but keep their text, and the structure tree
stops calling them links; every other link is left as it was."""

from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from binder.document.links import LINK_PREFIX, standalone_copy


def _tagged_pdf_with_links(path: Path) -> None:
    """One page, two tagged links (one to another SOP, one to the web), as LibreOffice writes them."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree, K=Array()))
    annots = Array()
    nums = Array()
    for key, uri in enumerate((LINK_PREFIX + "OPS-001", "https://intranet.acme.test/payroll"), start=1):
        action = Dictionary(S=Name.URI, URI=pikepdf.String(uri))
        annot = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 10, 10], A=action))
        annot.StructParent = key
        link = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Link, P=document, Pg=page))
        link.K = Array([Dictionary(Type=Name.OBJR, Obj=annot, Pg=page)])
        document.K.append(link)
        annots.append(annot)
        nums.extend([key, link])
    # LibreOffice 7.4 has a second element refer to some links (a contents entry): not in the parent tree
    twin = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Link, P=document, Pg=page))
    twin.K = Array([Dictionary(Type=Name.OBJR, Obj=annots[0], Pg=page)])
    document.K.append(twin)
    page.Annots = annots
    tree.K = document
    tree.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    pdf.Root.StructTreeRoot = tree
    pdf.save(path)


def test_a_link_to_another_sop_becomes_plain_tagged_text_and_a_web_link_stays(tmp_path):
    linked = tmp_path / "linked.pdf"
    _tagged_pdf_with_links(linked)
    assert standalone_copy(linked, tmp_path / "own.pdf") == 1
    standalone_copy(linked, tmp_path / "again.pdf")
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "own.pdf").read_bytes()  # a rebuild writes the same
    with pikepdf.open(tmp_path / "own.pdf") as pdf:
        annots = list(pdf.pages[0].obj.Annots)
        assert [str(a.A.URI) for a in annots] == ["https://intranet.acme.test/payroll"]
        elements = list(pdf.Root.StructTreeRoot.K.K)
        assert [str(e.S) for e in elements] == ["/Span", "/Link", "/Span"]
        assert list(elements[0].K) == [] and list(elements[2].K) == []
        assert elements[1].K[0].Obj.objgen == annots[0].objgen
        nums = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        assert [int(n) for n in nums[::2]] == [2] and nums[1].objgen == elements[1].objgen


def test_a_pdf_without_links_to_other_sops_is_copied_byte_for_byte(tmp_path):
    plain = pikepdf.new()
    plain.add_blank_page()
    plain.save(tmp_path / "linked.pdf")
    assert standalone_copy(tmp_path / "linked.pdf", tmp_path / "own.pdf") == 1
    assert (tmp_path / "own.pdf").read_bytes() == (tmp_path / "linked.pdf").read_bytes()
