"""LibreOffice's and Graphviz's versions are in every cache key; asking LibreOffice costs a quarter of a second,
so its answer is remembered per installed program, and asked again once another is installed."""

import json
import os
import stat
from pathlib import Path

import pytest

from binder.output import tool_versions


@pytest.fixture
def tool(tmp_path, monkeypatch):
    """``install(version)``: a program ``faketool`` on PATH laid out as LibreOffice installs itself (a launcher
    with ``faketool.bin`` beside it) that prints its version and counts how often it ran; ``ask()`` as a new
    build would; ``ran()`` how often it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    runs = tmp_path / "runs"

    def install(version: str, exit_code: int = 0, laid_out: bool = True) -> None:
        # as a package manager installs: new files, not the old ones edited
        for name, text in (
            ("faketool.bin", f"the program, version {version}\n" if laid_out else None),
            ("faketool", f"#!/bin/sh\necho run >> {runs}\necho 'FakeTool {version}'\nexit {exit_code}\n"),
        ):
            if text is None:
                (bin_dir / name).unlink(missing_ok=True)
                continue
            new = bin_dir / (name + ".new")
            new.write_text(text)
            new.chmod(new.stat().st_mode | stat.S_IXUSR)
            new.replace(bin_dir / name)

    def ask() -> str:
        tool_versions._version.cache_clear()
        return tool_versions.tool_version(("faketool", "--version"))

    def ran() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    return install, ask, ran


def test_the_version_is_asked_once_per_installed_program_and_again_after_an_upgrade(tool, tmp_path):
    install, ask, ran = tool
    install("7.4")
    assert ask() == "FakeTool 7.4" and ran() == 1
    assert ask() == "FakeTool 7.4" and ran() == 1  # remembered: the program did not run
    install("7.6")
    assert ask() == "FakeTool 7.6" and ran() == 2
    for version in ("7.4", "7.6", "24.2"):  # one record per command, however many installs came before
        install(version)
        ask()
    assert len(json.loads((tmp_path / "cache" / "binder" / "tool-versions.json").read_text())["versions"]) == 1


def test_a_wrapper_script_or_a_quick_program_is_asked_every_time(tool, tmp_path):
    """A script of one's own (``exec /opt/libreoffice/program/soffice``, that link moved to another version)
    changes no file of its own when what it starts changes: it is never remembered."""
    install, ask, ran = tool
    install("7.4", laid_out=False)
    assert ask() == "FakeTool 7.4" and ask() == "FakeTool 7.4" and ran() == 2
    tool_versions._version.cache_clear()
    assert "graphviz" in tool_versions.tool_version(("dot", "-V")).lower()
    assert not (tmp_path / "cache" / "binder" / "tool-versions.json").exists()


def test_a_failing_or_missing_program_is_absent_and_asked_again_next_time(tool):
    install, ask, ran = tool
    install("7.4", exit_code=1)
    assert ask() == "absent" and ask() == "absent" and ran() == 2
    assert tool_versions.tool_version(("no-such-tool-anywhere", "--version")) == "absent"


@pytest.mark.parametrize(
    "damage", ["not json", '{"format": 2, "versions": []}', "[]", "[" * 100_000, '{"format": 2, "versions": {"x": 1}}']
)
def test_a_damaged_cache_file_is_ignored_and_rewritten(tool, tmp_path, damage):
    install, ask, ran = tool
    install("7.4")
    ask()
    store = tmp_path / "cache" / "binder" / "tool-versions.json"
    store.write_text(damage)
    assert ask() == "FakeTool 7.4" and ran() == 2
    assert [r["version"] for r in json.loads(store.read_text())["versions"].values()] == ["FakeTool 7.4"]


def test_an_unwritable_cache_or_no_home_only_means_asking_each_time(tool, tmp_path, monkeypatch):
    install, ask, ran = tool
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("")
    install("7.4")
    assert ask() == "FakeTool 7.4" and ask() == "FakeTool 7.4" and ran() == 2
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", lambda: (_ for _ in ()).throw(RuntimeError("no home directory")))
    assert ask() == "FakeTool 7.4" and ran() == 3


def test_the_real_libreoffice_answer_is_kept_in_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tool_versions._version.cache_clear()
    version = tool_versions.tool_version(("soffice", "--version"))
    if version == "absent":
        pytest.skip("LibreOffice is not installed")  # CI installs it: a skip there fails the run
    records = json.loads(Path(tmp_path / "binder" / "tool-versions.json").read_text())["versions"]
    assert "LibreOffice" in version and [r["version"] for r in records.values()] == [version]
