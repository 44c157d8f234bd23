"""Finding the processes a test started: LibreOffice by the folder its profile lives in, Graphviz by its parent."""

from __future__ import annotations

import os
import subprocess
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


def dots() -> set[int]:
    """This process's ``dot`` children still running."""
    found = subprocess.run(["pgrep", "-x", "-P", str(os.getpid()), "dot"], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split() if Path(f"/proc/{pid}").exists() and not _zombie(pid)}


def _zombie(pid: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
