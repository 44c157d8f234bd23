"""The one place that finds binder's built-in templates (package data, also inside a wheel)."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "templates"
SOP = FOLDER / "sop.docx"
"""The built-in SOP template."""
BINDER_FRONT = FOLDER / "front.docx"
"""Binder cover, contents and changes page."""
PACK_FRONT = FOLDER / "pack.docx"
"""Training pack cover and contents."""
ACKNOWLEDGEMENT = FOLDER / "acknowledgement.docx"
"""A training pack's read-and-understood sheet."""
BUILT_IN = (SOP, BINDER_FRONT, PACK_FRONT, ACKNOWLEDGEMENT)
