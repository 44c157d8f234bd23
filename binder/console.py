"""Terminal output: problems compiler-style, tables, progress. The library stages never print."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from binder.problems import Problem
from binder.text import clean

_STYLE = {"error": "bold red", "warning": "yellow"}


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    """Tables on stdout; wide enough to stay readable when piped to a file or a pager."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def display_path(path: Path | str) -> str:
    """``path`` relative to the current folder when it is below it, as authors typed it."""
    path = Path(path)
    try:
        # abspath, not resolve: a workbook reached through a symbolic link keeps the name the user typed.
        absolute, here = Path(os.path.abspath(path)), Path(os.path.abspath(Path.cwd()))
        return os.path.relpath(absolute, here) if absolute.is_relative_to(here) else str(path)
    except (OSError, ValueError):
        return str(path)


def print_problems(problems: tuple[Problem, ...], source: str, console: Console | None = None) -> None:
    """One line per problem, ``source:Sheet!C7: error: message. What to do.``, then a count."""
    console = console or stderr_console()
    for problem in problems:
        line = escape(problem.format(source))
        label = f"{problem.severity}:"
        console.print(line.replace(label, f"[{_STYLE[problem.severity]}]{label}[/]", 1))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if problems:
        console.print(f"{errors} error(s), {warnings} warning(s)")


def plain(value: object) -> Text:
    """Workbook text for the terminal: printed as typed, never read as rich markup (``[/]``, ``[link=...]``)."""
    return Text("" if value is None else str(value))


def pack_table(pack: dict) -> Table:
    """One training pack: its SOPs with versions and status."""
    table = Table(title=plain(f"{pack['pack']} ({len(pack['sops'])} SOPs)"), title_justify="left")
    for header in ("SOP ID", "Title", "Version", "Status"):
        table.add_column(header)
    for sop in pack["sops"]:
        table.add_row(*(plain(sop[key]) for key in ("sop_id", "title", "version", "status")))
    return table


def status_table(rows: list[dict], source: str, title: str = "") -> Table:
    """The SOPs with status, dates and an OVERDUE or due-soon mark."""
    table = Table(title=plain(title or f"SOPs in {source}"), title_justify="left")
    for header in ("SOP ID", "Title", "Dept", "Status", "Version", "Effective", "Next review", ""):
        table.add_column(header, no_wrap=header in ("SOP ID", "Effective", "Next review"))
    for row in rows:
        mark = Text("OVERDUE", style="bold red") if row["overdue"] else Text("")
        if (
            not row["overdue"]
            and row["days_left"] is not None
            and row["status"] == "Approved"
            and row["days_left"] <= 30
        ):
            mark = Text(f"due in {row['days_left']} d", style="yellow")
        table.add_row(
            *(
                plain(row[key])
                for key in ("sop_id", "title", "department", "status", "version", "effective_date", "next_review")
            ),
            mark,
        )
    return table


_TRAINING_STYLE = {"current": "green", "retrain": "bold red", "missing": "yellow"}


def training_table(cells, source: str) -> Table:
    """The training matrix: a row per person, a column per SOP; each cell its state (and the version signed)."""
    sops = list(dict.fromkeys(c.sop_id for c in cells))
    people = list(dict.fromkeys(c.person for c in cells))
    table = Table(title=plain(f"Training in {source}"), title_justify="left")
    table.add_column("Person")
    for sop_id in sops:
        table.add_column(plain(sop_id), no_wrap=True)
    found = {(c.person, c.sop_id): c for c in cells}
    for person in people:
        row: list[Text] = [plain(person)]
        for sop_id in sops:
            cell = found.get((person, sop_id))
            if cell is None:
                row.append(Text(""))
                continue
            shown = cell.state if cell.state != "retrain" else f"retrain {cell.trained_version}→{cell.current_version}"
            row.append(Text(shown, style=_TRAINING_STYLE.get(cell.state, "")))
        table.add_row(*row)
    return table


def owner_tables(found: dict | list, source: str) -> list[Table | Text]:
    """``binder status --owner`` (a dict) or ``--by-owner`` (a list of groups) as tables."""
    if isinstance(found, list):
        return [status_table(g["sops"], source, f"{g['owner']}: {len(g['sops'])} SOP(s)") for g in found]
    person = found["person"]
    if not (found["sops"] or found["departments"] or found["approvals"]):
        return [plain(f"{person} owns no SOP, department or approval in {source}")]
    shown: list[Table | Text] = []
    if found["sops"]:
        shown.append(status_table(found["sops"], source, f"SOPs owned by {person}"))
    if found["departments"]:
        table = Table(title=plain(f"Departments owned by {person}"), title_justify="left")
        for header in ("Code", "Name", "SOPs"):
            table.add_column(header)
        for d in found["departments"]:
            table.add_row(plain(d["code"]), plain(d["name"]), str(d["sops"]))
        shown.append(table)
    if found["approvals"]:
        table = Table(title=plain(f"Approvals by {person} in force"), title_justify="left")
        for header in ("SOP ID", "Title", "Version", "Role", "Date", "Next review"):
            table.add_column(header, no_wrap=header in ("SOP ID", "Date", "Next review"))
        for a in found["approvals"]:
            table.add_row(*(plain(a[k]) for k in ("sop_id", "title", "version", "role", "date", "next_review")))
        shown.append(table)
    return shown


def interactive() -> bool:
    return sys.stderr.isatty()


class NullProgress:
    """Progress that shows nothing (``--quiet``, not a terminal, tests); warnings still go to stderr."""

    def stage(self, name: str, total: int):
        return lambda *_: None

    def done(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        """Something about how the build runs, not about the workbook (say, LibreOffice is not the shared one)."""
        stderr_console().print(_warning(message))

    def close(self) -> None:
        pass


class RichProgress:
    """One progress bar per build stage, on stderr."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=False,
        )
        self._progress.start()

    def stage(self, name: str, total: int):
        task = self._progress.add_task(name, total=total)
        return lambda *_: self._progress.advance(task)

    def done(self, message: str) -> None:
        self._progress.console.print(message)

    def warn(self, message: str) -> None:
        # through the live display's console: a line written to stderr beside it would tear the bars
        self._progress.console.print(_warning(message))

    def close(self) -> None:
        self._progress.stop()


def _warning(message: str) -> Text:
    """One line, as given: never read as markup, and no control character reaches the terminal (an error's text
    may quote a file name)."""
    return Text.assemble(("warning: ", "yellow"), " ".join(clean(message).split()))


def make_progress(quiet: bool):
    return RichProgress() if not quiet and interactive() else NullProgress()
