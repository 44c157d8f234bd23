"""Each issued SOP's content, kept in the output folder as JSON so the next issue can show what changed.

``content/<SOP ID>.json`` holds the context the SOP's documents were rendered from
(``binder.document.context.sop_context``), made JSON-safe: pictures by their path inside the
workbook's folder, links as text and URL, no absolute paths, nothing about the build itself (so
an unchanged SOP writes the same bytes). The fixed labels are left out: they are the language's,
not the SOP's. The manifest lists each file with its SHA-256; a file that is not what the sealed
manifest recorded is never compared with (``TAMPERED``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from binder.document.context import Image, Link, sop_context
from binder.errors import FileProblem
from binder.files import link_or_copy, named_from, sha256, write_bytes
from binder.model import Library, Sop
from binder.output import writing_cache
from binder.output.manifest import MANIFEST, DocumentEntry, Manifest, ManifestError, read_manifest
from binder.output.transaction import staged_for
from binder.problems import Problem
from binder.text import NON_BREAKING_HYPHEN

FOLDER = "content"
FORMAT = 1
RECORDED, NOT_RECORDED, TAMPERED = "recorded", "not recorded", "tampered"


def content_path(sop_id: str) -> str:
    return f"{FOLDER}/{sop_id}.json"


def snapshot(sop: Sop, library: Library) -> dict[str, Any]:
    """What ``content/<SOP ID>.json`` holds: the SOP's rendered context, JSON-safe (docs/outputs.md)."""
    context = {k: v for k, v in sop_context(sop, library).items() if k != "labels"}
    return {
        "format": FORMAT,
        "sop_id": sop.sop_id,
        "title": sop.title,
        "version": sop.version,
        "status": sop.status,
        "context": _jsonable(context, library.folder),
    }


