"""What ``build --sign`` needs to sign binders and packs; kept apart from the CLI and pyHanko."""
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

    def options(self, defaults, settings: Settings | None = None):
        """``SignOptions`` from the command's options, else the workbook's Settings, else ``defaults``."""
        chosen = {
            "reason": self.reason or (settings.signature_reason if settings else "") or defaults.reason,
            "location": self.location or (settings.signature_location if settings else "") or defaults.location,
            "contact": self.contact or (settings.signature_contact if settings else "") or defaults.contact,
            "timestamp_url": self.timestamp_url,
        }
        return replace(defaults, **chosen)


def sign_outputs(signing: Signing, settings: Settings, root: Path, paths: list[str]) -> None:
    """Sign each PDF (relative to ``root``) in place inside the staging folder: its last write."""
    from binder.signing.sign import SignOptions, sign_pdf

    options = signing.options(SignOptions(), settings)
    for rel in paths:
        pdf = root / rel
        unsigned = pdf.with_name(pdf.name + ".unsigned")
        pdf.rename(unsigned)
        sign_pdf(unsigned, signing.key, signing.passphrase, pdf, options)
        unsigned.unlink()
