"""What every converter shares: the job it is given, the result it returns, the interface it offers,
and the check that what came back is a PDF. Both the local pool and remote converters build on this."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Job:
    """Convert ``docx`` to ``pdf``; ``key`` (SOP ID or file name) names it in messages."""

    key: str
    docx: Path
    pdf: Path


@dataclass(frozen=True)
class Result:
    """A converted document: the seconds LibreOffice took and which worker (0-based) did it."""

    key: str
    pdf: Path
    seconds: float
    worker: int


def check_pdf(pdf: Path) -> str:
    """Why ``pdf`` is not a converted PDF, or "" if it is one."""
    try:
        with open(pdf, "rb") as f:
            head = f.read(5)
    except FileNotFoundError:
        return "LibreOffice reported success but wrote no PDF"
    except OSError as error:
        return f"cannot read the PDF: {error}"
    if not head:
        return "LibreOffice wrote an empty PDF"
    if head != b"%PDF-":
        return "LibreOffice wrote something that is not a PDF"
    return ""


class Converting(Protocol):
    """What the stages that convert need of a converter, local or remote."""

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]: ...

    def warm_up(self) -> None: ...

    def close(self) -> None: ...


class ConverterBase:
    """What every converter shares: a context manager that closes it, and a count of conversions."""

    _conversions = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError

    @property
    def conversions(self) -> int:
        """Documents converted so far (retries of a document count once)."""
        return self._conversions
