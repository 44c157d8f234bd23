"""The output folder belongs to the user: binder changes only the files it wrote, under a lock.

A build writes everything into a staging folder inside the output folder
(``.binder-staging-PID``), then commits by moving each new file over its old one (each move
is one atomic rename) and moving away the files of the previous build that this one no
longer has. Before the first move it writes a journal (``.binder-journal.json``) naming every
move; the old files go to a backup folder until the new manifest is in place. An interrupted
commit (power cut, kill -9) is rolled back, or finished when the manifest was already in, by
the next build into the folder. Files, folders, symbolic links, mount points and permissions
that binder did not write are never touched.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from binder.errors import BinderError, ToolError
from binder.files import regular_files, write_text
from binder.interrupts import held, shielded
from binder.output.cache import CACHE
from binder.output.manifest import MANIFEST, Manifest
from binder.output.seal import is_sealed, seal
from binder.output.users_files import OutputError, check_out_folder, refuse_theirs

__all__ = ["OutputError", "Transaction", "check_out_folder", "output_lock", "previous_files", "recover"]

LOCK = ".binder-lock"
JOURNAL = ".binder-journal.json"
STAGING_PREFIX = ".binder-staging-"
BACKUP_PREFIX = ".binder-backup-"
PROFILES_PREFIX = ".binder-lo-"


class Locked(BinderError):
    exit_code = 3


class DiskFull(BinderError):
    """The output folder's file system ran out of space (exit 3, like a failing tool)."""

    exit_code = 3


MIN_FREE_BYTES = 4 << 20
"""Below this much free space, a failure while writing is put down to a full disk."""


@contextmanager
def full_disk_explained(out: Path) -> Iterator[None]:
    """Turn a failure while writing into ``DiskFull`` when the output folder's disk is (nearly) full: a
    converter or library then fails in its own words ("wrote no PDF"), which would hide the real cause."""
    try:
        yield
    except (OSError, ToolError) as error:
        try:
            free = shutil.disk_usage(out).free
        except OSError:
            raise error from None
        if free < MIN_FREE_BYTES or getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(
                f"cannot write into {out}: the disk is full ({free // 1024} KiB free)",
                hint="free some space, then build again; the previous output was left as it was",
            ) from error
        raise


def _writable(out: Path) -> None:
    for probe in (out, *out.parents):
        if os.access(probe, os.W_OK | os.X_OK):
            return
        if probe.exists():
            break
        # A folder that does not exist (or was just removed by a failed first build) is created
        # later; what matters is whether its nearest existing parent is writable.
    else:
        probe = Path(".")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write into {probe}: permission denied or read-only",
            hint="choose another --out, or make the folder writable",
        )


@contextmanager
def output_lock(out: Path, wait: float = 0.0) -> Iterator[Path]:
    """Hold the output folder's lock (``OUT/.binder-lock``); wait up to ``wait`` seconds for another build.

    A folder this build created is removed again when the build leaves nothing in it (a first build
    that failed). That is safe for a build waiting on the same lock: having locked, a build checks
    that its lock file is still the one in the folder, and starts over if it is not."""
    _writable(out)
    created = not out.exists()
    deadline = time.monotonic() + wait
    while True:
        handle = _open_lock(out)
        if handle is None:
            continue
        try:
            _acquire(handle, out, deadline)
        except BaseException:
            handle.close()
            raise
        if _still_there(handle, out / LOCK):
            break
        handle.close()  # the folder was removed while we waited: lock the new one
    try:
        # The lock file stays empty: an interrupted build must leave every byte of the folder as it was.
        yield out / LOCK
    finally:
        if created and {p.name for p in out.iterdir()} <= {LOCK}:
            (out / LOCK).unlink(missing_ok=True)
            with suppress(OSError):
                out.rmdir()
        handle.close()