def _jsonable(value: Any, folder: Path) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, folder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, folder) for v in value]
    if isinstance(value, Image):
        return {"picture": named_from(value.path, folder)}
    if isinstance(value, Link):
        return {"text": _plain(value.text), "url": value.url, "before": value.before, "after": value.after}
    if isinstance(value, Path):
        return named_from(value, folder)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _plain(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _plain(str(value))


def _plain(text: str) -> str:
    """Printed IDs carry non-breaking hyphens (``binder.text.unbreakable``); the record keeps the ID as typed."""
    return text.replace(NON_BREAKING_HYPHEN, "-")


def write_contents(
    library: Library,
    entries: Iterable[DocumentEntry],
    root: Path,
    out: Path | None = None,
    previous: Manifest | None = None,
    cached: Collection[str] = (),
) -> tuple[DocumentEntry, ...]:
    """``content/<ID>.json`` in ``root`` for each document entry; the entries with their content file set.

    A file whose bytes are already in ``out`` (the output folder; by default the one ``root`` stages for) is
    linked from there, not written again: a one-SOP rebuild then writes (and flushes to disk) one file, not
    one per SOP. For an SOP whose documents came from the cache (``cached``: rendered from the same context,
    the key naming every picture and file as the content does), the last build's file is linked when it is
    still what that build's ``previous`` manifest recorded, without making the content again."""
    out = out or staged_for(root)
    last = {d.sop_id: d for d in previous.documents} if previous is not None and out is not None else {}
    made = []
    (root / FOLDER).mkdir(parents=True, exist_ok=True)
    for entry in entries:
        rel = content_path(entry.sop_id)
        recorded = _as_recorded(out, last.get(entry.sop_id), root / rel) if entry.sop_id in cached and out else ""
        if not recorded:
            data = (
                json.dumps(snapshot(library.sop(entry.sop_id), library), indent=2, ensure_ascii=False) + "\n"
            ).encode()
            if out is None or not _same_file(out / rel, data, root / rel):
                write_bytes(root / rel, data)
            recorded = hashlib.sha256(data).hexdigest()
        known = tuple((kind, sha) for kind, sha in entry.sha256 if kind != "content_file")
        made.append(replace(entry, content_file=rel, sha256=(*known, ("content_file", recorded))))
    writing_cache.record(library, root)  # for the next build, with the rest of what it may reuse
    return tuple(made)


def _as_recorded(out: Path, last: DocumentEntry | None, target: Path) -> str:
    """Link the last build's content file of ``last`` to ``target`` if its bytes are those it recorded; their
    SHA-256, or "" when not."""
    if last is None or last.content_file != content_path(last.sop_id):
        return ""
    expected = dict(last.sha256).get("content_file")
    old = out / last.content_file
    try:
        if not expected or old.is_symlink() or not old.is_file() or sha256(old) != expected:
            return ""
        link_or_copy(old, target)
    except OSError:
        return ""
    return expected


def _same_file(old: Path, data: bytes, target: Path) -> bool:
    """Link ``old`` to ``target`` when it holds exactly ``data`` (compared byte for byte, never trusted)."""
    try:
        if old.is_symlink() or not old.is_file() or old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
        link_or_copy(old, target)
    except OSError:
        return False
    return True


def recorded(out: Path, entry: DocumentEntry | None) -> tuple[dict[str, Any] | None, str]:
    """The content a previous build recorded for ``entry`` in ``out``, and ``RECORDED``, ``NOT_RECORDED``
    (none listed: a build by an older binder) or ``TAMPERED`` (missing, changed, or not ours)."""
    if entry is None or not entry.content_file:
        return None, NOT_RECORDED
    rel = PurePosixPath(entry.content_file)
    expected = dict(entry.sha256).get("content_file", "")
    if rel.parts[:1] != (FOLDER,) or ".." in rel.parts or not expected:
        return None, TAMPERED
    path = out / rel
    try:
        if path.is_symlink() or sha256(path) != expected:
            return None, TAMPERED
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, TAMPERED
    if not isinstance(data, dict) or not isinstance(data.get("context"), dict):
        return None, TAMPERED
    return data, RECORDED


def tampered_contents(out: Path, previous: Manifest | None) -> tuple[Problem, ...]:
    """Warnings for content files of the previous build that are not what its manifest recorded."""
    problems = []
    for entry in previous.documents if previous else ():
        if recorded(out, entry)[1] == TAMPERED:
            problems.append(
                Problem.warning(
                    str(out / entry.content_file),
                    f"{entry.content_file} is not what the last build recorded: the changes page shows "
                    f"{entry.sop_id}'s change text only, without the words that changed",
                    "nothing to do: this build records the content afresh; find out who changed the file",
                    code="content-tampered",
                    sop_id=entry.sop_id,
                )
            )
    return tuple(problems)


# --- binder diff: either side ----------------------------------------------------------------------


def contents_of(path: Path) -> dict[str, dict[str, Any]]:
    """SOP ID → content, from a workbook (.xlsx) or an output folder's recorded content."""
    if path.is_dir():
        return folder_contents(path)
    if not path.exists():
        raise FileProblem(
            str(path),
            "no such file or folder",
            "give a workbook (.xlsx) or an output folder of binder build",
        )
    from binder.workbook.load import load_workbook

    library = load_workbook(path).library
    return {sop.sop_id: snapshot(sop, library) for sop in library.sops}


def folder_contents(folder: Path) -> dict[str, dict[str, Any]]:
    """The content every SOP of the build in ``folder`` was issued with, each checked against the manifest."""
    try:
        manifest = read_manifest(folder)
    except ManifestError as exc:
        raise FileProblem(str(folder / MANIFEST), exc.message, exc.hint, code="manifest-untrusted") from None
    if manifest is None:
        raise FileProblem(
            str(folder),
            "is not an output folder of binder build (no manifest.json)",
            "give the --out folder of a build",
            code="no-content",
        )
    found: dict[str, dict[str, Any]] = {}
    missing = []
    for entry in manifest.documents:
        data, state = recorded(folder, entry)
        if state == TAMPERED:
            raise FileProblem(
                str(folder / entry.content_file),
                f"is not what the build recorded in {MANIFEST} (changed, replaced or removed since)",
                "build again into this folder to record it afresh, or restore the file",
                code="content-tampered",
            )
        if data is None:
            missing.append(entry.sop_id)
        else:
            found[entry.sop_id] = data
    if missing or not manifest.documents:
        what = ", ".join(missing) if missing else "no SOP"
        raise FileProblem(
            str(folder),
            f"holds no recorded content for {what} (built by an older binder)",
            "build once into this folder with this version of binder, or compare the workbooks instead",
            code="no-content",
        )
    return found
