"""Redlines: what changed in an SOP's content between two versions, word by word.

``content`` keeps each issued SOP's rendered context as JSON in the output folder (listed and
hashed in the manifest) and reads it back, or from a workbook; ``diff`` compares two of them
(steps added, removed, reworded; text, roles, definitions, FAQ and KPI edits) as frozen records
that the changes page, ``binder diff`` and its JSON all render. May import ``binder.output`` (whose
manifest it trusts) and the layers below it (``binder.document`` for the context, ``binder.workbook``
to read a workbook); ``binder.issue`` (the changes page) and ``binder.cli`` import it.
"""
