"""Issues assembled ahead: while a rebuild's changed SOPs convert, a worker process begins each binder or pack
they will be in with the SOPs taken from the cache (``Assembly.add_part``: pages, links, structure), so that once
LibreOffice is done only the changed SOPs and the front and back matter are left to add.

The work begun is a guess made before anything is converted: the issue may be kept after all (its SOPs came out
byte for byte the same), and its final document is only known then. ``Ahead.finish`` is given the documents to
assemble; one whose parts are not those begun with is assembled from the start, one not given is dropped.
Either way the file holds the objects ``assemble`` makes (``Assembly``: the same objects whatever order the parts
come in; object numbers, and so the bytes, follow the order). Imports pikepdf only in the worker process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from binder.files import sha256 as file_sha256
from binder.parallel import Background

if TYPE_CHECKING:
    from binder.issue.assemble import Assembled, Document, Part


@dataclass(frozen=True)
class Begun:
    """An issue to begin: its parts (as its ``Document`` will have them) and which of them are there now."""

    path: str
    parts: tuple[Part, ...]
    lang: str
    ready: tuple[tuple[int, str], ...]
    """The parts whose PDFs are there (from the cache): their indexes, and the SHA-256 the cache records for each,
    which the worker checks before it reads one (the build checks them too, maybe later)."""
    stamp: str = ""
    """The page stamp's label (``binder.issue.stamp``): its font is cut ahead too."""


class Ahead:
    """A worker process assembling ``begun`` until told the final documents; stopped by ``close``."""

    def __init__(self, begun: tuple[Begun, ...]) -> None:
        self.paths = frozenset(b.path for b in begun)
        self._worker = Background(_work, (begun,))

    def finish(
        self, documents: Mapping[str, tuple[Document, Path]], meanwhile: Callable[[], None]
    ) -> Iterator[tuple[str, Assembled]]:
        """Each of ``documents`` begun here, assembled at its path; ``meanwhile()`` runs here while they are."""
        self._worker.send({path: documents[path] for path in self.paths if path in documents})
        meanwhile()
        yield from self._worker.results()

    def close(self) -> None:
        self._worker.stop()


def _work(receive: Callable[[], Any], begun: tuple[Begun, ...]) -> Iterator[tuple[str, Assembled]]:
    """In the worker: begin each issue, then assemble the documents received."""
    from binder.issue import stamp
    from binder.issue.assemble import Assembly, assemble

    with ExitStack() as stack:
        started: dict[str, Assembly] = {}
        for issue in begun:
            assembly = Assembly(issue.parts, issue.lang)
            try:
                for index, recorded in issue.ready:
                    if file_sha256(issue.parts[index].pdf) != recorded:
                        raise ValueError("not the file the cache recorded")  # never parsed: the build makes it anew
                    assembly.add_part(index)
            except Exception:  # noqa: BLE001 - assembled from the start once asked, where the error is said
                assembly.close()
                continue
            started[issue.path] = stack.enter_context(assembly)
            if issue.stamp:
                stamp.prepare(issue.stamp, len(assembly.pdf.pages))
        documents: dict[str, tuple[Document, Path]] = receive()
        for path, (document, out) in documents.items():
            going = started.get(path)
            if going is not None and going.parts == document.parts and going.lang == document.lang:
                yield path, going.finish(document, out)
            else:
                yield path, assemble(document, out)
