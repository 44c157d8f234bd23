"""``manifest.json``: everything a build wrote, with SHA-256 of every file. Written last."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from binder.files import sha256, write_text

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DocumentEntry:
    sop_id: str
    version: str
    status: str
    department: str
    docx: str
    pdf: str
    pages: int
    fingerprint: str
    """Hash of the SOP's content, without revision and approval bookkeeping (change control)."""
    title: str
    content: tuple[tuple[str, str], ...] = ()
    """Hash of each part of the content, so change control can say what changed."""


@dataclass(frozen=True)
class BinderEntry:
    department: str
    path: str
    pages: int
    sops: tuple[str, ...]
    issued: str = ""
    """Date of issue (ISO) printed on the cover: a binder whose content did not change keeps its issue."""
    key: str = ""
    """Hash of everything the binder is made of; equal keys mean an identical binder."""
    reused: bool = False
    """Carried over unchanged from the previous build (not written in the manifest)."""


@dataclass(frozen=True)
class PackEntry:
    pack: str
    path: str
    pages: int
    sops: tuple[str, ...]
    record: str
    issued: str = ""
    key: str = ""
    reused: bool = False


def document_from(entry: dict) -> DocumentEntry:
    """A previous manifest's document entry, to carry into a partial build's manifest."""
    return DocumentEntry(entry["sop_id"], entry["version"], entry["status"], entry["department"], entry["docx"],
                         entry["pdf"], entry["pages"], entry.get("fingerprint", ""), entry.get("title", ""),
                         tuple((entry.get("content") or {}).items()))


def binder_from(entry: dict, reused: bool = False) -> BinderEntry:
    return BinderEntry(entry["department"], entry["path"], entry["pages"], tuple(entry["sops"]),
                       entry.get("issued", ""), entry.get("key", ""), reused)


def pack_from(entry: dict, reused: bool = False) -> PackEntry:
    return PackEntry(entry["pack"], entry["path"], entry["pages"], tuple(entry["sops"]), entry.get("record", ""),
                     entry.get("issued", ""), entry.get("key", ""), reused)


def write_manifest(root: Path, workbook: Path, workbook_sha256: str, documents: list[DocumentEntry],
                   binders: list[BinderEntry], packs: list[PackEntry], built_at: datetime | None = None) -> Path:
    """Write ``manifest.json`` at ``root`` (paths relative to it); call it after every other file."""
    def h(rel: str) -> str:
        return sha256(root / rel)

    data = {
        "workbook": workbook.name,
        "workbook_sha256": workbook_sha256,
        "built_at": (built_at or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "documents": [{"sop_id": d.sop_id, "title": d.title, "version": d.version, "status": d.status,
                       "department": d.department, "docx": d.docx, "pdf": d.pdf, "pages": d.pages,
                       "fingerprint": d.fingerprint, "content": dict(d.content), "sha256": {"docx": h(d.docx), "pdf": h(d.pdf)}}
                      for d in documents],
        "binders": [{"department": b.department, "path": b.path, "pages": b.pages, "sops": list(b.sops),
                     "sha256": h(b.path), "issued": b.issued, "key": b.key} for b in binders],
        "packs": [{"pack": p.pack, "path": p.path, "pages": p.pages, "sops": list(p.sops), "sha256": h(p.path),
                   "record": p.record, "record_sha256": h(p.record), "issued": p.issued, "key": p.key}
                  for p in packs],
    }
    path = root / MANIFEST
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path
