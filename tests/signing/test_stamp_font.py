"""The stamp's rescaled font, kept in a cache folder between runs (the CLI's is the user's cache):
used only when its checksum matches and it is a 1000-unit font, cut again whenever the source font
or the characters differ. One real cut (the one signing in the tests uses, kept as theirs is); the other
tests count the cuts."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from fontTools import ttLib

from binder.signing import stamp


@pytest.fixture(scope="module")
def real_cut() -> bytes:
    """An ASCII stamp's font (the stamp's line breaks are beyond ASCII), as signing in the tests gets it: from the
    session's cache folder (``tests/conftest.py``), where the first run on a machine (every CI run) cuts it for
    real, and a new fontTools, source font or ``FONT_CACHE_FORMAT`` cuts it again, as for the CLI's users."""
    shared = Path(os.environ["XDG_CACHE_HOME"]) / "binder" / "stamp-fonts"
    return stamp._font_at_1000_upem(stamp._font_file(), stamp._beyond_basic(stamp.STAMP_TEXT), shared)


@pytest.fixture
def cuts(monkeypatch, real_cut) -> list[str]:
    """The characters of each cut made, each cut answering the module's real one."""
    made: list[str] = []

    def counted(_source: bytes, characters: str) -> bytes:
        made.append(characters)
        return real_cut

    monkeypatch.setattr(stamp, "_cut_and_rescale", counted)
    return made


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "cache" / "binder" / "stamp-fonts"


def font(font_file: str | Path, cache: Path | None, characters: str = "é") -> bytes:
    """The font as the stamp gets it, past the per-process memo (which would hide the disk)."""
    return stamp._font_at_1000_upem.__wrapped__(str(font_file), characters, cache)


def test_the_real_cut_is_rescaled_and_shows_the_characters(real_cut):
    cut = ttLib.TTFont(io.BytesIO(real_cut))
    assert cut["head"].unitsPerEm == 1000
    assert {ord(c) for c in stamp.BASIC_CHARACTERS} <= set(cut.getBestCmap())
    assert ttLib.TTFont(stamp._font_file())["head"].unitsPerEm != 1000  # else the test proves nothing


def test_the_font_is_kept_and_used_again(cache, cuts, real_cut):
    assert font(stamp._font_file(), cache) == real_cut
    (entry,) = cache.iterdir()
    assert font(stamp._font_file(), cache) == real_cut
    assert cuts == ["é"] and list(cache.iterdir()) == [entry]


def test_a_damaged_entry_is_cut_again_and_replaced(cache, cuts, real_cut):
    font(stamp._font_file(), cache)
    (entry,) = cache.iterdir()
    damaged = bytearray(entry.read_bytes())
    damaged[200] ^= 0xFF
    entry.write_bytes(bytes(damaged))
    assert font(stamp._font_file(), cache) == real_cut
    assert len(cuts) == 2 and stamp._read_cached_font(entry) == real_cut


@pytest.mark.parametrize(
    "content",
    [b"not a font at all", b"\x00\x01\x00\x00" + bytes(60)],
    ids=["junk", "truncated font header"],
)
def test_an_entry_with_a_matching_checksum_but_no_usable_font_is_not_used(cache, cuts, real_cut, content):
    font(stamp._font_file(), cache)
    (entry,) = cache.iterdir()
    entry.write_bytes(hashlib.sha256(content).digest() + content)
    assert stamp._read_cached_font(entry) is None
    assert font(stamp._font_file(), cache) == real_cut and len(cuts) == 2


def test_a_font_not_at_1000_units_is_not_used(cache, cuts, real_cut):
    font(stamp._font_file(), cache)
    (entry,) = cache.iterdir()
    original = Path(stamp._font_file()).read_bytes()  # a real font, at 2048 units
    entry.write_bytes(hashlib.sha256(original).digest() + original)
    assert stamp._read_cached_font(entry) is None
    assert font(stamp._font_file(), cache) == real_cut and len(cuts) == 2


def test_another_source_font_or_other_characters_get_an_entry_of_their_own(cache, cuts, tmp_path):
    copy = tmp_path / "stamp.ttf"
    copy.write_bytes(Path(stamp._font_file()).read_bytes())
    font(copy, cache)
    renamed = ttLib.TTFont(copy)
    renamed["name"].setName("Binder Renamed", 1, 3, 1, 0x409)
    renamed.save(copy)  # a font updated in place under the same file name
    font(copy, cache)
    font(copy, cache, "ß")
    font(copy, cache, "ß")
    assert cuts == ["é", "é", "ß"] and len(list(cache.iterdir())) == 3


def test_an_unwritable_cache_still_gives_the_font(tmp_path, cuts, real_cut):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    assert font(stamp._font_file(), blocker / "stamp-fonts") == real_cut
    assert blocker.read_bytes() == b"" and list(tmp_path.iterdir()) == [blocker]


def test_without_a_cache_folder_nothing_is_written(tmp_path, monkeypatch, cuts, real_cut):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert font(stamp._font_file(), None) == real_cut
    assert font(stamp._font_file(), None) == real_cut
    assert len(cuts) == 2 and list(tmp_path.iterdir()) == []


def test_the_cli_keeps_the_font_in_the_users_cache(tmp_path, monkeypatch):
    from binder.cli.signing import _font_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _font_cache() == tmp_path / "xdg" / "binder" / "stamp-fonts"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _font_cache() == tmp_path / "home" / ".cache" / "binder" / "stamp-fonts"
