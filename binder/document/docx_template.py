"""docxtpl's ``DocxTemplate`` that remembers how it prepared each XML part for Jinja.

Before rendering, docxtpl rewrites every part's XML with some thirty regular expressions
(``patch_xml``: merging Jinja tags split across runs, table-row tags...). The result depends on the
XML alone, and a build renders every SOP from the same few templates, so it is computed once per
distinct part: that was about a sixth of the time spent rendering a document. Likewise a template's
package is parsed once per distinct bytes, and each render gets a copy of it; and a header or footer with
nothing in it for Jinja or docxtpl to change (most of the front matter's) is left as it is, not rendered.
May import docxtpl.
"""

from __future__ import annotations

import io
import re
from copy import deepcopy
from functools import lru_cache

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from lxml import etree

_ACTED_ON = re.compile(r"[{}\t\n\a\f]")
"""What docxtpl acts on in a part's XML: Jinja's and its own tags (braces) and, in text, the characters it turns
into tabs, line, paragraph and page breaks. A part with none of them comes out of its rendering as it went in."""


class Template(DocxTemplate):
    """A ``DocxTemplate`` whose XML patching is shared by every render of the same part."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)

    def get_part_xml(self, part) -> str:
        return _part_xml(part.blob)

    def build_headers_footers_xml(self, context, uri, jinja_env=None):
        # docxtpl 0.20's, but for the parts it would give back unchanged
        for rel_key, part in self.get_headers_footers(uri):
            xml = self.get_part_xml(part)
            if not _ACTED_ON.search(xml):
                continue
            encoding = self.get_headers_footers_encoding(xml)
            rendered = self.render_xml_part(self.patch_xml(xml), part, context, jinja_env)
            yield rel_key, rendered.encode(encoding)


@lru_cache(maxsize=64)
def _part_xml(blob: bytes) -> str:
    # as docxtpl's get_part_xml makes it, once per distinct part
    return etree.tostring(parse_xml(blob), encoding="unicode", pretty_print=False)


@lru_cache(maxsize=64)
def _patched(src_xml: str) -> str:
    # docxtpl's patch_xml uses nothing of the instance: the same input XML always gives the same output.
    return DocxTemplate.patch_xml(None, src_xml)


def template_from(data: bytes) -> Template:
    """A template of the .docx ``data``, ready to render: a copy of the package parsed from those bytes before
    (copying it takes a third of the time of parsing it again). Raises what python-docx raises for a file
    that is not a .docx."""
    tpl = Template(io.BytesIO(data))
    tpl.docx = deepcopy(_parsed(data))
    return tpl


@lru_cache(maxsize=16)
def _parsed(data: bytes) -> DocumentObject:
    # Never handed out: only copied, so what one render changes no other sees.
    return Document(io.BytesIO(data))
