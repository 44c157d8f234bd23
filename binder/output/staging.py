"""Safe output: build into a staging folder, then swap it in whole, under a lock.

A failed or interrupted build removes its staging folder and leaves the
previous output folder exactly as it was. The swap is one atomic
``renameat2(RENAME_EXCHANGE)`` on Linux (two renames elsewhere). Files in the
output folder that binder did not write (not in the previous manifest) are
carried over, so nothing a user put there is lost.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from binder.errors import BinderError
from binder.files import link_or_copy, sha256
from binder.output.manifest import MANIFEST

CACHE = ".cache"
_RENAME_EXCHANGE = 2


class Locked(BinderError):
    exit_code = 3


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.binder-lock"


@contextmanager
def output_lock(out: Path, wait: float = 0.0) -> Iterator[Path]:
    """Hold the output folder's lock; wait up to ``wait`` seconds for another build, then refuse."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "another build"
                handle.close()
                raise Locked(f"another build is writing {out} ({holder}); lock file {path}",
                             hint="wait for it to finish, or pass --wait SECONDS") from None
            time.sleep(0.2)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield path
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def previous_manifest(out: Path) -> dict | None:
    """The manifest of the build now in ``out``, or None (first build, or unreadable)."""
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def written_by_binder(manifest: dict | None) -> set[str]:
    """Paths (relative) that the previous build wrote."""
    if not manifest:
        return set()
    paths = {MANIFEST}
    for group in ("documents", "binders", "packs"):
        for entry in manifest.get(group, []):
            for key in ("docx", "pdf", "path", "record"):
                if isinstance(entry.get(key), str):
                    paths.add(entry[key])
    return paths


class Staging:
    """A staging folder beside ``out``; ``commit()`` swaps it in, leaving without commit discards it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out.parent / f".{out.name}.staging-{os.getpid()}"
        self._carried = False

    def __enter__(self) -> "Staging":
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove(self.path)
        self.path.mkdir()
        return self

    def __exit__(self, *exc) -> None:
        _remove(self.path)

    def carry_over(self, keep: set[str] = frozenset()) -> None:
        """Hard-link into staging what binder did not write (user files) and the previous
        build's files named in ``keep``, so the swap keeps them. Call it once, before commit."""
        self._carried = True
        if not self.out.is_dir():
            return
        ours = written_by_binder(previous_manifest(self.out)) - set(keep)
        for item in self.out.rglob("*"):
            rel = item.relative_to(self.out).as_posix()
            if item.is_dir() or rel in ours or rel.startswith(CACHE + "/"):
                continue
            target = self.path / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(item, target)

    def commit(self) -> None:
        """Swap the staging folder in as ``out``; the previous output is removed afterwards.

        Ctrl-C and SIGTERM are held back during the swap, so it happens whole or not at all."""
        if not self._carried:
            self.carry_over()
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            self._swap()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _swap(self) -> None:
        if not self.out.exists():
            os.rename(self.path, self.out)
            return
        old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        if _exchange(self.path, self.out):
            _remove(self.path)  # after the exchange it holds the previous output
            return
        os.rename(self.out, old)
        os.rename(self.path, self.out)
        _remove(old)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def place(source: Path, target: Path) -> None:
    """Put a finished file (from the cache or the previous output) at its place in staging: a hard
    link, as binder never changes a file in place."""
    if target.exists() and target.samefile(source):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    link_or_copy(source, target)


def previous_issue(out: Path, entry: dict | None, key: str, paths: tuple[str, ...], root: Path) -> bool:
    """Place the previous build's files of ``entry`` into staging when its ``key`` is the same and each
    file still has its recorded SHA-256 (``<name>_sha256``, or ``sha256`` for the first)."""
    if entry is None or entry.get("key") != key:
        return False
    hashes = [entry.get("sha256")] + [entry.get(f"{name}_sha256") for name in paths[1:]]
    try:
        if any(sha256(out / entry[name]) != expected for name, expected in zip(paths, hashes)):
            return False
    except (OSError, KeyError, TypeError):
        return False
    for name in paths:
        place(out / entry[name], root / entry[name])
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()
