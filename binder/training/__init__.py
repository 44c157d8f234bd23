"""Training records: filled pack records read into the workbook, and the training matrix built from them.

A layer above ``binder.issue``: it may import ``binder.workbook`` (the workbook, its Training records
rules), ``binder.issue.record`` (the pack record's column contract) and the layers below them.
"""
