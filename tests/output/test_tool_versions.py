"""LibreOffice's and Graphviz's versions are in every cache key; asking LibreOffice costs a quarter of a second,
so the answer is remembered per installed program, and asked again once another is installed."""

import json
import os
import stat
from pathlib import Path

import pytest

from binder.output import tool_versions


@pytest.fixture
def tool(tmp_path, monkeypatch):
    """A program ``faketool`` on PATH that prints its version and counts how often it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    runs = tmp_path / "runs"

    def install(version: str, exit_code: int = 0) -> None:
        new = bin_dir / "faketool.new"
        new.write_text(f"#!/bin/sh\necho run >> {runs}\necho 'FakeTool {version}'\nexit {exit_code}\n")
        new.chmod(new.stat().st_mode | stat.S_IXUSR)
        new.replace(bin_dir / "faketool")  # as a package manager installs: a new file, not the old one edited

    def ask() -> str:
        tool_versions._version.cache_clear()  # as a new build (process) would
        return tool_versions.tool_version(("faketool", "--version"))

    def ran() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    return install, ask, ran


def test_the_version_is_asked_once_per_installed_program_and_again_after_an_upgrade(tool):
    install, ask, ran = tool
    install("7.4")
    assert ask() == "FakeTool 7.4" and ran() == 1
    assert ask() == "FakeTool 7.4" and ran() == 1  # remembered: the program did not run
    install("7.6")
    assert ask() == "FakeTool 7.6" and ran() == 2


def test_a_failing_or_missing_program_is_absent_and_asked_again_next_time(tool):
    install, ask, ran = tool
    install("7.4", exit_code=1)
    assert ask() == "absent" and ask() == "absent" and ran() == 2
    assert tool_versions.tool_version(("no-such-tool-anywhere", "--version")) == "absent"


@pytest.mark.parametrize("damage", ["not json", '{"format": 1, "versions": []}', "[]"])
def test_a_damaged_cache_file_is_ignored_and_rewritten(tool, tmp_path, damage):
    install, ask, ran = tool
    install("7.4")
    ask()
    store = tmp_path / "cache" / "binder" / "tool-versions.json"
    store.write_text(damage)
    assert ask() == "FakeTool 7.4" and ran() == 2
    assert list(json.loads(store.read_text())["versions"].values()) == ["FakeTool 7.4"]


def test_an_unwritable_cache_only_means_asking_each_time(tool, tmp_path, monkeypatch):
    install, ask, ran = tool
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("")
    install("7.4")
    assert ask() == "FakeTool 7.4" and ask() == "FakeTool 7.4" and ran() == 2


def test_a_real_programs_answer_is_kept_in_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tool_versions._version.cache_clear()
    version = tool_versions.tool_version(("dot", "-V"))
    assert "graphviz" in version.lower()
    assert version in json.loads(Path(tmp_path / "binder" / "tool-versions.json").read_text())["versions"].values()
