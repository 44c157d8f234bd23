"""The shape of ``binder.signing``: small documented modules that import only what they may, and
never prompt (prompting for the passphrase is the CLI's)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIGNING = Path(__file__).resolve().parents[2] / "binder" / "signing"
MODULES = sorted(p.name for p in SIGNING.glob("*.py"))

MAY_IMPORT = ("binder.errors", "binder.files", "binder.model", "binder.signing")


def _imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_the_package_is_where_these_tests_look():
    assert "sign.py" in MODULES and "verify.py" in MODULES and "__init__.py" in MODULES


@pytest.mark.parametrize("module", MODULES)
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
    assert MODULES
    for name in MODULES:
        source = (SIGNING / name).read_text(encoding="utf-8")
        assert "getpass" not in source and "os.environ" not in source and "isatty" not in source, name
