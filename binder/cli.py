"""The ``binder`` command. It parses arguments, calls the library, and maps errors to exit codes.

Exit codes (``docs/outputs.md``): 0 success, 1 input errors (nothing
written), 2 usage error, 3 a tool binder relies on failed, 130/143 interrupted.
"""
from __future__ import annotations

import json
import logging
import errno
import os
import sys
import traceback
from datetime import date
from pathlib import Path
from typing import NoReturn

import click
from rich.markup import escape

from binder import __version__, interrupts
from binder.console import display_path, print_problems, stderr_console, stdout_console
from binder.errors import BinderError, InputError, Interrupted

REPO = Path(__file__).resolve().parent.parent


def default_workbook() -> Path:
    """The example shipped in ``inputs/``: the one below the current folder, else the repository's."""
    here = Path("inputs") / "example.xlsx"
    return here if here.exists() else REPO / "inputs" / "example.xlsx"


WORKBOOK = click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False), required=False)
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="text for people, json for other tools.")


def SIGN_OPTIONS(command):
    """The options that say how to sign, shared by ``sign`` and ``build --sign``."""
    for option in reversed([
        click.option("--key", type=click.Path(path_type=Path, dir_okay=False), help="PKCS#12 file (.p12/.pfx) "
                     "with the signing key and certificate. Passphrase: $BINDER_KEY_PASSPHRASE or a prompt."),
        click.option("--reason", help="Reason shown in the signature [default: Settings 'Signature reason', "
                     "else 'Issued as controlled copy']."),
        click.option("--location", help="Where it was signed [default: Settings 'Signature location']."),
        click.option("--contact", help="Signer contact [default: Settings 'Signature contact']."),
        click.option("--timestamp-url", metavar="URL", help="RFC 3161 timestamp server (PAdES B-T). Off by default."),
    ]):
        command = option(command)
    return command


def _signing(key: Path | None, reason, location, contact, timestamp_url):
    """Signing settings for the library; the passphrase is read here, never from an argument."""
    from binder.signing.sign import load_signer, read_passphrase
    from binder.signing.options import Signing

    if key is None:
        raise click.UsageError("--sign needs --key KEY.p12")
    passphrase = read_passphrase(prompt=True)
    load_signer(key, passphrase)  # fail now, before anything is built, on a wrong passphrase or bad key
    return Signing(key=key, passphrase=passphrase, reason=reason, location=location, contact=contact,
                   timestamp_url=timestamp_url)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="binder")
@click.option("--verbose", "-v", is_flag=True, help="Show the full traceback of unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Build Standard Operating Procedures from an Excel workbook: Word and PDF SOPs,
    bookmarked department binders, training packs, all listed in manifest.json.

    WORKBOOK defaults to the example shipped in inputs/. Run `binder init` for a blank one.
    """
    ctx.obj = {"verbose": verbose}


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("sops.xlsx"), required=False)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write a blank workbook (default sops.xlsx) with every sheet, dropdowns,
    header notes, an Instructions sheet and one worked example row per sheet."""
    from binder.workbook.blank import init_workbook

    written = init_workbook(path, force=force)
    stderr_console().print(f"wrote {display_path(written)}: fill it in, then run `binder validate {display_path(written)}`")


IGNORE = click.option("--ignore", "ignore", metavar="CODE,...", multiple=True,
                      help="Do not report warnings with these codes (docs/workbook.md lists them); repeatable.")


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


@cli.command()
@WORKBOOK
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@IGNORE
@click.option("--include-drafts", is_flag=True, help="Allow Draft and In-review SOPs in training packs.")
@FORMAT
def validate(workbook: Path | None, strict: bool, ignore: tuple[str, ...], include_drafts: bool, fmt: str) -> None:
    """Report every problem in WORKBOOK, with its sheet and cell. Writes nothing.

    Exits 1 when there is any error (with --strict: any warning)."""
    from binder.problems import select, to_json
    from binder.workbook.load import check_workbook

    path = workbook or default_workbook()
    _, found = check_workbook(path, include_drafts=include_drafts)
    problems = select(found, ignore=_codes(ignore), strict=strict)
    source = display_path(path)
    if fmt == "json":
        click.echo(to_json(problems, source))
    else:
        print_problems(problems, source)
        if not any(p.is_error for p in problems):
            stderr_console().print(f"{source}: no errors")
    if any(p.is_error for p in problems):
        sys.exit(1)


@cli.command()
@WORKBOOK
@click.option("--due-within", type=click.IntRange(min=0), metavar="DAYS",
              help="List only SOPs whose review is due within DAYS days (or overdue).")
@click.option("--fail-on-overdue", is_flag=True, help="Exit 1 when any Approved SOP is overdue for review.")
@FORMAT
def status(workbook: Path | None, due_within: int | None, fail_on_overdue: bool, fmt: str) -> None:
    """Table of SOPs: status, version, effective date, next review date, overdue mark."""
    from binder.workbook.load import check_workbook
    from binder.workbook.status import status_rows, status_table

    path = workbook or default_workbook()
    library, problems = check_workbook(path)
    errors = tuple(p for p in problems if p.is_error)
    rows = status_rows(library, date.today(), due_within)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        stdout_console().print(status_table(rows, display_path(path)))
    if errors:
        print_problems(errors, display_path(path))
        sys.exit(1)
    if fail_on_overdue and any(r["overdue"] for r in rows):
        stderr_console().print(f"{sum(r['overdue'] for r in rows)} Approved SOP(s) overdue for review")
        sys.exit(1)


@cli.command()
@WORKBOOK
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("output"), show_default=True,
              help="Output folder. binder changes only the files it wrote there, and only when the build succeeds.")
