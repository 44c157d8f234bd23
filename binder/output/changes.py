"""Between two builds into the same folder: change control and the "Changes in this issue" page.

The previous build's ``manifest.json`` holds each SOP's content fingerprint and
version. An SOP whose content changed while its Version did not is an error at
its Version cell (Draft SOPs are exempt, ``--allow-unversioned`` overrides).
"""

from __future__ import annotations

from binder.model import Library, Sop
from binder.output.fingerprint import fingerprint, parts
from binder.output.manifest import DocumentEntry, Manifest
from binder.problems import Problem


def describe(changed: list[str]) -> str:
    """``['step 2', 'step 4', 'purpose']`` → ``steps 2, 4; purpose``."""
    steps = [c.split(" ", 1)[1] for c in changed if c.startswith("step ") and c != "step list"]
    others = [c for c in changed if not c.startswith("step ") or c == "step list"]
    pieces = []
    if steps:
        pieces.append(("step " if len(steps) == 1 else "steps ") + ", ".join(steps))
    return "; ".join(pieces + others)


def changed_parts(sop: Sop, before: DocumentEntry) -> list[str]:
    """Names of the parts whose hash differs from the previous build's."""
    old = dict(before.content)
    now = parts(sop)
    names = [k for k in now if old.get(k) != now[k] and k != "step list"]
    names += [k for k in old if k not in now and k.startswith("step ")]
    if not names and now.get("step list") != old.get("step list"):
        names.append("step list")
    return sorted(set(names), key=lambda n: (not n.startswith("step "), _step_key(n)))


def _step_key(name: str):
    number = name.split(" ", 1)[1] if name.startswith("step ") else ""
    try:
        return (tuple(int(p) for p in number.split(".")), name)
    except ValueError:
        return ((), name)


def unversioned_changes(library: Library, previous: Manifest | None) -> tuple[Problem, ...]:
    """Errors for SOPs whose content changed since the last build while their Version stayed."""
    problems = []
    for sop in library.sops:
        old = previous.document(sop.sop_id) if previous else None
        if old is None or sop.status == "Draft" or old.version != sop.version:
            continue
        if old.fingerprint == fingerprint(sop):
            continue
        what = describe(changed_parts(sop, old)) or "content"
        problems.append(
            Problem.error(
                sop.origin.at("version"),
                f"{sop.sop_id} changed since the last build ({what}) but Version is still {sop.version}",
                "add a row to Revisions and raise the version (or build with --allow-unversioned while drafting)",
                code="version-not-raised",
                sop_id=sop.sop_id,
            )
        )
    return tuple(problems)
