"""The build's first half, writing nothing: the workbook, every template it uses, and change control
against the output folder's manifest, every problem at once. ``binder validate`` runs it; ``build``
runs it before touching anything.
"""

from __future__ import annotations

from pathlib import Path

from binder.errors import InputError
from binder.model import Library
from binder.options import BuildOptions
from binder.output.changes import unversioned_changes
from binder.output.manifest import MANIFEST, Manifest, ManifestError, read_manifest
from binder.output.writing_cache import check_writing
from binder.problems import Problem, select
from binder.workbook.load import check_workbook
from binder.workbook.writing import STYLE_CODES


def read(workbook: Path, options: BuildOptions) -> tuple[Library, tuple[Problem, ...]]:
    """The valid library and its warnings; every problem at once when there is any error."""
    library, problems = preflight(workbook, options, change_control=False)
    if library is None or any(p.is_error for p in problems):
        raise InputError(problems, source=str(workbook))
    return library, problems


def preflight(
    workbook: Path, options: BuildOptions, change_control: bool = True
) -> tuple[Library | None, tuple[Problem, ...]]:
    """The build's first half, writing nothing: every problem of the workbook, of every template it
    uses, and (with ``change_control``) of change control against the output folder's manifest."""
    library, problems = check_workbook(workbook, today=options.today, include_drafts=options.include_drafts)
    if library is not None:
        problems += template_problems(library)
    if library is not None and options.style:
        # an unchanged SOP's warnings come from the last build's record (``binder.output.writing_cache``)
        out = options.out if options.use_cache else None
        problems += check_writing(library, library.settings.readability_threshold, out)
    if change_control and library is not None and not any(p.is_error for p in problems):
        problems += _change_control_problems(library, options)
    return library, select(
        problems,
        ignore=ignored(library, options),
        per_sop=_ignored_per_sop(library),
        strict=options.strict,
        style=STYLE_CODES,
        strict_style=options.strict_style,
    )


def ignored(library: Library | None, options: BuildOptions) -> tuple[str, ...]:
    """``--ignore`` codes and the Settings' ``Ignore warnings`` codes for every SOP."""
    settings = library.settings.ignore if library else ()
    return options.ignore + tuple(code for sop_id, code in settings if not sop_id)


def _ignored_per_sop(library: Library | None) -> tuple[tuple[str, str], ...]:
    return tuple(pair for pair in (library.settings.ignore if library else ()) if pair[0])


def template_problems(library: Library) -> tuple[Problem, ...]:
    """Every problem of every template the workbook's SOPs and front matter use (not the built-in ones:
    their tests check them). The Settings ``Template`` and ``Front template`` also dress the front
    matter, so the styles it needs that they lack are warned about."""
    from binder.document.check_template import check_template
    from binder.document.front_context import FRONT, SOP
    from binder.document.render import BUILTIN_TEMPLATE, choose_template

    settings = library.settings
    used = dict.fromkeys(choose_template(sop, library) for sop in library.sops)
    if settings.template is not None:
        used.setdefault(settings.template)
    problems = [
        p
        for template in used
        if template != BUILTIN_TEMPLATE and template.is_file()
        for p in check_template(template, kind=SOP, front_styles=template == settings.template)
    ]
    if settings.front_template is not None and settings.front_template.is_file():
        problems += check_template(settings.front_template, kind=FRONT)
    return tuple(problems)


def _change_control_problems(library: Library, options: BuildOptions) -> tuple[Problem, ...]:
    try:
        previous = read_manifest(options.out)
    except ManifestError as exc:
        if options.force:
            return ()
        return (Problem.error(str(options.out / MANIFEST), exc.message, exc.hint, code="manifest-untrusted"),)
    return () if options.allow_unversioned else unversioned_changes(library, previous)


def previous_build(options: BuildOptions) -> Manifest | None:
    """The manifest now in the output folder; with ``--force``, an untrustworthy one is set aside."""
    try:
        return read_manifest(options.out)
    except ManifestError:
        if options.force:
            return None
        raise


def change_control(library: Library, previous: Manifest | None, options: BuildOptions, workbook: Path) -> None:
    if not options.allow_unversioned:
        problems = unversioned_changes(library, previous)
        if problems:
            raise InputError(problems, source=str(workbook))


def judge(warnings: tuple[Problem, ...], options: BuildOptions, workbook: Path) -> None:
    """Under ``--strict``, warnings found during the build stop it too (before anything is committed)."""
    found = select(
        warnings, ignore=options.ignore, strict=options.strict, style=STYLE_CODES, strict_style=options.strict_style
    )
    if any(p.is_error for p in found):
        raise InputError(found, source=str(workbook))
