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
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import wb
from daemons import alive, short_folder, stop_hosts

from binder.host import handoff, identity, server, wire
from binder.output.transaction import output_lock

NOWHERE = "unoserver://127.0.0.1:9"
slow = pytest.mark.slow


@pytest.fixture(autouse=True)
def signals_as_they_were() -> Iterator[None]:
    """``hand_off`` run here leaves the signals it holds blocked, as the command that exits right after wants:
    this test process goes on, and the processes later tests start would inherit the mask (a Ctrl-C sent to
    them would wait forever)."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    handlers = {signum: signal.getsignal(signum) for signum in handoff.HELD}
    yield
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


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


def _held_build(runtime: Path, tmp_path: Path, ignore_hangups: bool = False) -> tuple[subprocess.Popen[str], int]:
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
        preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if ignore_hangups else None,
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
        _, err = caller.communicate(timeout=40)
        assert not alive(build), "the command returned before its build had stopped"
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


def test_a_changed_module_interpreter_variable_or_standing_names_another_host(tmp_path: Path) -> None:
    package = tmp_path / "binder"
    shutil.copytree(identity.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    stamp = identity.code_stamp(package)
    assert identity.code_stamp(package) == stamp
    module = package / "host" / "wire.py"
    os.utime(module, ns=(module.stat().st_atime_ns, module.stat().st_mtime_ns + 1))
    assert identity.code_stamp(package) != stamp
    mine = identity.standing()
    key = identity.host_key(stamp, {}, mine)
    assert identity.host_key(stamp, {"PYTHONHASHSEED": "1"}, mine) != key
    assert identity.host_key(stamp, {"LANG": "C"}, mine) != key
    assert identity.host_key(stamp, {"TZ": "Pacific/Auckland"}, mine) != key
    assert identity.host_key(stamp, {"LD_PRELOAD": "libfakeroot.so"}, mine) != key
    assert identity.host_key(stamp, {"GLIBC_TUNABLES": "glibc.malloc.check=3"}, mine) != key
    assert identity.host_key(stamp, {"BINDER_CONVERTERS": "x", "PYTHONPATH": "/x"}, mine) == key
    for part, value in [("nice", "5"), ("limits", "other"), ("cgroup", "0::/elsewhere"), ("root", "/jail")]:
        assert identity.host_key(stamp, {}, {**mine, part: value}) != key, part
    assert identity.host_key(stamp, {}, {**mine, "status": {**mine["status"], "CapEff": "0"}}) != key


def test_the_standing_of_a_process_is_read_from_proc_as_the_kernel_keeps_it() -> None:
    mine = identity.standing()
    assert mine == identity.standing(os.getpid())
    assert mine["nice"] == str(os.getpriority(os.PRIO_PROCESS, 0))
    assert mine["namespaces"]["mnt"] == os.readlink("/proc/self/ns/mnt") and "Max open files" in mine["limits"]
    assert mine["status"]["Uid"].split()[0] == str(os.getuid())


def test_a_runtime_folder_too_long_for_a_socket_runs_the_build_here_and_starts_no_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / ("x" * 120)
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("BINDER_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("BINDER_NO_DAEMON")
    assert handoff.hand_off(["build", "book.xlsx"]) is None
    assert list(folder.iterdir()) == []


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


def _raw_request(runtime: Path, cwd: Path, argv: list[str]) -> tuple[socket.socket, int, int]:
    """A build request sent as ``binder`` sends one, its output and errors into a pipe; the connection, the
    pipe's reading end and the host's answer ("ready") checked."""
    (path,) = runtime.glob("build-*.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(str(path))
    read, write = os.pipe()
    here = os.open(cwd, os.O_PATH | os.O_DIRECTORY)
    nothing = os.open(os.devnull, os.O_RDONLY)
    message = {
        "op": "build",
        "argv": argv,
        "env": environ(runtime),
        "umask": 0o022,
        "ignored": [],
        "stdio": [["utf-8", "strict"]] * 3,
    }
    wire.send(sock, message, [nothing, write, write, here])
    for fd in (nothing, write, here):
        os.close(fd)
    answer, _ = wire.receive(sock)
    assert answer == {"ready": True}
    return sock, read, os.stat(path).st_ino


def _drained(fd: int) -> str:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read().decode()


@slow
def test_a_request_the_caller_gave_up_on_before_saying_go_is_never_run(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    wait_for_host(runtime)
    sock, read, _ = _raw_request(runtime, tmp_path, ["build", "bad.xlsx", "--converter", NOWHERE])
    sock.close()  # as a caller whose patience ran out: it builds itself
    assert _drained(read) == ""
    assert hosts(runtime)[0]["builds"] == 0


@slow
def test_a_caller_gone_right_after_go_stops_its_build_before_it_does_anything(runtime: Path, tmp_path: Path) -> None:
    wb.write(tmp_path / "good.xlsx")
    binder(runtime, "build", "good.xlsx", "--converter", NOWHERE, "--out", "elsewhere", cwd=tmp_path)
    wait_for_host(runtime)
    for _ in range(3):
        sock, read, _ = _raw_request(runtime, tmp_path, ["build", "good.xlsx", "--converter", NOWHERE])
        wire.send(sock, {"go": True})
        sock.close()  # killed at the worst moment: the host forks now, for nobody
        said = _drained(read)
        assert "interrupted" in said and "no converter answers" not in said, said
    assert not (tmp_path / "output").exists()


@slow
def test_under_nohup_a_hang_up_does_not_stop_the_build(runtime: Path, tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        caller, build = _held_build(runtime, tmp_path, ignore_hangups=True)
        caller.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert alive(build) and caller.poll() is None
    _, err = caller.communicate(timeout=30)
    assert caller.returncode == 3 and "no converter answers" in err


@slow
def test_ctrl_z_stops_the_build_with_its_caller_and_fg_goes_on(runtime: Path, tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"):
        caller, build = _held_build(runtime, tmp_path)
        caller.send_signal(signal.SIGTSTP)
        assert _state_becomes(build, "T") and _state_becomes(caller.pid, "T")
        caller.send_signal(signal.SIGCONT)
        assert _state_becomes(build, "S") and _state_becomes(caller.pid, "S")
        caller.send_signal(signal.SIGINT)
        _, err = caller.communicate(timeout=20)
    assert caller.returncode == 130 and "interrupted" in err


def _state_becomes(pid: int, state: str) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(") ", 1)[1][0] == state:
                return True
        time.sleep(0.05)
    return False


@slow
def test_a_caller_of_other_standing_is_not_served_by_the_host(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    first = wait_for_host(runtime)
    niced = subprocess.run(
        [sys.executable, "-m", "binder", "build", "bad.xlsx", "--converter", NOWHERE],
        cwd=tmp_path,
        env=environ(runtime),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.nice(5),
    )
    assert niced.returncode == 1 and "bad.xlsx" in niced.stderr
    assert next(h for h in hosts(runtime) if h["pid"] == first["pid"])["builds"] == 0
    # A request under the host's own key from a process of other standing is refused before anything.
    (path,) = [p for p in runtime.glob("build-*.sock") if first["key"] in p.name]
    spoof = tmp_path / "spoof.py"
    spoof.write_text(
        textwrap.dedent(
            f"""
            import os, socket, sys
            sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
            from binder.host import wire
            os.nice(5)
            s = socket.socket(socket.AF_UNIX)
            s.connect({str(path)!r})
            request = {{"op": "build", "argv": ["build"], "env": {{}}, "umask": 18, "ignored": [],
                       "stdio": [["utf-8", "strict"]] * 3}}
            wire.send(s, request, [0, 1, 2, os.open(".", os.O_PATH)])
            print(wire.receive(s)[0])
            """
        )
    )
    refused = subprocess.run([sys.executable, str(spoof)], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert refused.stdout.strip() == "None", refused.stderr
    assert next(h for h in hosts(runtime) if h["pid"] == first["pid"])["builds"] == 0


def test_the_fork_begins_with_signals_held_back_and_the_host_gets_its_own_back(tmp_path: Path, monkeypatch) -> None:
    """A SIGTERM for a caller that is gone must reach the build's own handler, never the host's (which the fork
    has until it takes over): so the fork starts with them held back, and ``take_over`` lets them in."""
    seen = {}

    def fork() -> int:
        seen["mask"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        raise OSError("no fork in this test")

    monkeypatch.setattr(server.os, "fork", fork)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    host = server.Host(tmp_path, "key", 60.0, {})
    mine, theirs = socket.socketpair()
    fds = tuple(os.open(os.devnull, os.O_RDONLY) for _ in range(4))
    request = wire.Request(("build",), {}, 0o022, (("utf-8", "strict"),) * 3, (), fds)
    wire.send(theirs, {"go": True})
    assert host._take(mine, request) is None
    assert handoff.HELD <= seen["mask"]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
    assert [wire.receive(theirs)[0] for _ in range(2)] == [{"ready": True}, {"refused": "could not fork"}]
    assert host.builds == 0 and not host.running
    theirs.close()


@slow
def test_a_host_started_by_a_build_stops_on_sigterm_though_the_build_held_signals_back(runtime: Path, tmp_path: Path):
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    pid = wait_for_host(runtime)["pid"]
    with open(f"/proc/{pid}/status") as status:
        blocked = next(line.split()[1] for line in status if line.startswith("SigBlk:"))
    assert int(blocked, 16) == 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and not list(runtime.glob("build-*.sock"))


@slow
def test_a_client_trickling_its_request_holds_the_host_two_seconds_at_most(runtime: Path, tmp_path: Path) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    wait_for_host(runtime)
    (path,) = runtime.glob("build-*.sock")
    trickle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    trickle.connect(str(path))
    trickle.sendall(wire.HEADER.pack(256))
    sender = threading.Thread(target=lambda: [trickle.send(b" ") or time.sleep(0.5) for _ in range(20)])
    sender.start()
    started = time.monotonic()
    answers = hosts(runtime)
    assert answers and time.monotonic() - started < 4.5
    sender.join()
    trickle.close()


def test_a_host_that_takes_a_build_but_never_starts_it_leaves_the_command_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = short_folder()
    folder.chmod(0o700)
    monkeypatch.setenv("BINDER_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("BINDER_NO_DAEMON")
    monkeypatch.setattr(handoff, "STARTED_SECONDS", 0.5)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(
        str(handoff.socket_path(folder, identity.host_key(identity.code_stamp(), os.environ, identity.standing())))
    )
    listener.listen(1)
    released = threading.Event()

    def stalled_host() -> None:
        conn, _ = listener.accept()
        _, fds = wire.receive(conn, wire.STDIO + 1)
        for fd in fds:
            os.close(fd)
        wire.send(conn, {"ready": True})
        wire.receive(conn)  # the go
        released.wait(10)  # stopped, traced, starved: it never says started
        conn.close()

    host = threading.Thread(target=stalled_host)
    host.start()
    started = time.monotonic()
    try:
        assert handoff.hand_off(["build", "book.xlsx"]) == 3
        assert time.monotonic() - started < 1.5
        assert "did not start the build" in capsys.readouterr().err
    finally:
        released.set()
        host.join()
    listener.close()
    shutil.rmtree(folder)


@slow
def test_the_host_reads_again_the_workbook_a_build_read_and_the_next_build_says_the_same(
    runtime: Path, tmp_path: Path
) -> None:
    bad_workbook(tmp_path)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)  # runs here, starts a host
    wait_for_host(runtime)
    binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)  # handed off: tells the host
    deadline = time.monotonic() + 30
    while not hosts(runtime)[0].get("recalled"):
        assert time.monotonic() < deadline, "the host did not read the workbook again"
        time.sleep(0.05)
    data = wb.base()
    data["SOPs"][0]["title"] = ""
    data["Steps"][0]["Action"] = "Collect every timesheet"  # and a warning of its own: no full stop
    data["Revisions"][0]["Date"] = "#REF!"
    wb.write(tmp_path / "bad.xlsx", data)
    handed = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path)
    here = binder(runtime, "build", "bad.xlsx", "--converter", NOWHERE, cwd=tmp_path, BINDER_NO_DAEMON="1")
    assert hosts(runtime)[0]["builds"] == 2
    assert "#REF!" in here.stderr and (handed.returncode, handed.stderr) == (here.returncode, here.stderr)
