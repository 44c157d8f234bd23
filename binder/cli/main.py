"""The entry point: the one place that turns exceptions into messages and exit codes.

Exit codes (``docs/outputs.md``): 0 success, 1 input errors (nothing written), 2 usage error,
3 a tool binder relies on failed (or the disk is full, the folder read-only), 4 a bug,
130/143 interrupted.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

import click
from rich.markup import escape

from binder import interrupts
from binder.cli.app import cli
from binder.console import display_path, print_problems, stderr_console
from binder.errors import BinderError, InputError, Interrupted


def _log_unraisable(unraisable) -> None:
    if unraisable.exc_value is not None:
        _log_unexpected(unraisable.exc_value)


def error_log() -> Path:
    """Where unexpected errors are logged: a folder of this user's (``$XDG_STATE_HOME/binder``), never a shared path."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "binder" / "error.log"


def _log_unexpected(exc: BaseException) -> Path | None:
    log = error_log()
    try:
        log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_NOFOLLOW: a symbolic link planted at the log's place is refused, not followed.
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)  # a log already there (made by hand, or by an older binder) is 0600 too
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return log


_FIXABLE = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENAMETOOLONG: "the file name is too long",
}


def _fixable(exc: OSError) -> str:
    """A message for an OS error a person can fix (disk full, read-only, no permission), else ""."""
    reason = _FIXABLE.get(exc.errno or 0)
    if not reason:
        return ""
    where = f" {exc.filename}" if exc.filename else ""
    return f"cannot write{where}: {reason}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place that turns exceptions into messages and exit codes."""
    console = stderr_console()
    # Ctrl-C and SIGTERM unwind like any error: workers stopped, staging removed, output untouched.
    interrupts.install()
    # Objects a failed library call leaves half-closed (a zip file on a full disk) complain when they are
    # collected; that is not news to the user, who gets one message for the failure itself.
    sys.unraisablehook = _log_unraisable
    args = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in args or "-v" in args[:1]
    try:
        cli.main(args=argv, prog_name="binder", standalone_mode=False)
        interrupts.hold_for_exit()
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        console.print("aborted: nothing was changed")
        sys.exit(130)
    except InputError as exc:
        source = display_path(getattr(exc, "source", "") or "")
        print_problems(exc.problems, source if source != "." else "", console)
        console.print("nothing was written or changed")
        sys.exit(exc.exit_code)
    except Interrupted as exc:
        console.print(exc.message, markup=False)
        sys.exit(exc.exit_code)
    except BinderError as exc:
        hint = f". {exc.hint[:1].upper()}{exc.hint[1:]}" if exc.hint else ""
        console.print(f"[bold red]error:[/] {escape(exc.message)}{escape(hint)}", markup=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console.print("interrupted: nothing was changed")
        sys.exit(130)
    except OSError as exc:
        message = _fixable(exc)
        if not message:
            _unexpected(exc, verbose, console)
        console.print(
            f"[bold red]error:[/] {escape(message)}. Free some space or choose a writable --out, then "
            "try again; the previous output was left as it was",
            markup=True,
        )
        sys.exit(3)
    except Exception as exc:  # a bug: one line here, the traceback in a log
        _unexpected(exc, verbose, console)


def _unexpected(exc: BaseException, verbose: bool, console) -> NoReturn:
    """A bug: one line on screen, the traceback in the user's error log (and on screen with --verbose)."""
    log = _log_unexpected(exc)
    if verbose:
        console.print("".join(traceback.format_exception(exc)), markup=False)
    where = f"traceback in {log}" if log else "the traceback could not be saved"
    console.print(
        f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))} ({escape(where)}; "
        "run with --verbose to print it)",
        markup=True,
    )
    logging.shutdown()
    sys.exit(4)
