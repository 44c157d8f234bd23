"""Links between SOPs inside documents.

Word documents link to another SOP as ``https://binder.invalid/sop/<ID>`` (``.invalid`` is
reserved and never resolves); assembly turns these markers into jumps inside a binder.
"""
from __future__ import annotations

LINK_PREFIX = "https://binder.invalid/sop/"


def sop_link(sop_id: str) -> str:
    """The marker URL a document uses to link to another SOP."""
    return LINK_PREFIX + sop_id
