"""binder: Standard Operating Procedures from an Excel workbook to Word, PDF and department binders."""

__version__ = "0.1.0"
