"""Run the four benchmarks and check the bars.

    python bench/run.py            # full sizes (1,000 pages; 2,000 articles; 1,000,000 archived)
    python bench/run.py --quick    # reduced sizes, about a minute
    python bench/run.py --only extract,scale [--json results.json] [--wait-idle 600]

Each benchmark runs in a process of its own; every figure is printed on a line of its own as
``name: value``, then one ``bar_<figure>: met|missed (value vs bar)`` line per bar. Exits 0
whatever the bars say (these are measurements, not tests); 2 when a benchmark dependency is
missing (``pip install -r bench/requirements.txt``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import REQUIREMENTS_HINT, ROOT, emit, env, machine  # noqa: E402

SIZES = {
    "full": {
        "extract": ["--pages", "1000"],
        "crawl": ["--articles", "2000", "--rounds", "2", "--workers", "1"],
        "scale": ["--articles", "1000000"],
        "report": ["--articles", "1000000"],
    },
    "quick": {
        "extract": ["--pages", "200"],
        "crawl": ["--articles", "1000", "--workers", "1"],
        "scale": ["--articles", "100000"],
        "report": ["--articles", "100000", "--runs", "1000"],
    },
}
# figure, comparison, bar
BARS = [
    ("extract_vs_trafilatura", ">=", 12.0),
    ("extract_vs_lxml_parse", "<=", 2.5),
    ("crawl_vs_floor", ">=", 0.8),
    ("crawl_peak_rss_mb", "<=", 250.0),
    ("rerun_article_requests", "<=", 0),
    ("rerun_api_requests_per_column", "<=", 1),
    ("scale_startup_s", "<=", 2.0),
    ("scale_peak_rss_mb", "<=", 150.0),
    ("scale_check_peak_rss_mb", "<=", 150.0),
    ("scale_check_10k_s", "<=", 1.0),
]


def run_bench(name: str, args: list[str], figures: dict) -> bool:
    cmd = [sys.executable, str(HERE / f"{name}.py"), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        print(line, end="", flush=True)
        key, sep, value = line.partition(": ")
        if sep and not key.startswith("#"):
            figures[key.strip()] = value.strip()
    return proc.wait() == 0


def derived(figures: dict) -> dict:
    """The crawl's floor, from figures of this run: an article crawl can do no better than
    the no-op spider's work plus one extraction a page, ``1 / (1/noop + 1/extract)``."""
    try:
        noop = float(figures["noop_pages_per_s"])
        extract = float(figures["extract_pages_per_s"])
        crawl = float(figures["crawl_pages_per_s"])
    except (KeyError, ValueError):
        return {}
    floor = 1 / (1 / noop + 1 / extract)
    return {"crawl_floor_pages_per_s": round(floor, 1), "crawl_vs_floor": round(crawl / floor, 3)}


def verdicts(figures: dict) -> list[tuple[str, str]]:
    out = []
    # the figures mean something only if the work was done
    for done, asked in (("extract_ok", "extract_pages"), ("crawl_written", "crawl_articles")):
        if done in figures and figures[done] != figures.get(asked):
            out.append(
                (
                    f"check_{done}",
                    f"INVALID ({figures[done]} of {figures.get(asked)}): "
                    "the project failed on the corpus, see the warnings above",
                )
            )
    for name, op, bar in BARS:
        if name not in figures:
            continue
        try:
            value = float(figures[name])
        except ValueError:
            out.append((f"bar_{name}", f"missed ({figures[name]})"))
            continue
        met = value >= bar if op == ">=" else value <= bar
        out.append((f"bar_{name}", f"{'met' if met else 'missed'} ({value:g} {op} {bar:g})"))
    return out


def busy_cores(sample_s: float = 2.0) -> float:
    """How many cores other processes kept busy over a short sample (from /proc/stat)."""

    def read():
        vals = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(vals), vals[3] + vals[4]

    try:
        total0, idle0 = read()
        time.sleep(sample_s)
        total1, idle1 = read()
    except OSError:
        return 0.0
    ticks = (total1 - total0) or 1
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / ticks)


def wait_idle(limit_s: float, threshold: float = 0.15) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        busy = busy_cores()
        if busy < threshold:
            return
        print(f"# waiting for an idle machine ({busy:.2f} cores busy)", file=sys.stderr)
        time.sleep(5)
    print("# the machine did not become idle: figures will be noisy", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="reduced sizes, about a minute")
    ap.add_argument(
        "--only",
        default="extract,crawl,scale,report",
        help="comma-separated: extract, crawl (engine and incremental), scale, report",
    )
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait (at most this long) until the machine's cores are idle",
    )
    args = ap.parse_args(argv)

    missing = [
        m
        for m in ("trafilatura", "aiohttp", "lxml_html_clean")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        print(f"missing {', '.join(missing)}: {REQUIREMENTS_HINT}", file=sys.stderr)
        return 2
    if args.wait_idle:
        wait_idle(args.wait_idle)
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    busy = busy_cores()
    if busy > 0.3:
        print(
            f"# warning: {busy:.2f} cores busy before starting: other processes are "
            "running and the figures will be noisy",
            file=sys.stderr,
        )

    size = "quick" if args.quick else "full"
    figures: dict = {"size": size}
    emit("size", size)
    for key, value in machine().items():
        figures[f"machine_{key}"] = value
        emit(f"machine_{key}", value)
    emit("machine_load1_at_start", round(load1, 2))
    emit("machine_busy_cores_at_start", round(busy, 2))
    t0 = time.perf_counter()
    ok = True
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        if name not in SIZES[size]:
            ap.error(f"unknown benchmark {name!r}")
        ok &= run_bench(name, SIZES[size][name], figures)
    emit("bench_total_s", round(time.perf_counter() - t0, 1))
    for name, value in derived(figures).items():
        figures[name] = value
        emit(name, value)
    for name, verdict in verdicts(figures):
        figures[name] = verdict
        emit(name, verdict)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
