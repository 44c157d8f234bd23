"""Stage 5, what a build leaves in the output folder and what the next build trusts of it: the
SOP documents of a build (``documents``), the document cache (``cache``), the code fingerprints
that key it (``codehash``), the typed and sealed manifest (``manifest``, ``seal``), change
control (``changes``, ``fingerprint``) and the per-file commit under a lock (``transaction``).

May import: the base modules, ``binder.workbook``, ``binder.document``, ``binder.convert``;
never ``binder.issue``, ``binder.signing``'s callers or the CLI.
"""
