"""Authenticating what a build carries over from an earlier one.

Everything a build reuses (``manifest.json``, which holds the SHA-256 of every file it lists,
and each cache entry's ``meta.json``) carries an HMAC-SHA256 made with a key kept outside the
output folder: by default ``$XDG_CONFIG_HOME/binder/build.key`` (``~/.config/binder/build.key``),
created on first use with mode 0600; a team or CI shares one with ``BINDER_BUILD_KEY_FILE``.
Files planted or edited by anyone without that key fail the check and are not trusted.
It does not protect against someone who can read the key (the same user, or root).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from binder.errors import BinderError

KEY_ENV = "BINDER_BUILD_KEY_FILE"
FIELD = "hmac"
"""The key under which a sealed JSON document carries its tag."""


class KeyFileError(BinderError):
    exit_code = 1


def key_path() -> Path:
    """Where the build key lives: ``$BINDER_BUILD_KEY_FILE``, else the user's config folder."""
    named = os.environ.get(KEY_ENV)
    if named:
        return Path(named)
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "binder" / "build.key"


@lru_cache(maxsize=4)
def _key(path: Path) -> bytes:
    named = bool(os.environ.get(KEY_ENV))
    try:
        return _read_key(path)
    except FileNotFoundError:
        if named:
            raise KeyFileError(
                f"{path}: the build key file named by {KEY_ENV} does not exist",
                hint="create it once with `head -c 32 /dev/urandom > FILE` and share it with the team",
            ) from None
    return _create_key(path)


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"{path}: the build key is not a regular file")
        data = handle.read(4096)
    if len(data) < 16:
        raise KeyFileError(
            f"{path}: the build key is too short (at least 16 bytes)",
            hint=f"delete it to have binder make a new one, or point {KEY_ENV} at a good one",
        )
    return data


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # another build made it first
        return _read_key(path)
    except OSError as exc:
        raise KeyFileError(
            f"{path}: cannot create the build key ({exc.strerror})",
            hint=f"make the folder writable, or point {KEY_ENV} at a key file",
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return data


def key() -> bytes:
    """The build key (created on first use)."""
    return _key(key_path())


def tag(data: bytes) -> str:
    """The HMAC of ``data`` with the build key, as hex."""
    return hmac.new(key(), data, hashlib.sha256).hexdigest()


def _canonical(document: dict) -> bytes:
    body = {k: v for k, v in document.items() if k != FIELD}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal(document: dict) -> dict:
    """``document`` with its HMAC added under ``hmac``."""
    return {**document, FIELD: tag(_canonical(document))}


def is_sealed(document: dict) -> bool:
    """True when ``document`` carries a good HMAC made with this build key."""
    given = document.get(FIELD)
    return isinstance(given, str) and hmac.compare_digest(given, tag(_canonical(document)))
