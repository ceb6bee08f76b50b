"""Benchmark 5: ``sinacrawl report`` on an archive of N articles (default 1,000,000).

The index is the scale benchmark's (``scale.generate``: 21 years of articles, seven media
sources, 1% tombstones, 0.5% aliases), with the articles spread over the default table's
columns, 2,000 articles waiting in the frontier after failures, and ``--runs`` run reports
in ``reports/`` (one every three hours, 2% of them failed). It is generated once and kept in
the cache folder. Then ``sinacrawl report ARCHIVE -o report.html`` runs in a fresh process
(its wall and CPU seconds and peak memory), and once more in a child that times the two
halves apart (``gather``: the SQL aggregates and the run reports; ``render``: the page).

    python bench/report.py [--articles 1000000] [--runs 3000] [--regen]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import PY, emit  # noqa: E402

FRONTIER = 2000
REASONS = ("empty_page", "truncated", "redirected_home", "missing", "no_title")


def generate(root: Path, n: int, runs: int, seed: int = 5) -> float:
    """The archive in ``root``; seconds taken."""
    import scale

    from sinacrawl.columns import DEFAULT_COLUMNS

    t0 = time.perf_counter()
    scale.generate(root, n)
    keys = [c["key"] for c in DEFAULT_COLUMNS]
    db = sqlite3.connect(root / "index.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    cases = " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(keys))
    # a few columns hold most articles, as on the live site: rowid mod 64 folded onto them
    db.execute(f"UPDATE articles SET column_key = CASE (rowid % 64) % {len(keys)} {cases} END")
    rng = random.Random(seed)
    now = int(time.time())
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO frontier(id, url, column_key, mtime, discovered, attempts, not_before, "
        "last_reason) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                f"benchwait{i:05d}",
                f"https://finance.sina.com.cn/china/2026-11-27/doc-ibenchwait{i:05d}.shtml",
                rng.choice(keys),
                None,
                "2026-11-27T00:00:00+00:00",
                rng.randint(1, 8),
                now + rng.randint(-3600, 7 * 86400),
                rng.choice(REASONS),
            )
            for i in range(FRONTIER)
        ],
    )
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    folder = root / "reports"
    folder.mkdir(exist_ok=True)
    start = datetime(2026, 12, 1, tzinfo=timezone.utc) - timedelta(hours=3 * runs)
    for i in range(runs):
        began = start + timedelta(hours=3 * i)
        failed = rng.random() < 0.02
        report = {
            "new": rng.randint(0, 120),
            "updated": rng.randint(0, 5),
            "unchanged": rng.randint(0, 20),
            "dropped": {"missing": rng.randint(0, 3), "not_article": rng.randint(0, 2)},
            "errors": {"article": rng.randint(0, 4)} if failed else {},
            "requests": {"api": rng.randint(1, 40), "article": rng.randint(0, 130)},
            "archive_size": n - (runs - i) * 40,
            "started": began.isoformat(),
            "finished": (began + timedelta(seconds=90)).isoformat(),
            "duration_s": round(rng.uniform(20, 400), 3),
            "finish_reason": "finished",
            "failed": failed,
            "failures": ["column china: the roll API answered 502"] if failed else [],
            "spider": "roll",
        }
        name = f"{began:%Y%m%dT%H%M%S}Z-roll.json"
        (folder / name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (root / "bench-report.txt").write_text(f"{n} {runs}")
    return time.perf_counter() - t0


def archive_for(n: int, runs: int, regen: bool) -> tuple[Path, float | None]:
    root = common.cache_dir() / f"report-{n}"
    marker = root / "bench-report.txt"
    if regen or not marker.is_file() or marker.read_text() != f"{n} {runs}":
        return root, generate(root, n, runs)
    return root, None


def child(root: Path, out: Path) -> None:
    from sinacrawl.discovery import Window
    from sinacrawl.overview import gather, render

    t0 = time.perf_counter()
    overview = gather(root, Window())
    t1 = time.perf_counter()
    page = render(overview)
    t2 = time.perf_counter()
    out.write_text(page, encoding="utf-8")
    print(
        json.dumps(
            {
                "gather_s": t1 - t0,
                "render_s": t2 - t1,
                "articles": overview.total,
                "runs": len(overview.runs),
            }
        )
    )


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3000)
    ap.add_argument("--regen", action="store_true", help="generate the archive again")
    ap.add_argument("--child", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return {}
    root, gen_s = archive_for(args.articles, args.runs, args.regen)
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-bench-report-"))
    try:
        html = work / "report.html"
        cli = common.run_child(
            [PY, "-m", "sinacrawl", "report", str(root), "-o", str(html)], work / "cli.log"
        )
        if cli.returncode != 0:
            sys.exit(f"sinacrawl report exited {cli.returncode}:\n{cli.tail()}")
        halves = common.run_child(
            [PY, __file__, "--child", str(root), str(work / "again.html")], work / "child.log"
        )
        if halves.returncode != 0:
            sys.exit(f"the timing child exited {halves.returncode}:\n{halves.tail()}")
        inproc = json.loads(halves.log.read_text().strip().splitlines()[-1])
        figures = {
            "report_articles": inproc["articles"],
            "report_runs": inproc["runs"],
            "report_generate_s": gen_s if gen_s is not None else "cached",
            "report_wall_s": cli.wall_s,
            "report_cpu_s": cli.cpu_s,
            "report_peak_rss_mb": cli.maxrss_mb,
            "report_gather_s": inproc["gather_s"],
            "report_render_s": inproc["render_s"],
            "report_html_kb": html.stat().st_size / 1024,
        }
        for name, value in figures.items():
            emit(name, value)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


if __name__ == "__main__":
    main()
