"""docxtpl's ``DocxTemplate`` that remembers how it prepared each XML part for Jinja.

Before rendering, docxtpl rewrites every part's XML with some thirty regular expressions
(``patch_xml``: merging Jinja tags split across runs, table-row tags...). The result depends on the
XML alone, and a build renders every SOP from the same few templates, so it is computed once per
distinct part: that was about a sixth of the time spent rendering a document. May import docxtpl.
"""

from __future__ import annotations

from functools import lru_cache

from docxtpl import DocxTemplate


class Template(DocxTemplate):
    """A ``DocxTemplate`` whose XML patching is shared by every render of the same part."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


@lru_cache(maxsize=64)
def _patched(src_xml: str) -> str:
    # docxtpl's patch_xml uses nothing of the instance: the same input XML always gives the same output.
    return DocxTemplate.patch_xml(None, src_xml)
