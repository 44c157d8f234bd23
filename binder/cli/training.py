"""Commands about training: ``training`` (the matrix, the default) and ``training record``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from binder.cli.app import FORMAT, WORKBOOK, cli, default_workbook
from binder.console import display_path, plain, print_problems, stderr_console, stdout_console, training_table


class _MatrixByDefault(click.Group):
    """``binder training [WORKBOOK]`` shows the matrix: a first word that is no subcommand is the matrix's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["matrix", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_MatrixByDefault)
def training() -> None:
    """Who was trained on which version of each SOP: `binder training [WORKBOOK]` prints the
    matrix (person x SOP: current, retrain, missing); `binder training record` adds a signed
    training record to the workbook."""


@training.command()
@WORKBOOK
@FORMAT
@click.option("--fail-on-retrain", is_flag=True, help="Exit 1 when anyone must retrain (for schedulers).")
def matrix(workbook: Path | None, fmt: str, fail_on_retrain: bool) -> None:
    """The training matrix of WORKBOOK: for each person and each SOP of the packs they follow (and
    each SOP they were trained on), current, retrain (trained on an older version than the one in
    force) or missing (never trained)."""
    from binder.training.matrix import RETRAIN, training_matrix
    from binder.workbook.load import check_workbook

    path = workbook or default_workbook()
    library, problems = check_workbook(path)
    errors = tuple(p for p in problems if p.is_error)
    cells = training_matrix(library) if library is not None else ()
    source = display_path(path)
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in cells], indent=2, ensure_ascii=False))
    elif cells:
        stdout_console().print(training_table(cells, source))
    else:
        stderr_console().print(plain(f"{source}: no training records: add rows to its Training records sheet"))
    if errors:
        print_problems(errors, source)
        sys.exit(1)
    retrain = sum(c.state == RETRAIN for c in cells)
    if fail_on_retrain and retrain:
        stderr_console().print(f"{retrain} training(s) to repeat on a revised SOP")
        sys.exit(1)


@training.command()
@click.argument("record", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--person", metavar="NAME", help="The trainee (default: the name written on the record).")
@WORKBOOK
def record(record: Path, person: str | None, workbook: Path | None) -> None:
    """Add the signed rows of a filled training record (packs/*-record.xlsx) to WORKBOOK's Training
    records sheet. Only that sheet changes; rows already there are not added again. Refused while
    WORKBOOK is open in Excel or Calc."""
    from binder.training.recording import record_training

    path = workbook or default_workbook()
    if workbook is None and not path.is_relative_to("inputs"):  # never the example inside the installed package
        raise click.UsageError("give WORKBOOK: the workbook whose Training records the record goes into")
    done = record_training(record, path, person)
    console = stderr_console()
    if done.warnings:
        print_problems(done.warnings, display_path(record), console)
    target = display_path(path)
    pack = f' (pack "{done.pack}")' if done.pack else ""
    console.print(
        plain(
            f"{done.person}{pack}: {len(done.added)} row(s) added to {target}, "
            f"{done.already} already there, {done.unsigned} not signed yet"
        )
    )
    if done.no_column:
        console.print(plain(f"{target} has no {', '.join(done.no_column)} column in Training records: not recorded"))
