"""The workbook stage: an Excel workbook of SOPs in, a validated ``binder.model.Library`` and problems out.

Modules here import only ``binder.model``, ``binder.problems``, ``binder.errors``,
``binder.text``, ``binder.files`` and each other (never the later stages, never
click or rich); each module's docstring says what it owns.
"""
