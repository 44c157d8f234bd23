"""A rebuild converts the front matter of the issues it re-issues beside their changed SOPs, rendered with
the pages those SOPs had last time (``issuing.early_fronts``): used when the pages held, rendered again when
they moved; either way the issue is byte for byte the one made without converting early."""

from __future__ import annotations

import shutil
from pathlib import Path

import fakes
import pytest
from pipeline import rebuild, two_packs

import binder.build

FIN_FRONT = "front matter of binders/FIN-binder.pdf"
PACK_FRONT = "front matter of packs/new-finance-staff.pdf"
"""FIN-001 comes first in this pack, before another SOP whose start page moves when FIN-001 grows."""


def issues(out: Path) -> dict[str, bytes]:
    """The binders and packs, by path, with their bytes."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.glob("*/*.pdf"))
        if p.parent.name in ("binders", "packs")
    }


def reworded(action: str = "Collect the signed timesheets.") -> dict:
    """``two_packs()`` with FIN-001's first step reworded, its version kept (built ``--allow-unversioned``)."""
    data = two_packs()
    data["Steps"][0]["Action"] = action
    return data


def rebuilt(
    built_once, folder: Path, data: dict, early: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, list[list[str]]]:
    """A copy of the first build of ``two_packs()`` (``pipeline.built_once``) rebuilt from ``data``; the rebuild's
    batches of conversions."""
    first_book, first_out, _, _ = built_once
    folder.mkdir()
    book, out = folder / first_book.name, folder / "out"
    shutil.copy2(first_book, book)
    shutil.copytree(first_out, out, symlinks=True)
    with monkeypatch.context() as patch:
        if not early:
            patch.setattr(binder.build, "early_fronts", lambda *args: ({}, []))
        made = fakes.patch_converter(patch)
        rebuild(book, out, data, allow_unversioned=True)
    return out, made[-1].batches


def test_a_one_sop_rebuild_converts_its_binders_front_matter_beside_the_sop(built_once, tmp_path, monkeypatch):
    out, batches = rebuilt(built_once, tmp_path / "early", reworded(), True, monkeypatch)
    assert batches[0][0] == "FIN-001" and FIN_FRONT in batches[0]
    assert not any(FIN_FRONT in batch for batch in batches[1:]), batches
    late, late_batches = rebuilt(built_once, tmp_path / "late", reworded(), False, monkeypatch)
    assert FIN_FRONT not in late_batches[0] and any(FIN_FRONT in batch for batch in late_batches[1:])
    assert issues(out) == issues(late) and any(name.endswith("FIN-binder.pdf") for name in issues(out))


def test_an_sop_that_gained_pages_gets_its_front_matter_rendered_again_with_the_new_pages(
    built_once, tmp_path, monkeypatch
):
    data = reworded()
    data["Steps"][1:1] = [{**data["Steps"][0], "Step": None, "Action": f"Check item {n}."} for n in range(40)]
    for number, step in enumerate(s for s in data["Steps"] if s["SOP ID"] == "FIN-001"):
        step["Step"] = number + 1
    out, batches = rebuilt(built_once, tmp_path / "early", data, True, monkeypatch)
    assert PACK_FRONT in batches[0] and any(PACK_FRONT in batch for batch in batches[1:]), batches
    assert not any(FIN_FRONT in batch for batch in batches[1:])  # FIN-001 is the binder's last: no start moved
    late, _ = rebuilt(built_once, tmp_path / "late", data, False, monkeypatch)
    assert issues(out) == issues(late)
