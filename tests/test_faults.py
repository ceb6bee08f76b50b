"""Faults and hostile responses, injected by a local HTTP server into a real crawl.

A generated recorded site (tools/sitegen.py, 200 articles, one column) is served on
127.0.0.1; a seeded schedule decides which requests fail and how.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
import zlib

import pytest

from sinacrawl.replay import replay_key
from tests import faults
from tests.conftest import ROOT
from tests.crawlrun import check_consistent, leftovers, posts, report, run_crawl
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow

FAST = [
    "-s",
    "DOWNLOAD_TIMEOUT=2",
    "-s",
    "RETRY_TIMES=3",
    "-s",
    "SINACRAWL_RETRY_BACKOFF=0.05",
    "-s",
    "CONCURRENT_REQUESTS=16",
    "-s",
    "SINACRAWL_MAX_ERROR_RATE=0.5",
]


def _generated_site(out, articles: int):
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "sitegen.py"),
            str(out),
            "--articles",
            str(articles),
            "--seed",
            "7",
            "--columns",
            "china",
        ],
        check=True,
        capture_output=True,
    )
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, {a["id"] for a in manifest["articles"]}, manifest


@pytest.fixture(scope="module")
def site200(tmp_path_factory):
    return _generated_site(tmp_path_factory.mktemp("site200"), 200)


@pytest.fixture(scope="module")
def site20(tmp_path_factory):
    # for a host slowed down for the rest of the run: its length must not depend on how many
    # articles are left when the slow-down comes
    return _generated_site(tmp_path_factory.mktemp("site20"), 20)


def is_article(url: str) -> bool:
    return "/api/roll/" not in url and not url.endswith("/robots.txt")


def written_ids(out):
    return {p.rsplit("/", 1)[1][:-3] for p in posts(out)}


def test_k_failures_within_retry_budget_all_captured_in_one_run(site200, tmp_path):
    root, ids, _ = site200
    kinds = None

    def plan(h, url, attempt):
        if is_article(url) and attempt <= 3:  # k = 3 = RETRY_TIMES
            kinds[zlib.crc32(url.encode()) % len(kinds)](h, url)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        kinds = [
            faults.status(500),
            faults.status(503),
            faults.reset,
            faults.truncated(server),
            faults.status(429, {"Retry-After": "0"}),
            faults.timeout(2.5),
        ]
        proc = run_crawl("roll", tmp_path, *FAST, upstream=server.url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert written_ids(tmp_path) == ids
    assert report(tmp_path)["new"] == len(ids)
    check_consistent(tmp_path)


def test_k_beyond_retries_captured_by_next_run(site200, tmp_path):
    root, ids, _ = site200
    broken = {"on": True}

    def plan(h, url, attempt):
        if broken["on"] and is_article(url):
            faults.status(502)(h, url)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        first = run_crawl("roll", tmp_path, *FAST, upstream=server.url)
        assert first.returncode == 1  # every article failed: the run says so
        rep = report(tmp_path)
        assert rep["failed"] and rep["errors"]["article"] == len(ids)
        assert written_ids(tmp_path) == set()
        broken["on"] = False
        server.log.clear()
        second = run_crawl("roll", tmp_path, *FAST, upstream=server.url)
    assert second.returncode == 0, second.stderr[-3000:]
    assert written_ids(tmp_path) == ids


def test_random_30_percent_faults(site200, tmp_path):
    root, ids, _ = site200
    kinds = [faults.status(500), faults.reset, faults.status(504)]

    def plan(h, url, attempt):
        # Seeded per (URL, attempt), not per arrival order: the schedule is the same
        # whatever order the concurrent requests reach the server in.
        draw = random.Random(f"30:{url}:{attempt}")
        if is_article(url) and draw.random() < 0.30:
            draw.choice(kinds)(h, url)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        run_crawl("roll", tmp_path, *FAST, upstream=server.url)
        first = len(written_ids(tmp_path) & ids)
        assert first >= 0.99 * len(ids)
        run_crawl("roll", tmp_path, *FAST, upstream=server.url)
    assert written_ids(tmp_path) == ids
    check_consistent(tmp_path)


def test_retry_after_slows_the_host_down(site20, tmp_path):
    root, ids, manifest = site20
    times: list[float] = []
    target = next(iter(sorted(ids)))

    def plan(h, url, attempt):
        if target in url:
            times.append(time.monotonic())
            if attempt == 1:
                faults.status(429, {"Retry-After": "2"})(h, url)
                return True
        return False

    with SiteServer(root, faults=plan) as server:
        proc = run_crawl("roll", tmp_path, *FAST, upstream=server.url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(times) == 2 and times[1] - times[0] >= 1.9
    assert target in written_ids(tmp_path)
    assert "asked to slow down" in proc.stderr


@pytest.mark.parametrize("code", [500, 503])
def test_robots_5xx_means_no_article_fetch(site200, tmp_path, code):
    root, ids, _ = site200

    def plan(h, url, attempt):
        if url == "https://finance.sina.com.cn/robots.txt":
            faults.status(code)(h, url)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        proc = run_crawl("roll", tmp_path, *FAST, upstream=server.url)
        fetched = [u for u in server.requests_of("article") if "//finance.sina.com.cn/" in u]
    assert fetched == []
    assert proc.returncode == 1
    assert "robots.txt of finance.sina.com.cn is unavailable" in proc.stderr
    assert any("robots.txt" in f for f in report(tmp_path)["failures"])
    # nothing was marked done: once robots.txt answers, the next run fetches them
    with SiteServer(root) as server:
        assert run_crawl("roll", tmp_path, *FAST, upstream=server.url).returncode == 0
    assert written_ids(tmp_path) == ids


def _hang_up(h, url):
    """Close the connection without answering (the client sees no response at all)."""
    h.close_connection = True


def _refused_robots_args(host: str) -> list[str]:
    """Settings adding tests/refuse.py's middleware beside the project's own."""
    from sinacrawl import settings

    middlewares = dict(settings.DOWNLOADER_MIDDLEWARES, **{"tests.refuse.RefuseRobots": 985})
    return [
        "-s",
        f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}",
        "-s",
        f"SINACRAWL_TEST_REFUSE_HOST={host}",
    ]


@pytest.mark.parametrize("how", ["reset", "hang_up", "refused"])
def test_unreachable_robots_means_no_fetch_from_that_host(site200, tmp_path, how):
    """robots.txt that cannot be fetched at all (no HTTP answer, every try) means nothing is
    fetched from that host (RFC 9309 §2.3.1.4), the run fails, and nothing is settled."""
    root, ids, manifest = site200
    host = "finance.sina.com.cn"
    robots = f"https://{host}/robots.txt"
    extra: list[str] = []
    if how == "refused":
        extra = _refused_robots_args(host)
    fault = {"reset": faults.reset, "hang_up": _hang_up}.get(how)

    def plan(h, url, attempt):
        if fault is not None and url == robots:
            fault(h, url)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        proc = run_crawl("roll", tmp_path, *FAST, *extra, upstream=server.url)
        articles = server.requests_of("article")
        robots_tries = server.attempts[replay_key(robots)]
    on_host = [a["url"] for a in manifest["articles"] if f"//{host}/" in a["url"]]
    assert on_host, "the site has articles on that host"
    assert [u for u in articles if f"//{host}/" in u] == []
    assert articles, "other hosts' articles are still fetched"
    # tried 1 + RETRY_TIMES times before giving up (Twisted's pool may add one silent retry
    # of a GET on a reused connection); a refused connection never reaches the server
    if how == "refused":
        assert robots_tries == 0
    else:
        assert robots_tries >= 4
    assert proc.returncode == 1
    assert f"robots.txt of {host} is unavailable" in proc.stderr
    assert any("robots.txt" in f for f in report(tmp_path)["failures"])
    assert not written_ids(tmp_path) & {
        a["id"] for a in manifest["articles"] if a["url"] in on_host
    }
    with SiteServer(root) as server:  # robots.txt answers again: the next run fetches them
        assert run_crawl("roll", tmp_path, *FAST, upstream=server.url).returncode == 0
    assert written_ids(tmp_path) == ids


def test_hostile_responses_are_bounded(site200, tmp_path):
    root, ids, manifest = site200
    arts = sorted(ids)
    bomb, big, loop, offsite, gbk_as_utf8 = arts[:5]
    gbk_case = ROOT / "fixtures" / "article" / "gb18030_only"

    def plan(h, url, attempt):
        if bomb in url:
            faults.gzip_bomb(64)(h, url)
        elif big in url:
            faults.oversized(20)(h, url)
        elif loop in url:
            faults.redirect(url)(h, url)
        elif offsite in url:
            faults.redirect("https://evil.example.com/steal")(h, url)
        elif gbk_as_utf8 in url:
            body = (gbk_case / "page.html").read_bytes()
            faults.send(h, 200, "text/html; charset=utf-8", body)
        else:
            return False
        return True

    with SiteServer(root, faults=plan) as server:
        proc = run_crawl(
            "roll", tmp_path, *FAST, "-s", "MEMUSAGE_LIMIT_MB=1024", upstream=server.url
        )
        offsite_hits = [u for u in server.log if "evil.example.com" in u]
    assert offsite_hits == []
    written = written_ids(tmp_path)
    assert not {bomb, big, loop, offsite} & written
    assert written >= ids - {bomb, big, loop, offsite, gbk_as_utf8}
    # the GBK page under a UTF-8 label decoded right: no replacement character anywhere
    gbk_posts = [p for p in tmp_path.rglob(f"{gbk_as_utf8}.md")]
    assert gbk_posts and "\ufffd" not in gbk_posts[0].read_text(encoding="utf-8")
    assert "𠮷" in gbk_posts[0].read_text(encoding="utf-8")
    # each was cut off and kept for a later run (Scrapy's size limit says so in its own words,
    # or, on a loaded machine, a timeout or reset came first): never written, never lost
    for victim in (bomb, big):
        said = [ln for ln in proc.stderr.splitlines() if victim in ln]
        assert any("kept for the next run" in ln or "tried again" in ln for ln in said), said
    con = sqlite3.connect(tmp_path / "index.sqlite")
    waiting = {r[0] for r in con.execute("SELECT id FROM frontier")}
    con.close()
    assert {bomb, big} <= waiting
    assert leftovers(tmp_path) == []


def test_undecodable_page_is_dropped_not_garbled(site200, tmp_path):
    root, ids, _ = site200
    victim = sorted(ids)[0]

    def plan(h, url, attempt):
        if victim in url:
            body = (
                b"<html><head><meta charset='utf-8'><title>x</title></head><body>"
                + bytes(range(0x80, 0x100)) * 20
                + b"</body></html>"
            )
            faults.send(h, 200, "text/html; charset=utf-8", body)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        run_crawl("roll", tmp_path, *FAST, upstream=server.url)
    assert victim not in written_ids(tmp_path)
    assert report(tmp_path)["dropped"].get("undecodable") == 1
    for post in tmp_path.rglob("*.md"):
        assert "\ufffd" not in post.read_text(encoding="utf-8")


def test_robots_rules_bind_requests_that_waited_for_them(site200, tmp_path):
    """Requests queued while robots.txt is still downloading obey it too (stock Scrapy's
    shared Deferred handed them None, i.e. "allow all")."""
    root, ids, _ = site200

    def plan(h, url, attempt):
        if url == "https://finance.sina.com.cn/robots.txt":
            time.sleep(0.5)
            body = b"User-agent: *\nDisallow: /china/\n"
            faults.send(h, 200, "text/plain", body)
            return True
        return False

    with SiteServer(root, faults=plan) as server:
        run_crawl("roll", tmp_path, *FAST, upstream=server.url)
        fetched = [u for u in server.requests_of("article") if "finance.sina.com.cn/china/" in u]
    assert fetched == []
    assert report(tmp_path)["dropped"].get("robots_forbidden", 0) > 10


def test_unfinished_run_exits_non_zero_and_next_run_completes(site200, tmp_path):
    root, ids, _ = site200
    with SiteServer(root, faults=lambda h, url, n: time.sleep(0.05) or False) as server:
        proc = run_crawl(
            "roll",
            tmp_path,
            *FAST,
            "-s",
            "CLOSESPIDER_TIMEOUT=2",
            "-s",
            "CONCURRENT_REQUESTS=2",
            upstream=server.url,
        )
        assert proc.returncode == 1
        rep = report(tmp_path)
        assert rep["finish_reason"] == "closespider_timeout"
        assert any("did not finish" in f for f in rep["failures"])
        assert written_ids(tmp_path) < ids
        assert run_crawl("roll", tmp_path, *FAST, upstream=server.url).returncode == 0
    assert written_ids(tmp_path) == ids


def test_list_page_without_items_fails_the_run(site200, tmp_path):
    root, ids, _ = site200
    from tests.crawlrun import SITE

    def plan(h, url, attempt):
        if "/index_" in url:
            body = "<html><head><meta charset='gbk'></head><body><div class='main'>改版了</div></body></html>".encode(
                "gbk"
            )
            faults.send(h, 200, "text/html; charset=gbk", body)
            return True
        return False

    with SiteServer(SITE, faults=plan) as server:
        proc = run_crawl("lists", tmp_path, *FAST, upstream=server.url)
    assert proc.returncode == 1
    assert any("listed no article" in f for f in report(tmp_path)["failures"])
