"""Benchmark: binder build against LibreOffice's own batch converter, rebuilds, validation, memory.

    ./run bench                 # 200 SOPs; validation of 2,000; memory of a 1,000-SOP build
    ./run bench --sops 50 --memory-sops 0     # a quick look

Prints each figure and the ratios the targets are stated in (docs/performance.md).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BINDER = [sys.executable, "-m", "binder"]


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, **kwargs)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(proc.name))
            rss[int(proc.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def peak_memory(command: list[str]) -> tuple[float, int]:
    """Run ``command``; its wall time and the peak resident memory of its whole process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{err[-2000:]}")
    return time.perf_counter() - started, peak


def raw_batch(docx_folder: Path, work: Path) -> float:
    """One ``soffice --headless --convert-to pdf`` call over every .docx (no contents filled)."""
    files = sorted(str(p) for p in docx_folder.glob("*.docx"))
    out = work / "raw-pdf"
    out.mkdir()
    command = ["soffice", f"-env:UserInstallation=file://{work}/raw-profile", "--headless", "--convert-to", "pdf",
               "--outdir", str(out), *files]
    timed(["soffice", f"-env:UserInstallation=file://{work}/raw-profile", "--headless", "--terminate_after_init"])
    seconds = timed(command)
    made = len(list(out.glob("*.pdf")))
    if made != len(files):
        sys.exit(f"raw batch made {made} PDFs of {len(files)}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sops", type=int, default=200)
    parser.add_argument("--validate-sops", type=int, default=2000)
    parser.add_argument("--memory-sops", type=int, default=1000, help="0 to skip the memory run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="binder-bench-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    print(f"binder benchmark: {args.sops} SOPs, {args.jobs} LibreOffice worker(s), {os.cpu_count()} CPU(s)")
    book = synthetic.write(work / "bench.xlsx", args.sops)
    out = work / "out"
    jobs = ["--jobs", str(args.jobs), "--quiet"]
    cold = timed([*BINDER, "build", str(book), "--out", str(out), *jobs])
    print(f"cold build ({args.sops} SOPs):            {cold:7.2f} s  ({cold / args.sops * 1000:.0f} ms per SOP)")
    raw = raw_batch(out / "sops", work)
    print(f"raw soffice --convert-to batch:       {raw:7.2f} s  (same .docx files, no contents filled)")
    print(f"cold build / raw batch:               {cold / raw:7.2f}   (target <= 0.80)")
    synthetic.write(book, args.sops, change=args.sops // 2)
    rebuild = timed([*BINDER, "build", str(book), "--out", str(out), *jobs])
    print(f"rebuild after changing one SOP:       {rebuild:7.2f} s")
    print(f"rebuild / cold build:                 {rebuild / cold:7.1%}  (target <= 5 %)")
    big = synthetic.write(work / "validate.xlsx", args.validate_sops)
    check = [sys.executable, "-c", "import sys, time; from pathlib import Path; from binder.workbook.load import check_workbook;"
             " t = time.perf_counter(); check_workbook(Path(sys.argv[1])); print(time.perf_counter() - t)", str(big)]
    seconds = float(subprocess.run(check, capture_output=True, text=True, cwd=REPO, check=True).stdout)
    print(f"validate {args.validate_sops} SOPs:                 {seconds:7.2f} s  (target < 5 s; in-process, imports excluded)")
    if args.memory_sops:
        huge = synthetic.write(work / "memory.xlsx", args.memory_sops)
        seconds, peak = peak_memory([*BINDER, "build", str(huge), "--out", str(work / "out-mem"), *jobs])
        print(f"build {args.memory_sops} SOPs:                   {seconds:7.2f} s, peak memory of the process tree "
              f"{peak / 2**20:.0f} MiB (target < 1 GB)")


if __name__ == "__main__":
    main()
