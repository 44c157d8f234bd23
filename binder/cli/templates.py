"""``binder check-template``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from binder.cli.app import FORMAT, cli
from binder.console import display_path, plain, print_problems, stderr_console


@cli.command("check-template")
@click.argument("template", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["sop", "front", "pack", "acknowledgement"]),
    help="What the template makes: an SOP, a binder's front matter (Settings Front template), a training "
    "pack's cover and contents, or its acknowledgement sheet. Default: told by the variables it uses.",
)
@FORMAT
def check_template_command(template: Path, kind: str | None, fmt: str) -> None:
    """Report unknown variables and template syntax errors in a TEMPLATE (.docx), an SOP template
    or a front-matter one, each with the paragraph it is in. Exits 1 when there is any error.
    docs/templates.md lists every variable a template can use."""
    from binder.document.check_template import check_template_as
    from binder.document.front_context import KIND_NAMES
    from binder.problems import to_json

    checked, problems = check_template_as(template, kind=kind)
    if fmt == "json":
        click.echo(to_json(problems, display_path(template)))
    else:
        print_problems(problems, display_path(template))
        if not problems:
            stderr_console().print(plain(f"{display_path(template)}: no problems; checked as {KIND_NAMES[checked]}"))
    sys.exit(1 if any(p.is_error for p in problems) else 0)
