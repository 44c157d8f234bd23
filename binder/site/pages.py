"""Write ``OUT/site/`` into the build's staging folder: the index, a page per SOP and per training pack.

The site holds the SOPs the binders hold (drafts only with ``--include-drafts``). A page whose bytes
did not change is not written again: the previous build's file is linked into staging, so the
commit moves the same file (bytes and modification time) back into place. Every file written is
returned, for the manifest: the next build replaces or removes exactly those.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from binder.document.labels import language_tag, status_label
from binder.files import link_or_copy, write_bytes
from binder.issue.plan import IssuePlan
from binder.model import Library
from binder.output.documents import WORK
from binder.output.manifest import Manifest
from binder.site import search
from binder.site.assets import flowchart_figures, step_pictures
from binder.site.context import SiteMap, page_context, sop_page, web_text
from binder.site.labels import site_labels
from binder.workbook.flow import needs_flowchart
from binder.workbook.names import pack_file_stem

SITE = "site"
STATIC = ("site.css", "search.js")


@dataclass(frozen=True)
class SiteInput:
    library: Library
    binders: tuple[IssuePlan, ...]
    packs: tuple[IssuePlan, ...]
    root: Path
    """The staging folder."""
    out: Path
    """The output folder, where the previous site is."""
    previous: frozenset[str]
    """The previous build's site files (relative to ``out``), as its manifest lists them."""
    work: Path
    """The build's work folder: the flowcharts drawn for the Word documents are there."""
    timeout: float = 180.0
    drawn: Callable[[], object] = lambda: None
    """Returns once the flowcharts of the SOPs this build renders are drawn into ``work`` (a site written beside the
    build, from its start, waits there before the first page with a flowchart: ``waits_for_charts``)."""


def build_site(
    library: Library,
    binders: tuple[IssuePlan, ...],
    packs: tuple[IssuePlan, ...],
    root: Path,
    out: Path,
    previous: Manifest | None,
    *,
    keep: bool = False,
    timeout: float = 180.0,
    drawn: Callable[[], object] = lambda: None,
) -> tuple[str, ...]:
    """The site into staging ``root`` (``keep``: the previous one as it is, for ``--pack``); its files. ``drawn``:
    returns once this build's flowcharts are drawn (``SiteInput.drawn``)."""
    before = site_files(previous.paths if previous else ())
    if keep:
        return keep_site(out, root, before)
    return write_site(SiteInput(library, binders, packs, root, out, before, root / WORK, timeout, cache(drawn)))


def waits_for_charts(library: Library, binders: tuple[IssuePlan, ...], keep: bool = False) -> bool:
    """Whether writing the site asks ``drawn``: it has a page with a flowchart."""
    return not keep and any(needs_flowchart(library.sop(i)) for plan in binders for i in plan.sop_ids)


def write_site(given: SiteInput) -> tuple[str, ...]:
    """Write the whole site into ``given.root / site``; the files written, relative to the root."""
    library = given.library
    lang = library.settings.language
    words = site_labels(lang)
    files = _Files(given.root, given.out, given.previous)
    site = SiteMap(
        frozenset(i for plan in given.binders for i in plan.sop_ids),
        {plan.name: plan.path for plan in given.binders},
    )
    common = {"words": words, "lang_tag": language_tag(lang), "org": web_text(library.settings.organisation)}
    made: dict[str, tuple[dict[str, Any], list[str]]] = {}
    start = len(files.written)
    ordered = sorted(site.sops)
    # The pages with a flowchart last: written beside the build, the site waits there for the charts it draws.
    for sop_id in sorted(ordered, key=lambda i: needs_flowchart(library.sop(i))):
        sop = library.sop(sop_id)
        if needs_flowchart(sop):
            given.drawn()
        first = len(files.written)
        pictures = step_pictures(sop, library, words, files)
        chart = flowchart_figures(sop, library, words, given.work, given.out, given.previous, files, given.timeout)
        context = page_context(sop, library, site, words, pictures, chart)
        title = f"{context['sop']['id']} {context['sop']['title']}"
        files.page(f"{SITE}/sops/{sop_id}.html", "sop.html.j2", common | context | {"root": "../", "title": title})
        made[sop_id] = context, files.written[first:]
    contexts = {sop_id: made[sop_id][0] for sop_id in ordered}
    files.written[start:] = [rel for sop_id in ordered for rel in made[sop_id][1]]  # in the SOPs' order, however made
    packs = [_pack(plan, library, site, lang) for plan in given.packs]
    for pack in packs:
        files.page(
            f"{SITE}/packs/{pack['stem']}.html",
            "pack.html.j2",
            common | {"root": "../", "title": pack["name"], "pack": pack},
        )
    files.page(
        f"{SITE}/index.html",
        "index.html.j2",
        common
        | {
            "root": "",
            "title": words["standard_operating_procedures"],
            "departments": _departments(library, given.binders, contexts),
            "packs": packs,
        },
    )
    files(
        f"{SITE}/search-index.js",
        search.index_script([search.entry(c, f"sops/{sop_page(i)}") for i, c in contexts.items()]),
    )
    for name in STATIC:
        files(f"{SITE}/static/{name}", resources.files("binder.site").joinpath("static", name).read_bytes())
    return tuple(files.written)


