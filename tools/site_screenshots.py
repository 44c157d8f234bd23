"""Make the README's pictures of the intranet site from a build of the example workbook:

- docs/img/site-phone.png: the index with a search typed in, on a phone-sized window (390 × 844);
- docs/img/site-sop.png: an SOP page with a flowchart, on a desktop window.

Run (Chromium and Playwright installed, as ``./run setup`` does):
    .venv/bin/python tools/site_screenshots.py [--site OUT/site] [--out-dir docs/img]
Without ``--site`` it builds inputs/example.xlsx into a temporary folder first.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inputs" / "example.xlsx"
BINDER = REPO / ".venv" / "bin" / "binder"
CHROMIUM = "/usr/bin/chromium"
SEARCH = "damaged"


def build(folder: Path) -> Path:
    out = folder / "output"
    subprocess.run([str(BINDER), "build", str(EXAMPLE), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out / "site"


def charted_sop(site: Path) -> Path:
    """The SOP page with the most flowchart parts (the example's richest page)."""
    counts: dict[str, int] = {}
    for svg in (site / "sops").glob("*-flowchart-*.svg"):
        sop_id = svg.name.split("-flowchart-")[0]
        counts[sop_id] = counts.get(sop_id, 0) + 1
    sop_id = sorted(counts, key=lambda s: (-counts[s], s))[0]
    return site / "sops" / f"{sop_id}.html"


def shoot(site: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto((site / "index.html").as_uri())
        phone.get_by_label("Search the SOPs").fill(SEARCH)
        made.append(out_dir / "site-phone.png")
        phone.screenshot(path=str(made[-1]))
        desktop = browser.new_page(viewport={"width": 1280, "height": 1400})
        page = charted_sop(site)
        desktop.goto(page.as_uri())
        made.append(out_dir / "site-sop.png")
        desktop.screenshot(path=str(made[-1]))
        browser.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site folder (OUT/site); default: build the example")
    parser.add_argument("--out-dir", type=Path, default=REPO / "docs" / "img")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        site = args.site or build(Path(temp))
        for path in shoot(site, args.out_dir):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
