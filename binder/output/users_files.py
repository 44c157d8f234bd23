"""What in the output folder is the user's, and the refusals that keep a build off it.

binder writes only the files its previous (sealed) manifest lists, its ``.cache/`` and its own dot-files. A file,
link or folder of the user's standing where this build would write, or a symbolic link where binder needs a folder
of its own, stops the commit before anything moves: replacing the one would lose it, writing through the other
would put binder's files (and its clean-up) into a folder elsewhere. Imports ``binder.errors`` and ``binder.output``'s
cache and manifest only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from binder.errors import BinderError
from binder.output.cache import CACHE
from binder.output.manifest import MANIFEST, Manifest, from_json


class OutputError(BinderError):
    """The output folder cannot be used as asked (it is the current folder, someone else's, read-only)."""

    exit_code = 1


def check_out_folder(out: Path, force: bool = False) -> None:
    """Refuse an output folder binder must not write into: the current folder, a file, a folder of the user's."""
    try:
        if out.resolve() == Path.cwd().resolve():
            raise OutputError(
                f"--out {out} is the current folder: binder would mix its files with yours",
                hint="give a folder of its own, e.g. --out output",
            )
    except OSError:
        pass
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder", hint="give a folder for the output")
    if not out.is_dir() or force or (out / MANIFEST).exists():
        return
    theirs = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    if theirs:
        raise OutputError(
            f"--out {out} already holds files that binder did not write ({_shown(theirs)}) and no {MANIFEST}",
            hint="give an empty or new folder, or pass --force to build into it anyway "
            "(binder then adds its files and changes nothing of yours)",
        )


def untrusted_manifest(out: Path) -> Manifest | None:
    """The manifest in ``out`` read without its seal: for ``--force`` past one that cannot be trusted, which
    training records it says binder wrote (to keep filled ones). None when it cannot be read as a manifest."""
    try:
        return from_json(json.loads((out / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def refuse_theirs(out: Path, writes: Iterable[str], removes: Iterable[str], binders: set[str] | None) -> None:
    """Raise ``OutputError`` when a path the commit would write stands taken by something not in ``binders`` (the
    files binder wrote before; None: anything may be replaced), or a folder on the way to one it writes or removes
    is a symbolic link or not a folder."""
    writes = list(writes)
    taken = sorted(
        rel
        for rel in writes
        if binders is not None and rel not in binders and not rel.startswith(f"{CACHE}/") and os.path.lexists(out / rel)
    )
    if taken:
        raise OutputError(
            f"{out}: binder would replace {_shown(taken)}, which it did not write",
            hint="move or rename it (binder never changes a file of yours), then build again",
        )
    folders = sorted({parent for rel in [*writes, *removes] for parent in _parents(rel)})
    linked = linked_folders(out, [*writes, *removes])
    if linked:
        raise OutputError(
            f"{out}: {_shown(linked)} is a symbolic link, where binder writes a folder of its own",
            hint="replace the link with a folder (binder writes only inside the output folder), then build again",
        )
    blocked = [f for f in folders if os.path.lexists(out / f) and not (out / f).is_dir()]
    if blocked:
        raise OutputError(
            f"{out}: {_shown(blocked)} is a file, where binder writes a folder of its own",
            hint="move or rename it (binder never changes a file of yours), then build again",
        )


def linked_folders(out: Path, paths: Iterable[str]) -> list[str]:
    """The folders on the way to ``paths`` (relative to ``out``) that are symbolic links."""
    return sorted({parent for rel in paths for parent in _parents(rel) if (out / parent).is_symlink()})


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _shown(paths: list[str]) -> str:
    return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
