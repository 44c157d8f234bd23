"""What a build host must share with a ``binder`` command to run its build as the command itself would.

Binder's code (each module's size and time: an upgrade or an edit gets a host of its own), the interpreter,
its options and the folders its libraries live in, the variables that shape Python's start-up, and the
process's standing with the kernel: user and groups, capabilities, no-new-privileges and seccomp, namespaces,
control groups, root folder, resource limits, niceness and CPUs. A command whose standing differs (run
under ``nice``, ``ulimit``, ``setpriv``, in a sandbox or a container) gets a host started from it, or runs
itself; a host never lends its standing to another. Standard library only."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
STANDING = (
    "Uid",
    "Gid",
    "Groups",
    "CapInh",
    "CapPrm",
    "CapEff",
    "CapBnd",
    "CapAmb",
    "NoNewPrivs",
    "Seccomp",
    "Seccomp_filters",
    "Cpus_allowed_list",
    "Mems_allowed_list",
)
"""Lines of ``/proc/PID/status`` a host must share with its callers."""
START_UP = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")
LOADER = ("LD_", "GLIBC_", "MALLOC_")
"""The dynamic loader's and C library's variables: ``fakeroot``, ``faketime``, ``proxychains`` and the like
work through them, and a host started without them would build outside the wrapper."""


def code_stamp(package: Path = PACKAGE) -> str:
    """Names, sizes and modification times of binder's modules: a host imported them all when it started."""
    digest = hashlib.sha256()
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    folders.append(Path(entry.path))
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def standing(pid: int | str = "self") -> dict[str, object]:
    """Process ``pid``'s standing with the kernel, as ``/proc`` shows it; raises OSError when unreadable."""
    proc = Path("/proc") / str(pid)
    status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
    return {
        "status": {name: status.get(name, "").strip() for name in STANDING},
        "namespaces": {name: os.readlink(proc / "ns" / name) for name in sorted(os.listdir(proc / "ns"))},
        "cgroup": (proc / "cgroup").read_text(),
        "limits": (proc / "limits").read_text(),
        "nice": (proc / "stat").read_text().rsplit(")", 1)[1].split()[16],
        "root": os.readlink(proc / "root"),
    }


def host_key(stamp: str, environ: dict[str, str] | os._Environ[str], kernel: dict[str, object]) -> str:
    """The name of the host a command with this code, environment and standing (``kernel``) may use. The first
    path entry (the command's folder, or the current one) is not a library's."""
    libraries = []
    for entry in sys.path[1:]:
        try:
            libraries.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    start_up = sorted(
        (name, value)
        for name, value in environ.items()
        if (name.startswith(LOADER) or name.startswith("PYTHON")) and name != "PYTHONPATH" or name in START_UP
    )
    interpreter = [
        sys.executable,
        sys.version,
        str(sys.flags),
        sys.warnoptions,
        sorted(map(str, sys._xoptions.items())),
    ]
    parts = [stamp, interpreter, sys.getfilesystemencoding(), libraries, start_up, kernel]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
