"""``binder build``."""

from __future__ import annotations

from pathlib import Path

import click

from binder.cli.app import IGNORE, WORKBOOK, _codes, cli, default_workbook, style_options
from binder.cli.signing import SIGN_OPTIONS, _signing
from binder.console import display_path, plain, print_problems, stderr_console


@cli.command()
@WORKBOOK
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output"),
    show_default=True,
    help="Output folder. binder changes only the files it wrote there, and only when the build succeeds.",
)
@click.option(
    "--include-drafts", is_flag=True, help="Put Draft and In-review SOPs in binders and packs (watermarked DRAFT)."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors (not the writing checks': --strict-style).")
@style_options
@IGNORE
@click.option(
    "--force",
    is_flag=True,
    help="Build into a folder that holds files binder did not write, or past a "
    "manifest.json that cannot be trusted (change control then starts afresh).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="LibreOffice processes in parallel [default: CPUs + 1]; the converter daemon always runs CPUs + 1.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=180,
    show_default=True,
    help="Seconds one document may take to convert before LibreOffice is restarted.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another build writing the same output folder.",
)
@click.option(
    "--allow-unversioned",
    is_flag=True,
    help="Allow SOPs whose content changed since the last build to keep their Version (while drafting).",
)
@click.option("--pack", metavar="NAME", help="Build only this training pack and its SOPs; keep the rest of OUT.")
@click.option(
    "--converter",
    "converters",
    multiple=True,
    metavar="unoserver://HOST:PORT",
    envvar="BINDER_CONVERTERS",
    help="Convert on running unoserver instances instead of local LibreOffice (repeatable; or "
    "$BINDER_CONVERTERS, space-separated).",
)
@click.option(
    "--no-daemon",
    is_flag=True,
    envvar="BINDER_NO_DAEMON",
    help="Start and stop LibreOffice for this build only, in this process, instead of using (and starting) the "
    "warm converter daemon and build host shared by your builds ($BINDER_NO_DAEMON=1).",
)
@click.option("--no-cache", is_flag=True, help="Render and convert every SOP again, ignoring OUT/.cache.")
@click.option("--sign", "sign_outputs", is_flag=True, help="Sign every binder and pack (PAdES) with --key.")
@SIGN_OPTIONS
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def build(
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
    pack: str | None,
    converters: tuple[str, ...],
    no_daemon: bool,
    no_cache: bool,
    sign_outputs: bool,
    key: Path | None,
    reason: str | None,
    location: str | None,
    contact: str | None,
    timestamp_url: str | None,
    quiet: bool,
) -> None:
    """Validate WORKBOOK, then write Word and PDF SOPs, one bookmarked PDF binder per
    department, the training packs and manifest.json into OUT.

    With any error nothing is written or changed: the build happens in a staging
    folder that replaces OUT only when everything succeeded."""
    from binder.build import build as run_build
    from binder.console import make_progress

    path = workbook or default_workbook()
    signing = _signing(key, reason, location, contact, timestamp_url) if sign_outputs else None
    if key is not None and not sign_outputs:
        raise click.UsageError("--key is used with --sign")
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
        pack=pack,
        signing=signing,
        converters=converters,
        daemon=not no_daemon,
    )
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
        console.print(
            plain(
                f"built {len(result.documents)} SOPs{cached}, "
                f"{len(result.binders)} binder(s) and {len(result.packs)} training pack(s) into "
                f"{display_path(out)}/ (listed in {display_path(out)}/manifest.json)"
            )
        )
        for made in result.binders + result.packs:
            state = f"unchanged: issue of {made.issued} kept" if made.reused else f"issued {made.issued}"
            signed = ", signed" if made.signed else ""
            console.print(plain(f"  {made.path}: {made.pages} pages, {len(made.sops)} SOPs ({state}{signed})"))


def build_options(
    *,
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
    **only_build,
):
    """``BuildOptions`` from the command line options ``build`` and ``watch`` share (``only_build``: the rest)."""
    from binder.convert.pool import default_workers
    from binder.options import BuildOptions

    return BuildOptions(
        out=out,
        include_drafts=include_drafts,
        strict=strict,
        style=not no_style,
        strict_style=strict_style,
        ignore=_codes(ignore),
        force=force,
        jobs=jobs or default_workers(),
        timeout=timeout,
        wait=wait,
        allow_unversioned=allow_unversioned,
        use_cache=not no_cache,
        **only_build,
    )
