"""Files: their SHA-256, the one atomic write, the one link-or-copy, a folder's regular files, an installed program's files;
what a file is without following a symbolic link (a real file, its inode, the same file), and clearing a name.

Every file binder writes goes through ``atomic_write``: a reader (or a crash)
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(handle)`` on a new file beside ``path``, flush it to disk, then move it over ``path``.

    The new file is created like any other (the user's umask decides its mode, unlike ``mkstemp``'s 0600),
    under a random name, so two writers never share a temporary file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        with open(tmp, "xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    """``atomic_write`` of ``data``."""
    return atomic_write(path, lambda handle: handle.write(data))


def write_text(path: Path, text: str) -> Path:
    """``atomic_write`` of ``text`` as UTF-8."""
    return write_bytes(path, text.encode("utf-8"))


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows it (no copy, same bytes), else a copy.

    Either way ``target`` is a new name; binder never changes a file in place, so sharing is safe."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def program_files(command: str) -> list[list[object]] | None:
    """The files of the program ``command`` starts, as found on ``PATH`` now (the command, the file it resolves
    to and the ``.bin`` beside it, as LibreOffice installs itself), each with its device, inode, size and
    modification time: installing another version makes new files. None when the program is not laid out
    so (not found, or a script of one's own, which may start another program tomorrow with no file changed)."""
    found = shutil.which(command)
    if found is None:
        return None
    try:
        program = Path(found).resolve()
        binary = program.with_name(program.name + ".bin")
        if not binary.is_file():
            return None
        files = (Path(found), program, binary)
        return [[str(f), (i := f.stat()).st_dev, i.st_ino, i.st_size, i.st_mtime_ns] for f in files]
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None


def regular_files(folder: Path, links: bool = False) -> list[str]:
    """The regular files under ``folder`` (``links``: and symbolic links to files; never anything under a linked
    folder), as paths relative to it with ``/``; unsorted. One ``scandir`` per folder: a 200-SOP output folder's
    files took 0.3 s through ``Path.rglob``, which makes a path object and asks the disk again for each."""
    found: list[str] = []
    pending = [("", os.fspath(folder))]
    while pending:
        prefix, path = pending.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((f"{prefix}{entry.name}/", entry.path))
                    elif entry.is_file(follow_symlinks=links):
                        found.append(prefix + entry.name)
                except OSError:  # a link that loops or runs through a file: no file, as pathlib's is_file() says
                    continue
    return found


def named_from(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (the workbook's, where a picture or file was named), else its name: what
    the SOP's content records, and its documents' cache key with it."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except (ValueError, OSError):
        return path.name


def real_file(path: Path) -> bool:
    """A regular file, not a symbolic link to one."""
    return path.is_file() and not path.is_symlink()


def inode(path: Path) -> list[int]:
    """The device and inode of ``path`` itself (a link's own, not its target's), as JSON keeps them."""
    info = os.lstat(path)
    return [info.st_dev, info.st_ino]


def same_file(one: Path, other: Path) -> bool:
    """The two names are one file (hard links of each other); False when either is missing."""
    try:
        return inode(one) == inode(other)
    except OSError:
        return False


def clear(path: Path) -> None:
    """Remove whatever stands at ``path`` (file, link, folder), never following a link."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    shutil.rmtree(path, ignore_errors=True)
