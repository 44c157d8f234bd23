"""``binder check-template``: find the mistakes in a template before a build trips on them.

Reports Jinja syntax errors, variables the template's context does not provide, unknown
fields of known variables (``sop.titel``, ``labels.purpse``), and whatever a
trial render with a sample SOP (or a sample binder's front matter) still finds, each with the
paragraph it is in. A template is an SOP template or one of the front-matter kinds
(``binder.document.front_context``), told by the variables it uses unless the caller says.
An SOP template or front template also dresses the built-in front matter: the styles it lacks are
a warning.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes

from binder.document.context import sop_context
from binder.document.diagnose import (
    PARAGRAPH_TEXT_LIMIT,
    describe,
    paragraph_text,
    part_kind,
    part_source,
    split_standalone_tags,
    template_code,
    template_problem,
)
from binder.document.front_context import FRONT, SOP, candidate_kinds, sample_front_context
from binder.document.front_styles import missing_front_styles
from binder.document.render import bind, make_environment, open_template
from binder.errors import FileProblem
from binder.model import (
    Approval,
    Definition,
    Department,
    Faq,
    Kpi,
    Library,
    Origin,
    Reference,
    Revision,
    Role,
    Settings,
    Sop,
    Step,
)
from binder.problems import Problem
from binder.text import shorten

HINT = "see docs/templates.md for the variables a template can use"


class _List:
    """The shape of a list: what its items look like."""

    def __init__(self, item: Any) -> None:
        self.item = item


def check_template(
    path: Path, context: Mapping[str, Any] | None = None, kind: str | None = None, front_styles: bool = True
) -> tuple[Problem, ...]:
    """Every mistake found in the template at ``path`` (checked against ``context``, by default the
    sample context of its ``kind``, told from its variables when ``None``); with ``front_styles``,
    a warning for the styles of the front matter it lacks."""
    return check_template_as(path, context, kind, front_styles)[1]


def check_template_as(
    path: Path, context: Mapping[str, Any] | None = None, kind: str | None = None, front_styles: bool = True
) -> tuple[str, tuple[Problem, ...]]:
    """(the kind the template was checked as, its problems): see ``check_template``."""
    try:
        tpl = open_template(path)
    except FileProblem as exc:
        return kind or SOP, exc.problems
    parts = [(part_kind(tpl, part), split_standalone_tags(part_source(tpl, part))) for part in _parts(tpl)]
    if context is not None:
        candidates = [(kind or SOP, dict(context))]
    else:
        kinds = (kind,) if kind else candidate_kinds(*_names_used(parts))
        candidates = [(k, sample_context() if k == SOP else sample_front_context(k)) for k in kinds]
    found = []
    for checked, sample in candidates:
        problems = [p for part, source in parts for p in _check_part(path, part, source, sample)]
        found.append((len(problems), checked, sample, problems))
    _, checked, sample, problems = min(found, key=lambda f: f[0])  # the first of the best fits
    if not problems:
        problems.extend(_trial_render(path, sample))
    if front_styles and checked in (SOP, FRONT) and not any(p.is_error for p in problems):
        problems.extend(_missing_styles(path))
    return checked, tuple(problems)


def _names_used(parts: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The top-level variables and the ``labels`` keys the parts that parse use."""
    names: set[str] = set()
    labels: set[str] = set()
    for _, source in parts:
        try:
            ast = make_environment().parse(source)
        except TemplateSyntaxError:
            continue
        names |= meta.find_undeclared_variables(ast)
        labels |= {
            node.attr
            for node in ast.find_all(nodes.Getattr)
            if isinstance(node.node, nodes.Name) and node.node.name == "labels"
        }
    return sorted(names), sorted(labels)


def _missing_styles(path: Path) -> list[Problem]:
    missing = missing_front_styles(path)
    if not missing:
        return []
    return [
        Problem.warning(
            str(path),
            "the built-in front matter (covers, contents, acknowledgement sheets) takes its styles from this "
            "template when it is the Settings Template or Front template; it has no style "
            f"{', '.join(repr(m) for m in missing)}: the built-in definition is used, in this template's fonts",
            "add the style to the template (copy it from binder's templates/sop.docx) to choose its look",
            code="front-style-missing",
        )
    ]


def _parts(tpl) -> list:
    """The body, then each header and footer part."""
    found = [tpl.docx.part]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        found.extend(part for _, part in tpl.get_headers_footers(uri))
    return found


