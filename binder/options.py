"""What a build is asked to do: the options of ``binder build`` (and of ``validate``, its first half)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from binder.signing.options import Signing


@dataclass(frozen=True)
class BuildOptions:
    out: Path = Path("output")
    include_drafts: bool = False
    """Put Draft and In-review SOPs in binders and packs (watermarked)."""
    strict: bool = False
    """Warnings are errors (not the writing checks': see ``strict_style``)."""
    style: bool = True
    """Run the writing checks (``--no-style``: not)."""
    strict_style: bool = False
    """The writing checks' warnings are errors."""
    ignore: tuple[str, ...] = ()
    """Warning codes not to report."""
    jobs: int = 1
    """LibreOffice processes converting in parallel."""
    timeout: float = 180.0
    """Seconds one document (or one flowchart) may take."""
    wait: float = 0.0
    """Seconds to wait for another build writing the same output folder."""
    allow_unversioned: bool = False
    """Let SOPs change without a new Version (while drafting)."""
    force: bool = False
    """Build into a folder binder did not make, or past a manifest that cannot be trusted."""
    pack: str | None = None
    """Build only this training pack and its SOPs; keep the rest of the previous output."""
    signing: Signing | None = None
    """Sign every binder and pack issued."""
    use_cache: bool = True
    """Reuse the Word and PDF documents of unchanged SOPs from the previous build."""
    converters: tuple[str, ...] = ()
    """``unoserver://HOST:PORT`` endpoints to convert on instead of local LibreOffice processes."""
    daemon: bool = False
    """Convert on the user's shared converter daemon (``binder build`` does unless ``--no-daemon``)."""
    today: date | None = None
