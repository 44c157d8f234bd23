"""Stage 3, Word → PDF with LibreOffice over UNO, tables of contents and fields updated.

``base`` holds the job, the result and the converter interface; ``process`` finds LibreOffice
and runs one ``worker.py`` process with its own soffice; ``pool`` drives several of them from
one queue; ``remote`` converts on unoserver hosts instead; ``daemon`` keeps one pool warm for all of a user's
builds and ``client`` converts on it (``binder build`` does, unless ``--no-daemon``). ``worker.py`` runs under the Python
that has LibreOffice's ``uno`` module and imports nothing of binder's.

May import: ``binder.errors``, ``binder.files`` and its own modules only.
"""

from binder.convert.base import Job, Result
from binder.convert.pool import Converter
from binder.convert.process import find_uno_python

__all__ = ["Converter", "Job", "Result", "find_uno_python"]
