"""Keeping libraries' log records out of the user's terminal while binder reports in its own words.
Owns ``quiet_logs``, used by the signing, stamping and verifying modules around calls into
pyHanko and fontTools. Imports only the standard library (never click, never rich), so every
``binder.signing`` module may use it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager


@contextmanager
def quiet_logs(*names: str):
    """Silence libraries' log records (with tracebacks) for failures we report in our own words.

    Left alone when a logger was explicitly set to DEBUG, so they can still be seen.
    """
    saved = []
    for name in names:
        log = logging.getLogger(name)
        if log.getEffectiveLevel() > logging.DEBUG:
            saved.append((log, log.level))
            log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in saved:
            log.setLevel(level)
