"""Benchmark: binder build against LibreOffice's own batch converter, rebuilds, the site, binder watch,
validation, memory.

    ./run bench                 # 200 SOPs, medians of 3 runs; validation of 2,000; memory of a 1,000-SOP build
    ./run bench --sops 50 --runs 1 --memory-sops 0     # a quick look (a few minutes)

Prints each figure and the ratios the targets are stated in (docs/performance.md).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
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


def raw_batch(docx_folder: Path, work: Path, run: int = 0) -> float:
    """One ``soffice --headless --convert-to pdf`` call over every .docx (no contents filled).

    Its profile is made once (the first call) and reused: binder's daemon keeps its profile too."""
    files = sorted(str(p) for p in docx_folder.glob("*.docx"))
    out = work / f"raw-pdf-{run}"
    out.mkdir()
    profile = f"-env:UserInstallation=file://{work}/raw-profile"
    command = ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(out), *files]
    if run == 0:
        timed(["soffice", profile, "--headless", "--terminate_after_init"])
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
    parser.add_argument("--jobs", type=int, default=None, help="LibreOffice processes [default: binder's, CPUs + 1]")
    parser.add_argument("--runs", type=int, default=3, help="cold builds and rebuilds timed; their medians are shown")
    parser.add_argument("--saves", type=int, default=3, help="saves timed under binder watch; 0 to skip")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="binder-bench-"))
    # The builds share a converter daemon of the benchmark's own, never the user's; stopped at the end.
    os.environ["BINDER_RUNTIME_DIR"] = str(work / "runtime")
    os.environ.pop("BINDER_NO_DAEMON", None)
    try:
        run(args, work)
    finally:
        subprocess.run([*BINDER, "converters", "stop"], cwd=REPO, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


SITE = """
import sys, tempfile, time
from pathlib import Path
from binder.options import BuildOptions
from binder.preflight import read
from binder.issue.plan import plan_binders
from binder.site.pages import build_site
library, _ = read(Path(sys.argv[1]), BuildOptions(out=Path(sys.argv[2])))
with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
    started = time.perf_counter()
    build_site(library, plan_binders(library, False), (), Path(root), Path(out), None)
    print(time.perf_counter() - started)
"""
"""``build_site`` of a whole site, in-process (imports and reading the workbook excluded): every page rendered
and written, as in a cold build."""


def cold_and_rebuild(book: Path, count: int, out: Path, jobs: list[str]) -> tuple[float, float]:
    """A cold build into the fresh folder ``out``, then a rebuild after changing one SOP; both times.

    The cold build finds no converter daemon and starts one, LibreOffice included, as the first build of the day
    does; the rebuild converts on it, as every later build does."""
    synthetic.write(book, count)
    timed([*BINDER, "converters", "stop"])
    cold = timed([*BINDER, "build", str(book), "--out", str(out), *jobs])
    synthetic.write(book, count, change=count // 2)
    rebuild = timed([*BINDER, "build", str(book), "--out", str(out), *jobs])
    return cold, rebuild


def sop_id(n: int) -> str:
    """The ID ``synthetic`` gives its ``n``-th SOP."""
    return f"{synthetic.DEPARTMENTS[n % len(synthetic.DEPARTMENTS)][0]}-{n // len(synthetic.DEPARTMENTS) + 1:03d}"


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns


def _renewed(path: Path, before: tuple[int, int] | None) -> bool:
    return _stamp(path) not in (before, None)


def _wait_for(condition, proc: subprocess.Popen, limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None:
            sys.exit(f"binder watch ended ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            proc.send_signal(signal.SIGINT)
            sys.exit(f"binder watch: no {what} within {limit:.0f} s")
        time.sleep(0.02)


def watch_latency(work: Path, count: int, saves: int, jobs: list[str]) -> list[float]:
    """Seconds from each save of the workbook (written; one more SOP changed each time) to that SOP's new PDF in OUT."""
    book = synthetic.write(work / "watch.xlsx", count)
    out = work / "out-watch"
    proc = subprocess.Popen(
        [*BINDER, "watch", str(book), "--out", str(out), *jobs],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies = []
    try:
        _wait_for(lambda: (out / "manifest.json").is_file(), proc, 1800, "first build")
        changed: list[int] = []
        for save in range(saves):
            k = (count // 2 + save * 7) % count
            pdf, manifest = out / "sops" / f"{sop_id(k)}.pdf", out / "manifest.json"
            before = {pdf: _stamp(pdf), manifest: _stamp(manifest)}
            changed.append(k)
            time.sleep(0.5)  # a save's time stamp must differ from the last build's
            synthetic.write(book, count, change=changed)  # the save: openpyxl's second or so is the editor's, not ours
            started = time.perf_counter()
            _wait_for(partial(_renewed, pdf, before[pdf]), proc, 600, f"new PDF of {pdf.name}")
            latencies.append(time.perf_counter() - started)
            # the build commits the manifest last: wait for it, so the next save is a save of its own
            _wait_for(partial(_renewed, manifest, before[manifest]), proc, 60, "manifest")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return latencies


def run(args, work: Path) -> None:
    workers = args.jobs or (os.cpu_count() or 1) + 1
    print(f"binder benchmark: {args.sops} SOPs, {workers} LibreOffice worker(s), {os.cpu_count()} CPU(s), "
          f"medians of {args.runs} run(s)")
    book = work / "bench.xlsx"
    jobs = ([] if args.jobs is None else ["--jobs", str(args.jobs)]) + ["--quiet"]
    colds, rebuilds, raws = [], [], []
    # Each cold build is followed by a raw batch: the machine's speed drifts (±15 %), and a ratio of
    # medians taken minutes apart would mostly measure that drift.
    for index in range(args.runs):
        cold, rebuild = cold_and_rebuild(book, args.sops, work / f"out-{index}", jobs)
        colds.append(cold)
        rebuilds.append(rebuild)
        raws.append(raw_batch(work / "out-0" / "sops", work, index))
    cold, rebuild, raw = statistics.median(colds), statistics.median(rebuilds), statistics.median(raws)
    shown = ", ".join(f"{c:.2f}" for c in colds)
    print(f"cold build ({args.sops} SOPs):            {cold:7.2f} s  ({cold / args.sops * 1000:.0f} ms per SOP; "
          f"runs: {shown})")
    shown = ", ".join(f"{r:.2f}" for r in raws)
    print(f"raw soffice --convert-to batch:       {raw:7.2f} s  (same .docx files, no contents filled; runs: {shown})")
    pairs = ", ".join(f"{c / r:.2f}" for c, r in zip(colds, raws))
    print(f"cold build / raw batch:               {cold / raw:7.2f}   (medians; each run's: {pairs}; target <= 1.00)")
    shown = ", ".join(f"{r:.2f}" for r in rebuilds)
    print(f"rebuild after changing one SOP:       {rebuild:7.2f} s  (runs: {shown})")
    print(f"rebuild / cold build:                 {rebuild / cold:7.1%}  (target <= 5 %)")
    site = [sys.executable, "-c", SITE, str(book), str(work / "out-0")]
    seconds = float(subprocess.run(site, capture_output=True, text=True, cwd=REPO, check=True).stdout)
    print(f"site generation for {args.sops} SOPs:         {seconds:7.2f} s  (build_site, every page; in-process)")
    if args.saves:
        latencies = watch_latency(work, args.sops, args.saves, jobs)
        shown = ", ".join(f"{s:.2f}" for s in latencies)
        print(f"save-to-PDF under binder watch:       {statistics.median(latencies):7.2f} s  (median of "
              f"{len(latencies)} saves, one SOP changed each: {shown})")
    big = synthetic.write(work / "validate.xlsx", args.validate_sops)
    check = [sys.executable, "-c", "import sys, time; from pathlib import Path; from binder.workbook.load import check_workbook;"
             " t = time.perf_counter(); check_workbook(Path(sys.argv[1])); print(time.perf_counter() - t)", str(big)]
    seconds = float(subprocess.run(check, capture_output=True, text=True, cwd=REPO, check=True).stdout)
    print(f"validate {args.validate_sops} SOPs:                 {seconds:7.2f} s  (target < 5 s; in-process, imports excluded)")
    if args.memory_sops:
        huge = synthetic.write(work / "memory.xlsx", args.memory_sops)
        # LibreOffice of the build's own, so that the process tree measured holds it
        command = [*BINDER, "build", str(huge), "--out", str(work / "out-mem"), "--no-daemon", *jobs]
        seconds, peak = peak_memory(command)
        print(f"build {args.memory_sops} SOPs:                   {seconds:7.2f} s, peak memory of the process tree "
              f"{peak / 2**20:.0f} MiB (target < 1 GB)")


if __name__ == "__main__":
    main()