def _check_part(path: Path, kind: str, source: str, sample: Mapping[str, Any]) -> list[Problem]:
    lines = source.splitlines()

    def problem(message: str, line: int | None) -> Problem:
        text = lines[line - 1] if line and 0 < line <= len(lines) else ""
        where = (
            f' (in the {kind}, paragraph "{shorten(paragraph_text(text), PARAGRAPH_TEXT_LIMIT)}")'
            if text
            else f" (in the {kind})"
        )
        return Problem.error(str(path), message + where, HINT, code=template_code(message))

    try:
        ast = make_environment().parse(source)
    except TemplateSyntaxError as exc:
        return [problem(describe(exc), exc.lineno)]
    found: dict[tuple[str, int], Problem] = {}
    unknown = meta.find_undeclared_variables(ast) - set(sample)
    for name in ast.find_all(nodes.Name):
        if name.ctx == "load" and name.name in unknown:
            found.setdefault((name.name, name.lineno), problem(f'unknown variable "{name.name}"', name.lineno))
    for expr, line in _unknown_fields(ast, _shape(sample)):
        found.setdefault((expr, line), problem(f'unknown field "{expr}"', line))
    return list(found.values())


def _unknown_fields(node: nodes.Node, scope: dict[str, Any]) -> list[tuple[str, int]]:
    """``(expression, line)`` of each ``a.b`` or ``a['b']`` whose ``b`` the context does not have."""
    if isinstance(node, nodes.For):
        found = _unknown_fields(node.iter, scope)
        inner = dict(scope)
        if isinstance(node.target, nodes.Name):
            shape = _resolve(node.iter, scope)
            inner[node.target.name] = shape.item if isinstance(shape, _List) else None
        for child in (*node.body, *([node.test] if node.test else [])):
            found += _unknown_fields(child, inner)
        for child in node.else_:
            found += _unknown_fields(child, scope)
        return found
    found = []
    key = _field_name(node)
    if key is not None:
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))  # the only nodes _field_name names a field of
        base = _resolve(node.node, scope)
        if isinstance(base, dict) and key not in base:
            found.append((f"{_dotted(node.node)}.{key}", node.lineno))
            return found
    for child in node.iter_child_nodes():
        found += _unknown_fields(child, scope)
    return found


def _field_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


def _resolve(node: nodes.Node, scope: dict[str, Any]) -> Any:
    """The shape of an expression made of names and fields; ``None`` when it cannot be known."""
    if isinstance(node, nodes.Name):
        return scope.get(node.name)
    key = _field_name(node)
    if key is not None:
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))  # the only nodes _field_name names a field of
        base = _resolve(node.node, scope)
        return base.get(key) if isinstance(base, dict) else None
    return None


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    key = _field_name(node)
    if key is None:
        return "…"
    assert isinstance(node, (nodes.Getattr, nodes.Getitem))  # the only nodes _field_name names a field of
    return f"{_dotted(node.node)}.{key}"


def _shape(value: Any) -> Any:
    """Dicts keep their keys, lists their item's shape; anything else may hold anything."""
    if isinstance(value, Mapping):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return _List(_shape(value[0]) if value else None)
    return None


def _trial_render(path: Path, sample: Mapping[str, Any]) -> list[Problem]:
    """Render with the sample context: finds what reading alone cannot (type errors, sandbox, broken XML)."""
    tpl = open_template(path)
    try:
        tpl.render(bind(sample, tpl), jinja_env=make_environment(), autoescape=True)
        tpl.save(io.BytesIO())
    except Exception as exc:  # noqa: BLE001 - only the template's own mistakes are reported
        problem = template_problem(tpl, path, exc)
        if problem is None:
            raise
        return [problem]
    return []


def sample_context() -> dict[str, Any]:
    """The context of a sample SOP in which every list has an item, so every field can be checked."""
    origin = Origin("Sample", 2)
    step = Step("1", "Act.", "Clerk", "Details.", "Caution.", "Decision", "End", "End", None, origin)
    sop = Sop(
        "S-1",
        "Sample",
        "D",
        "1.0",
        "Draft",
        "Owner",
        "Everyone",
        date(2026, 1, 31),
        12,
        "Checklist",
        "Purpose.",
        "Scope.",
        "Policy.",
        "Help.",
        ("S-2",),
        None,
        origin,
        steps=(step,),
        roles=(Role("Clerk", "Does it.", origin),),
        definitions=(Definition("Term", "Meaning.", origin),),
        kpis=(Kpi("Measure", "Target", "Monthly", origin),),
        faq=(Faq("Q?", "A.", origin),),
        references=(Reference("Ref", "https://example.org", origin),),
        revisions=(Revision("1.0", date(2026, 1, 1), "Author", "Change.", origin),),
        approvals=(Approval("Approved by", "Name", "Job", date(2026, 1, 2), "Approver", origin),),
    )
    other = Sop(
        "S-2", "Other", "D", "1.0", "Approved", "Owner", "", None, 12, "Steps", "Purpose.", "", "", "", (), None, origin
    )
    library = Library(
        Path("sample.xlsx"),
        "",
        Settings(organisation="Org", confidentiality="Internal"),
        (Department("D", "Dept", "Dept SOPs", "Owner", "Help", origin),),
        (sop, other),
    )
    return sop_context(sop, library)
