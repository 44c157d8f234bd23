"""The manifest's hashes are those of the files: an SOP's come from what the build already knows (its cache,
checked when found; the bytes it wrote), and they must still be the files' own, in a rebuild too. A ``--pack``
build carries the other SOPs' files over with the hashes recorded for them: a file changed since stays seen."""

from __future__ import annotations

import wb
from pipeline import manifest, revised_fin_001, sha256, two_packs

from binder.build import BuildOptions, build


def recorded(out) -> dict[str, str]:
    """Every file the manifest lists, with the hash it records."""
    data = manifest(out)
    found = {}
    for doc in data["documents"]:
        found |= {doc[kind]: doc["sha256"][kind] for kind in ("docx", "pdf", "content_file")}
    for issue in data["binders"] + data["packs"]:
        found[issue["path"]] = issue["sha256"]
        if issue.get("record"):
            found[issue["record"]] = issue["record_sha256"]
    found |= {page["path"]: page["sha256"] for page in data["site"]}
    return found


def test_every_hash_the_manifest_records_is_its_files_after_a_build_and_a_rebuild(built):
    book, out = built
    for _ in range(2):
        files = recorded(out)
        assert len(files) > 20
        assert {rel: sha256(out / rel) for rel in files} == files
        wb.write(book, revised_fin_001(two_packs()))
        build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1))


def test_a_pack_build_keeps_the_recorded_hashes_of_the_sops_it_carries_over(built):
    book, out = built
    before = {d["sop_id"]: d["sha256"] for d in manifest(out)["documents"]}
    kept = out / "sops" / "FIN-001.pdf"  # not in the pack built
    kept.write_bytes(kept.read_bytes() + b"%changed since\n")
    build(book, BuildOptions(out=out, today=wb.TODAY, jobs=1, pack="Warehouse basics"))
    after = {d["sop_id"]: d["sha256"] for d in manifest(out)["documents"]}
    assert after["FIN-001"]["pdf"] == before["FIN-001"]["pdf"] != sha256(kept)
    assert after["OPS-001"]["pdf"] == sha256(out / "sops" / "OPS-001.pdf")  # the pack's SOP, made again
