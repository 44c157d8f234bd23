"""The document cache: an unchanged SOP is neither rendered nor converted again.

An entry is keyed by everything that affects the document: the template
context built from the SOP (its data, the labels and language, the paper size,
the titles of the SOPs it links to ...), the template file's bytes, every
picture's bytes, whether it gets a flowchart, and the versions of the code and
tools that make it (binder's rendering modules, ``LIBRARIES``,
LibreOffice, Graphviz). Entries live in ``<out>/.cache``; each records the
SHA-256 of its files in a ``meta.json`` sealed with the build key
(``binder.output.seal``), so a corrupt, planted or edited entry is detected,
discarded and rebuilt, never trusted. The cache is staged and committed with the
rest of the output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from binder.convert.base import export_options
from binder.document.context import Image, sop_context
from binder.document.render import choose_template
from binder.files import link_or_copy, named_from, write_text
from binder.files import sha256 as file_sha256
from binder.model import Library, Sop
from binder.output import seal
from binder.output.codehash import DOCUMENT_CODE, ISSUE_CODE, code_fingerprint
from binder.output.tool_versions import tool_version
from binder.problems import Problem

CACHE = ".cache"
"""The cache folder, inside the output folder."""
FORMAT = "2"
"""Raise when the layout of an entry changes."""


LIBRARIES = ("docxtpl", "python-docx", "jinja2", "pypdf", "pikepdf")
"""The Python libraries that shape a document or an issue (pikepdf assembles and refits charts): their versions
are part of every key, so upgrading one re-renders and re-issues."""


@cache
def environment_fingerprint() -> str:
    """Versions of the code and tools that shape a document."""
    return _environment(DOCUMENT_CODE)


@cache
def issue_environment_fingerprint() -> str:
    """Versions of the code and tools that shape a binder or pack (the document's, and the issue stage's)."""
    return _environment(ISSUE_CODE)


def _environment(code: tuple[str, ...]) -> str:
    parts = [FORMAT, tool_version(("soffice", "--version")), tool_version(("dot", "-V"))]
    parts += [f"{name}={metadata.version(name)}" for name in LIBRARIES]
    parts.append(code_fingerprint(code))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _encoder(folder: Path) -> Callable[[Any], Any]:
    """JSON for what a context holds besides text: files by their bytes and by the name they were given
    (relative to the workbook's ``folder``), as the SOP's content file records them (``binder.redline.content``)."""

    def encode(value: Any) -> Any:
        if isinstance(value, Image):
            return {
                "image": file_sha256(Path(value.path)),
                "at": named_from(Path(value.path), folder),
                "w": value.max_width_mm,
                "h": value.max_height_mm,
            }
        if isinstance(value, Path):
            return {"file": file_sha256(value), "at": named_from(value, folder)}
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        return repr(value)

    return encode


@lru_cache(maxsize=64)
def _template_sha256(path: Path, mtime_ns: int, size: int) -> str:
    """A template's hash, computed once per version of the file (every SOP of a build shares it)."""
    return file_sha256(path)


def template_sha256(path: Path) -> str:
    info = path.stat()
    return _template_sha256(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=8)
def _labels_json(labels: tuple[tuple[str, str], ...]) -> str:
    """The labels of the context, the same for every SOP of a language: encoded once, not once per SOP (they
    were two fifths of each SOP's context as encoded)."""
    return json.dumps(dict(labels), sort_keys=True, ensure_ascii=False)


def document_key(sop: Sop, library: Library, flowchart: bool) -> str:
    """The cache key of one SOP's Word and PDF documents."""
    context = sop_context(sop, library)
    labels = _labels_json(tuple(context.pop("labels").items()))
    payload = json.dumps(context, default=_encoder(library.folder), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256()
    chart = f"{flowchart}:{library.settings.flowchart}"  # the chart's drawing is not in the context
    export = repr(export_options(library.settings.pdf_a == "yes"))  # LibreOffice's PDF export options
    template = template_sha256(choose_template(sop, library))
    for part in (payload, labels, template, chart, export, environment_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class Entry:
    key: str
    docx: Path
    pdf: Path
    """The PDF as converted, links to other SOPs still marked."""
    standalone: Path
    """The SOP's own PDF: the same pages, links to other SOPs removed."""
    pages: int
    hashes: dict = dataclasses.field(default_factory=dict, compare=False)
    """SHA-256 of each file, as recorded."""

    @property
    def files(self) -> dict[str, Path]:
        """Each file by its kind, as ``hashes`` names them."""
        return {"docx": self.docx, "pdf": self.pdf, "standalone": self.standalone}


_FILES = {"docx": "document.docx", "pdf": "linked.pdf", "standalone": "standalone.pdf"}


class Untrusted(Exception):
    """Entries used while their files were being checked were found changed (``make_documents``'s
    ``check_later``): the documents are made again, each entry checked before it is used."""


class DocumentCache:
    """Entries of the previous build (read) and of this one (written into staging)."""

    def __init__(self, previous: Path | None, staged: Path) -> None:
        self.previous = previous
        self.staged = staged
        self.discarded = 0
        """Entries found but not trusted (damaged, planted or edited): rebuilt."""

    def lookup(self, key: str) -> Entry | None:
        """The previous build's entry for ``key``, checked against its recorded hashes; None if absent or bad."""
        entry = self.find(key)
        return None if entry is None else self.checked(entry)

    def checked(self, entry: Entry) -> Entry | None:
        """``entry`` (from ``find``) if its files are intact, else None."""
        intact = self.intact(entry)
        if not intact:
            self.discarded += intact is False  # a file gone is an entry gone; one changed was planted or damaged
            return None
        return entry

    def find(self, key: str) -> Entry | None:
        """The previous build's entry for ``key`` as its sealed record says, its files not checked yet
        (``intact``); None if absent or bad."""
        if self.previous is None:
            return None
        folder = self.previous / key
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if not seal.is_sealed(meta) or meta.get("key") != key or meta.get("format") != FORMAT:
                self.discarded += 1
                return None
            return Entry(
                key,
                folder / _FILES["docx"],
                folder / _FILES["pdf"],
                folder / _FILES["standalone"],
                int(meta["pages"]),
                {kind: str(meta[kind]) for kind in _FILES},
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.discarded += 1
            return None

    @staticmethod
    def present(entry: Entry) -> bool:
        """Whether the entry's files are there, as files (not checked: ``intact``)."""
        return all(path.is_file() and not path.is_symlink() for path in entry.files.values())

    @staticmethod
    def intact(entry: Entry) -> bool | None:
        """Whether the entry's files are still what its record says they were (their SHA-256); None when one
        is gone."""
        try:
            return all(file_sha256(path) == entry.hashes[kind] for kind, path in entry.files.items())
        except FileNotFoundError:
            return None
        except OSError:
            return False

    def keep(self, entry: Entry) -> None:
        """Carry a good entry into the new build's cache (hard links: no copy)."""
        target = self.staged / entry.key
        if target.exists():
            return
        target.mkdir(parents=True)
        for name in (*_FILES.values(), "meta.json"):
            link_or_copy(entry.docx.parent / name, target / name)

    def store(self, key: str, docx: Path, pdf: Path, standalone: Path, pages: int) -> Entry:
        """Record a freshly made document in the new build's cache."""
        target = self.staged / key
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        meta: dict = {"key": key, "format": FORMAT, "pages": pages}
        for kind, source in (("docx", docx), ("pdf", pdf), ("standalone", standalone)):
            link_or_copy(source, target / _FILES[kind])
            meta[kind] = file_sha256(source)
        write_text(target / "meta.json", json.dumps(seal.seal(meta)))
        return Entry(
            key,
            target / _FILES["docx"],
            target / _FILES["pdf"],
            target / _FILES["standalone"],
            pages,
            {kind: meta[kind] for kind in _FILES},
        )


def discarded_warnings(cache: DocumentCache) -> tuple[Problem, ...]:
    """A warning when entries of the previous build failed their check and were rebuilt."""
    if not cache.discarded:
        return ()
    return (
        Problem.warning(
            str(cache.previous),
            f"{cache.discarded} cache entr{'y' if cache.discarded == 1 else 'ies'} "
            "failed the integrity check (damaged, edited or not written by binder) and "
            "were rebuilt",
            code="cache-entry-discarded",
        ),
    )


def previous_cache(out: Path, use: bool = True) -> Path | None:
    """The previous build's cache folder, if there is one to use."""
    folder = out / CACHE
    return folder if use and folder.is_dir() and not folder.is_symlink() else None
