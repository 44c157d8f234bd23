"""What changed in a signed PDF after each of its signatures, in words a person can check.
Owns the difference analysis behind ``binder verify``. After a signature only three kinds of
incremental update are acceptable: further signatures, validation data (a DSS) and document
timestamps; in those, the /Info ``/ModDate`` and ``/Producer`` and the XMP ``xmp:ModifyDate``,
``xmp:MetadataDate`` and ``pdf:Producer`` that signing tools rewrite may change too. Anything
else is a finding: any other /Info or XMP change (compared here key by key, since pyHanko's
standard policy accepts any well-formed metadata), any object changed, added or freed in
another kind of update, whatever pyHanko's ``StandardDiffPolicy`` refuses in an acceptable
one, and bytes after the last revision. It may import pyHanko, and from binder only
``binder.errors``, ``binder.files``, ``binder.model`` and other ``binder.signing`` modules;
never click, never rich.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.metadata import model as xmp_model
from pyhanko.pdf_utils.metadata.xmp_xml import parse_xmp
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DiffResult,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
    XrefStreamRule,
)
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature

from binder.signing.objects import describe, plain, raw, ref_of

SIGNATURE, TIMESTAMP, VALIDATION_DATA = "signature", "document timestamp", "validation data"
"""The kinds of update acceptable after a signature."""
APPENDED = "bytes appended after the end of the signed file"
INFO_REWRITTEN_BY_SIGNERS = frozenset({"/ModDate", "/Producer"})
XMP_REWRITTEN_BY_SIGNERS = frozenset(
    {
        xmp_model.XMP_MODDATE,
        xmp_model.PDF_PRODUCER,
        xmp_model.ExpandedName(ns=xmp_model.NS["xmp"], local_name="MetadataDate"),
    }
)
PDF_WHITESPACE = b"\x00\t\n\x0c\r "

# pyHanko's standard rules, except that /Info and /Metadata are let through whatever they hold:
# their content is compared here, key by key, and reported in words.
POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule(check_xml_syntax=False).as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(
        field_rules=[SigFieldCreationRule(), SigFieldModificationRule(), GenericFieldModificationRule()],
    ),
)


@dataclass(frozen=True)
class Changes:
    """What came after one signature."""

    findings: tuple[str, ...]
    """Each change that should not be there, one line each; empty when none."""
    added: frozenset[str]
    """The acceptable kinds of update that came after it (``SIGNATURE``, ``TIMESTAMP``, ``VALIDATION_DATA``)."""


def changes_after(reader: PdfFileReader, sig: EmbeddedPdfSignature, whole_revision: bool, appended: bool) -> Changes:
    """Every change after ``sig``'s revision (which must be intact) up to the end of the file.

    ``whole_revision``: the signature covers its whole revision (pyHanko's coverage level);
    ``appended``: bytes that are no revision follow the last one.
    """
    findings: list[str] = []
    added: set[str] = set()
    if not whole_revision:
        findings.append("the signature does not cover a whole revision of the file")
    else:
        kinds = _revision_kinds(reader, sig.signed_revision)
        worst = ModificationLevel.NONE
        for number in range(sig.signed_revision + 1, reader.xrefs.total_revisions):
            kind = kinds.get(number, set())
            added |= kind
            new_findings, level = _revision_findings(reader, number, kind, sig)
            findings += new_findings
            worst = max(worst, level)
        docmdp = sig.docmdp_level
        if docmdp is not None and worst.value > docmdp.value:
            findings.append("changes that the certification signature does not permit")
    if appended:
        findings.append(APPENDED)
    return Changes(tuple(dict.fromkeys(findings)), frozenset(added))


def bytes_after_last_revision(reader: PdfFileReader) -> bool:
    """Whether anything but white space follows the ``%%EOF`` of the file's last revision."""
    try:
        xrefs = reader.xrefs
        start = xrefs.get_xref_container_info(xrefs.total_revisions - 1).end_location
        stream = reader.stream
        stream.seek(start)
        tail = stream.read()
    except (AttributeError, IndexError, KeyError, OSError, ValueError):  # no usable cross-reference data
        return False
    at = tail.find(b"%%EOF")
    return at >= 0 and bool(tail[at + 5 :].strip(PDF_WHITESPACE))


def signed_prefixes(data: bytes, tries: int = 16) -> Iterator[bytes]:
    """The file cut after each ``%%EOF`` (and its end-of-line), latest first, shorter than the file.

    For a file that cannot be read whole because something was appended to it.
    """
    end = len(data)
    for _ in range(tries):
        at = data.rfind(b"%%EOF", 0, end)
        if at < 0:
            return
        cut = at + 5
        cut += 2 if data[cut : cut + 2] == b"\r\n" else 1 if data[cut : cut + 1] in (b"\r", b"\n") else 0
        if data[cut:].strip(PDF_WHITESPACE):
            yield data[:cut]
        end = at


# -- one revision -------------------------------------------------------------------------


def _revision_kinds(reader: PdfFileReader, signed: int) -> dict[int, set[str]]:
    """Revision number -> the acceptable kinds of update it is (none: it is something else)."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for kind, signatures in (
        (SIGNATURE, reader.embedded_regular_signatures),
        (TIMESTAMP, reader.embedded_timestamp_signatures),
    ):
        for other in signatures:
            kinds[other.signed_revision].add(kind)
    for number in range(signed + 1, reader.xrefs.total_revisions):
        if _dss_changed(reader.get_historical_resolver(number - 1), reader.get_historical_resolver(number)):
            kinds[number].add(VALIDATION_DATA)
    return kinds


def _dss_changed(old: HistoricalResolver, new: HistoricalResolver) -> bool:
    new_dss, old_dss = raw(new.root, "/DSS"), raw(old.root, "/DSS")
    if new_dss is None:
        return False
    if isinstance(new_dss, generic.IndirectObject):
        return new_dss.reference in new.explicit_refs_in_revision() or plain(old_dss) != plain(new_dss)
    return plain(old_dss) != plain(new_dss)


def _revision_findings(
    reader: PdfFileReader, number: int, kind: set[str], sig: EmbeddedPdfSignature
) -> tuple[list[str], ModificationLevel]:
    """What revision ``number`` changed that it should not have, compared with the one before."""
    old, new = reader.get_historical_resolver(number - 1), reader.get_historical_resolver(number)
    findings = _info_changes(old, new, bool(kind)) + _xmp_changes(old, new, bool(kind))
    if old.root_ref != new.root_ref:
        findings.append("the document catalog was replaced after signing")
    if not kind:
        return findings + _object_changes(old, new), ModificationLevel.NONE
    # an acceptable kind of update: pyHanko's rules say whether it holds anything else
    try:
        result = POLICY.apply(old, new, field_mdp_spec=sig.fieldmdp, doc_mdp=sig.docmdp_level)
    except SuspiciousModification as exc:
        return findings + _suspicious(exc, old, new), ModificationLevel.OTHER
    return findings + _form_changes(result, new), result.modification_level


def _form_changes(result: DiffResult, new: HistoricalResolver) -> list[str]:
    if result.modification_level == ModificationLevel.ANNOTATIONS:
        return ["annotations changed after signing"]
    if result.modification_level != ModificationLevel.FORM_FILLING:
        return []
    try:
        signature_fields = {name for name, _, _ in enumerate_sig_fields(new)}
    except Exception:  # a broken AcroForm: every changed field counts
        signature_fields = set()
    filled = sorted(set(result.changed_form_fields) - signature_fields)
    return [f"form field(s) {', '.join(filled)} filled in after signing"] if filled else []


REFERENCE = re.compile(r"Reference\(idnum=(\d+), generation=(\d+)\)")


def _suspicious(exc: SuspiciousModification, old: HistoricalResolver, new: HistoricalResolver) -> list[str]:
    """pyHanko's objection in words: the objects it could not explain, else its own first line."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    refs = [generic.Reference(int(n), int(g)) for n, g in REFERENCE.findall(first)]
    described = describe(refs, old, new) if "unexplained" in first else []
    return described or [f"content changed after signing ({first})"]


# -- metadata -----------------------------------------------------------------------------


def _info_changes(old: HistoricalResolver, new: HistoricalResolver, acceptable: bool) -> list[str]:
    before, after = _info(old), _info(new)
    ignored = INFO_REWRITTEN_BY_SIGNERS if acceptable else frozenset()
    keys = (before.keys() | after.keys()) - ignored
    findings = []
    for verb, chosen in (
        ("changed", lambda k: k in before and k in after and before[k] != after[k]),
        ("added", lambda k: k not in before),
        ("removed", lambda k: k not in after),
    ):
        names = sorted(k for k in keys if chosen(k))
        if names:
            findings.append(f"document information ({', '.join(names)}) {verb} after signing")
    return findings


def _info(resolver: HistoricalResolver) -> dict[str, object]:
    value = raw(resolver.trailer_view, "/Info")
    if value is None:
        return {}
    # the trailer's references resolve in the latest revision: look this one up in the resolver's
    info = resolver(value.reference) if isinstance(value, generic.IndirectObject) else value
    if not isinstance(info, generic.DictionaryObject):
        return {"(not a dictionary)": plain(info)}
    return {str(key): plain(info.raw_get(key), resolve=True) for key in info}


def _xmp_changes(old: HistoricalResolver, new: HistoricalResolver, acceptable: bool) -> list[str]:
    old_ref, new_ref = raw(old.root, "/Metadata"), raw(new.root, "/Metadata")
    if plain(old_ref) == plain(new_ref) and not (
        isinstance(new_ref, generic.IndirectObject) and new_ref.reference in new.explicit_refs_in_revision()
    ):
        return []  # not touched in this revision
    before, after = _xmp(old, old_ref), _xmp(new, new_ref)
    if after is None:
        return ["XMP metadata replaced with something that is not XMP after signing"]
    if before is None:
        before = {}  # there was none (or none readable): everything in the new one is added
    ignored = XMP_REWRITTEN_BY_SIGNERS if acceptable else frozenset()
    names = sorted(_prefixed(k) for k in (before.keys() | after.keys()) - ignored if before.get(k) != after.get(k))
    if not names:
        return []
    if new_ref is None:
        return ["XMP metadata removed after signing"]
    return [f"XMP metadata ({', '.join(names)}) changed after signing"]


def _xmp(resolver: HistoricalResolver, value) -> dict | None:
    """Property -> its values in every rdf:Description; {} for no metadata, None for a stream that is not XMP."""
    if value is None:
        return {}
    try:
        stream = resolver(value.reference) if isinstance(value, generic.IndirectObject) else value
        roots = parse_xmp(io.BytesIO(stream.data))
    except Exception:  # any damage: not XMP any more
        return None
    found: dict[xmp_model.ExpandedName, list] = defaultdict(list)
    for root in roots:
        for name, item in root:
            if name.ns != xmp_model.NS["rdf"]:  # rdf:about and the like are not metadata
                found[name].append(item)
    return dict(found)


def _prefixed(name: xmp_model.ExpandedName) -> str:
    prefixes = {uri: prefix for prefix, uri in xmp_model.NS.items()}
    return f"{prefixes[name.ns]}:{name.local_name}" if name.ns in prefixes else str(name)


# -- other objects ------------------------------------------------------------------------


def _object_changes(old: HistoricalResolver, new: HistoricalResolver) -> list[str]:
    """Every object an update that is no signature, DSS or timestamp wrote, freed or replaced."""
    skip = {ref_of(raw(new.trailer_view, "/Info")), ref_of(raw(new.root, "/Metadata"))}  # compared above
    written = []
    for ref in sorted(new.explicit_refs_in_revision(), key=lambda r: (r.idnum, r.generation)):
        obj = new(ref)
        if ref in skip or (isinstance(obj, generic.StreamObject) and obj.get("/Type") in ("/XRef", "/ObjStm")):
            continue  # how the update is stored, not what it says
        if old.is_ref_unassignable(ref) or _content(old, ref) != _content(new, ref):
            written.append(ref)
    findings = describe(written, old, new)
    freed = new.refs_freed_in_revision()
    if freed:
        findings.append(f"{len(freed)} object(s) deleted after signing")
    return findings


def _content(resolver: HistoricalResolver, ref: generic.Reference):
    """The object as plain data; for the catalog, less its /Metadata entry (compared with the XMP)."""
    value = plain(resolver(ref))
    if ref == resolver.root_ref and isinstance(value, tuple):
        return tuple(item for item in value if item[0] != "/Metadata")
    return value
