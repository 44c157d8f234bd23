"""Signed copies made with ``binder sign`` inside an output folder are part of the record.

``binder sign output/binders/FIN-binder.pdf`` writes ``FIN-binder.signed.pdf`` beside it; the copy
is recorded in the manifest under its binder, so it is kept while that issue stands and removed
with it when the binder is re-issued: a signed copy never outlives the issue it signs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from binder.files import sha256
from binder.output.manifest import MANIFEST, Manifest, ManifestError, read_manifest, write_sealed
from binder.output.transaction import output_lock


@dataclass(frozen=True)
class Issued:
    """A binder or pack of an output folder, as ``binder sign`` found it."""

    out: Path
    path: str
    """Relative to ``out``."""


def issued_file(pdf: Path) -> Issued | None:
    """The output folder and binder or pack that ``pdf`` is, if it is one binder issued there."""
    pdf = pdf.resolve()
    for folder in pdf.parents:
        if (folder / MANIFEST).is_file():
            try:
                manifest = read_manifest(folder)
            except ManifestError:  # not a record binder can extend: the copy is just a file
                return None
            rel = pdf.relative_to(folder).as_posix()
            if manifest and any(e.path == rel for e in manifest.binders + manifest.packs):
                return Issued(folder, rel)
            return None
    return None


@contextmanager
def recording(issued: Issued, copy: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the output folder's lock while the copy is written, then record it in the manifest."""
    with output_lock(issued.out, wait):
        yield
        manifest = read_manifest(issued.out)
        if manifest is None:
            return
        rel = copy.resolve().relative_to(issued.out).as_posix()
        updated: Manifest = manifest.with_copy(issued.path, rel, sha256(copy))
        write_sealed(issued.out, updated)
