"""Stage 2, the Word document of each SOP: finding templates (``template_files``), the template
context built from a validated SOP (``context``, ``labels``), rendering with docxtpl in Jinja's
sandbox (``render``, ``pool``), flowchart drawing with Graphviz (``flowchart``), links between
SOPs (``links``) and template diagnosis (``check_template``).

May import: ``binder.model``, ``binder.problems``, ``binder.errors``, ``binder.files``,
``binder.text``, ``binder.interrupts`` and ``binder.workbook`` (the flow graph); never a later stage.
"""
