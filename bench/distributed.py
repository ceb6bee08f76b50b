"""Benchmark: articles per second with 1, 2 and 3 Redis workers, and Redis memory per
million known articles.

The recorded site (fixtures/site) is served on 127.0.0.1 with a per-response delay (so the
network, not the CPU, is the bound); for each worker count a fresh redis-server (temp folder,
AOF on) and an archivist are started, then the workers (`scrapy crawl roll` with
SINACRAWL_REDIS_URL, one request at a time per host each). articles/s = posts written / the
workers' wall time (start of the first to the end of the last, interpreter start-up
included). The memory figure: N generated records mirrored as the archivist mirrors them
(RedisState.remember), Redis's used_memory before and after, scaled to a million.

    python bench/distributed.py [--delay 0.2] [--workers 1,2,3] [--records 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sinacrawl.distributed import RedisState  # noqa: E402
from sinacrawl.state import Record  # noqa: E402
from tests.crawlrun import SITE, crawl_cmd, env, posts  # noqa: E402
from tests.redissrv import RedisServer  # noqa: E402
from tests.sitesrv import SiteServer  # noqa: E402

COLUMNS = "china,hgjj,roll,dfjj"


def run(workers: int, delay: float, folder: Path) -> tuple[int, float]:
    def slow(handler, url, attempt):
        time.sleep(delay)
        return False

    with RedisServer(folder / "redis") as redis, SiteServer(SITE, faults=slow) as site:
        out = folder / "archive"
        arc = subprocess.Popen(
            [sys.executable, "-m", "sinacrawl", "archivist", str(out), "--redis", redis.url,
             "--idle-exit", "2"],
            cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        cmd = crawl_cmd("roll", folder / "unused", "-a", f"columns={COLUMNS}", upstream=site.url)
        cmd += ["-s", f"SINACRAWL_REDIS_URL={redis.url}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s", "LOG_LEVEL=WARNING"]
        started = time.monotonic()
        procs = [
            subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        codes = [p.wait(timeout=600) for p in procs]
        took = time.monotonic() - started
        arc.wait(timeout=120)
        if any(codes) or arc.returncode:
            raise SystemExit(f"a run failed: workers {codes}, archivist {arc.returncode}")
        return len(posts(out)), took


def memory(records: int, folder: Path) -> float:
    with RedisServer(folder / "mem") as redis:
        client = redis.client()
        state = RedisState(client)
        before = int(client.info("memory")["used_memory"])
        for n in range(records):
            aid = f"n{n:013d}"
            state.remember(Record(
                id=aid, url=f"https://finance.sina.com.cn/roll/2026-11-26/doc-i{aid}.shtml",
                path=f"2026/11/{aid}.md", title="标题" * 12, source="新浪财经",
                published="2026-11-26T10:00:00+08:00", content_hash="0" * 64,
                body_hash=f"{n:064x}", column_key="roll", mtime=1795653732,
                first_crawled="2026-11-26T02:00:00+00:00",
                last_crawled="2026-11-26T02:00:00+00:00",
            ))
        after = int(client.info("memory")["used_memory"])
        return (after - before) / records * 1_000_000 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    if not RedisServer.available():
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    print(f"delay_s: {args.delay}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(w) for w in args.workers.split(",")):
            written, took = run(n, args.delay, Path(tmp) / f"w{n}")
            print(f"workers_{n}_articles: {written}")
            print(f"workers_{n}_seconds: {took:.2f}")
            print(f"workers_{n}_articles_per_s: {written / took:.2f}")
        if args.records:
            print(f"redis_mib_per_million_known: {memory(args.records, Path(tmp)):.0f}")


if __name__ == "__main__":
    main()
