"""The first guess of a front matter's length: right, it is rendered and converted once; wrong, once more."""

from __future__ import annotations

import pytest

from binder.issue import front

MEASURED = {1: 2, 10: 2, 12: 2, 14: 3, 20: 3, 25: 4, 30: 4, 40: 5, 100: 10}
"""Pages of the built-in binder front matter (cover and contents) for so many SOPs, converted by LibreOffice 7.4
(A4, one-line titles; ``benchmarks/synthetic.py``'s SOPs)."""


@pytest.mark.parametrize(("sops", "pages"), sorted(MEASURED.items()))
def test_the_first_guess_is_the_length_measured(sops, pages):
    spec = front.FrontSpec("b", "T", "S", {}, tuple(f"X-{i:03d}" for i in range(sops)))
    assert front._first_guess(spec) == pages


def test_a_changes_page_adds_one():
    spec = front.FrontSpec("b", "T", "S", {}, ("X-001",), changes={"show": True})
    assert front._first_guess(spec) == 3
