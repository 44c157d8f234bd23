"""Finding the LibreOffice processes a test started, by the folder their profile lives in."""

from __future__ import annotations

from pathlib import Path


def soffice_under(folder: Path) -> list[int]:
    """soffice processes whose profile lives below ``folder`` (this test's builds only), by pid."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "soffice" in cmdline and str(folder) in cmdline:
            found.append(int(proc.name))
    return sorted(found)
