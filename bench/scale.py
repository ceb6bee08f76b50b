"""Benchmark 4: scale, an archive state holding N articles (default 1,000,000).

The state is generated once (``sinacrawl.state`` schema, one SQLite transaction, indexes
built after the rows) and kept in the cache folder for later runs; 1% of the articles also
have a tombstone and 0.5% an alias, as a long-lived archive would. Then, each in a fresh
process whose peak resident memory is read from wait4():

- in-process (``--child``): importing the state and discovery modules, opening the state as
  a crawl does (``SqliteState(root)``, ``recover()``, the roll spider's ``frontier()`` and
  ``watermark()``), then ``sinacrawl.discovery.judge`` on 10,000 discovered items (half
  archived ones picked at random, half new ids), then ``count()`` (what every run does at
  its end for the report's ``archive_size``);
- a real ``scrapy crawl roll`` on the big archive, against bench/server.py serving a
  recorded site of one roll-API page whose 50 articles are already archived (an unchanged
  site): start-up = process start → first request at the server; the whole run's seconds
  and requests; the same crawl on an empty archive for comparison.

The OS page cache is warm (the state was just generated or used) unless ``--cold``.

    python bench/scale.py [--articles 1000000] [--check 10000] [--regen] [--cold]
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

LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORDS = (
    "央行",
    "货币政策",
    "经济",
    "增长",
    "市场",
    "投资",
    "改革",
    "企业",
    "金融",
    "消费",
    "出口",
    "就业",
    "物价",
    "产业",
    "数据",
    "发布",
    "稳定",
    "地方",
    "政策",
    "专项债",
)
SOURCES = ("新浪财经", "中国证券报", "新京报", "证券时报", "经济日报", "中新网", "第一财经")
TINY_SEED = 5


def new_id(rng: random.Random) -> str:
    return "".join(rng.choices(LETTERS, k=7)) + f"{rng.randrange(10**7):07d}"


def rows(n: int, seed: int):
    """n article rows (the Record columns), sorted by id."""
    from sinacrawl.state import _COLS  # noqa: F401 - the column order used below

    rng = random.Random(seed)
    ids = set()
    while len(ids) < n:
        ids.add(new_id(rng))
    start = datetime(2005, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    span = 21 * 365 * 86400
    for aid in sorted(ids):
        when = start + timedelta(seconds=rng.randrange(span))
        day = when.strftime("%Y-%m-%d")
        crawled = (when + timedelta(hours=1)).astimezone(timezone.utc).isoformat(timespec="seconds")
        yield (
            aid,
            f"https://finance.sina.com.cn/china/{day}/doc-i{aid}.shtml",
            f"{when:%Y}/{when:%m}/{aid}.md",
            "".join(rng.choices(WORDS, k=8)),
            rng.choice(SOURCES),
            when.isoformat(),
            f"{rng.getrandbits(256):064x}",
            f"{rng.getrandbits(256):064x}",
            "china",
            int(when.timestamp()) + 600,
            crawled,
            crawled,
            1,
        )


def generate(root: Path, n: int, seed: int = 1) -> float:
    """Write an archive state of n articles; seconds taken."""
    from sinacrawl.state import _COLS, SCHEMA, SqliteState

    t0 = time.perf_counter()
    if root.exists():
        shutil.rmtree(root)
    SqliteState(root).close()  # the schema, exactly as the crawler creates it
    db = sqlite3.connect(root / "index.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-200000")
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
    ).fetchall():
        db.execute(f"DROP INDEX {name}")
    db.execute("BEGIN")
    db.executemany(
        f"INSERT INTO articles({','.join(_COLS)}) VALUES ({','.join('?' * len(_COLS))})",
        rows(n, seed),
    )
    rng = random.Random(seed + 1)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    tomb = [(new_id(rng), None, "deleted", None, now) for _ in range(n // 100)]
    db.executemany(
        "INSERT OR IGNORE INTO tombstones(id, url, reason, mtime, dropped) VALUES (?,?,?,?,?)", tomb
    )
    some = db.execute("SELECT id FROM articles WHERE rowid % 200 = 0").fetchall()
    aliases = []
    for (target,) in some:
        alias = new_id(rng)
        aliases.append((alias, target, f"https://finance.sina.com.cn/roll/doc-i{alias}.shtml"))
    db.executemany("INSERT OR IGNORE INTO aliases(alias_id, id, url) VALUES (?,?,?)", aliases)
    db.execute("COMMIT")
    db.executescript(SCHEMA)  # the indexes, built once over all rows
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    (root / "bench-articles.txt").write_text(str(n))
    return time.perf_counter() - t0


def add_known(root: Path, tiny_site: Path) -> None:
    """Archive the tiny site's articles (same id, canonical URL, mtime) and the column's
    watermark, so crawling that site finds nothing new: one API page, no article."""
    from sinacrawl.state import Record, SqliteState
    from sinacrawl.urls import canonical_url

    state = SqliteState(root)
    m = common.manifest(tiny_site)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for a in m["articles"]:
        state.finish_write(
            Record(
                id=a["id"],
                url=canonical_url(a["url"]),
                path=f"tiny/{a['id']}.md",
                title=a["title"],
                source=a["source"],
                published=a["published"],
                content_hash="0" * 64,
                body_hash=None,
                column_key="china",
                mtime=a["mtime"],
                first_crawled=now,
                last_crawled=now,
            )
        )
    state.set_watermark("china", max(a["ctime"] for a in m["articles"]))
    state.close()


def state_for(n: int, regen: bool, tiny_site: Path) -> tuple[Path, float | None]:
    root = common.cache_dir() / f"state-{n}"
    marker = root / "bench-articles.txt"
    seconds = None
    if regen or not marker.is_file() or marker.read_text() != str(n):
        seconds = generate(root, n)
        add_known(root, tiny_site)
    return root, seconds


def pick_items(
    root: Path, check: int, seed: int = 3
) -> list[tuple[str, str, int | None, int | None]]:
    """(id, canonical url, mtime, ctime): half archived (random rows), half new."""
    db = sqlite3.connect(f"file:{root / 'index.sqlite'}?mode=ro", uri=True)
    rng = random.Random(seed)
    (top,) = db.execute("SELECT max(rowid) FROM articles").fetchone()
    known = []
    seen = set()
    while len(known) < check // 2:
        rowid = rng.randrange(1, top + 1)
        if rowid in seen:
            continue
        seen.add(rowid)
        row = db.execute("SELECT id, url, mtime FROM articles WHERE rowid=?", (rowid,)).fetchone()
        if row:
            known.append((row[0], row[1], row[2], row[2] - 600))
    db.close()
    fresh = []
    for _ in range(check - len(known)):
        aid = new_id(rng)
        fresh.append(
            (
                aid,
                f"https://finance.sina.com.cn/china/2026-11-27/doc-i{aid}.shtml",
                1795700000,
                1795700000,
            )
        )
    items = known + fresh
    rng.shuffle(items)
    return items


def drop_caches() -> None:
    import os

    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as exc:
        sys.exit(f"--cold needs to write /proc/sys/vm/drop_caches: {exc}")


# -- the measuring child ---------------------------------------------------------------------
def child(root: Path, items_file: Path) -> None:
    t0 = time.perf_counter()
    from sinacrawl.discovery import Window, judge
    from sinacrawl.state import SqliteState

    t_import = time.perf_counter() - t0
    items = json.loads(items_file.read_text())
    t0 = time.perf_counter()
    state = SqliteState(root)
    state.recover()
    state.frontier()
    state.watermark("china")
    t_open = time.perf_counter() - t0
    window = Window()
    verdicts: dict[str, int] = {}
    t0 = time.perf_counter()
    for aid, url, mtime, ctime in items:
        v = judge(state, aid, url, mtime, ctime, window)
        verdicts[v] = verdicts.get(v, 0) + 1
    t_check = time.perf_counter() - t0
    t0 = time.perf_counter()
    size = state.count()
    t_count = time.perf_counter() - t0
    state.close()
    print(
        json.dumps(
            {
                "import_s": t_import,
                "open_s": t_open,
                "check_s": t_check,
                "count_s": t_count,
                "archive_size": size,
                "verdicts": verdicts,
            }
        )
    )


# -- the real crawl --------------------------------------------------------------------------
def crawl_startup(srv, out: Path, work: Path, name: str) -> dict:
    from crawl import roll_cmd

    srv.reset()
    ch = common.run_child(roll_cmd(srv.url, out, "china"), work / f"{name}.log")
    served = srv.stats()
    if ch.returncode != 0:
        sys.exit(f"crawl on the {name} archive exited {ch.returncode}:\n{ch.tail()}")
    rep = json.loads((out / "last-run.json").read_text(encoding="utf-8"))
    return {
        "startup_s": (served["first"] - ch.started) if served["first"] else None,
        "wall_s": ch.wall_s,
        "maxrss_mb": ch.maxrss_mb,
        "served": served["by_kind"],
        "report": rep,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--check", type=int, default=10_000)
    ap.add_argument("--regen", action="store_true", help="generate the state again")
    ap.add_argument(
        "--cold",
        action="store_true",
        help="drop the OS page cache before each measured process (root only; "
        "slows everything else on the machine for a moment)",
    )
    ap.add_argument("--child", nargs=2, metavar=("ROOT", "ITEMS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return {}
    common.need("scrapy", "aiohttp")

    tiny = common.site(50, TINY_SEED, "china")
    root, gen_s = state_for(args.articles, args.regen, tiny)
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-bench-scale-"))
    try:
        items_file = work / "items.json"
        items_file.write_text(json.dumps(pick_items(root, args.check)))
        cold = drop_caches if args.cold else (lambda: None)
        cold()
        ch = common.run_child(
            [PY, __file__, "--child", str(root), str(items_file)], work / "check.log"
        )
        if ch.returncode != 0:
            sys.exit(f"scale check exited {ch.returncode}:\n{ch.tail()}")
        inproc = json.loads(ch.log.read_text().strip().splitlines()[-1])
        with common.server(tiny) as srv:
            cold()
            big = crawl_startup(srv, root, work, "big")
            empty = crawl_startup(srv, work / "empty-archive", work, "empty")
        db_mb = sum(p.stat().st_size for p in root.glob("index.sqlite*")) / 2**20
        figures = {
            "scale_articles": inproc["archive_size"],
            "scale_page_cache": "cold" if args.cold else "warm",
            "scale_db_mb": db_mb,
            "scale_generate_s": gen_s if gen_s is not None else "cached",
            "scale_startup_s": big["startup_s"],
            "scale_startup_empty_s": empty["startup_s"],
            "scale_run_s": big["wall_s"],
            "scale_run_requests": json.dumps(big["served"], sort_keys=True),
            "scale_peak_rss_mb": big["maxrss_mb"],
            "scale_import_s": inproc["import_s"],
            "scale_state_open_s": inproc["open_s"],
            "scale_check_items": args.check,
            "scale_check_10k_s": inproc["check_s"] * 10_000 / args.check,
            "scale_check_verdicts": json.dumps(inproc["verdicts"], sort_keys=True),
            "scale_count_s": inproc["count_s"],
            "scale_check_peak_rss_mb": ch.maxrss_mb,
        }
        for name, value in figures.items():
            emit(name, value)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


if __name__ == "__main__":
    main()
