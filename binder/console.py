"""Terminal output: problems compiler-style, tables, progress. The library stages never print."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from binder.problems import Problem

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


def interactive() -> bool:
    return sys.stderr.isatty()


class NullProgress:
    """Progress that shows nothing (``--quiet``, not a terminal, tests)."""

    def stage(self, name: str, total: int):
        return lambda *_: None

    def done(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    """One progress bar per build stage, on stderr."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=stderr_console(), transient=False)
        self._progress.start()

    def stage(self, name: str, total: int):
        task = self._progress.add_task(name, total=total)
        return lambda *_: self._progress.advance(task)

    def done(self, message: str) -> None:
        self._progress.console.print(message)

    def close(self) -> None:
        self._progress.stop()


def make_progress(quiet: bool):
    return RichProgress() if not quiet and interactive() else NullProgress()
