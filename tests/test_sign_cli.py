"""``binder sign`` as people run it: the passphrase comes from the environment or a terminal, and the
signed copy is written like every other output. Also the shape of ``binder.signing`` itself."""
from __future__ import annotations

import ast
import os
import stat
import subprocess
import sys
from pathlib import Path

import certs
import pytest
from test_sign import make_binder

from binder.signing.verify import verify_pdf

REPO = Path(__file__).resolve().parent.parent
SIGNING = REPO / "binder" / "signing"


def binder_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, umask: int = -1) -> subprocess.CompletedProcess:
    """``python -m binder ...`` with stdin not a terminal and no passphrase in the environment unless given."""
    clean = {k: v for k, v in os.environ.items() if k != "BINDER_KEY_PASSPHRASE"}
    return subprocess.run([sys.executable, "-m", "binder", *args], capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=120, umask=umask, check=False,
                          env={**clean, "PYTHONPATH": str(REPO), **(env or {})})


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return certs.make_signer(tmp_path_factory.mktemp("pki"))


def test_no_passphrase_and_no_terminal_says_what_to_set(tmp_path, pki):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == "error: no passphrase: set BINDER_KEY_PASSPHRASE"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIN.pdf"]


def test_build_sign_without_a_passphrase_fails_the_same_way_before_building(tmp_path, pki):
    result = binder_cli("build", "--sign", "--key", str(pki.p12), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 3
    assert "no passphrase: set BINDER_KEY_PASSPHRASE" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_wrong_passphrase_from_the_environment_is_still_called_wrong(tmp_path, pki):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path, env={"BINDER_KEY_PASSPHRASE": "nope"})
    assert result.returncode == 3 and "wrong passphrase" in result.stderr
    assert "nope" not in result.stderr


def test_a_key_without_a_passphrase_needs_neither_the_environment_nor_a_terminal(tmp_path):
    open_key = certs.make_signer(tmp_path / "open", passphrase=None)
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(open_key.p12), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert verify_pdf(tmp_path / "FIN.signed.pdf", [open_key.ca.pem]).ok


def test_a_missing_key_file_is_reported_before_any_passphrase(tmp_path):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(tmp_path / "nope.p12"), cwd=tmp_path)
    assert result.returncode == 1 and "key file not found" in result.stderr
    assert "passphrase" not in result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_signed_file_gets_the_mode_any_new_file_gets(tmp_path, pki, umask):
    pdf = make_binder(tmp_path / "FIN.pdf")
    result = binder_cli("sign", str(pdf), "--key", str(pki.p12), cwd=tmp_path, umask=umask,
                        env={"BINDER_KEY_PASSPHRASE": pki.passphrase.decode()})
    assert result.returncode == 0, result.stderr
    previous = os.umask(umask)
    try:
        with open(tmp_path / "normal.pdf", "x"):
            pass
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "FIN.signed.pdf") == _mode(tmp_path / "normal.pdf") == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FIN.pdf", "FIN.signed.pdf", "normal.pdf"]


# -- the package's shape ------------------------------------------------------------------


MAY_IMPORT = ("binder.errors", "binder.files", "binder.model", "binder.signing")


def _imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in SIGNING.glob("*.py")))
def test_each_signing_module_is_small_documented_and_imports_only_what_it_may(module):
    source = (SIGNING / module).read_text(encoding="utf-8")
    assert len(source.splitlines()) < 400
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree) or ""
    assert "\n\n" not in docstring.strip() and "never click, never rich" in " ".join(docstring.split())
    for name in _imports(tree):
        top = name.split(".")[0]
        assert top not in ("click", "rich"), name
        if top == "binder":
            assert name.startswith(MAY_IMPORT), name


def test_the_library_never_prompts():
    """Prompting is the CLI's: nothing in binder.signing reads a terminal or the passphrase variable."""
    for path in SIGNING.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "getpass" not in source and "os.environ" not in source and "isatty" not in source, path.name
