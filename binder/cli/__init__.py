"""The ``binder`` command line: it parses arguments, calls the library and maps errors to exit codes.

The only package that imports click (and, with ``binder.console``, rich): ``app`` holds the
command group and shared options, one module per group of commands registers them, and
``main`` turns every exception into a message and an exit status. May import every stage.
"""

from binder.cli import build, converters, diff, signing, templates, training, watch, workbook  # noqa: F401 - registers the commands
from binder.cli.app import cli, default_workbook
from binder.cli.main import error_log, main
from binder.cli.signing import read_passphrase

__all__ = ["cli", "default_workbook", "error_log", "main", "read_passphrase"]