def keep_site(out: Path, root: Path, previous: frozenset[str]) -> tuple[str, ...]:
    """``--pack`` leaves the site as it is: the previous build's site files, carried into staging."""
    kept = []
    for rel in sorted(previous):
        if _is_file(out / rel):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            _link(out / rel, root / rel)
            kept.append(rel)
    return tuple(kept)


def site_files(paths) -> frozenset[str]:
    """The site's files among a manifest's paths."""
    return frozenset(p for p in paths if p.startswith(f"{SITE}/"))


class _Files:
    """Writes site files into staging, reusing the previous file when the bytes are the same."""

    def __init__(self, root: Path, out: Path, previous: frozenset[str]) -> None:
        self.root, self.out, self.previous = root, out, previous
        self.written: list[str] = []

    def __call__(self, rel: str, data: bytes) -> None:
        target, old = self.root / rel, self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in self.previous and _is_file(old) and old.stat().st_size == len(data) and old.read_bytes() == data:
            _link(old, target)
        else:
            write_bytes(target, data)
        self.written.append(rel)

    def page(self, rel: str, template: str, context: dict[str, Any]) -> None:
        self(rel, environment().get_template(template).render(context).encode())


def _link(source: Path, target: Path) -> None:
    """A hard link (same file, same modification time), else a copy that keeps the time."""
    target.unlink(missing_ok=True)
    link_or_copy(source, target)
    if os.stat(source).st_ino != os.stat(target).st_ino:
        shutil.copystat(source, target)


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


_ENVIRONMENT: Environment | None = None


def environment() -> Environment:
    """Jinja with autoescape on for every page: workbook text is data, never markup."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = Environment(
            loader=PackageLoader("binder.site", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    return _ENVIRONMENT


def compile_templates() -> None:
    """Compile every page template into the environment's cache: a build host does it once for its builds."""
    for name in environment().list_templates(extensions=["j2"]):
        environment().get_template(name)


def _departments(
    library: Library, binders: tuple[IssuePlan, ...], contexts: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    found = []
    for plan in binders:
        dept = library.department(plan.name)
        sops = [{**contexts[i]["sop"], "href": f"sops/{sop_page(i)}"} for i in plan.sop_ids if i in contexts]
        found.append(
            {
                "code": web_text(dept.code),
                "name": web_text(dept.name),
                "anchor": "dept-" + quote(dept.code, safe=""),
                "binder": f"../{quote(plan.path)}",
                "sops": sops,
            }
        )
    return found


def _pack(plan: IssuePlan, library: Library, site: SiteMap, lang: str) -> dict[str, Any]:
    stem = pack_file_stem(plan.name)
    sops = []
    for sop_id in plan.sop_ids:
        sop = library.sop(sop_id)
        sops.append(
            {
                "id": web_text(sop_id),
                "title": web_text(sop.title),
                "version": web_text(sop.version),
                "status_label": status_label(sop.status, lang),
                "href": f"../sops/{sop_page(sop_id)}" if sop_id in site.sops else "",
            }
        )
    return {
        "name": web_text(plan.name),
        "stem": stem,
        "href": f"packs/{quote(stem)}.html",
        "pdf": f"../../{quote(plan.path)}",
        "record": f"../../{quote(plan.record)}" if plan.record else "",
        "sops": sops,
    }