def _open_lock(out: Path) -> TextIO | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        # mkdir found it, then it was gone when Python checked it is a folder (a failed first build
        # removing it): try once more. A file of that name is an error.
        if out.is_dir() or not os.path.lexists(out):
            return None
        raise OutputError(
            f"cannot create {out}: a file of that name is in the way", hint="choose another --out"
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot create {out}: {exc.strerror}", hint="choose another --out") from None
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except FileNotFoundError:
        return None  # the folder went away again (a failed first build removing it): try once more
    except OSError as exc:
        raise OutputError(
            f"cannot create the lock file {path}: {exc.strerror}",
            hint="make the output folder writable, or choose another --out",
        ) from None
    return os.fdopen(fd, "r+")


def _acquire(handle, out: Path, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Locked(
                    f"another build is writing {out}; lock file {out / LOCK}",
                    hint="wait for it to finish, or pass --wait SECONDS",
                ) from None
            time.sleep(0.1)


def _still_there(handle, path: Path) -> bool:
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(out: Path) -> None:
    """Staging and LibreOffice profile folders of builds whose process is gone (killed builds)."""
    for item in out.iterdir() if out.is_dir() else ():
        for prefix in (STAGING_PREFIX, PROFILES_PREFIX):
            if item.name.startswith(prefix) and item.is_dir() and not item.is_symlink():
                pid = item.name[len(prefix) :]
                if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                    shutil.rmtree(item, ignore_errors=True)


def staged_for(root: Path) -> Path | None:
    """The output folder ``root`` is the staging folder of, if it is one (its files may be reused from there)."""
    return root.parent if root.name.startswith(STAGING_PREFIX) else None


def profiles_folder(out: Path) -> Path:
    """Where this build's LibreOffice profiles live (removed by the converter; by the next build if killed)."""
    return out / f"{PROFILES_PREFIX}{os.getpid()}"


class Transaction:
    """A staging folder inside ``out``; ``commit()`` moves its files into place, leaving without commit discards it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / f"{STAGING_PREFIX}{os.getpid()}"
        self.backup = out / f"{BACKUP_PREFIX}{os.getpid()}"

    def __enter__(self) -> Transaction:
        self.out.mkdir(parents=True, exist_ok=True)
        recover(self.out)
        remove_leftovers(self.out)
        shutil.rmtree(self.path, ignore_errors=True)
        try:
            self.path.mkdir()
        except BaseException:
            # A Ctrl-C handled once the folder exists, still inside mkdir: ``__exit__`` will not run for it.
            with shielded():
                shutil.rmtree(self.path, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        with shielded():  # a second Ctrl-C must not leave the staging folder half removed
            shutil.rmtree(self.path, ignore_errors=True)

    def commit(
        self,
        previous: set[str],
        on_commit: Callable[[], None] = lambda: None,
        replaceable: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Move every staged file into place and the ``previous`` build's files this one no longer has out of it.
        ``replaceable``: files binder may replace though ``previous`` does not list them (``--force`` past an
        untrusted manifest: the files it lists). Anything else standing where a file goes is refused, first.

        Signals are held back meanwhile; a failure rolls back to the previous output."""
        everything = sorted(regular_files(self.path))
        kept = set(everything)
        # A file staged as a hard link of the one in place (an unchanged SOP's documents, cache entry, page)
        # is already there: moving it would only move the same inode away and back.
        staged = [r for r in everything if not _in_place(self.path / r, self.out / r)]
        moves = [r for r in staged if r != MANIFEST] + ([MANIFEST] if MANIFEST in staged else [])
        removes = sorted(r for r in previous if r not in kept and _is_file(self.out / r))
        folders = sorted(
            {str(parent) for r in moves for parent in Path(r).parents if str(parent) != "."},
            key=lambda f: (f.count("/"), f),
        )
        refuse_theirs(self.out, moves, removes, previous | replaceable)
        journal = {
            "staging": self.path.name,
            "backup": self.backup.name,
            "moves": moves,
            "removes": removes,
            "created": [f for f in folders if not (self.out / f).exists()],
            "state": "started",
        }
        with held():
            write_text(self.out / JOURNAL, json.dumps(seal(journal)))
            try:
                _apply(self.out, journal)
            except BaseException:
                _roll_back(self.out, journal)
                raise
            journal["state"] = "committed"
            write_text(self.out / JOURNAL, json.dumps(seal(journal)))
            on_commit()  # before signals are let through again
            _finish(self.out, journal)


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _in_place(staged: Path, target: Path) -> bool:
    """``target`` is the very file staged (a hard link of it), not a symbolic link to it."""
    try:
        mine, there = os.stat(staged), os.lstat(target)
    except OSError:
        return False
    return stat.S_ISREG(there.st_mode) and (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _apply(out: Path, journal: dict) -> None:
    staging, backup = out / journal["staging"], out / journal["backup"]
    for folder in journal["created"]:
        (out / folder).mkdir(exist_ok=True)
    for rel in journal["removes"]:
        _move(out / rel, backup / rel)
    for rel in journal["moves"]:
        if _is_file(out / rel):
            _move(out / rel, backup / rel)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging / rel, target)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)


def _roll_back(out: Path, journal: dict) -> None:
    """Put the previous output back: restore what was moved away, remove what was moved in."""
    staging, backup = out / journal["staging"], out / journal["backup"]
    for rel in reversed(journal["moves"]):
        if (backup / rel).exists():
            os.replace(backup / rel, out / rel)
        elif not (staging / rel).exists() and _is_file(out / rel):
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
    _finish(out, journal)


def _finish(out: Path, journal: dict) -> None:
    for name in (journal["backup"], journal["staging"]):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / JOURNAL).unlink(missing_ok=True)
    _remove_empty_cache_folders(out)


def _remove_empty_cache_folders(out: Path) -> None:
    cache = out / CACHE
    if cache.is_dir() and not cache.is_symlink():
        for entry in cache.iterdir():
            if entry.is_dir() and not any(entry.iterdir()):
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
        # A journal names what to move back and delete: one planted or edited could name any file anywhere.
        raise OutputError(
            f"{out / JOURNAL} was not written by a build with this build key, or was changed since: "
            "binder will not act on it",
            hint="check the output folder (a build cut short in its commit leaves one), then delete the journal file",
        )
    if journal["state"] == "committed":
        _finish(out, journal)
    else:
        _roll_back(out, journal)


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


def previous_files(out: Path, previous: Manifest | None, keep_cache: bool = False) -> set[str]:
    """What the previous build wrote, which this one may replace or remove: its files and the cache
    (``keep_cache``, for ``--pack``: the other SOPs' entries are still good)."""
    files = set(previous.paths) if previous else set()
    cache = out / CACHE
    if not keep_cache and cache.is_dir() and not cache.is_symlink():
        files |= {f"{CACHE}/{rel}" for rel in regular_files(cache, links=True)}
    return files
