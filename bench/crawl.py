"""Benchmarks 2 and 3: the crawl engine, and the incremental run.

A recorded site of N articles (tools/sitegen.py, column ``china``) is served by
bench/server.py on 127.0.0.1 in a process of its own. Then, each in a fresh process:

1. the no-op spider (bench/noop_spider.py): the same roll-API pages and article URLs,
   answers dropped unread;
2. ``scrapy crawl roll`` (throttling off, concurrency 16) writing the archive to a temporary
   folder;
3. the same ``scrapy crawl roll`` again on that folder, the site unchanged.

Both spiders run with the project's settings, the same server (a core
each for server and spider with --pin). pages/s is
(roll-API + article responses the server answered) / the run's own duration (Scrapy's
start_time → finish_time, from the run report), so interpreter start-up is left out of both;
wall-clock figures are printed beside it. Peak resident memory is each child's ru_maxrss.

    python bench/crawl.py [--articles 5000] [--rounds 1] [--server aiohttp|stdlib]
                          [--pin] [--set KEY=VALUE]...
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import BENCH, PY, emit  # noqa: E402

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "SINACRAWL_MAX_PAGES": "1000",
    "SINACRAWL_PROGRESS": "False",
    "LOG_LEVEL": "INFO",
}


EXTRA: dict[str, str] = {}  # --set KEY=VALUE, for both spiders


def settings_args(upstream: str, out: Path) -> list[str]:
    args = []
    for key, value in dict(
        SETTINGS, **EXTRA, SINACRAWL_UPSTREAM=upstream, SINACRAWL_OUTPUT_DIR=str(out)
    ).items():
        args += ["-s", f"{key}={value}"]
    return args


def roll_cmd(upstream: str, out: Path, columns: str) -> list[str]:
    return [
        PY,
        "-m",
        "scrapy",
        "crawl",
        "roll",
        "-a",
        f"columns={columns}",
        *settings_args(upstream, out),
    ]


def noop_cmd(upstream: str, out: Path, site_dir: Path, columns: str) -> list[str]:
    return [
        PY,
        "-m",
        "scrapy",
        "runspider",
        str(BENCH / "noop_spider.py"),
        "-a",
        f"manifest={site_dir / 'manifest.json'}",
        "-a",
        f"columns={columns}",
        *settings_args(upstream, out),
    ]


def report(out: Path) -> dict:
    return json.loads((out / "last-run.json").read_text(encoding="utf-8"))


class Run:
    """One crawl process: what it sent (server's count), how long, how much memory."""

    def __init__(self, name, child, served, rep):
        self.name, self.child, self.served, self.report = name, child, served, rep
        kinds = served["by_kind"]
        self.pages = kinds.get("api", 0) + kinds.get("article", 0)
        self.duration_s = rep.get("duration_s") or child.wall_s
        self.pages_per_s = self.pages / self.duration_s if self.duration_s else 0.0
        self.wall_pages_per_s = self.pages / child.wall_s


def run(name: str, cmd: list[str], out: Path, srv, work: Path, cpu, expect_ok=True) -> Run:
    srv.reset()
    child = common.run_child(cmd, work / f"{name}.log", cpu=cpu)
    served = srv.stats()
    if child.returncode != 0 and expect_ok:
        sys.exit(f"{name} exited {child.returncode}:\n{child.tail()}")
    return Run(name, child, served, report(out))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--columns", default="china")
    ap.add_argument(
        "--rounds", type=int, default=1, help="no-op/roll pairs; the best pages/s of each is kept"
    )
    ap.add_argument("--server", choices=("aiohttp", "stdlib"), default="aiohttp")
    ap.add_argument(
        "--pin",
        action="store_true",
        help="pin the server and the spiders to separate cores (on a quiet machine)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also run the roll crawl with SINACRAWL_WORKERS=N (figures crawl_workers_*)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the archive and the logs")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one more Scrapy setting for both spiders (experiments)",
    )
    args = ap.parse_args(argv)
    for pair in args.set:
        key, _, value = pair.partition("=")
        EXTRA[key] = value
    common.need("scrapy", "aiohttp")

    site_dir = common.site(args.articles, args.seed, args.columns)
    ncolumns = len(args.columns.split(","))
    cores = (
        sorted(common.os.sched_getaffinity(0)) if hasattr(common.os, "sched_getaffinity") else []
    )
    pin = args.pin and len(cores) >= 2
    spider_cpu, server_cpu = (cores[0], cores[-1]) if pin else (None, None)
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-bench-crawl-"))
    figures: dict = {}
    try:
        with common.server(site_dir, args.server, cpu=server_cpu) as srv:
            noops, rolls = [], []
            for i in range(args.rounds):
                out_noop = work / f"noop-{i}"
                noops.append(
                    run(
                        f"noop-{i}",
                        noop_cmd(srv.url, out_noop, site_dir, args.columns),
                        out_noop,
                        srv,
                        work,
                        spider_cpu,
                    )
                )
                out = work / f"archive-{i}"
                rolls.append(
                    run(
                        f"roll-{i}",
                        roll_cmd(srv.url, out, args.columns),
                        out,
                        srv,
                        work,
                        spider_cpu,
                    )
                )
            again = run("rerun", roll_cmd(srv.url, out, args.columns), out, srv, work, spider_cpu)
            pooled = None
            if args.workers:
                out_pooled = work / "archive-workers"
                EXTRA["SINACRAWL_WORKERS"] = str(args.workers)
                try:
                    cmd = roll_cmd(srv.url, out_pooled, args.columns)
                finally:
                    del EXTRA["SINACRAWL_WORKERS"]
                pooled = run("roll-workers", cmd, out_pooled, srv, work, spider_cpu)
        noop = max(noops, key=lambda r: r.pages_per_s)
        roll = max(rolls, key=lambda r: r.pages_per_s)
        kinds = again.served["by_kind"]
        figures = {
            "crawl_articles": args.articles,
            "crawl_pages": roll.pages,
            "crawl_written": roll.report["new"],
            "crawl_pages_per_s": roll.pages_per_s,
            "noop_pages_per_s": noop.pages_per_s,
            "crawl_vs_noop": roll.pages_per_s / noop.pages_per_s,
            "crawl_duration_s": roll.duration_s,
            "noop_duration_s": noop.duration_s,
            "crawl_wall_s": roll.child.wall_s,
            "noop_wall_s": noop.child.wall_s,
            "crawl_vs_noop_wall": roll.wall_pages_per_s / noop.wall_pages_per_s,
            "crawl_cpu_s": roll.child.cpu_s,
            "noop_cpu_s": noop.child.cpu_s,
            "crawl_peak_rss_mb": max(r.child.maxrss_mb for r in rolls),
            "noop_peak_rss_mb": max(r.child.maxrss_mb for r in noops),
            "rerun_article_requests": kinds.get("article", 0),
            "rerun_api_requests": kinds.get("api", 0),
            "rerun_api_requests_per_column": kinds.get("api", 0) / ncolumns,
            "rerun_robots_requests": kinds.get("robots", 0),
            "rerun_reported_requests": json.dumps(again.report["requests"], sort_keys=True),
            "rerun_written": again.report["new"] + again.report["updated"],
            "rerun_s": again.child.wall_s,
            "rerun_duration_s": again.duration_s,
            "rerun_peak_rss_mb": again.child.maxrss_mb,
            "crawl_server": args.server,
        }
        if pooled is not None:
            figures.update(
                {
                    "crawl_workers": args.workers,
                    "crawl_workers_pages_per_s": pooled.pages_per_s,
                    "crawl_workers_vs_noop": pooled.pages_per_s / noop.pages_per_s,
                    "crawl_workers_written": pooled.report["new"],
                    # ru_maxrss of the crawl's process tree is its largest process, not a sum
                    "crawl_workers_largest_process_rss_mb": pooled.child.maxrss_mb,
                }
            )
        if roll.report["new"] != args.articles or roll.report["failed"]:
            print(
                f"warning: roll wrote {roll.report['new']} of {args.articles} articles "
                f"(failed={roll.report['failed']}, dropped={roll.report['dropped']})",
                file=sys.stderr,
            )
        for name, value in figures.items():
            emit(name, value)
    finally:
        if args.keep:
            print(f"# kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return figures


if __name__ == "__main__":
    main()
