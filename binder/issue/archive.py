"""PDF/A-2 through assembly (Settings ``PDF/A`` = ``yes``): what keeps an assembled binder or pack
archival when its parts are.

LibreOffice exports every part PDF/A-2b (``SelectPdfVersion`` 2): fonts embedded, an sRGB output
intent, XMP. Appending the parts' pages keeps them and their resources but not the catalog's output intent
or metadata. Here, on the assembled file: the first part's ``/OutputIntents`` is copied; every font
of every page (and of the form XObjects and annotation appearances it uses) must be embedded, or
the file is refused rather than mislabelled; the conformance level is ``U`` when every font also
maps its codes to Unicode (``/ToUnicode``), else ``B``. ``assemble`` writes the ``pdfaid``
identification into the XMP, and ``declare_pdfua`` the extension schema PDF/A requires for the
``pdfuaid`` property of a tagged file. No encryption is ever written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pikepdf
from pikepdf import Dictionary, Name, Pdf

from binder.errors import ToolError

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")

PDFUA_SCHEMA = b"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
   xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
"""
"""The standard extension schema of ISO 14289-1 (PDF/UA-1), as its identification schema is not one PDF/A predefines."""


class NotArchival(ToolError):
    """The assembled file cannot be PDF/A as it is: a part was not exported PDF/A (a converter that
    ignores the option), or a font is not embedded. Refused rather than mislabelled."""


def archival(pdf: Pdf, parts: Sequence[Pdf]) -> str:
    """Make ``pdf`` (assembled from ``parts``) carry a PDF/A output intent; its conformance level, ``B`` or ``U``."""
    source = next((p for p in parts if "/OutputIntents" in p.Root), None)
    if source is None:
        raise NotArchival(
            "cannot make a PDF/A binder: no part has a PDF/A output intent (LibreOffice did not export PDF/A)",
            hint="convert with binder's own LibreOffice, or a unoserver that passes export options through",
        )
    intents = source.Root.OutputIntents
    # LibreOffice writes the array direct in the catalog; only an indirect object can be copied over
    pdf.Root.OutputIntents = pdf.copy_foreign(intents if intents.is_indirect else source.make_indirect(intents))
    unicode = True
    for page_number, font in fonts(pdf):
        descriptor = font.get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in FONT_FILES):
            raise NotArchival(
                f"cannot make a PDF/A binder: font {font.get('/BaseFont')} on page {page_number} is not embedded",
                hint="use fonts that may be embedded in the templates, or set PDF/A to no",
            )
        unicode = unicode and "/ToUnicode" in font
    return "U" if unicode else "B"


def fonts(pdf: Pdf) -> Iterator[tuple[int, Any]]:
    """(1-based page, font dictionary) of every font a page uses: its own, its form XObjects' and its
    annotations' appearances; a Type 0 font as its descendant, which holds the font program."""
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        stack = [page.obj.get("/Resources")]
        for annot in page.obj.get("/Annots") or ():
            for appearance in (annot.get("/AP") or Dictionary()).values():
                stack += [appearance] if isinstance(appearance, pikepdf.Stream) else list(appearance.values())
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if isinstance(item, pikepdf.Stream):
                if item.is_indirect:
                    if item.objgen in seen:
                        continue
                    seen.add(item.objgen)
                stack.append(item.get("/Resources"))
                continue
            for font in (item.get("/Font") or Dictionary()).values():
                if font.get("/Subtype") == Name.Type0:
                    yield from ((number, f) for f in font.DescendantFonts)
                elif font.get("/Subtype") == Name.Type3:
                    stack.append(font.get("/Resources"))  # its glyphs are drawings: the fonts they use count
                else:
                    yield number, font
            stack += [x for x in (item.get("/XObject") or Dictionary()).values() if x.get("/Subtype") == Name.Form]


def declare_pdfua(pdf: Pdf) -> None:
    """Add the PDF/UA extension schema to the XMP (after ``pdfuaid:part`` was written into it)."""
    stream = pdf.Root.Metadata
    xmp = stream.read_bytes()
    if b"pdfaExtension:schemas" in xmp:
        return
    end = xmp.index(b"</rdf:RDF>")
    stream.write(xmp[:end] + b"  " + PDFUA_SCHEMA + b" " + xmp[end:])
