"""Rows read before: what the last reading made of each row, by the row's XML, so that reading a workbook saved
again after an edit makes anew only the rows the edit touched.

A row's cells (``RawRow``) and the problems they hold follow from its number, its XML as parsed with the text of
each shared string it uses (``SheetRow.key``), the sheet's name, place in the contract and header columns, and
the workbook's date styles and epoch (``SheetStream.context``); the recall is keyed by all of them, so a row it
gives is the row reading would make.
It holds the rows of the last reading only (a workbook's worth), and a reading that failed leaves it as it was.

A process that reads once gains nothing and pays a serialisation of each row (a few milliseconds for 200 SOPs);
``binder watch`` reads again in the same process, and the build host reads the workbook a build read once the
build is over, so that the next build, its fork, starts with the rows (``binder.host``). Imports nothing of
binder's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Context = tuple[Any, ...]
"""A sheet's reading: its name, its place in the contract, its header's columns, and the workbook's date styles,
epoch and whether it has shared strings at all (``SheetStream.context``)."""
Key = tuple[int, bytes]
"""A row's number and its XML as parsed, with the text of each shared string it uses (``SheetRow.key``)."""
Recalled = tuple[Any, tuple[Any, ...]]
"""What reading made of one row: its ``RawRow`` (None for a blank row) and its problems."""


class Recall:
    """The rows of the last reading, by sheet context, row number and row XML; one reading at a time."""

    def __init__(self) -> None:
        self._rows: dict[Context, dict[Key, Recalled]] = {}
        self._reading: dict[Context, dict[Key, Recalled]] | None = None
        self.path: Path | None = None
        """The workbook read last (in full)."""

    @contextmanager
    def reading(self, path: Path) -> Iterator[None]:
        """One reading of the workbook at ``path``: the rows it makes replace the recall once it is read in full."""
        self._reading = {}
        try:
            yield
            self._rows, self.path = self._reading, path
        finally:
            self._reading = None

    def sheet(self, context: Context) -> tuple[dict[Key, Recalled], dict[Key, Recalled]]:
        """The rows recalled for a sheet read in ``context``, and where the rows read now go."""
        now = {} if self._reading is None else self._reading.setdefault(context, {})
        return self._rows.get(context, {}), now

    def forget(self) -> None:
        self._rows, self.path = {}, None

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())


RECALL = Recall()
"""This process's recall."""
