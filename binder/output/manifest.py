"""``manifest.json``: everything a build wrote, with the SHA-256 of every file; read and written here only.

The manifest is the record a later build trusts: change control compares against its
fingerprints, and unchanged binders, packs and signed copies are carried over from it. So it is
sealed (``binder.output.seal``): one that was edited by hand or planted is refused, never
silently skipped. It is written last: its arrival is what commits a build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from binder.errors import BinderError
from binder.files import sha256, write_text
from binder.output import seal

MANIFEST = "manifest.json"
FORMAT = 2


class ManifestError(BinderError):
    """The previous manifest cannot be trusted: change control cannot run."""

    exit_code = 1


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
    sha256: tuple[tuple[str, str], ...] = ()
    """("docx", hash), ("pdf", hash), ("content_file", hash) as recorded."""
    content_file: str = ""
    """The SOP's content as rendered, as JSON (``binder.redline.content``): what the next issue's redline compares with."""

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.docx, self.pdf) + ((self.content_file,) if self.content_file else ())


@dataclass(frozen=True)
class IssueEntry:
    """One binder or training pack as issued: its files, what it holds, when it was issued."""

    kind: str
    """``binder`` or ``pack``."""
    name: str
    """The department code of a binder, the name of a pack."""
    path: str
    pages: int
    sops: tuple[str, ...]
    issued: str = ""
    """Date of issue (ISO) printed on the cover: a binder whose content did not change keeps its issue."""
    key: str = ""
    """Hash of everything the binder is made of, but its date and signature; equal keys, same binder."""
    record: str = ""
    """A pack's training record (.xlsx)."""
    signed: bool = False
    """The issued file carries binder's signature."""
    copies: tuple[str, ...] = ()
    """Signed copies made of this issue with ``binder sign`` inside the output folder."""
    sha256: tuple[tuple[str, str], ...] = ()
    """(path, hash) of each file above, as recorded."""
    reused: bool = field(default=False, compare=False)
    """Carried over unchanged from the previous build (not written into the manifest)."""

    @property
    def department(self) -> str:
        return self.name

    @property
    def pack(self) -> str:
        return self.name

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) + ((self.record,) if self.record else ()) + self.copies

    def recorded(self, path: str) -> str:
        return dict(self.sha256).get(path, "")


@dataclass(frozen=True)
class Manifest:
    workbook: str
    workbook_sha256: str
    built_at: str
    documents: tuple[DocumentEntry, ...] = ()
    binders: tuple[IssueEntry, ...] = ()
    packs: tuple[IssueEntry, ...] = ()
    site: tuple[tuple[str, str], ...] = ()
    """(path, SHA-256) of each file of the intranet site (``site/``)."""

    def document(self, sop_id: str) -> DocumentEntry | None:
        return next((d for d in self.documents if d.sop_id == sop_id), None)

    def issue(self, kind: str, path: str) -> IssueEntry | None:
        group = self.binders if kind == "binder" else self.packs
        return next((e for e in group if e.path == path), None)

    def binder(self, department: str) -> IssueEntry | None:
        return next((b for b in self.binders if b.name == department), None)

    @property
    def paths(self) -> set[str]:
        """Every file (relative) this build wrote, the manifest included."""
        found = {MANIFEST}
        entries: tuple[DocumentEntry | IssueEntry, ...] = (*self.documents, *self.binders, *self.packs)
        for entry in entries:
            found.update(entry.paths)
        found.update(path for path, _ in self.site)
        return found

    def with_copy(self, path: str, copy: str, digest: str) -> Manifest:
        """This manifest with ``copy`` (a signed copy of the binder or pack at ``path``) recorded."""

        def add(entries: tuple[IssueEntry, ...]) -> tuple[IssueEntry, ...]:
            return tuple(
                replace(
                    e,
                    copies=tuple(dict.fromkeys(e.copies + (copy,))),
                    sha256=tuple(dict(e.sha256, **{copy: digest}).items()),
                )
                if e.path == path
                else e
                for e in entries
            )

        return replace(self, binders=add(self.binders), packs=add(self.packs))


# --- JSON ----------------------------------------------------------------------------------------


def _document_json(d: DocumentEntry) -> dict[str, Any]:
    return {
        "sop_id": d.sop_id,
        "title": d.title,
        "version": d.version,
        "status": d.status,
        "department": d.department,
        "docx": d.docx,
        "pdf": d.pdf,
        "pages": d.pages,
        "fingerprint": d.fingerprint,
        "content": dict(d.content),
        "sha256": dict(d.sha256),
        **({"content_file": d.content_file} if d.content_file else {}),
    }


def _issue_json(e: IssueEntry) -> dict[str, Any]:
    files = dict(e.sha256)
    data: dict[str, Any] = {
        ("department" if e.kind == "binder" else "pack"): e.name,
        "path": e.path,
        "pages": e.pages,
        "sops": list(e.sops),
        "sha256": files.get(e.path, ""),
        "issued": e.issued,
        "key": e.key,
        "signed": e.signed,
    }
    if e.kind == "pack":
        data.update(record=e.record, record_sha256=files.get(e.record, ""))
    if e.copies:
        data["signed_copies"] = [{"path": c, "sha256": files.get(c, "")} for c in e.copies]
    return data


