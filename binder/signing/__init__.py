"""Signing binders with PAdES signatures and verifying them: the library behind ``binder sign`` and
``binder verify``. ``options`` holds the ``Signing`` settings, ``keys`` reads the PKCS#12 key,
``stamp`` places and draws the visible stamp, ``sign`` signs, ``verify`` checks signatures and
``changes`` (with ``objects``) says what changed after them; ``logs`` keeps libraries quiet. The
modules import pyHanko and its kin, and from binder only ``binder.errors``, ``binder.files``,
``binder.model`` and each other; never click, never rich (prompting and printing are the CLI's).
"""
