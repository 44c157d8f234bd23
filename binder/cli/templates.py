"""``binder check-template``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from binder.cli.app import FORMAT, cli
from binder.console import display_path, plain, print_problems, stderr_console


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
            stderr_console().print(plain(f"{display_path(template)}: no problems"))
    sys.exit(1 if any(p.is_error for p in problems) else 0)
