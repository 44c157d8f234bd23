"""binder's own source, parsed once per test process: the layering, corpus, reader and signing tests each
read every module's syntax tree, and parsing and walking them again was ~0.5 s of CPU a session."""

from __future__ import annotations

import ast
import functools
import gc
from pathlib import Path


@functools.cache
def tree(path: Path) -> ast.Module:
    """The module at ``path`` parsed; the tests only read it."""
    parsed = ast.parse(path.read_text(encoding="utf-8"), str(path))
    gc.freeze()  # kept to the session's end: every later full collection would walk its nodes again
    return parsed


@functools.cache
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of the module at ``path``, in the order ``ast.walk`` gives them."""
    return tuple(ast.walk(tree(path)))
