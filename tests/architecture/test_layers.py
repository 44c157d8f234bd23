"""The house plan holds: stages only import the layers below them, there are no import cycles,
no module is over 400 lines, click and rich stay in the command line, and the README's Development tree
names every module where it is."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest
import sources

ROOT = Path(__file__).resolve().parents[2] / "binder"
LAYERS = [
    {
        "binder.model",
        "binder.problems",
        "binder.errors",
        "binder.files",
        "binder.text",
        "binder.interrupts",
        "binder.parallel",
        "binder.runtime",
        "binder.examples",
    },
    {"binder.workbook"},
    {"binder.document"},
    {"binder.convert"},
    {"binder.signing"},
    {"binder.output"},
    {"binder.redline"},
    {"binder.issue"},
    {"binder.training"},
    {"binder.site"},
    {
        "binder.options",
        "binder.preflight",
        "binder.build",
        "binder.watch",
        "binder.console",
        "binder.cli",
        "binder.host",
        "binder.__main__",
        "binder",
    },
]
"""Lowest first. A module may import its own layer's modules and those of lower layers only."""
CLI_ONLY = {"click", "rich"}
CLI_MODULES = {"binder.console", "binder.__main__", "binder.workbook.status"}
"""``status`` builds the rich table the CLI prints; nothing else may touch the terminal."""
MAX_LINES = 400


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def test_the_package_is_where_these_tests_look():
    assert {"binder", "binder.build", "binder.cli.main", "binder.workbook.load"} <= set(MODULES)


def layer(name: str) -> int:
    for rank, members in enumerate(LAYERS):
        if any(name == m or name.startswith(m + ".") for m in members - {"binder"}) or name in members:
            return rank
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


@functools.cache  # three tests read every module's imports: each module is parsed once
def imports(path: Path) -> frozenset[str]:
    found = set()
    for node in sources.nodes(path):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES}
    return frozenset(found)


def internal(path: Path) -> set[str]:
    own = module_name(path)
    return {i for i in imports(path) if i in MODULES and i not in ("binder", own)}


@pytest.mark.parametrize("name", [n for n in MODULES if n != "binder.convert.worker"])
def test_no_module_imports_a_higher_layer(name):
    own = layer(name)
    higher = sorted(i for i in internal(MODULES[name]) if layer(i) > own)
    assert not higher, f"{name} (layer {own}) imports higher layers: {higher}"


def test_there_are_no_import_cycles():
    graph = {name: internal(path) for name, path in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " → ".join(stack[stack.index(nxt) :] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name)


def test_click_and_rich_only_in_the_command_line():
    offenders = sorted(
        name
        for name, path in MODULES.items()
        if name not in CLI_MODULES
        and name != "binder.cli"
        and not name.startswith("binder.cli.")
        and any(i.split(".")[0] in CLI_ONLY for i in imports(path))
    )
    assert not offenders


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long


def test_every_package_says_what_it_owns_and_may_import():
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name != "binder":
            doc = ast.get_docstring(sources.tree(path))
            assert doc and "import" in doc.lower(), (
                f"{name}: its docstring must say what it owns and what it may import"
            )


def readme_tree() -> dict[str, str]:
    """Each module the README's Development tree names ("workbook/writing/checks.py"), with its package's line."""
    text = (ROOT.parent / "README.md").read_text()
    block = text.split("\n## Development", 1)[1].split("```", 2)[1]
    named: dict[str, str] = {}
    package = ""
    for line in block.splitlines()[2:]:  # after the opening fence's rest and "binder/"
        indent = len(line) - len(line.lstrip())
        head = line.split()[0]
        if indent == 2:
            package = head if head.endswith("/") else ""
        elif head.endswith("/"):  # a sub-package, under its package's line
            package = package.split("/")[0] + "/" + head
        elif indent < 16 and package.count("/") > 1:
            package = package.split("/")[0] + "/"
        for name in re.findall(r"[\w]+\.py\b", line):
            named[package + name] = line.strip()
    return named


def test_the_readmes_tree_names_every_module_and_no_other():
    files = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py") if p.name != "__init__.py"}
    named = set(readme_tree())
    assert sorted(files - named) == [], "modules missing from the README's Development tree"
    assert sorted(named - files) == [], "the README's Development tree names modules that are not there"
