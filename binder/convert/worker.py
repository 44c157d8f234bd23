"""One LibreOffice converting Word documents to PDF, driven over UNO.

Started by ``binder.convert.pool`` as ``<python with uno> worker.py --profile DIR``.
This file is a standalone script: standard library and ``uno`` only, nothing
from ``binder``, so that it runs under whichever Python has LibreOffice's bridge.

Protocol (JSON lines, ASCII):

- stdout, once, when LibreOffice is connected: ``{"ready": true, "seconds": s}``,
  or ``{"ready": false, "error": "..."}`` before exiting if it could not start;
- stdin, one per document: ``{"docx": "/abs/in.docx", "pdf": "/abs/out.pdf", "options": {...}}``
  (``options``, optional: ``writer_pdf_Export`` filter options, booleans or integers, over ``PDF_OPTIONS``);
- stdout, one per document: ``{"ok": true, "pdf": ..., "seconds": s}`` or
  ``{"ok": false, "error": "..."}``.

Nothing else is written to stdout; logs and LibreOffice's own output go to
stderr. If LibreOffice dies while converting, the worker exits without an
answer, so the parent sees end-of-file and starts a fresh worker. On end of
stdin it shuts LibreOffice down and exits. soffice runs in the worker's
process group, so killing that group stops both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

# The parent removes this leftover when a worker is killed mid-export; keep in step with pool.PART_SUFFIX.
PART_SUFFIX = ".part"

# An explicit import filter: left to type detection, a text file named .docx opens as plain text.
IMPORT_FILTERS = {
    ".docx": "MS Word 2007 XML",
    ".docm": "MS Word 2007 XML VBA",
    ".doc": "MS Word 97",
    ".rtf": "Rich Text Format",
    ".odt": "writer8",
}

# Every font is embedded (subset) by default; LibreOffice 7.4 has no "EmbedStandardFonts" option.
PDF_OPTIONS = {
    "ExportBookmarks": True,
    "ExportNotes": False,
    "UseTaggedPDF": True,
}

EXIT_NO_START = 2
EXIT_SOFFICE_DIED = 3


def log(message: str) -> None:
    """One line on stderr, which the parent keeps as LibreOffice's last words."""
    try:
        print(f"worker[{os.getpid()}]: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # a dead parent leaves no one reading: BrokenPipeError
        pass


def protocol_output() -> TextIO:
    """A private copy of stdout for answers; fd 1 itself now points at stderr, so that anything else
    writing to fd 1 (a library, a stray print) cannot corrupt the protocol."""
    answers = os.fdopen(os.dup(1), "w", encoding="ascii", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return answers


def send(out: TextIO, message: dict[str, Any]) -> None:
    """One answer line to the parent."""
    out.write(json.dumps(message) + "\n")
    out.flush()


def prop(name: str, value: Any) -> PropertyValue:
    """A com.sun.star.beans.PropertyValue."""
    item = PropertyValue()
    item.Name = name
    item.Value = value
    return item


def constant(name: str) -> int:
    """A UNO constant by its full name."""
    return uno.getConstantByName(name)


# --- the soffice process ------------------------------------------------------------------------


def own_process_group() -> None:
    """Lead a process group of our own (the parent normally starts us as a session leader)."""
    if os.getpgrp() != os.getpid():
        os.setpgid(0, 0)


def start_soffice(soffice: str, profile: Path, pipe_name: str) -> subprocess.Popen:
    """soffice listening on a named pipe, with its own profile, output to our stderr."""
    profile.mkdir(parents=True, exist_ok=True)
    command = [
        soffice,
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        f"--accept=pipe,name={pipe_name};urp;",
    ]
    # soffice makes a temporary folder (lu*.tmp) that a killed soffice leaves behind: inside the profile,
    # it goes when the build removes the profile, rather than piling up in /tmp build after build.
    (profile / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str((profile / "tmp").resolve())}
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr, env=env)


def connect(soffice: subprocess.Popen, pipe_name: str, limit: float) -> Any:
    """The Desktop of the soffice listening on ``pipe_name``, retrying until it answers."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + limit
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except NoConnectException:
            if soffice.poll() is not None:
                raise RuntimeError(
                    f"soffice exited with status {soffice.returncode} before accepting connections"
                ) from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not accept a connection within {limit:.0f} s") from None
            time.sleep(0.1)


def group_members() -> list[int]:
    """Other live processes in our process group: soffice's launcher and soffice.bin."""
    me, group = os.getpid(), os.getpgrp()
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            members.append(int(entry.name))
    return members


def kill_soffice() -> None:
    """SIGKILL every other process of our group (soffice and its launcher)."""
    for pid in group_members():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def remove_pipe_files(profile: Path, pipe_name: str) -> None:
    """Remove the socket files a killed soffice leaves in /tmp (same rule as pool.pipe_files)."""
    digest = hashlib.md5(profile.resolve().as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    single = "SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest)
    for folder in ("/tmp", "/var/tmp"):
        for name in (pipe_name, single):
            path = Path(folder) / f"OSL_PIPE_{os.getuid()}_{name}"
            try:
                if stat.S_ISSOCK(path.lstat().st_mode) and path.lstat().st_uid == os.getuid():
                    path.unlink()
            except OSError:
                continue


def soffice_alive(soffice: subprocess.Popen, desktop: Any) -> bool:
    """Whether soffice still runs and still answers over the bridge."""
    if soffice.poll() is not None:
        return False
    try:
        desktop.getComponents()
        return True
    except Exception:  # a dead bridge raises DisposedException or a RuntimeException
        return False


def shut_down(soffice: subprocess.Popen, desktop: Any | None, clean_up: Callable[[], None]) -> None:
    """Ask LibreOffice to quit; kill whatever is left after a few seconds."""
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:  # the bridge goes away while terminate() returns: expected
            pass
    try:
        soffice.wait(10)
    except subprocess.TimeoutExpired:
        log("soffice did not quit within 10 s; killing it")
    clean_up()
    soffice.wait()


def watch_parent(parent: int, clean_up: Callable[[], None]) -> None:
    """Kill soffice and exit if the parent dies, even while a conversion hangs."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        clean_up()
        log("parent died; killed soffice")
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def on_signal_kill_soffice(clean_up: Callable[[], None]) -> None:
    """SIGTERM/SIGHUP/SIGINT end soffice with us instead of leaving it behind."""

    def handler(signum: int, _frame: Any) -> None:
        clean_up()
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, handler)


# --- one document -------------------------------------------------------------------------------


def load(desktop: Any, docx: Path) -> Any:
    """The document, opened hidden, read-only, without macros or link updates.

    Read-only: LibreOffice then writes no ``.~lock.*#`` file beside the document,
    and ignores one left by a soffice killed mid-conversion (which would
    otherwise make the retry fail to load).
    """
    if not docx.is_file():
        raise ValueError(f"{docx} does not exist")
    args = [
        prop("Hidden", True),
        prop("ReadOnly", True),
        prop("UpdateDocMode", constant("com.sun.star.document.UpdateDocMode.NO_UPDATE")),
        prop("MacroExecutionMode", constant("com.sun.star.document.MacroExecMode.NEVER_EXECUTE")),
    ]
    import_filter = IMPORT_FILTERS.get(docx.suffix.lower())
    if import_filter:
        args.append(prop("FilterName", import_filter))
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(docx)), "_blank", 0, tuple(args))
    if doc is None:
        raise ValueError(f"LibreOffice could not read {docx.name} as {import_filter or 'a document'}")
    if not doc.supportsService("com.sun.star.text.TextDocument"):
        doc.close(True)
        raise ValueError(f"{docx.name} is not a text document")
    return doc


def update_fields_and_indexes(doc: Any) -> None:
    """Fill tables of contents and fields, as Word would on "Update field".

    Two rounds: a contents that grows moves the pages of everything after it,
    which the page references and the second index update then pick up.
    """
    fields = doc.getTextFields()
    indexes = doc.getDocumentIndexes()
    fields.refresh()
    if indexes.getCount() == 0:
        return
    for _ in range(1):
        for i in range(indexes.getCount()):
            indexes.getByIndex(i).update()
        doc.refresh()
        fields.refresh()


def filter_options(options: Any) -> dict[str, Any]:
    """``PDF_OPTIONS`` with a job's own; ValueError for anything but names with booleans or integers."""
    merged: dict[str, Any] = dict(PDF_OPTIONS)
    for name, value in dict(options).items():
        if not isinstance(name, str) or not name.isalnum() or not isinstance(value, (bool, int)):
            raise ValueError(f"bad export option {name!r}: {value!r}")
        # UNO needs the type: a Python int would travel as a hyper, and LibreOffice wants a long
        merged[name] = value if isinstance(value, bool) else uno.Any("long", value)
    return merged


def export_pdf(doc: Any, pdf: Path, options: dict[str, Any]) -> None:
    """Write the PDF beside its final name, then rename: a killed export leaves no half PDF."""
    part = pdf.with_name(pdf.name + PART_SUFFIX)
    filter_data = uno.Any("[]com.sun.star.beans.PropertyValue", tuple(prop(n, v) for n, v in options.items()))
    doc.storeToURL(
        uno.systemPathToFileUrl(str(part)), (prop("FilterName", "writer_pdf_Export"), prop("FilterData", filter_data))
    )
    os.replace(part, pdf)


def close(doc: Any) -> None:
    try:
        doc.close(True)
    except Exception:  # CloseVetoException and the like: dispose instead
        doc.dispose()


def convert(desktop: Any, docx: Path, pdf: Path, options: dict[str, Any]) -> float:
    """Convert one document; the seconds it took."""
    started = time.monotonic()
    doc = load(desktop, docx)
    try:
        update_fields_and_indexes(doc)
        export_pdf(doc, pdf, options)
    finally:
        close(doc)
    return time.monotonic() - started


def describe(error: BaseException) -> str:
    """A UNO exception's Message, or the Python message, on one line."""
    message = getattr(error, "Message", "") or str(error) or type(error).__name__
    return " ".join(message.split())


def serve(jobs: TextIO, out: TextIO, soffice: subprocess.Popen, desktop: Any) -> None:
    """Convert each job read from ``jobs`` until end of file."""
    for line in jobs:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            docx, pdf = Path(job["docx"]).absolute(), Path(job["pdf"]).absolute()
            options = filter_options(job.get("options", {}))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            send(out, {"ok": False, "error": f"bad job {line.strip()!r}: {error}"})
            continue
        try:
            seconds = convert(desktop, docx, pdf, options)
        except Exception as error:
            if not soffice_alive(soffice, desktop):
                log(f"soffice died while converting {docx.name}: {describe(error)}")
                sys.exit(EXIT_SOFFICE_DIED)
            send(out, {"ok": False, "error": describe(error)})
            continue
        send(out, {"ok": True, "pdf": str(pdf), "seconds": round(seconds, 4)})


def main(argv: list[str] | None = None) -> int:
    """Start soffice, announce readiness, convert jobs from stdin until end of file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", required=True, type=Path, help="LibreOffice profile folder, one per worker")
    parser.add_argument("--soffice", default="soffice", help="the soffice command")
    parser.add_argument("--pipe", help="name of the pipe soffice listens on (default: a new unique name)")
    parser.add_argument("--connect-timeout", type=float, default=20.0, help="seconds to wait for soffice")
    args = parser.parse_args(argv)

    pipe_name = args.pipe or f"binder-{os.getpid()}-{uuid.uuid4().hex[:12]}"

    def clean_up() -> None:
        kill_soffice()
        remove_pipe_files(args.profile, pipe_name)

    out = protocol_output()
    own_process_group()
    on_signal_kill_soffice(clean_up)
    watch_parent(os.getppid(), clean_up)
    started = time.monotonic()
    try:
        soffice = start_soffice(args.soffice, args.profile, pipe_name)
    except OSError as error:
        send(out, {"ready": False, "error": f"cannot run {args.soffice}: {error}"})
        return EXIT_NO_START
    try:
        desktop = connect(soffice, pipe_name, args.connect_timeout)
    except RuntimeError as error:
        send(out, {"ready": False, "error": str(error)})
        shut_down(soffice, None, clean_up)
        return EXIT_NO_START
    send(out, {"ready": True, "seconds": round(time.monotonic() - started, 3)})
    try:
        serve(sys.stdin, out, soffice, desktop)
    finally:
        shut_down(soffice, desktop, clean_up)
    return 0


if __name__ == "__main__":
    sys.exit(main())
