"""Fingerprints of the code that shapes an artefact, computed from the files themselves.

An SOP's Word and PDF come out of the document and convert stages (and the text rules and
model they use); a binder or pack also out of the issue stage. Hashing every source file of
those packages, rather than a hand-kept list, means no change to them can leave a stale
document or a carried-over binder behind. A refactor that changes no output bytes changes
these fingerprints too: the next build then re-renders and re-issues once.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path

DOCUMENT_CODE = (
    "binder.document",
    "binder.convert",
    "binder.text",
    "binder.workbook.flow",
    "binder.model",
    "binder.output.cache",
    "binder.output.codehash",
    "binder.output.chart_room",
)
"""What shapes an SOP's Word and PDF documents."""
ISSUE_CODE = DOCUMENT_CODE + ("binder.issue", "binder.redline")
"""What shapes a binder or training pack."""


def _sources(module: str) -> list[Path]:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no module named {module}")
    if spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations)))
        return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".py", ".docx"))
    return [Path(spec.origin)]


@cache
def code_fingerprint(modules: tuple[str, ...]) -> str:
    """One hash over the source files (and built-in templates) of ``modules`` (packages or modules)."""
    digest = hashlib.sha256()
    for module in modules:
        for path in _sources(module):
            digest.update(f"{module}:{path.name}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
