"""``binder sign`` as people run it: the passphrase comes from the environment or a terminal, and the
signed copy is written like every other output.

Each command runs in this process (``support/cli.py``) and, in the slow run, as a real
``python -m binder`` whose standard input is not a terminal. The shape of ``binder.signing``
itself is tested in ``tests/signing/test_signing_package.py``."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import certs
import cli
import pytest
from sample_binder import make_binder

from binder.cli import read_passphrase
from binder.signing.verify import verify_pdf

REPO = Path(__file__).resolve().parents[2]


def _subprocess(
    *args: str, cwd: Path, env: dict[str, str] | None = None, umask: int = -1
) -> subprocess.CompletedProcess:
    """``python -m binder ...`` with stdin not a terminal and no passphrase in the environment unless given."""
    clean = {k: v for k, v in os.environ.items() if k != "BINDER_KEY_PASSPHRASE"}
    return subprocess.run(
        [sys.executable, "-m", "binder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=120,
        umask=umask,
        check=False,
        env={**clean, "PYTHONPATH": str(REPO), **(env or {})},
    )


def _in_process(*args: str, cwd: Path, env: dict[str, str] | None = None, umask: int = -1) -> cli.Result:
    """The same in this process: stdin not a terminal, no passphrase in the environment unless given."""
    return cli.run(
        *args,
        cwd=cwd,
        env={"BINDER_KEY_PASSPHRASE": None, **(env or {})},
        stdin_tty=False,
        umask=None if umask == -1 else umask,
    )


@pytest.fixture(
    params=[
        pytest.param(_in_process, id="in-process"),
        pytest.param(_subprocess, id="subprocess", marks=pytest.mark.slow),
    ]
)
def binder_cli(request):
    """Runs ``binder``: in this process, and (slow) as a real process."""
    return request.param


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return certs.make_signer(tmp_path_factory.mktemp("pki"))


def test_no_passphrase_and_no_terminal_says_what_to_set(tmp_path, pki, binder_cli):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == "error: no passphrase: set BINDER_KEY_PASSPHRASE"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIN.pdf"]


def test_build_sign_without_a_passphrase_fails_the_same_way_before_building(tmp_path, pki, binder_cli):
    result = binder_cli("build", "--sign", "--key", str(pki.p12), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 3
    assert "no passphrase: set BINDER_KEY_PASSPHRASE" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_wrong_passphrase_from_the_environment_is_still_called_wrong(tmp_path, pki, binder_cli):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path, env={"BINDER_KEY_PASSPHRASE": "nope"})
    assert result.returncode == 3 and "wrong passphrase" in result.stderr
    assert "nope" not in result.stderr


def test_a_key_without_a_passphrase_needs_neither_the_environment_nor_a_terminal(tmp_path, binder_cli):
    open_key = certs.make_signer(tmp_path / "open", passphrase=None)
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(open_key.p12), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verify_pdf(tmp_path / "FIN.signed.pdf", [open_key.ca.pem]).ok


def test_a_missing_key_file_is_reported_before_any_passphrase(tmp_path, binder_cli):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(tmp_path / "nope.p12"), cwd=tmp_path)
    assert result.returncode == 1 and "key file not found" in result.stderr
    assert "passphrase" not in result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_signed_file_gets_the_mode_any_new_file_gets(tmp_path, pki, umask, binder_cli):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli(
        "sign",
        str(pdf),
        "--key",
        str(pki.p12),
        cwd=tmp_path,
        umask=umask,
        env={"BINDER_KEY_PASSPHRASE": pki.passphrase.decode()},
    )
    assert result.returncode == 0, result.stderr
    previous = os.umask(umask)
    try:
        with open(tmp_path / "normal.pdf", "x"):
            pass
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "FIN.signed.pdf") == _mode(tmp_path / "normal.pdf") == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIN.pdf", "FIN.signed.pdf", "normal.pdf"]


def test_on_a_terminal_the_passphrase_is_asked_for_and_never_shown(tmp_path, pki, monkeypatch):
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or pki.passphrase.decode())
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = cli.run(
        "sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path, env={"BINDER_KEY_PASSPHRASE": None}, stdin_tty=True
    )
    assert result.returncode == 0, result.stderr
    assert asked == ["Passphrase for the signing key: "]
    assert pki.passphrase.decode() not in result.stdout + result.stderr
    assert verify_pdf(tmp_path / "FIN.signed.pdf", [pki.ca.pem]).ok


# -- reading the passphrase ---------------------------------------------------------------------------


def test_read_passphrase_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("BINDER_KEY_PASSPHRASE", "s3cret")
    assert read_passphrase(prompt=True) == b"s3cret"
    monkeypatch.setenv("BINDER_KEY_PASSPHRASE", "")
    assert read_passphrase(prompt=True) is None


def test_read_passphrase_prompts_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("BINDER_KEY_PASSPHRASE", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "typed")

    class Tty:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.setattr("sys.stdin", Tty(True))
    assert read_passphrase(prompt=True) == b"typed"
    assert read_passphrase(prompt=False) is None
    monkeypatch.setattr("sys.stdin", Tty(False))
    assert read_passphrase(prompt=True) is None


@pytest.mark.slow
def test_the_stamp_font_is_kept_in_the_users_cache_between_runs(tmp_path, pki):
    pdf = make_binder(tmp_path / "FIN.pdf")
    env = {"BINDER_KEY_PASSPHRASE": pki.passphrase.decode(), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    fonts = tmp_path / "xdg" / "binder" / "stamp-fonts"
    kept = []
    for out in ("one.pdf", "two.pdf"):
        result = _subprocess("sign", str(pdf), "--key", str(pki.p12), "--out", out, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert verify_pdf(tmp_path / out, [pki.ca.pem]).ok
        (entry,) = fonts.iterdir()
        assert entry.suffix == ".ttf" and entry.stat().st_size > 10_000
        kept.append((entry.stat().st_ino, entry.stat().st_mtime_ns))
    assert kept[0] == kept[1]  # the second run read the first run's font instead of writing it again
