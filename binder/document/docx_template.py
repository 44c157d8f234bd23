"""docxtpl's ``DocxTemplate`` that remembers how it prepared each XML part for Jinja.

Before rendering, docxtpl rewrites every part's XML with some thirty regular expressions
(``patch_xml``: merging Jinja tags split across runs, table-row tags...). The result depends on the
XML alone, and a build renders every SOP from the same few templates, so it is computed once per
distinct part: that was about a sixth of the time spent rendering a document. Likewise a template's
package is parsed once per distinct bytes, and each render gets a copy of it. May import docxtpl.
"""

from __future__ import annotations

import io
from copy import deepcopy
from functools import lru_cache

from docx import Document
from docx.document import Document as DocumentObject
from docxtpl import DocxTemplate


class Template(DocxTemplate):
    """A ``DocxTemplate`` whose XML patching is shared by every render of the same part."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


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
