"""What every converter shares: the job it is given, the result it returns, the interface it offers,
and the check that what came back is a PDF. Both the local pool and remote converters build on this."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

ExportOptions = tuple[tuple[str, bool | int], ...]
"""``writer_pdf_Export`` filter options added to the converters' own, e.g. ``(("SelectPdfVersion", 2),)``."""


def export_options(pdfa: bool = False) -> ExportOptions:
    """What a document's PDF export asks of LibreOffice beyond the defaults: PDF/A-2b when ``pdfa``.
    Part of every cache key that covers a converted PDF.

    Not ``PDFUACompliance``: measured on LibreOffice 7.4, it changes nothing in the structure tree,
    text or links (figures get ``/Alt`` from the picture's description with or without it) and only
    adds a ``pdfuaid`` claim to the XMP, which the SOP's own PDF does not meet (a picture's outer
    ``/Figure`` has no ``/Alt``) and which PDF/A-2 would need an extension schema for."""
    return (("SelectPdfVersion", 2),) if pdfa else ()


@dataclass(frozen=True)
class Job:
    """Convert ``docx`` to ``pdf``; ``key`` (SOP ID or file name) names it in messages."""

    key: str
    docx: Path
    pdf: Path
    options: ExportOptions = ()
    """Export options for this document (``export_options``), over the converter's defaults."""


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


class WithOptions:
    """A converter that gives every job ``options``: front and back matter export as the SOPs do."""

    def __init__(self, converter: Converting, options: ExportOptions) -> None:
        self.converter = converter
        self.options = options

    def convert(self, jobs: Sequence[Job], progress: Callable[[Result], None] | None = None) -> list[Result]:
        return self.converter.convert([replace(job, options=self.options) for job in jobs], progress)

    def warm_up(self) -> None:
        self.converter.warm_up()

    def close(self) -> None:
        self.converter.close()


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
