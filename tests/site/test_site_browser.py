"""The site in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright, axe-core
injected for the accessibility audit. One build of the example workbook serves every test; its PDFs
come from the fake converter (the site does not depend on what LibreOffice makes of them).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import fakes
import pytest
import wb
from site_axe import axe_script

from binder.build import BuildOptions, build

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[2] / "inputs" / "example.xlsx"
CHROMIUM = "/usr/bin/chromium"
WEB = ("http", "https", "mailto")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    with pytest.MonkeyPatch.context() as patch:
        fakes.patch_converter(patch)
        build(EXAMPLE, BuildOptions(out=out, jobs=1))
    return out / "site"


@pytest.fixture(scope="module")
def browser():
    # Never skipped: ./run setup installs chromium, and CI must not pass without running these tests.
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: run ./run setup (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []  # type: ignore[attr-defined]
    opened.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    opened.on("pageerror", lambda e: opened.errors.append(str(e)))
    yield opened
    context.close()


def test_search_for_a_word_of_a_step_finds_its_sop(site, page):
    entries = json.loads((site / "search-index.js").read_text(encoding="utf-8").split("=", 1)[1].strip().rstrip(";"))
    word, sop = _word_only_in_steps(entries)
    page.goto((site / "index.html").as_uri())
    page.get_by_label(re.compile("Search the SOPs")).fill(word)
    results = page.locator("#results-list a")
    assert results.count() >= 1
    page.locator("#results-list a", has_text=sop["id"]).first.click()
    page.wait_for_url(re.compile(re.escape(sop["href"]) + "$"))
    assert sop["id"] in page.locator("h1").inner_text()
    assert word.lower() in page.locator("main").inner_text().lower()
    page.goto((site / "index.html").as_uri())
    page.get_by_label(re.compile("Search the SOPs")).fill(f"{word} zzqxnothing")  # every word must match
    assert page.locator("#results-heading").inner_text() == "No SOP matches these words."
    assert page.errors == []


TYPED_TITLE = 'Payroll "><img src=x onerror=alert(1)> <b>bold</b> <script>alert(2)</script>'


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    data = wb.base()
    data["SOPs"][0]["Title"] = TYPED_TITLE
    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        fakes.patch_converter(patch)
        build(wb.write(folder / "book.xlsx", data), BuildOptions(out=folder / "out", today=wb.TODAY, jobs=1))
    return folder / "out" / "site"


def test_search_results_show_workbook_text_as_typed_never_as_markup(hostile_site, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    page.goto((hostile_site / "index.html").as_uri())
    page.get_by_label(re.compile("Search the SOPs")).fill("timesheets")
    results = page.locator("#results-list")
    assert results.locator("a").count() == 1
    assert f"FIN-001 {TYPED_TITLE}" in results.inner_text()
    assert results.locator("img, b, script").count() == 0
    assert dialogs == [] and page.errors == []


def test_every_internal_link_of_every_page_finds_its_target_with_no_console_error(site, page):
    """Crawled on a phone-sized window: no page may be wider than the screen (tables scroll in their box)."""
    page.set_viewport_size({"width": 390, "height": 844})
    seen, todo, checked = set(), [site / "index.html"], 0
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        page.goto(current.as_uri())
        targets = page.eval_on_selector_all(
            "a[href], img[src], link[href], script[src]", "els => els.map(e => e.href || e.src)"
        )
        for url in targets:
            parsed = urlparse(url)
            if parsed.scheme != "file":
                assert parsed.scheme in WEB, f"{current.name}: link {url!r}"
                continue
            path, fragment = urldefrag(url)
            target = Path(unquote(urlparse(path).path))
            assert target.is_file(), f"{current.relative_to(site)} links to missing {target}"
            if fragment and target == current:
                assert page.locator(f"[id='{fragment}']").count() == 1, f"{current.name}#{fragment}"
            if target.suffix == ".html" and site in target.parents:
                todo.append(target)
            checked += 1
        broken = page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || !e.naturalWidth).length")
        assert broken == 0, f"{current.name}: {broken} pictures did not load"
        assert page.errors == [], f"{current.name}: {page.errors}"
        wider = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wider <= 0, f"{current.name} is {wider}px wider than a phone"
    sops = {p for p in (site / "sops").glob("*.html")}
    assert sops <= seen and (site / "index.html") in seen and list((site / "packs").glob("*.html"))[0] in seen
    assert checked > 100


def test_no_serious_or_critical_accessibility_violations(site, page):
    script = axe_script()
    found = {}
    for path, width in _audited(site):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(path.as_uri())
        page.add_script_tag(content=script)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[f"{path.relative_to(site)} @{width}px"] = bad
    assert found == {}  # (axe's own requests for the style sheets fail from file://: its console errors are not ours)


def test_an_approved_sop_has_its_flowchart_no_banner_and_prints_without_navigation(site, page):
    chart_pages = sorted({p.name.split("-flowchart-")[0] for p in (site / "sops").glob("*-flowchart-*.svg")})
    assert chart_pages
    page.goto((site / "sops" / f"{chart_pages[0]}.html").as_uri())
    chart = page.locator("figure.chart img").first
    assert chart.get_attribute("alt").startswith("Flowchart of the procedure")
    assert chart.evaluate("e => e.naturalWidth") > 100
    assert page.locator(".banner").count() == 0
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator(".actions").first.is_hidden()


def test_the_keyboard_alone_skips_to_the_content_searches_and_opens_a_result(site, page):
    page.goto((site / "index.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "search"
    page.keyboard.type("payroll")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('#results-list') !== null"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sops/[^/]+[.]html$"))
    assert "payroll" in page.locator("main").inner_text().lower()


def _audited(site: Path) -> list[tuple[Path, int]]:
    """Each kind of page, at a desktop or a phone width: the index (both), a pack, the SOP page with the
    most sections (the richest markup) and one with a flowchart. An axe run takes ~1 s: not all of them."""
    sops = sorted((site / "sops").glob("*.html"), key=lambda p: (-p.read_text(encoding="utf-8").count("<h2"), p.name))
    charted = sorted((site / "sops").glob("*-flowchart-*.svg"))[0].name.split("-flowchart-")[0]
    index, pack = site / "index.html", next((site / "packs").glob("*.html"))
    return [(index, 1280), (index, 390), (pack, 390), (sops[0], 390), (site / "sops" / f"{charted}.html", 1280)]


def _word_only_in_steps(entries: list[dict]) -> tuple[str, dict]:
    """A word of some SOP's steps that is in no title (so the search really looks into steps)."""
    titles = " ".join(e["title"] + " " + e["id"] for e in entries).lower()
    for entry in entries:
        for word in re.findall(r"[A-Za-z]{7,}", entry["text"]):
            if word.lower() not in titles:
                return word, entry
    raise AssertionError("the example has no step word outside its titles")