@click.option("--include-drafts", is_flag=True, help="Put Draft and In-review SOPs in binders and packs (watermarked DRAFT).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@IGNORE
@click.option("--force", is_flag=True, help="Build into a folder that holds files binder did not write, or past a "
              "manifest.json that cannot be trusted (change control then starts afresh).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="LibreOffice processes in parallel [default: CPUs].")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=180, show_default=True,
              help="Seconds one document may take to convert before LibreOffice is restarted.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Seconds to wait for another build writing the same output folder.")
@click.option("--allow-unversioned", is_flag=True,
              help="Allow SOPs whose content changed since the last build to keep their Version (while drafting).")
@click.option("--pack", metavar="NAME", help="Build only this training pack and its SOPs; keep the rest of OUT.")
@click.option("--converter", "converters", multiple=True, metavar="unoserver://HOST:PORT", envvar="BINDER_CONVERTERS",
              help="Convert on running unoserver instances instead of local LibreOffice (repeatable; or "
                   "$BINDER_CONVERTERS, space-separated).")
@click.option("--no-cache", is_flag=True, help="Render and convert every SOP again, ignoring OUT/.cache.")
@click.option("--sign", "sign_outputs", is_flag=True, help="Sign every binder and pack (PAdES) with --key.")
@SIGN_OPTIONS
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def build(workbook: Path | None, out: Path, include_drafts: bool, strict: bool, ignore: tuple[str, ...], force: bool,
          jobs: int | None, timeout: float,
          wait: float, allow_unversioned: bool, pack: str | None, converters: tuple[str, ...], no_cache: bool, sign_outputs: bool, key: Path | None,
          reason: str | None, location: str | None, contact: str | None, timestamp_url: str | None,
          quiet: bool) -> None:
    """Validate WORKBOOK, then write Word and PDF SOPs, one bookmarked PDF binder per
    department, the training packs and manifest.json into OUT.

    With any error nothing is written or changed: the build happens in a staging
    folder that replaces OUT only when everything succeeded."""
    import os

    from binder.build import BuildOptions, build as run_build
    from binder.console import make_progress

    path = workbook or default_workbook()
    signing = _signing(key, reason, location, contact, timestamp_url) if sign_outputs else None
    if key is not None and not sign_outputs:
        raise click.UsageError("--key is used with --sign")
    options = BuildOptions(out=out, include_drafts=include_drafts, strict=strict, ignore=_codes(ignore), force=force,
                           jobs=jobs or os.cpu_count() or 1,
                           timeout=timeout, wait=wait, allow_unversioned=allow_unversioned, pack=pack,
                           signing=signing, use_cache=not no_cache, converters=converters)
    progress = make_progress(quiet)
    try:
        result = run_build(path, options, progress)
    finally:
        progress.close()
    console = stderr_console()
    if result.warnings:
        print_problems(result.warnings, display_path(path), console)
    if not quiet:
        reused = len(result.documents) - len(result.converted)
        cached = f" ({reused} unchanged, from the cache)" if reused else ""
        console.print(f"built {len(result.documents)} SOPs{cached}, "
                      f"{len(result.binders)} binder(s) and {len(result.packs)} training pack(s) into "
                      f"{display_path(out)}/ (listed in {display_path(out)}/manifest.json)")
        for made in result.binders + result.packs:
            console.print(f"  {made.path}: {made.pages} pages, {len(made.sops)} SOPs")


@cli.command()
@WORKBOOK
@click.option("--include-drafts", is_flag=True, help="Allow Draft and In-review SOPs in packs.")
@FORMAT
def packs(workbook: Path | None, include_drafts: bool, fmt: str) -> None:
    """List the training packs with their SOPs and versions."""
    from rich.table import Table

    from binder.workbook.load import load_workbook

    library = load_workbook(workbook or default_workbook(), include_drafts=include_drafts).library
    rows = [{"pack": p.name, "sops": [{"sop_id": e.sop_id, "title": library.sop(e.sop_id).title,
                                       "version": library.sop(e.sop_id).version,
                                       "status": library.sop(e.sop_id).status} for e in p.entries]}
            for p in library.packs]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        table = Table(title=f"{row['pack']} ({len(row['sops'])} SOPs)", title_justify="left")
        for header in ("SOP ID", "Title", "Version", "Status"):
            table.add_column(header)
        for sop in row["sops"]:
            table.add_row(sop["sop_id"], sop["title"], sop["version"], sop["status"])
        stdout_console().print(table)
    if not rows:
        stderr_console().print("no training packs: add rows to the Training sheet")


@cli.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@SIGN_OPTIONS
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Signed copy to write [default: NAME.signed.pdf beside PDF]. The unsigned file is never changed.")
def sign(pdf: Path, key: Path | None, reason: str | None, location: str | None, contact: str | None,
         timestamp_url: str | None, out: Path | None) -> None:
    """Add a PAdES digital signature to PDF (a binder or pack), with a visible block on page 1
    showing signer, date and reason. The passphrase comes from $BINDER_KEY_PASSPHRASE or a
    prompt, never from an argument."""
    from binder.signing.sign import SignOptions, default_output, sign_pdf

    signing = _signing(key, reason, location, contact, timestamp_url)
    target = out or default_output(pdf)
    sign_pdf(pdf, signing.key, signing.passphrase, target, signing.options(SignOptions()))
    stderr_console().print(f"signed {display_path(target)}")


@cli.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--trust", type=click.Path(path_type=Path, dir_okay=False), multiple=True,
              help="CA certificate (PEM or DER) to trust; repeat for several. Nothing else is trusted.")
