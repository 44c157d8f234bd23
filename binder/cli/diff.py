"""``binder diff OLD NEW``: what changed in the SOPs between two workbooks or output folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.text import Text

from binder.cli.app import FORMAT, cli
from binder.console import display_path, plain, stderr_console, stdout_console

STYLES = {"ins": "green underline", "del": "red strike", "label": "bold"}
"""Insertions green and underlined, deletions red and struck through: told apart without colour too."""
JSON_FORMAT = 1


@cli.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@FORMAT
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences (like git diff --exit-code).")
def diff_command(old: Path, new: Path, fmt: str, exit_code: bool) -> None:
    """What changed in the SOPs from OLD to NEW: SOPs added, removed and revised, and in each revised
    one the steps added, removed and reworded and the text edits, word by word (insertions green and
    underlined, deletions red and struck through). OLD and NEW are each a workbook (.xlsx) or an
    output folder of `binder build` (the content it recorded in content/). Exits 0 whether or not
    anything changed, unless --exit-code."""
    from binder.redline.content import contents_of
    from binder.redline.diff import as_json, diff_contents

    diffs = diff_contents(contents_of(old), contents_of(new))
    if fmt == "json":
        data = {"format": JSON_FORMAT, "old": display_path(old), "new": display_path(new), "sops": as_json(diffs)}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif diffs:
        console = stdout_console()
        for text in redline_texts(diffs):
            console.print(text)
    else:
        stderr_console().print(plain(f"no differences between {display_path(old)} and {display_path(new)}"))
    if exit_code and diffs:
        sys.exit(1)


def redline_texts(diffs) -> list[Text]:
    """Lines for the terminal; workbook text is appended as plain text, never read as markup."""
    from binder.document.labels import labels_for
    from binder.redline.lines import change_line

    labels = labels_for("en")
    lines: list[Text] = []
    for d in diffs:
        versions = f"{d.old_version or '—'} → {d.new_version or '—'}"
        head = Text()
        head.append(d.sop_id, "bold")
        head.append(f" {d.title}  ")
        head.append(f"{versions} ({d.kind})", {"added": "green", "removed": "red"}.get(d.kind, "cyan"))
        lines.append(head)
        if d.kind == "revised" and not d.changes:
            lines.append(Text("  " + labels["redline_same_content"]))
        for change in d.changes:
            line = Text("  ")
            for piece, look in change_line(change, labels):
                line.append(piece, STYLES.get(look, ""))
            lines.append(line)
    return lines
