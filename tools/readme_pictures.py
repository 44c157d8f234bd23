"""Make the README's pictures from a real build of the example workbook, as the pages print:

- docs/img/binder-pages.png: a binder's cover, contents and its first SOP's first page;
- docs/img/flowchart-page.png: the page of that binder with a flowchart, beside the page of the
  longest flowchart of the example.

Run (LibreOffice and poppler-utils installed, as ``./run setup`` does):
    .venv/bin/python tools/readme_pictures.py [--out-dir docs/img]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps
from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "inputs" / "example.xlsx"
BINDER = REPO / ".venv" / "bin" / "binder"
DPI = 60
GAP = 16
BACKGROUND = (128, 128, 128)


def build(folder: Path) -> Path:
    out = folder / "output"
    subprocess.run([str(BINDER), "build", str(EXAMPLE), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def page_image(pdf: Path, number: int, folder: Path) -> Image.Image:
    """Page ``number`` (1-based) as printed, at ``DPI``, with a thin border."""
    stem = folder / f"{pdf.stem}-{number}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", str(number), "-l", str(number), "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    return ImageOps.expand(Image.open(f"{stem}.png").convert("RGB"), border=1, fill=(90, 90, 90))


def side_by_side(pages: list[Image.Image]) -> Image.Image:
    height = max(p.height for p in pages) + 2 * GAP
    width = sum(p.width for p in pages) + GAP * (len(pages) + 1)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    x = GAP
    for page in pages:
        sheet.paste(page, (x, GAP))
        x += page.width + GAP
    return sheet


def flowchart_pages(pdf: Path) -> list[int]:
    """1-based pages holding a flowchart: they have a drawn figure and the flowchart's caption."""
    reader = PdfReader(pdf)
    found = []
    for index, page in enumerate(reader.pages):
        text = page.extract_text() or ""
        if "flowchart" in text.casefold() and ("Start" in text or "Début" in text):
            found.append(index + 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=REPO / "docs" / "img")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = build(folder)
        manifest = json.loads((out / "manifest.json").read_text())
        entry = manifest["binders"][0]
        binder = out / entry["path"]
        reader = PdfReader(binder)
        children = next(item for item in reader.outline if isinstance(item, list))  # under the binder's bookmark
        sops = [item for item in children if not isinstance(item, list)]
        first_page = reader.get_destination_page_number(sops[-len(entry["sops"])]) + 1  # after Contents, Changes
        pages = [page_image(binder, n, folder) for n in (1, 2, first_page)]
        args.out_dir.mkdir(parents=True, exist_ok=True)
        side_by_side(pages).save(args.out_dir / "binder-pages.png", optimize=True)
        charts = flowchart_pages(binder)
        longest = max(
            (out / "sops" / f"{sop_id}.pdf" for b in manifest["binders"] for sop_id in b["sops"]),
            key=lambda p: len(flowchart_pages(p)) * 100 + len(PdfReader(p).pages),
        )
        chart_images = [page_image(binder, charts[0], folder)] if charts else []
        chart_images += [page_image(longest, n, folder) for n in flowchart_pages(longest)[:2]]
        side_by_side(chart_images).save(args.out_dir / "flowchart-page.png", optimize=True)
    print(f"wrote {args.out_dir / 'binder-pages.png'} and {args.out_dir / 'flowchart-page.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