@FORMAT
def verify(pdf: Path, trust: tuple[Path, ...], fmt: str) -> None:
    """Report who signed PDF, when and why, whether it is intact, whether the signer is
    trusted, and whether anything was added after signing. Exits 0 only when every
    signature is intact and trusted."""
    from binder.signing.verify import report_json, report_text, verify_pdf

    report = verify_pdf(pdf, trust)
    click.echo(report_json(report) if fmt == "json" else report_text(report))
    sys.exit(0 if report.ok else 1)


@cli.command("check-template")
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False))
@FORMAT
def check_template_command(template: Path, fmt: str) -> None:
    """Report unknown variables and template syntax errors in an SOP TEMPLATE (.docx),
    each with the paragraph it is in. Exits 1 when there is any error.
    docs/templates.md lists every variable a template can use."""
    from binder.document.check_template import check_template
    from binder.problems import to_json

    problems = check_template(template)
    if fmt == "json":
        click.echo(to_json(problems, display_path(template)))
    else:
        print_problems(problems, display_path(template))
        if not problems:
            stderr_console().print(f"{display_path(template)}: no problems")
    sys.exit(1 if any(p.is_error for p in problems) else 0)


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
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return log


_FIXABLE = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "operation not permitted", errno.ENAMETOOLONG: "the file name is too long"}


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
    verbose = "--verbose" in (argv or sys.argv) or "-v" in (argv or sys.argv)[1:2]
    try:
        cli.main(args=argv, prog_name="binder", standalone_mode=False)
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
        console.print(f"[bold red]error:[/] {escape(message)}. Free some space or choose a writable --out, then "
                      "try again; the previous output was left as it was", markup=True)
        sys.exit(3)
    except Exception as exc:  # a bug: one line here, the traceback in a log
        _unexpected(exc, verbose, console)


def _unexpected(exc: BaseException, verbose: bool, console) -> NoReturn:
    """A bug: one line on screen, the traceback in the user's error log (and on screen with --verbose)."""
    log = _log_unexpected(exc)
    if verbose:
        console.print("".join(traceback.format_exception(exc)), markup=False)
    where = f"traceback in {log}" if log else "the traceback could not be saved"
    console.print(f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))} ({where}; "
                  "run with --verbose to print it)", markup=True)
    logging.shutdown()
    sys.exit(4)
