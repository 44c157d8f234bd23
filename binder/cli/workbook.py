"""Commands about the workbook: ``init``, ``validate``, ``status``, ``packs``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from binder.cli.app import FORMAT, IGNORE, WORKBOOK, _codes, cli, default_workbook, style_options
from binder.console import (
    display_path,
    owner_tables,
    pack_table,
    plain,
    print_problems,
    status_table,
    stderr_console,
    stdout_console,
)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=Path("sops.xlsx"), required=False)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: Path, force: bool) -> None:
    """Write a blank workbook (default sops.xlsx) with every sheet, dropdowns,
    header notes, an Instructions sheet and one worked example row per sheet."""
    from binder.workbook.blank import init_workbook

    written = init_workbook(path, force=force)
    stderr_console().print(
        plain(f"wrote {display_path(written)}: fill it in, then run `binder validate {display_path(written)}`")
    )


@cli.command()
@WORKBOOK
@click.option("--strict", is_flag=True, help="Treat warnings as errors (not the writing checks': --strict-style).")
@style_options
@IGNORE
@click.option("--include-drafts", is_flag=True, help="Allow Draft and In-review SOPs in training packs.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output"),
    show_default=True,
    help="Output folder whose manifest change control compares against (as build would).",
)
@click.option("--allow-unversioned", is_flag=True, help="Skip change control, as build --allow-unversioned does.")
@FORMAT
def validate(
    workbook: Path | None,
    strict: bool,
    no_style: bool,
    strict_style: bool,
    ignore: tuple[str, ...],
    include_drafts: bool,
    out: Path,
    allow_unversioned: bool,
    fmt: str,
) -> None:
    """Report every problem build would refuse WORKBOOK for, with its sheet and cell: the workbook,
    every template it uses, and change control against OUT's manifest. Writes nothing.

    Exits 1 when there is any error (with --strict: any warning but the writing checks'; with
    --strict-style: any of theirs)."""
    from binder.options import BuildOptions
    from binder.preflight import preflight
    from binder.problems import to_json

    path = workbook or default_workbook()
    options = BuildOptions(
        out=out,
        include_drafts=include_drafts,
        strict=strict,
        style=not no_style,
        strict_style=strict_style,
        ignore=_codes(ignore),
        allow_unversioned=allow_unversioned,
    )
    _, problems = preflight(path, options)
    source = display_path(path)
    if fmt == "json":
        click.echo(to_json(problems, source))
    else:
        print_problems(problems, source)
        if not any(p.is_error for p in problems):
            stderr_console().print(plain(f"{source}: no errors"))
    if any(p.is_error for p in problems):
        sys.exit(1)


@cli.command()
@WORKBOOK
@click.option(
    "--due-within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="List only SOPs whose review is due within DAYS days (or overdue).",
)
@click.option("--fail-on-overdue", is_flag=True, help="Exit 1 when any Approved SOP is overdue for review.")
@click.option("--owner", metavar="NAME", help="What NAME owns: SOPs, departments, approvals still in force.")
@click.option("--by-owner", is_flag=True, help="Every SOP grouped by its owner (to hand a leaver's SOPs over).")
@FORMAT
def status(
    workbook: Path | None, due_within: int | None, fail_on_overdue: bool, owner: str | None, by_owner: bool, fmt: str
) -> None:
    """Table of SOPs: status, version, effective date, next review date, overdue mark."""
    from binder.training.matrix import retrain_counts
    from binder.workbook.load import check_workbook
    from binder.workbook.status import status_rows

    if owner is not None and by_owner:
        raise click.UsageError("give either --owner NAME or --by-owner, not both")
    path = workbook or default_workbook()
    library, problems = check_workbook(path)
    errors = tuple(p for p in problems if p.is_error)
    rows = status_rows(library, date.today(), due_within)
    retrain = retrain_counts(library) if library is not None else {}
    for row in rows:  # how many people must retrain on each revised SOP (binder training lists them)
        row["retrain"] = retrain.get(row["sop_id"], 0)
    if owner is not None or by_owner:
        _ownership(library, owner, fmt, display_path(path))
    elif fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        stdout_console().print(status_table(rows, display_path(path)))
        for row in rows:
            if row["retrain"]:
                stdout_console().print(
                    plain(
                        f"{row['sop_id']} {row['version']}: {row['retrain']} person(s) trained on an older "
                        "version must retrain (binder training lists them)"
                    )
                )
    if errors:
        print_problems(errors, display_path(path))
        sys.exit(1)
    if fail_on_overdue and any(r["overdue"] for r in rows):
        stderr_console().print(f"{sum(r['overdue'] for r in rows)} Approved SOP(s) overdue for review")
        sys.exit(1)


def _ownership(library, owner: str | None, fmt: str, source: str) -> None:
    from binder.workbook.ownership import by_owner, owned_by

    today = date.today()
    found: dict | list
    if library is None:  # the workbook has errors: they are printed after this
        found = {"person": owner, "sops": [], "departments": [], "approvals": []} if owner is not None else []
    else:
        found = owned_by(library, owner, today) if owner is not None else by_owner(library, today)
    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        for table in owner_tables(found, source):
            stdout_console().print(table)


@cli.command()
@WORKBOOK
@click.option("--include-drafts", is_flag=True, help="Allow Draft and In-review SOPs in packs.")
@FORMAT
def packs(workbook: Path | None, include_drafts: bool, fmt: str) -> None:
    """List the training packs with their SOPs and versions."""
    from binder.workbook.load import load_workbook

    library = load_workbook(workbook or default_workbook(), include_drafts=include_drafts).library
    rows = [
        {
            "pack": p.name,
            "sops": [
                {
                    "sop_id": e.sop_id,
                    "title": library.sop(e.sop_id).title,
                    "version": library.sop(e.sop_id).version,
                    "status": library.sop(e.sop_id).status,
                }
                for e in p.entries
            ],
        }
        for p in library.packs
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        stdout_console().print(pack_table(row))
    if not rows:
        stderr_console().print("no training packs: add rows to the Training sheet")
