"""``binder watch``: ``build``, then build again at every save; what each build did, on stderr."""

from __future__ import annotations

import time
from pathlib import Path

from rich.markup import escape

from binder.cli.app import WORKBOOK, cli, default_workbook
from binder.cli.build import build as build_command
from binder.cli.build import build_options
from binder.console import display_path, plain, print_problems, stderr_console
from binder.errors import BinderError, InputError

SHARED = (
    "out",
    "include_drafts",
    "strict",
    "no_style",
    "strict_style",
    "ignore",
    "force",
    "jobs",
    "timeout",
    "wait",
    "allow_unversioned",
    "no_cache",
    "quiet",
)
"""``build``'s options that ``watch`` takes as they are (not --pack, --sign, --converter)."""


@cli.command()
@WORKBOOK
def watch(
    workbook: Path | None,
    out: Path,
    include_drafts: bool,
    strict: bool,
    no_style: bool,
    strict_style: bool,
    ignore: tuple[str, ...],
    force: bool,
    jobs: int | None,
    timeout: float,
    wait: float,
    allow_unversioned: bool,
    no_cache: bool,
    quiet: bool,
) -> None:
    """Build WORKBOOK into OUT, then build again whenever the workbook, or a template or
    picture it uses, is saved, with LibreOffice kept running in between.

    Each build prints its problems and the SOPs it re-issued. A save with errors changes
    nothing: OUT stays as the last successful build left it. Ctrl-C stops (exit 130)."""
    from binder.console import make_progress
    from binder.watch.loop import watch as run_watch

    path = workbook or default_workbook()
    options = build_options(
        out=out,
        include_drafts=include_drafts,
        strict=strict,
        no_style=no_style,
        strict_style=strict_style,
        ignore=ignore,
        force=force,
        jobs=jobs,
        timeout=timeout,
        wait=wait,
        allow_unversioned=allow_unversioned,
        no_cache=no_cache,
    )
    console = stderr_console()
    first = [True]

    def report(outcome) -> None:
        _report(outcome, path, out, console)
        if first[0]:
            first[0] = False
            console.print(
                plain(f"watching {display_path(path)} and the templates and pictures it uses; Ctrl-C to stop")
            )

    def announce(saved) -> None:
        names = ", ".join(display_path(p) for p in sorted(saved))
        console.print(plain(f"[{time.strftime('%H:%M:%S')}] " + (f"{names} saved: building" if names else "building")))

    run_watch(path, options, report, lambda: make_progress(quiet), announce)


watch.params.extend(p for p in build_command.params if p.name in SHARED)


def _report(outcome, workbook: Path, out: Path, console) -> None:
    source = display_path(workbook)
    error = outcome.error
    if isinstance(error, InputError):
        where = display_path(error.source or "")
        print_problems(error.problems, where if where != "." else "", console)
    elif isinstance(error, BinderError):
        hint = f". {error.hint[:1].upper()}{error.hint[1:]}" if error.hint else ""
        console.print(f"[bold red]error:[/] {escape(error.message)}{escape(hint)}", markup=True)
    elif error is not None:
        console.print(f"[bold red]error:[/] {escape(str(error))}", markup=True)
    if error is not None:
        console.print(
            plain(f"not built: {display_path(out)}/ is as the last successful build left it; fix and save again")
        )
        return
    result = outcome.result
    if result.warnings:
        print_problems(result.warnings, source, console)
    reissued = ", ".join(result.converted) or "none (every SOP unchanged)"
    console.print(plain(f"built in {outcome.seconds:.1f} s; SOPs re-issued: {reissued}"))
    for made in result.binders + result.packs:
        if not made.reused:
            console.print(plain(f"  {made.path}: issued {made.issued}, {made.pages} pages, {len(made.sops)} SOPs"))
