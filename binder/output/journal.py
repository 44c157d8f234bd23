"""The commit's journal (``.binder-journal.json``): what a commit moves, applied, rolled back or finished.

A commit writes the journal before its first move, sealed with the build key, naming every move and removal, the
staging and backup folders (with their device and inode) and the inode of each file it moves in. The next build
acts on a journal only when it is sealed, well formed, names folders of binder's own that are still the very folders
the commit made, and no folder on the way to a path it names is a symbolic link: a journal names files to move back
and delete, and one planted, edited or replayed must never reach outside binder's files. Rolling back removes a
file only when it is the one that commit moved in, so a roll back cut short and done again never removes what the
first one restored. Imports ``binder.output``'s seal, users_files and cache, and ``binder.files``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from binder.files import clear, inode, real_file, write_text
from binder.output.cache import CACHE
from binder.output.seal import is_sealed, seal
from binder.output.users_files import OutputError, linked_folders

JOURNAL = ".binder-journal.json"
STAGING_PREFIX = ".binder-staging-"
BACKUP_PREFIX = ".binder-backup-"


def identity(path: Path) -> list[int]:
    """A real folder's device and inode; ``OutputError`` when ``path`` is a symbolic link or not a folder."""
    if path.is_symlink() or not path.is_dir():
        raise OutputError(
            f"{path} is not the folder binder made: something replaced it while the build ran",
            hint="nothing was changed; check who writes into the output folder, then build again",
        )
    return inode(path)


def fresh_backup(path: Path) -> list[int]:
    """Make the backup folder anew (whatever stood at its name, a planted link included, is removed first)."""
    clear(path)
    path.mkdir(mode=0o700)
    return identity(path)


def write(out: Path, journal: dict) -> None:
    write_text(out / JOURNAL, json.dumps(seal(journal)))


def apply(out: Path, journal: dict) -> None:
    staging, backup = out / journal["staging"], out / journal["backup"]
    for folder in journal["created"]:
        (out / folder).mkdir(exist_ok=True)
    for rel in journal["removes"]:
        _move(out / rel, backup / rel)
    for rel in journal["moves"]:
        if real_file(out / rel):
            _move(out / rel, backup / rel)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging / rel, target)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)


def roll_back(out: Path, journal: dict) -> None:
    """Put the previous output back: restore what was moved away, remove what was moved in."""
    staging, backup = out / journal["staging"], out / journal["backup"]
    moved_in = journal.get("inodes", {})
    for rel in reversed(journal["moves"]):
        if (backup / rel).exists():
            os.replace(backup / rel, out / rel)
        elif not (staging / rel).exists() and real_file(out / rel) and inode(out / rel) == moved_in.get(rel):
            (out / rel).unlink()
    for rel in journal["removes"]:
        if (backup / rel).exists():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(backup / rel, out / rel)
    for folder in reversed(journal["created"]):
        try:
            (out / folder).rmdir()
        except OSError:
            pass
    finish(out, journal)


def finish(out: Path, journal: dict) -> None:
    for name in (journal["backup"], journal["staging"]):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / JOURNAL).unlink(missing_ok=True)
    _remove_empty_cache_folders(out)


def _remove_empty_cache_folders(out: Path) -> None:
    cache = out / CACHE
    if cache.is_dir() and not cache.is_symlink():
        for entry in cache.iterdir():
            if entry.is_dir() and not entry.is_symlink() and not any(entry.iterdir()):
                entry.rmdir()


def recover(out: Path) -> None:
    """Finish or roll back a commit that a killed build left half done (call with the lock held)."""
    try:
        journal = json.loads((out / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise OutputError(
            f"{out / JOURNAL} is damaged ({exc}); binder cannot tell how far the last build got",
            hint="check the output folder, then delete the journal file",
        ) from None
    if not (isinstance(journal, dict) and is_sealed(journal) and _well_formed(journal)):
        raise OutputError(
            f"{out / JOURNAL} was not written by a build with this build key, or was changed since: "
            "binder will not act on it",
            hint="check the output folder (a build cut short in its commit leaves one), then delete the journal file",
        )
    if journal["state"] == "committed":
        finish(out, journal)  # removes only binder's two folders (never through a link) and the journal
        return
    linked = linked_folders(out, [*journal["moves"], *journal["removes"]])
    if not _made_by_this_commit(out, journal) or linked:
        raise OutputError(
            f"{out / JOURNAL} is not the journal of the commit its folders hold"
            + (f" ({', '.join(linked[:3])} is a symbolic link)" if linked else "")
            + ": binder will not act on it",
            hint="check the output folder (a build cut short in its commit leaves one), then delete the journal file",
        )
    roll_back(out, journal)


def _made_by_this_commit(out: Path, journal: dict) -> bool:
    """The staging and backup folders it names are the ones that commit made (a journal copied and put back later
    names folders gone, or others of the same names)."""
    for name, key in (("staging", "staging_id"), ("backup", "backup_id")):
        try:
            if identity(out / journal[name]) != journal.get(key):
                return False
        except (OSError, OutputError):
            return False
    return True


def _well_formed(journal: dict) -> bool:
    """Its folders are binder's own in the output folder, its paths relative ones inside it."""

    def inside(rel: object) -> bool:
        parts = rel.split("/") if isinstance(rel, str) else [""]
        return all(part not in ("", ".", "..") for part in parts) and "\\" not in str(rel)

    lists = [journal.get(k) for k in ("moves", "removes", "created")]
    return (
        journal.get("state") in ("started", "committed")
        and _own(journal.get("staging"), STAGING_PREFIX)
        and _own(journal.get("backup"), BACKUP_PREFIX)
        and all(isinstance(paths, list) and all(inside(r) for r in paths) for paths in lists)
    )


def _own(name: object, prefix: str) -> bool:
    return isinstance(name, str) and name.startswith(prefix) and name[len(prefix) :].isdigit()
