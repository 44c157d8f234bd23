"""The ``binder`` command group and what its commands share: the workbook argument, --format, --ignore."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from binder import __version__


def default_workbook() -> Path:
    """``inputs/example.xlsx`` below the current folder when there is one, else the example shipped in the package."""
    here = Path("inputs") / "example.xlsx"
    return here if here.exists() else Path(str(files("binder.examples") / "example.xlsx"))


WORKBOOK = click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False), required=False)
FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for other tools.",
)
IGNORE = click.option(
    "--ignore",
    "ignore",
    metavar="CODE,...",
    multiple=True,
    help="Do not report warnings with these codes (docs/workbook.md lists them); repeatable.",
)


STYLE_OPTIONS = (
    click.option(
        "--no-style", is_flag=True, help="Skip the writing checks (docs/writing-checks.md): verb-first, readability ..."
    ),
    click.option(
        "--strict-style", is_flag=True, help="Treat the writing checks' warnings as errors (--strict does not)."
    ),
)


def style_options(command):
    """``--no-style`` and ``--strict-style``, shared by ``validate`` and ``build``."""
    for option in reversed(STYLE_OPTIONS):
        command = option(command)
    return command


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


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
