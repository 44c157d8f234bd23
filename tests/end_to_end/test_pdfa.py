"""Settings ``PDF/A`` = ``yes``: every SOP, binder and pack PDF is PDF/A-2, checked in the files.

One signed build of the test workbook with PDF/A on; each test reads what it wrote, with pikepdf,
lxml and poppler, independently of ``binder.issue.archive``. What is checked: the PDF/A
identification in XMP (and ``U`` only where every font has a ``/ToUnicode`` map), an output intent
with an ICC profile, no encryption, every font used by a page, form or annotation embedded, the
header, XMP and document information consistent, annotations printable and no forbidden actions,
no transparency group added by binder, and signatures still valid. What is not: the rest of
ISO 19005-2 (no validator such as veraPDF is available here)."""

from __future__ import annotations

import json
import subprocess

import certs
import pikepdf
import pytest
import wb
from cli import binder
from lxml import etree
from pikepdf import Dictionary, Name, Pdf

pytestmark = pytest.mark.slow

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
}
FORBIDDEN_ACTIONS = {"/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/JavaScript", "/Hide", "/Rendition"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(folder, signer, every PDF the build wrote: SOPs, binders, packs)."""
    folder = tmp_path_factory.mktemp("pdfa")
    signer = certs.make_signer(folder)
    data = wb.base()
    data["Settings"].append({"Key": "PDF/A", "Value": "yes"})
    wb.write(folder / "book.xlsx", data)
    env = {"BINDER_KEY_PASSPHRASE": signer.passphrase.decode()}
    result = binder(
        "build", "book.xlsx", "--out", "out", "--quiet", "--sign", "--key", str(signer.p12), cwd=folder, env=env
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    issued = [e["path"] for e in manifest["binders"] + manifest["packs"]]
    sops = [d["pdf"] for d in manifest["documents"]]
    assert len(issued) >= 3 and len(sops) >= 3
    return folder, signer, [folder / "out" / p for p in sops + issued], [folder / "out" / p for p in issued]


def xmp(pdf: Pdf) -> etree._Element:
    stream = pdf.Root.Metadata
    assert "/Filter" not in stream.stream_dict, "the XMP stream is not compressed"
    return etree.fromstring(stream.read_bytes())


def values(tree: etree._Element, path: str) -> list[str]:
    """Text of every ``prefix:name`` property, wherever rdf puts it (element, attribute, or a URI as
    ``rdf:resource``: pyHanko rewrites the XMP so when it signs)."""
    prefix, name = path.split(":")
    found = [e for e in tree.iter(f"{{{NS[prefix]}}}{name}")]
    texts = ["".join(e.itertext()).strip() or e.get(f"{{{NS['rdf']}}}resource", "") for e in found]
    texts += [d.get(f"{{{NS[prefix]}}}{name}") for d in tree.iter(f"{{{NS['rdf']}}}Description")]
    return [t for t in texts if t]


def fonts(pdf: Pdf):
    """Every font dictionary a page draws with: in its resources, its form XObjects' (nested), its
    annotations' appearance streams; Type 0 as their descendants; Type 3 glyph procedures' fonts."""
    for number, page in enumerate(pdf.pages, 1):
        seen = set()  # a form's resources may hold the form itself (LibreOffice's DRAFT watermark)
        todo = [page.obj.get("/Resources")]
        for annot in page.obj.get("/Annots") or ():
            for appearance in (annot.get("/AP") or Dictionary()).values():
                todo += [appearance] if isinstance(appearance, pikepdf.Stream) else list(appearance.values())
        while todo:
            item = todo.pop()
            if item is None:
                continue
            if isinstance(item, pikepdf.Stream):
                if item.objgen not in seen:
                    seen.add(item.objgen)
                    todo.append(item.get("/Resources"))
                continue
            for font in (item.get("/Font") or Dictionary()).values():
                if font.Subtype == Name.Type0:
                    yield from ((number, font, d) for d in font.DescendantFonts)
                elif font.Subtype == Name.Type3:
                    todo.append(font.get("/Resources"))
                else:
                    yield number, font, font
            todo += [x for x in (item.get("/XObject") or Dictionary()).values() if x.Subtype == Name.Form]


def test_every_pdf_says_it_is_pdfa_2_and_has_an_icc_output_intent(built):
    _, _, pdfs, _ = built
    for path in pdfs:
        with Pdf.open(path) as pdf:
            tree = xmp(pdf)
            assert values(tree, "pdfaid:part") == ["2"], path.name
            assert values(tree, "pdfaid:conformance")[0] in ("B", "U"), path.name
            (intent,) = pdf.Root.OutputIntents
            assert intent.S == Name("/GTS_PDFA1") and intent.Type == Name.OutputIntent
            profile = intent.DestOutputProfile.read_bytes()
            assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB ", "an ICC profile of an RGB output device"
            assert int(intent.DestOutputProfile.N) == 3


def test_nothing_is_encrypted_and_headers_are_pdfa_headers(built):
    _, _, pdfs, _ = built
    for path in pdfs:
        head = path.read_bytes()[:32]
        assert head[:5] == b"%PDF-" and head[5:8] in {b"1.%d" % n for n in range(8)}, path.name
        second = head.split(b"\n", 1)[1].lstrip(b"\r")
        assert second[:1] == b"%" and all(b > 127 for b in second[1:5]), f"{path.name}: binary comment line"
        with Pdf.open(path) as pdf:
            assert not pdf.is_encrypted and "/Encrypt" not in pdf.trailer and "/ID" in pdf.trailer


def test_every_font_is_embedded_and_unicode_is_claimed_only_where_mapped(built):
    _, _, pdfs, _ = built
    checked = 0
    for path in pdfs:
        with Pdf.open(path) as pdf:
            unicode = True
            for page, font, program in fonts(pdf):
                descriptor = program.get("/FontDescriptor")
                assert descriptor is not None and any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ), f"{path.name} page {page}: {font.get('/BaseFont')} is not embedded"
                unicode = unicode and "/ToUnicode" in font
                checked += 1
            if values(xmp(pdf), "pdfaid:conformance") == ["U"]:
                assert unicode, f"{path.name} claims PDF/A-2u with a font that has no /ToUnicode"
    assert checked > 20


def test_xmp_and_document_information_agree(built):
    _, _, pdfs, issued = built
    pairs = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description"}
    pairs |= {"/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer"}
    pairs |= {"/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}
    for path in pdfs:
        with Pdf.open(path) as pdf:
            tree = xmp(pdf)
            for key, prop in pairs.items():
                if key not in pdf.docinfo:
                    continue
                info = str(pdf.docinfo[key])
                found = values(tree, prop)
                assert found, f"{path.name}: {key} without {prop}"
                if key.endswith("Date"):  # D:20261128083949Z' against 2026-11-28T08:39:49Z
                    digits = "".join(c for c in found[0] if c.isdigit())[:14]
                    assert info[2:16] == digits, path.name
                else:
                    assert found[0] == info, f"{path.name}: {key}"
            if values(tree, "pdfuaid:part"):  # not a property PDF/A predefines: its schema is declared
                assert NS["pdfuaid"] in values(tree, "pdfaSchema:namespaceURI"), path.name
    for path in issued:
        with Pdf.open(path) as pdf:
            assert values(xmp(pdf), "pdfuaid:part") == ["1"] and str(pdf.docinfo.Creator) == "binder"


def test_annotations_print_and_actions_are_allowed(built):
    _, _, pdfs, _ = built
    for path in pdfs:
        with Pdf.open(path) as pdf:
            assert "/JavaScript" not in pdf.Root.get("/Names", Dictionary()) and "/AA" not in pdf.Root
            for number, page in enumerate(pdf.pages, 1):
                for annot in page.obj.get("/Annots") or ():
                    flags = int(annot.get("/F", 0))
                    where = f"{path.name} page {number} {annot.get('/Subtype')}"
                    assert flags & 4 and not flags & (1 | 2 | 32), f"{where}: flags {flags}"
                    action = annot.get("/A")
                    assert action is None or action.S not in FORBIDDEN_ACTIONS, where
                    assert "/AA" not in annot, where


def test_binder_adds_no_transparency(built):
    """The binder page stamp is opaque text: no page of a binder or pack has a transparency group or a
    soft mask unless its SOP's own PDF had one."""
    folder, _, pdfs, issued = built
    sop_groups = set()
    for path in pdfs:
        if path not in issued:
            with Pdf.open(path) as pdf:
                sop_groups |= {str(p.obj.get("/Group", {}).get("/S", "")) for p in pdf.pages}
    for path in issued:
        with Pdf.open(path) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                group = str(page.obj.get("/Group", {}).get("/S", ""))
                assert group in sop_groups | {""}, f"{path.name} page {number}"
                states = page.obj.get("/Resources", Dictionary()).get("/ExtGState", Dictionary())
                for state in states.values():
                    assert state.get("/SMask", Name.None_) == Name.None_, f"{path.name} page {number}"


def test_signatures_stay_valid_and_the_signed_file_is_still_pdfa(built):
    folder, signer, _, issued = built
    for path in issued:
        result = binder("verify", str(path), "--trust", str(signer.ca.pem), "--format", "json", cwd=folder)
        assert result.returncode == 0, result.stdout
        (signature,) = json.loads(result.stdout)["signatures"]
        assert signature["intact"] and signature["trusted"]
        poppler = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in poppler and "Total document signed" in poppler, poppler
        with Pdf.open(path) as pdf:  # the newest revision: signing kept the identification and intent
            assert values(xmp(pdf), "pdfaid:part") == ["2"] and len(pdf.Root.OutputIntents) == 1
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
