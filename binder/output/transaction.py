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
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from binder.errors import BinderError, ToolError
from binder.files import clear, inode, real_file, regular_files, same_file
from binder.interrupts import held, shielded
from binder.output import journal
from binder.output.cache import CACHE
from binder.output.journal import BACKUP_PREFIX, JOURNAL, STAGING_PREFIX, recover
from binder.output.manifest import MANIFEST, Manifest
from binder.output.users_files import OutputError, check_out_folder, refuse_theirs

__all__ = ["JOURNAL", "OutputError", "Transaction", "check_out_folder", "output_lock", "previous_files", "recover"]

LOCK = ".binder-lock"
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
    """Where this build's LibreOffice profiles live (removed by the converter; by the next build if killed).
    Whatever stands at its name is removed first: a profile planted there (its macros, its settings) must never be
    the one LibreOffice starts with, and the converter makes the folder itself, anew."""
    folder = out / f"{PROFILES_PREFIX}{os.getpid()}"
    clear(folder)
    return folder


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
            self.path.mkdir(mode=0o700)
            self._identity = journal.identity(self.path)
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
        replace_any: bool = False,
    ) -> None:
        """Move every staged file into place and the ``previous`` build's files this one no longer has out of it.
        Anything not in ``previous`` standing where a file goes is refused, first, unless ``replace_any`` (``--force``
        past a manifest that cannot be trusted: the files there are taken for the last build's).

        Signals are held back meanwhile; a failure rolls back to the previous output."""
        if journal.identity(self.path) != self._identity:  # a link put in its place would bring in files from elsewhere
            raise OutputError(f"{self.path} was replaced while the build ran", hint="nothing was changed; build again")
        everything = sorted(regular_files(self.path))
        kept = set(everything)
        # A file staged as a hard link of the one in place (an unchanged SOP's documents, cache entry, page)
        # is already there: moving it would only move the same inode away and back.
        staged = [r for r in everything if not (real_file(self.out / r) and same_file(self.path / r, self.out / r))]
        moves = [r for r in staged if r != MANIFEST] + ([MANIFEST] if MANIFEST in staged else [])
        removes = sorted(r for r in previous if r not in kept and real_file(self.out / r))
        folders = sorted(
            {str(parent) for r in moves for parent in Path(r).parents if str(parent) != "."},
            key=lambda f: (f.count("/"), f),
        )
        refuse_theirs(self.out, moves, removes, None if replace_any else previous)
        with held():
            record = {
                "staging": self.path.name,
                "backup": self.backup.name,
                "staging_id": self._identity,
                "backup_id": journal.fresh_backup(self.backup),
                "moves": moves,
                "inodes": {rel: inode(self.path / rel) for rel in moves},
                "removes": removes,
                "created": [f for f in folders if not (self.out / f).exists()],
                "state": "started",
            }
            journal.write(self.out, record)
            try:
                journal.apply(self.out, record)
            except BaseException:
                journal.roll_back(self.out, record)
                raise
            record["state"] = "committed"
            journal.write(self.out, record)
            on_commit()  # before signals are let through again
            journal.finish(self.out, record)


def previous_files(out: Path, previous: Manifest | None, keep_cache: bool = False) -> set[str]:
    """What the previous build wrote, which this one may replace or remove: its files and the cache
    (``keep_cache``, for ``--pack``: the other SOPs' entries are still good)."""
    files = set(previous.paths) if previous else set()
    cache = out / CACHE
    # Without a manifest of binder's, a .cache/ folder there is someone else's (a tool's, the user's).
    if previous is not None and not keep_cache and cache.is_dir() and not cache.is_symlink():
        files |= {f"{CACHE}/{rel}" for rel in regular_files(cache, links=True)}
    return files