def to_json(manifest: Manifest) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "workbook": manifest.workbook,
        "workbook_sha256": manifest.workbook_sha256,
        "built_at": manifest.built_at,
        "documents": [_document_json(d) for d in manifest.documents],
        "binders": [_issue_json(b) for b in manifest.binders],
        "packs": [_issue_json(p) for p in manifest.packs],
        "site": [{"path": path, "sha256": digest} for path, digest in manifest.site],
    }


def _document(d: dict) -> DocumentEntry:
    return DocumentEntry(
        str(d["sop_id"]),
        str(d["version"]),
        str(d["status"]),
        str(d["department"]),
        str(d["docx"]),
        str(d["pdf"]),
        int(d["pages"]),
        str(d.get("fingerprint", "")),
        str(d.get("title", "")),
        tuple((str(k), str(v)) for k, v in (d.get("content") or {}).items()),
        tuple((str(k), str(v)) for k, v in (d.get("sha256") or {}).items()),
        str(d.get("content_file", "")),
    )


def _issue(kind: str, e: dict) -> IssueEntry:
    name = e["department"] if kind == "binder" else e["pack"]
    files = {e["path"]: e.get("sha256", "")}
    if kind == "pack" and e.get("record"):
        files[e["record"]] = e.get("record_sha256", "")
    copies = tuple(str(c["path"]) for c in e.get("signed_copies", []))
    files.update({str(c["path"]): str(c.get("sha256", "")) for c in e.get("signed_copies", [])})
    return IssueEntry(
        kind,
        str(name),
        str(e["path"]),
        int(e["pages"]),
        tuple(str(s) for s in e["sops"]),
        str(e.get("issued", "")),
        str(e.get("key", "")),
        str(e.get("record", "") if kind == "pack" else ""),
        bool(e.get("signed", False)),
        copies,
        tuple((str(k), str(v)) for k, v in files.items()),
    )


def from_json(data: dict[str, Any]) -> Manifest:
    return Manifest(
        str(data["workbook"]),
        str(data["workbook_sha256"]),
        str(data["built_at"]),
        tuple(_document(d) for d in data.get("documents", [])),
        tuple(_issue("binder", b) for b in data.get("binders", [])),
        tuple(_issue("pack", p) for p in data.get("packs", [])),
        tuple((str(f["path"]), str(f.get("sha256", ""))) for f in data.get("site", [])),
    )


# --- reading and writing -------------------------------------------------------------------------


def read_manifest(out: Path) -> Manifest | None:
    """The manifest of the build now in ``out``; None when there is none; ``ManifestError`` when it
    cannot be trusted (damaged, edited by hand, written by someone without this build key)."""
    path = out / MANIFEST
    hint = (
        f"restore {MANIFEST} as the last build wrote it, or build with --force to start afresh "
        "(every SOP is then treated as new)"
    )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: cannot be read ({exc}): change control cannot run", hint=hint) from None
    if not isinstance(data, dict) or not seal.is_sealed(data):
        raise ManifestError(
            f"{path} was changed after binder wrote it, or was written with another build key "
            f"({seal.key_path()}): change control cannot run",
            hint=hint + f"; a team building into one folder shares a key with ${seal.KEY_ENV}",
        )
    try:
        return from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: unexpected content ({exc}): change control cannot run", hint=hint) from None


def write_manifest(root: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` at ``root`` (hashing each file it lists there, but an SOP's files whose hashes its
    entry has), sealed; call it after every other file."""

    def hashed(entry):
        # A pack kept as issued keeps its record's hash as binder wrote it: filled in since (it is a form), the
        # record stays the trainer's, never replaced by a later issue's blank one (``reissue.refuse_filled_records``).
        written = dict(entry.sha256).get(entry.record) if entry.reused and entry.record else None
        return replace(
            entry,
            sha256=tuple((p, written if written and p == entry.record else sha256(root / p)) for p in entry.paths),
        )

    def files(d: DocumentEntry) -> DocumentEntry:
        # Hashes the build already has (its cache's, or of the bytes it wrote) are those of the files placed.
        known = dict(d.sha256)
        kinds = ("docx", "pdf", "content_file") if d.content_file else ("docx", "pdf")
        if set(known) == set(kinds):
            return replace(d, sha256=tuple((kind, known[kind]) for kind in kinds))
        return replace(
            d,
            sha256=(("docx", sha256(root / d.docx)), ("pdf", sha256(root / d.pdf)))
            + ((("content_file", sha256(root / d.content_file)),) if d.content_file else ()),
        )

    full = replace(
        manifest,
        documents=tuple(files(d) for d in manifest.documents),
        binders=tuple(hashed(b) for b in manifest.binders),
        packs=tuple(hashed(p) for p in manifest.packs),
        site=tuple((p, sha256(root / p)) for p, _ in manifest.site),
    )
    path = root / MANIFEST
    write_text(path, json.dumps(seal.seal(to_json(full)), indent=2, ensure_ascii=False) + "\n")
    return path


def write_sealed(root: Path, manifest: Manifest) -> Path:
    """Write ``manifest`` as it is (its recorded hashes kept), sealed: for records added after a build."""
    path = root / MANIFEST
    write_text(path, json.dumps(seal.seal(to_json(manifest)), indent=2, ensure_ascii=False) + "\n")
    return path


def new_manifest(
    workbook: Path, workbook_sha256: str, documents, binders, packs, site=(), built_at: datetime | None = None
) -> Manifest:
    return Manifest(
        workbook.name,
        workbook_sha256,
        (built_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        tuple(documents),
        tuple(binders),
        tuple(packs),
        tuple((path, "") for path in site),
    )
