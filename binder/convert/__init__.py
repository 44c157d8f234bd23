"""Word → PDF conversion with LibreOffice over UNO, tables of contents and fields updated.

``pool`` runs in binder's Python and drives ``worker`` processes, each running
under a Python that has LibreOffice's ``uno`` bridge and owning one soffice.
"""
from binder.convert.base import Job, Result
from binder.convert.pool import Converter
from binder.convert.process import find_uno_python

__all__ = ["Converter", "Job", "Result", "find_uno_python"]
