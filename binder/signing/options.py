"""What ``build --sign`` and ``sign`` need to know about signing: the ``Signing`` settings.
Owns only the ``Signing`` dataclass, which the CLI fills in (the key file, the passphrase bytes
it read, the reason, location, contact and timestamp server) and the build carries to the
signing step. Kept apart from pyHanko so importing it is cheap: it may import only the standard
library and ``binder.model`` (and ``binder.errors``, ``binder.files`` or other
``binder.signing`` modules if ever needed); never click, never rich, never pyHanko.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from binder.model import Settings


@dataclass(frozen=True)
class Signing:
    key: Path
    passphrase: bytes | None = field(repr=False)
    """Never printed: ``repr=False`` keeps it out of logs and tracebacks' locals summaries."""
    reason: str | None = None
    location: str | None = None
    contact: str | None = None
    timestamp_url: str | None = None
    font_cache: Path | None = None
    """Where the stamp's font is kept between runs (the CLI gives a folder in the user's cache)."""

    def options(self, defaults, settings: Settings | None = None):
        """``SignOptions`` from the command's options, else the workbook's Settings, else ``defaults``."""
        chosen = {
            "reason": self.reason or (settings.signature_reason if settings else "") or defaults.reason,
            "location": self.location or (settings.signature_location if settings else "") or defaults.location,
            "contact": self.contact or (settings.signature_contact if settings else "") or defaults.contact,
            "timestamp_url": self.timestamp_url,
            "font_cache": self.font_cache,
        }
        return replace(defaults, **chosen)
