"""axe-core, the accessibility rules the browser tests inject into each page: from the npm registry,
at a pinned version whose SHA-512 is checked, cached under ``.venv`` (no npm needed).

``./run setup`` runs this file (``python tests/site/site_axe.py``) so that the tests find it in place.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
SHA512 = (
    "1477dafa598d8d065f273d6af302aa203c02e83131707b7fa648cd41bd3d6b734f"
    "8c22a0dab86ee6a6f64b8afbe804b214d36db85a2826965edfb3a0b9d546b5"
)
"""Of the registry's tarball (its ``dist.integrity``, in hex)."""
CACHED = Path(__file__).resolve().parents[2] / ".venv" / f"axe-core-{VERSION}" / "axe.min.js"


def axe_script() -> str:
    """The source of ``axe.min.js``, fetched and checked the first time."""
    if not CACHED.is_file():
        fetch()
    return CACHED.read_text(encoding="utf-8")


def fetch() -> Path:
    with urllib.request.urlopen(URL, timeout=60) as response:  # noqa: S310 - a fixed https URL
        data = response.read()
    digest = hashlib.sha512(data).hexdigest()
    if digest != SHA512:
        raise RuntimeError(f"{URL}: SHA-512 {digest} is not the pinned {SHA512}")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:
            raise RuntimeError(f"{URL} has no package/axe.min.js")
        script = member.read()
    CACHED.parent.mkdir(parents=True, exist_ok=True)
    partial = CACHED.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(script)
    partial.replace(CACHED)
    return CACHED


if __name__ == "__main__":
    print(fetch() if not CACHED.is_file() else CACHED, file=sys.stderr)
