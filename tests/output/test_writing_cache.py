"""The writing checks' warnings recorded in ``OUT/.cache/writing.json``: a rebuild checks only the SOPs
that changed, gives the warnings a fresh check gives, and never trusts a record that is not its own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import fakes
import pytest
from pipeline import first_build, rebuild, revised_fin_001, two_packs

from binder.output import writing_cache
from binder.workbook.writing import STYLE_CODES, english
from binder.workbook.writing import checks as writing_checks


@pytest.fixture
def counted(monkeypatch):
    """The SOP IDs the writing checks run on, in order."""
    seen: list[str] = []
    real = writing_checks.sop_writing

    def sop_writing(sop, library, threshold=40):
        seen.append(sop.sop_id)
        return real(sop, library, threshold)

    monkeypatch.setattr(writing_checks, "sop_writing", sop_writing)
    monkeypatch.setattr(writing_cache, "_MEMO", {})
    return seen


def wordy(data: dict) -> dict:
    """``data`` with a passive step in an SOP other than FIN-001 (the one ``revised_fin_001`` changes)."""
    step = next(row for row in data["Steps"] if row["SOP ID"] != "FIN-001")
    step["Action"] = "The delivery note is checked by the clerk and the totals are compared."
    return data


def style(result) -> list[tuple[str, str, str]]:
    return [(p.code, p.where, p.message) for p in result.warnings if p.code in STYLE_CODES]


@pytest.fixture(scope="module")
def wordy_once(tmp_path_factory):
    """One first build of ``wordy(two_packs())``: (workbook, output folder, result)."""
    with pytest.MonkeyPatch.context() as patch:
        fakes.patch_converter(patch)
        patch.setattr(writing_cache, "_MEMO", {})
        return first_build(tmp_path_factory.mktemp("wordy"), wordy(two_packs()))


@pytest.fixture
def wordy_built(wordy_once, tmp_path):
    """A copy of ``wordy_once`` of this test's own: (workbook, output folder, result)."""
    book, out, first = wordy_once
    shutil.copy2(book, tmp_path / book.name)
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / book.name, tmp_path / "out", first


def test_a_rebuild_checks_only_the_changed_sop_and_warns_as_a_fresh_check_does(
    tmp_path, converters, counted, wordy_built
):
    (tmp_path / "b").mkdir()
    book, out, first = wordy_built
    assert style(first), "the base workbook has writing warnings to record"
    assert (out / ".cache" / writing_cache.FILE).is_file()
    counted.clear()
    writing_cache._MEMO.clear()  # as in a new process
    again = rebuild(book, out, revised_fin_001(wordy(two_packs())))
    assert counted == ["FIN-001"]
    writing_cache._MEMO.clear()
    _, _, fresh = first_build(tmp_path / "b", revised_fin_001(wordy(two_packs())))
    assert style(again) == style(fresh)


def test_an_edited_record_is_not_trusted(converters, counted, wordy_built):
    book, out, first = wordy_built
    assert style(first)
    path = out / ".cache" / writing_cache.FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    for items in data["entries"].values():
        items.clear()  # every warning silenced, the seal left as it was
    path.write_text(json.dumps(data), encoding="utf-8")
    counted.clear()
    writing_cache._MEMO.clear()
    again = rebuild(book, out)
    assert style(again) == style(first)
    assert len(counted) == len(first.library.sops)


def test_a_rebuild_looks_up_only_words_no_earlier_build_looked_up(tmp_path, converters, counted, monkeypatch):
    # Each build records every word its process looked up: both builds start as new processes would, so
    # that words other tests looked up in this one (say "reconcile") are not among them.
    monkeypatch.setattr(english, "_LEXICON", {})
    english.participle_lemma.cache_clear()
    (tmp_path / "a").mkdir()
    book, out, _ = first_build(tmp_path / "a", wordy(two_packs()))
    recorded = json.loads((out / ".cache" / writing_cache.FILE).read_text(encoding="utf-8"))["words"]
    assert recorded["collect"]["VERB"] == ["collect"]
    looked_up: list[str] = []
    real = english.getAllLemmas
    monkeypatch.setattr(english, "getAllLemmas", lambda word: looked_up.append(word) or real(word))
    monkeypatch.setattr(english, "_LEXICON", {})  # as in a new process
    english.participle_lemma.cache_clear()
    writing_cache._MEMO.clear()
    again = rebuild(book, out, revised_fin_001(wordy(two_packs()), "Reconcile the signed timesheets."))
    assert counted[-1] == "FIN-001"
    assert looked_up == ["reconcile"]
    assert "verb-first" not in {p.code for p in again.warnings}


def test_the_writing_checks_read_no_part_of_an_sop_their_key_leaves_out():
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(writing_checks.__file__).parent.glob("*.py"))
    for part in writing_cache.UNREAD:
        assert f".{part}" not in source, f"the writing checks read {part}: take it out of UNREAD"
