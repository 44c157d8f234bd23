"""``OUT/site/``: what the pages say, what they link to, and that workbook text stays text (no LibreOffice)."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import wb
from defusedxml import ElementTree
from pipeline import first_build, manifest, rebuild

from binder.build import plan
from binder.document.context import Link
from binder.document.links import sop_link
from binder.options import BuildOptions
from binder.preflight import read
from binder.site.context import SiteMap, safe_url, suggest_link, webify
from binder.site.labels import site_labels
from binder.site.pages import build_site

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with their attributes, headings, text."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[int] = []
        self.text: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_data(self, data):
        self.text.append(data)

    def links(self) -> list[str]:
        return [a["href"] for tag, a in self.tags if tag == "a" and "href" in a]

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def hostile() -> dict:
    data = wb.base()
    data["Steps"][4]["Action"] = f"Is it damaged? {SCRIPT}"
    data["Steps"][5]["Action"] = f"Photograph it {BREAKOUT}"
    data["Steps"][5]["Caution"] = "Wear gloves & <b>boots</b>."
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        import fakes

        fakes.patch_converter(patch)
        book, out, _ = first_build(tmp_path_factory.mktemp("site"), hostile())
    return book, out


def test_the_index_lists_each_department_with_its_sops_version_status_and_next_review(site):
    _, out = site
    page = Page(out / "site" / "index.html")
    text = page.all_text()
    assert ("html", {"lang": "en-GB"}) in page.tags
    for shown in ("Finance", "FIN-001", "Payroll processing", "2.0", "Approved", "1 Mar 2027", "Operations", "OPS-001"):
        assert shown in text
    assert "OPS-002" not in text  # a draft is in no binder, so not on the site
    assert not (out / "site" / "sops" / "OPS-002.html").exists()
    assert "sops/FIN-001.html" in page.links() and "../binders/FIN-binder.pdf" in page.links()
    assert "packs/new-finance-staff.html" in page.links()
    assert page.headings == sorted(page.headings) and page.headings[0] == 1


def test_an_sop_page_has_what_the_pdf_has(site):
    _, out = site
    page = Page(out / "site" / "sops" / "FIN-001.html")
    text = page.all_text()
    for shown in (
        "Payroll processing",
        "Pay staff correctly and on time.",
        "Payroll clerk",
        "Prepares the payroll.",
        "Who performs each step",
        "Gross pay",
        "Check overtime.",
        "Payroll errors",
        "What if a timesheet is late?",
        "Chase the manager.",
        "Revision history",
        "New system.",
        "Lee Chen",
        "CFO",
    ):
        assert shown in text, shown
    links = page.links()
    assert "../../sops/FIN-001.pdf" in links and "../../binders/FIN-binder.pdf" in links
    assert "https://intranet.acme.test/payroll" in links
    assert "OPS-001.html" in links  # the cross-reference to another department's SOP is a link to its page
    levels = page.headings
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))


def test_suggest_a_change_mails_the_help_contact_with_the_sop_id_and_version(site):
    _, out = site
    fin = Page(out / "site" / "sops" / "FIN-001.html").links()
    mail = next(link for link in fin if link.startswith("mailto:"))
    assert mail.startswith("mailto:finance@acme.test?subject=")  # FIN-001 has none: its department's
    assert unquote(mail.split("subject=", 1)[1]) == "Suggest a change: FIN-001 Version 2.0"
    assert " " not in mail
    ops = Page(out / "site" / "sops" / "OPS-001.html").links()
    assert any(link.startswith("mailto:warehouse@acme.test?") for link in ops)


def test_suggest_a_change_only_for_an_email_address():
    words = site_labels("en")
    assert suggest_link(["Call Dana on 4321", "help desk", ""], "FIN-001", "2.0", words) == ""
    assert suggest_link(["a@acme.test or b@acme.test"], "FIN-001", "2.0", words) == ""  # which one?
    office = suggest_link(["Warehouse office, wh@acme.test, ext. 250"], "OPS-001", "1.0", words)
    assert office.startswith("mailto:wh@acme.test?subject=")
    assert suggest_link(["ext. 250", "ops@acme.test"], "OPS-001", "1.0", words).startswith("mailto:ops@acme.test?")
    link = suggest_link(["a&b@acme.test"], "FIN-1 & 2", "1.0?", words)
    assert link.startswith("mailto:a%26b@acme.test?subject=") and "&" not in link.split("?")[1]
    assert unquote(link.split("subject=")[1]) == "Suggest a change: FIN-1 & 2 Version 1.0?"


def test_workbook_text_is_escaped_in_pages_search_index_and_flowchart(site):
    _, out = site
    html = (out / "site" / "sops" / "OPS-001.html").read_text(encoding="utf-8")
    page = Page(out / "site" / "sops" / "OPS-001.html")
    assert SCRIPT not in html and "<img src=x" not in html and "<b>boots" not in html
    assert SCRIPT in page.all_text() and BREAKOUT in page.all_text() and "<b>boots</b>" in page.all_text()
    assert [t for t, a in page.tags if t == "script"] == []
    assert all(a.get("src") != "x" for t, a in page.tags if t == "img")
    script = (out / "site" / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(script.split("=", 1)[1].rstrip().rstrip(";"))
    assert any(SCRIPT in e["text"] for e in index)
    charts = sorted((out / "site" / "sops").glob("OPS-001-flowchart-*.svg"))
    assert charts and all(f'src="{c.name}"' in html for c in charts)
    svg = ElementTree.fromstring(charts[0].read_bytes())
    names = {element.tag.split("}")[-1] for element in svg.iter()}
    assert not names & {"script", "img", "image", "foreignObject", "a"}
    texts = " ".join(e.text or "" for e in svg.iter() if e.tag.endswith("text"))
    assert "<script>" in texts and "onerror" in texts  # the words are there, as text
    assert not any(k.startswith("on") for e in svg.iter() for k in e.attrib)


def test_links_follow_the_schemes_of_the_pdfs():
    site = SiteMap(frozenset({"FIN-001"}))
    assert safe_url("javascript:alert(1)") == "" and safe_url("file:///etc/passwd") == ""
    assert safe_url("https://a.test/x") == "https://a.test/x" and safe_url("mailto:a@b.test") == "mailto:a@b.test"
    assert webify(Link("FIN-001", sop_link("FIN-001")), site)["url"] == "FIN-001.html"
    assert webify(Link("HR-002", sop_link("HR-002")), site)["url"] == ""  # no page: plain text
    assert webify({"url": "vbscript:x", "text": "t"}, site)["url"] == ""


def test_the_manifest_lists_every_site_file_with_its_hash(site):
    _, out = site
    listed = {f["path"]: f["sha256"] for f in manifest(out)["site"]}
    on_disk = {p.relative_to(out).as_posix() for p in (out / "site").rglob("*") if p.is_file()}
    assert set(listed) == on_disk
    import hashlib

    assert all(hashlib.sha256((out / p).read_bytes()).hexdigest() == h for p, h in listed.items())


@pytest.mark.slow  # builds twice or three times (fake conversions): ~1-4 s
def test_unchanged_pages_keep_their_bytes_and_time_stale_pages_go_and_pack_leaves_the_site(tmp_path, converters):
    book, out, _ = first_build(tmp_path, wb.base())
    site = out / "site"
    old = os.stat(site / "sops" / "OPS-001.html")
    before = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    for path in before:
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # any rewrite would show
    data = wb.base()
    data["FAQ"][0]["Answer"] = "Chase the line manager."
    rebuild(book, out, data, allow_unversioned=True)
    assert old.st_ino  # the page existed
    ops = site / "sops" / "OPS-001.html"
    assert os.stat(ops).st_mtime_ns == 1_000_000_000 and ops.read_bytes() == before[ops][0]
    assert os.stat(site / "static" / "site.css").st_mtime_ns == 1_000_000_000
    fin = site / "sops" / "FIN-001.html"
    assert "Chase the line manager." in fin.read_text(encoding="utf-8")
    assert os.stat(fin).st_mtime_ns != 1_000_000_000
    data["SOPs"][1]["Status"] = "Retired"  # OPS-001 leaves its binder, so the site
    data["Training"] = [r for r in data["Training"] if r["SOP ID"] != "OPS-001"]
    rebuild(book, out, data, allow_unversioned=True)
    assert not ops.exists() and not list((site / "sops").glob("OPS-001*"))
    assert {f["path"] for f in manifest(out)["site"]} == {
        p.relative_to(out).as_posix() for p in site.rglob("*") if p.is_file()
    }
    before = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    rebuild(book, out, pack="New finance staff")  # --pack leaves the site as it is
    assert {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in site.rglob("*") if p.is_file()} == before


def site_of(tmp_path: Path, data: dict, include_drafts: bool = False) -> Path:
    """The site alone, made from a workbook (no documents, no conversion): for what pages say."""
    book = wb.write(tmp_path / "book.xlsx", data)
    options = BuildOptions(out=tmp_path / "out", include_drafts=include_drafts, today=wb.TODAY)
    library, _ = read(book, options)
    binders, packs = plan(library, options, book)
    build_site(library, binders, packs, tmp_path / "out", tmp_path / "out", None)
    return tmp_path / "out" / "site"


def test_a_site_written_beside_a_build_waits_for_its_flowcharts_before_the_first_page_with_one(tmp_path, monkeypatch):
    from binder.site import pages
    from binder.workbook.flow import needs_flowchart

    book = wb.write(tmp_path / "book.xlsx", wb.base())
    options = BuildOptions(out=tmp_path / "out", include_drafts=True, today=wb.TODAY)
    library, _ = read(book, options)
    binders, packs = plan(library, options, book)
    events: list[str] = []
    real = pages.flowchart_figures

    def figures(sop, *args):
        events.append(sop.sop_id)
        return real(sop, *args)

    monkeypatch.setattr(pages, "flowchart_figures", figures)
    written = build_site(
        library, binders, packs, tmp_path / "a", tmp_path / "a", None, drawn=lambda: events.append("drawn")
    )
    charted = [sop.sop_id for sop in library.sops if needs_flowchart(sop)]
    assert charted == ["OPS-001"] and pages.waits_for_charts(library, binders)
    assert events == ["FIN-001", "OPS-002", "drawn", "OPS-001"]  # told once, before the page with a chart only
    assert not pages.waits_for_charts(library, binders, keep=True)  # --pack: the site is kept, nothing drawn
    pages_written = [rel for rel in written if rel.startswith("site/sops/") and rel.endswith(".html")]
    assert pages_written == ["site/sops/FIN-001.html", "site/sops/OPS-001.html", "site/sops/OPS-002.html"]
    plain = build_site(library, binders, packs, tmp_path / "b", tmp_path / "b", None)  # as a build without one
    assert written == plain
    assert (tmp_path / "a/site/search-index.js").read_bytes() == (tmp_path / "b/site/search-index.js").read_bytes()


def test_drafts_are_on_the_site_with_include_drafts_under_a_banner(tmp_path):
    site = site_of(tmp_path, wb.base(), include_drafts=True)
    draft = Page(site / "sops" / "OPS-002.html")
    assert "Draft: this SOP is not approved for use." in draft.all_text()
    assert "OPS-002" in Page(site / "index.html").all_text()
    assert "not approved" not in Page(site / "sops" / "FIN-001.html").all_text()


def test_the_page_language_follows_settings(tmp_path):
    data = wb.base()
    data["Settings"][2]["Value"] = "fr"
    data["Steps"] = [s for s in data["Steps"] if s["SOP ID"] != "OPS-001"] + [
        {"SOP ID": "OPS-001", "Step": "1", "Action": "Ranger les marchandises.", "Responsible": "Receiver"}
    ]  # no flowchart to draw: this test is about words
    page = Page(site_of(tmp_path, data) / "sops" / "FIN-001.html")
    assert ("html", {"lang": "fr-FR"}) in page.tags
    assert "Historique des révisions" in page.all_text() and "Objet" in page.all_text()
    assert "Proposer une modification" in page.all_text()


def test_a_step_picture_is_copied_beside_the_page_with_its_alternative_text(tmp_path):
    from PIL import Image

    Image.new("RGB", (40, 30), "red").save(tmp_path / "scanner photo.dat", format="PNG")
    data = wb.base()
    data["Steps"][0]["Image"] = "scanner photo.dat"
    site = site_of(tmp_path, data)
    page = Page(site / "sops" / "FIN-001.html")
    pictures = [a for t, a in page.tags if t == "img"]
    assert pictures == [{"src": "img/FIN-001-1.png", "alt": "Figure — step 1: Collect timesheets.", "loading": "lazy"}]
    assert (site / "sops" / "img" / "FIN-001-1.png").read_bytes() == (tmp_path / "scanner photo.dat").read_bytes()
