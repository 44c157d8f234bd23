"""``binder build`` handed to the warm build host (``binder.host``): the same messages, exit status and
behaviour as a build run in the command's own process, with the caller's folder, environment and terminal;
Ctrl-C, a killed caller and a killed host each stop the build and leave the output as it was.

Real processes (slow: each test starts a host, which imports everything), no LibreOffice: the builds convert
on ``--converter unoserver://127.0.0.1:9`` (nothing listens there), so they fail fast at conversion, or stop
earlier at the workbook or at the output lock. A whole build through a host: tests/end_to_end/test_build_host.py."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import wb
from daemons import alive, short_folder, stop_hosts

from binder.host import handoff
from binder.output.transaction import output_lock

NOWHERE = "unoserver://127.0.0.1:9"
slow = pytest.mark.slow


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A runtime folder of the test's own; every host started in it is stopped (and gone) afterwards."""
    folder = short_folder()
    folder.chmod(0o700)
    yield folder
    stop_hosts(folder)
    shutil.rmtree(folder, ignore_errors=True)


def environ(runtime: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BINDER_NO_DAEMON", "BINDER_CONVERTERS")}
    return {**env, "BINDER_RUNTIME_DIR": str(runtime), "BINDER_DAEMON_IDLE": "120", **extra}


def binder(runtime: Path, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "binder", *args],
        cwd=cwd,
        env=environ(runtime, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def hosts(runtime: Path) -> list[dict]:
    return handoff.ask_hosts(runtime, "status")


def wait_for_host(runtime: Path) -> dict:
    """The host the first build started, once it answers (importing everything on a loaded machine may take
    a while)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        answers = hosts(runtime)
        if answers:
            return answers[0]
        time.sleep(0.05)
    log = runtime / handoff.LOG_FILE
    said = log.read_text() if log.exists() else "(no log)"
    raise AssertionError(f"no build host answers in {runtime}: {sorted(runtime.iterdir())}; its log: {said}")


def bad_workbook(folder: Path) -> Path:
    data = wb.base()
    data["SOPs"][0]["title"] = ""
    return wb.write(folder / "bad.xlsx", data)


@slow
def test_a_handed_off_build_says_and_ends_as_one_run_here(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    here = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path, BINDER_NO_DAEMON="1")
    assert here.returncode == 1 and "bad.xlsx" in here.stderr
    assert not list(runtime.glob("build-*.sock")), "--no-daemon started a build host"
    first = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)  # runs here, starts a host
    assert wait_for_host(runtime)["builds"] == 0
    handed = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    assert hosts(runtime)[0]["builds"] == 1
    # The relative path was found from the caller's folder; the problems, words and status are the same.
    assert (handed.returncode, handed.stdout, handed.stderr) == (here.returncode, here.stdout, here.stderr)
    assert (first.returncode, first.stderr) == (here.returncode, here.stderr)


@slow
def test_the_build_gets_the_callers_environment(runtime: Path, tmp_path: Path) -> None:
    wb.write(tmp_path / "good.xlsx")
    binder(runtime, "build", "good.xlsx", cwd=tmp_path, BINDER_CONVERTERS="unoserver://127.0.0.1:7")
    wait_for_host(runtime)
    for port in (8, 9):
        done = binder(runtime, "build", "good.xlsx", cwd=tmp_path, BINDER_CONVERTERS=f"unoserver://127.0.0.1:{port}")
        assert done.returncode == 3 and f"no converter answers: unoserver://127.0.0.1:{port}" in done.stderr
    assert hosts(runtime)[0]["builds"] == 2
    assert not (tmp_path / "output").exists()


def _held_build(runtime: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    """A handed-off build of a good workbook waiting for the output folder's lock, which this test holds;
    the caller's process and the pid of its build."""
    wb.write(tmp_path / "good.xlsx")
    binder(runtime, "build", "good.xlsx", "--converter", NOWHERE, "--out", "elsewhere", cwd=tmp_path)
    wait_for_host(runtime)
    caller = subprocess.Popen(
        [sys.executable, "-m", "binder", "build", "good.xlsx", "--converter", NOWHERE, "--wait", "60"],
        cwd=tmp_path,
        env=environ(runtime),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = hosts(runtime)[0]["running"]
        if running and (tmp_path / "output" / ".binder-lock").exists():
            time.sleep(0.3)  # reading the workbook done, waiting for the lock
            return caller, running[0]
        time.sleep(0.05)
    raise AssertionError("the handed-off build never reached the output lock")


@slow
def test_ctrl_c_is_passed_to_the_build_which_stops_and_changes_nothing(runtime: Path, tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        before = sorted(p.name for p in (tmp_path / "output").iterdir())
        caller, build = _held_build(runtime, tmp_path)
        caller.send_signal(signal.SIGINT)
        _, err = caller.communicate(timeout=20)
    assert caller.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not alive(build)
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == before
    assert hosts(runtime)[0]["running"] == []


@slow
def test_a_killed_caller_takes_its_build_with_it(runtime: Path, tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        caller, build = _held_build(runtime, tmp_path)
        caller.kill()
        caller.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(build) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(build), "the build outlived the command that asked for it"
    assert hosts(runtime)[0]["running"] == []


@slow
def test_a_killed_host_takes_its_builds_with_it_and_the_caller_says_so(runtime: Path, tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        caller, build = _held_build(runtime, tmp_path)
        os.kill(hosts(runtime)[0]["pid"], signal.SIGKILL)
        _, err = caller.communicate(timeout=20)
        deadline = time.monotonic() + 10
        while alive(build) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(build)
    assert caller.returncode == 3
    assert "build host ended during the build" in err and "Traceback" not in err


@slow
def test_on_a_terminal_the_build_writes_to_it_and_ctrl_c_there_stops_it(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    wait_for_host(runtime)
    shown, status = _on_terminal(runtime, tmp_path, ["build", "bad.xlsx", "--converter", NOWHERE])
    assert status == 1 and "bad.xlsx" in shown
    assert "\x1b[" in shown, "no colours: the build did not see a terminal"
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        wb.write(tmp_path / "good.xlsx")
        shown, status = _on_terminal(
            runtime, tmp_path, ["build", "good.xlsx", "--converter", NOWHERE, "--wait", "60"], ctrl_c_after=3.0
        )
    assert status == 130 and "interrupted" in shown
    assert hosts(runtime)[0]["builds"] == 2


def _on_terminal(runtime: Path, cwd: Path, args: list[str], ctrl_c_after: float | None = None) -> tuple[str, int]:
    """Run ``binder ARGS`` on a new pseudo-terminal (as its controlling terminal); what it showed, its status.
    ``ctrl_c_after``: type Ctrl-C on that terminal after so many seconds."""
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "binder", *args], {**environ(runtime), "TERM": "xterm"})
    shown = b""
    started = time.monotonic()
    typed = False
    try:
        while True:
            if ctrl_c_after is not None and not typed and time.monotonic() - started > ctrl_c_after:
                os.write(master, b"\x03")
                typed = True
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's last user is gone
                    break
                if not chunk:
                    break
                shown += chunk
            assert time.monotonic() - started < 60
    finally:
        os.close(master)
    _, status = os.waitpid(pid, 0)
    return shown.decode(errors="replace"), os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize(
    ("argv", "environ_", "handed"),
    [
        (["build"], {}, True),
        (["build", "book.xlsx", "--out", "x", "--jobs", "2"], {"BINDER_NO_DAEMON": "0"}, True),
        (["build", "--no-daemon"], {}, False),
        (["build"], {"BINDER_NO_DAEMON": "1"}, False),
        (["build"], {"BINDER_NO_DAEMON": "yes"}, False),
        (["build", "--sign", "--key", "k.p12"], {}, False),
        (["validate"], {}, False),
        (["watch"], {}, False),
        ([], {}, False),
    ],
)
def test_only_plain_builds_are_handed_off(argv: list[str], environ_: dict[str, str], handed: bool) -> None:
    assert handoff.eligible(argv, environ_) is handed


def test_a_changed_module_or_interpreter_names_another_host(tmp_path: Path) -> None:
    package = tmp_path / "binder"
    shutil.copytree(handoff.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    stamp = handoff.code_stamp(package)
    assert handoff.code_stamp(package) == stamp
    module = package / "host" / "wire.py"
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1))
    assert handoff.code_stamp(package) != stamp
    key = handoff.host_key(stamp, {})
    assert handoff.host_key(stamp, {"PYTHONHASHSEED": "1"}) != key
    assert handoff.host_key(stamp, {"LANG": "C"}) != key
    assert handoff.host_key(stamp, {"BINDER_CONVERTERS": "x", "PYTHONPATH": "/x"}) == key


@slow
def test_an_idle_host_leaves_no_socket_pid_or_lock(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path, BINDER_DAEMON_IDLE="5")
    pid = wait_for_host(runtime)["pid"]
    deadline = time.monotonic() + 20
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
    assert (
        not list(runtime.glob("build-*.sock")) + list(runtime.glob("build-*.pid")) + list(runtime.glob("build-*.lock"))
    )


@slow
def test_converters_stop_stops_the_host_and_the_next_build_runs_here(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    pid = wait_for_host(runtime)["pid"]
    status = binder(runtime, "converters", "status", cwd=tmp_path)
    assert f"build host {pid} running since" in status.stdout
    stopped = binder(runtime, "converters", "stop", cwd=tmp_path)
    assert f"build host {pid} stops" in stopped.stdout
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and not list(runtime.glob("build-*.sock"))
    again = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    assert again.returncode == 1
