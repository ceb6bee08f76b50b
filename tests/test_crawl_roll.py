"""The roll spider end to end: the real Scrapy engine against the recorded site on a local
HTTP server (fixtures/site), incremental reruns, updates, malformed replies, kill -9."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import pytest

from sinacrawl.columns import DEFAULT_COLUMNS
from sinacrawl.replay import replay_key
from tests.conftest import ROOT
from tests.crawlrun import (
    SITE,
    check_consistent,
    crawl_cmd,
    env,
    expected_ids,
    index_rows,
    leftovers,
    manifest,
    posts,
    report,
    run_crawl,
)
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow

GOOD = "china,hgjj,roll,dfjj"  # dfjj's reply is JSONP


@pytest.fixture
def site():
    with SiteServer(SITE) as server:
        yield server


def test_first_run_writes_every_discovered_article(site, tmp_path):
    proc = run_crawl("roll", tmp_path, "-a", f"columns={GOOD}", upstream=site.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ids = expected_ids(set(GOOD.split(",")))
    written = {p.rsplit("/", 1)[1][:-3] for p in posts(tmp_path)}
    assert written == ids
    rep = report(tmp_path)
    assert rep["new"] == len(ids) == len(index_rows(tmp_path))
    assert rep["failed"] is False
    assert rep["dropped"] == {"missing": 1, "not_article": 1}
    assert rep["requests"]["api"] == len(site.requests_of("api"))
    assert rep["requests"]["article"] == len(site.requests_of("article"))
    check_consistent(tmp_path)


def test_worker_processes_write_the_same_posts_as_inline(site, tmp_path):
    inline, pooled = tmp_path / "inline", tmp_path / "pooled"
    args = ("-a", f"columns={GOOD}")
    assert run_crawl("roll", inline, *args, upstream=site.url).returncode == 0
    proc = run_crawl("roll", pooled, *args, "-s", "SINACRAWL_WORKERS=2", upstream=site.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "reading article pages in 2 worker processes" in proc.stderr
    assert posts(pooled) == posts(inline) and len(posts(inline)) > 100
    assert (
        report(pooled)["dropped"] == report(inline)["dropped"] == {"missing": 1, "not_article": 1}
    )
    check_consistent(pooled)


def test_second_run_on_unchanged_site_fetches_no_article(site, tmp_path):
    run_crawl("roll", tmp_path, "-a", f"columns={GOOD}", upstream=site.url)
    before = {p: (tmp_path / p).stat().st_mtime_ns for p in posts(tmp_path)}
    site.log.clear()
    proc = run_crawl("roll", tmp_path, "-a", f"columns={GOOD}", upstream=site.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert site.requests_of("article") == []
    assert len(site.requests_of("api")) <= len(GOOD.split(","))
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in posts(tmp_path)} == before
    rep = report(tmp_path)
    assert rep["new"] == rep["updated"] == 0 and rep["skipped_known"] > 0
    assert rep["requests"].get("article", 0) == 0


def _api_reply(pageid, lid, page=1):
    url = f"https://feed.mix.sina.com.cn/api/roll/get?pageid={pageid}&lid={lid}&num=50&page={page}"
    folder = next(p.parent for p in SITE.rglob("url.txt") if p.read_text().strip() == url)
    return url, json.loads((folder / "body.json").read_text(encoding="utf-8"))


def test_update_refetches_and_rewrites_changed_article(site, tmp_path):
    run_crawl("roll", tmp_path, "-a", "columns=china", upstream=site.url)
    url, reply = _api_reply(155, 1686)
    item = next(
        i
        for i in reply["result"]["data"]
        if "finance.sina.com.cn/china/" in i["url"] and "ineyakrw" not in i["url"]
    )
    item["mtime"] = str(int(item["mtime"]) + 3600)
    site.overrides[replay_key(url)] = (
        200,
        {"Content-Type": "application/json"},
        json.dumps(reply, ensure_ascii=False).encode(),
    )
    article_id = item["docid"].split(":")[1]
    status, headers, body = site.answer(item["url"])
    changed = body.replace("　　".encode(), "　　（更新）".encode(), 1)
    assert changed != body
    site.overrides[replay_key(item["url"])] = (status, headers, changed)
    old = index_rows(tmp_path)[article_id]
    site.log.clear()
    proc = run_crawl("roll", tmp_path, "-a", "columns=china", upstream=site.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert site.requests_of("article") == [item["url"]]
    new = index_rows(tmp_path)[article_id]
    assert new[1] != old[1] and new[2] == old[2] + 1
    assert "（更新）" in (tmp_path / new[0]).read_text(encoding="utf-8")
    rep = report(tmp_path)
    assert rep["updated"] == 1 and rep["new"] == 0
    check_consistent(tmp_path)


def _serve_odd_reply(site, column: str, kind: str) -> None:
    """Answer the first API page of ``column`` with the site's recorded odd reply ``kind``
    (a list of no column of the table, so that ``columns=all`` never meets it)."""
    odd = next(s["url"] for s in manifest()["specials"] if s["kind"] == kind)
    first_page = manifest()["columns"][column]["urls"][0]
    site.overrides[replay_key(first_page)] = site.answer(odd)


def test_malformed_reply_fails_run_but_other_columns_are_crawled(site, tmp_path):
    _serve_odd_reply(site, "jrxw", "malformed")
    proc = run_crawl("roll", tmp_path, "-a", "columns=china,jrxw", upstream=site.url)
    assert proc.returncode == 1
    rep = report(tmp_path)
    assert rep["failed"] and any("jrxw" in f and "malformed" in f for f in rep["failures"])
    written = {p.rsplit("/", 1)[1][:-3] for p in posts(tmp_path)}
    assert written == expected_ids({"china"})
    assert "column jrxw not crawled: malformed reply" in proc.stderr


def test_empty_column_is_reported(site, tmp_path):
    _serve_odd_reply(site, "bwdt", "empty")
    proc = run_crawl("roll", tmp_path, "-a", "columns=bwdt", upstream=site.url)
    assert proc.returncode == 1
    assert any("bwdt" in f and "listed no article" in f for f in report(tmp_path)["failures"])


def _category(post: str) -> str:
    """The column label: the third entry of the front matter's categories."""
    lines = post.split("\n")
    at = lines.index("categories: ")
    return lines[at + 3].removeprefix(" - ").strip("'")


def test_all_columns_on_the_replayed_site(tmp_path):
    """``-a columns=all`` on the bundled site (SINACRAWL_REPLAY, as the README runs it): every
    column of the default table is recorded, the run succeeds and writes every article the
    manifest lists in any of them, each under the first column of the table that lists it;
    a second run asks each column's first page only and fetches no article."""
    table = [c for c in DEFAULT_COLUMNS if c["lid"] is not None]
    recorded = manifest()["columns"]
    for c in table:
        assert recorded[c["key"]]["total"] > 0, f"column {c['key']} lists nothing on the site"
        assert (recorded[c["key"]]["pageid"], recorded[c["key"]]["lid"]) == (c["pageid"], c["lid"])
    proc = run_crawl("roll", tmp_path, "-a", "columns=all", replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = report(tmp_path)
    assert rep["failed"] is False and rep["failures"] == []
    ids = expected_ids({c["key"] for c in table})
    rows = index_rows(tmp_path)
    assert set(rows) == ids and rep["new"] == len(ids)
    assert rep["dropped"] == {"missing": 1, "not_article": 1}  # the site's deleted and video items
    assert rep["requests"]["api"] == sum(len(recorded[c["key"]]["urls"]) for c in table)
    order = [c["key"] for c in table]
    label = {c["key"]: c["label"] for c in table}
    several = 0
    for a in manifest()["articles"]:
        first = min(a["columns"], key=order.index)
        several += len(a["columns"]) > 1
        post = (tmp_path / rows[a["id"]][0]).read_text(encoding="utf-8")
        assert _category(post) == label[first], a["id"]
    assert several > 0  # the first-column rule was exercised
    check_consistent(tmp_path)
    again = run_crawl("roll", tmp_path, "-a", "columns=all", replay=SITE)
    assert again.returncode == 0, again.stderr[-2000:]
    rep = report(tmp_path)
    assert rep["requests"]["api"] == len(table) and rep["requests"].get("article", 0) == 0
    assert rep["new"] == rep["updated"] == 0


def test_unreachable_api_fails_the_run(tmp_path):
    proc = run_crawl(
        "roll",
        tmp_path,
        "-a",
        "columns=china",
        "-s",
        "RETRY_TIMES=0",
        upstream="http://127.0.0.1:9",
    )
    assert proc.returncode == 1
    assert report(tmp_path)["failed"]


def test_date_window_and_page_cap(site, tmp_path):
    arts = [a for a in manifest()["articles"] if "china" in a["columns"]]
    day = sorted(a["published"][:10] for a in arts)[len(arts) // 2]
    proc = run_crawl(
        "roll",
        tmp_path,
        "-a",
        "columns=china",
        "-a",
        f"since={day}",
        "-a",
        f"until={day}",
        upstream=site.url,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = {p.rsplit("/", 1)[1][:-3] for p in posts(tmp_path)}
    assert written == {a["id"] for a in arts if a["published"][:10] == day}
    assert report(tmp_path)["outside_window"] > 0


def test_lists_spider_discovers_from_html_lists(site, tmp_path):
    proc = run_crawl("lists", tmp_path, upstream=site.url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = {a["id"] for a in manifest()["articles"] if a.get("lists")}
    written = {p.rsplit("/", 1)[1][:-3] for p in posts(tmp_path)}
    assert listed and written == listed
    assert report(tmp_path)["requests"]["list"] >= 2
    site.log.clear()
    run_crawl("lists", tmp_path, upstream=site.url)
    assert site.requests_of("article") == []


def test_second_concurrent_run_is_refused(site, tmp_path):
    slow = SiteServer(SITE, faults=lambda h, url, n: time.sleep(0.3) or False)
    with slow:
        first = subprocess.Popen(
            crawl_cmd("roll", tmp_path, "-a", "columns=china", upstream=slow.url),
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.time() + 30
            while not (tmp_path / ".sinacrawl.lock").exists() and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)
            started = time.time()
            second = run_crawl("roll", tmp_path, "-a", "columns=china", upstream=slow.url)
            assert second.returncode == 3
            assert "another sinacrawl run" in second.stderr
            assert time.time() - started < 10  # the process start dominates; the refusal is at once
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
    # the kernel freed the lock with its holder: a new run proceeds
    assert run_crawl("roll", tmp_path, "-a", "columns=china", upstream=site.url).returncode == 0


def test_kill_9_at_random_moments_then_resume(tmp_path):
    """20 runs killed at random moments, then one clean run: the archive equals one
    uninterrupted run's, file for file, with no temporary file left."""
    rng = random.Random(20261127)
    with SiteServer(SITE, faults=lambda h, url, n: time.sleep(0.01) or False) as server:
        ref = tmp_path / "ref"
        started = time.monotonic()
        assert run_crawl("roll", ref, "-a", f"columns={GOOD}", upstream=server.url).returncode == 0
        whole = time.monotonic() - started  # kill moments spread over a run's lifetime
        out = tmp_path / "killed"
        kills = 0
        life = whole  # how long a run lasts now: later runs have less left to do
        for _ in range(20):
            started = time.monotonic()
            proc = subprocess.Popen(
                crawl_cmd("roll", out, "-a", f"columns={GOOD}", upstream=server.url),
                cwd=ROOT,
                env=env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = started + rng.uniform(0.1, 0.95) * life
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            else:
                life = time.monotonic() - started
            proc.wait()
        final = run_crawl("roll", out, "-a", f"columns={GOOD}", upstream=server.url)
        assert final.returncode == 0, final.stderr[-2000:]
    assert kills >= 12  # (a run that ends first shortens the next kill delay)
    assert posts(out) == posts(ref)
    assert leftovers(out) == []
    check_consistent(out)


def test_jobdir_pause_and_resume(site, tmp_path):
    """-s JOBDIR works as Scrapy documents: a run stopped half-way resumes from its queue."""
    jobdir = tmp_path / "job"
    out = tmp_path / "out"
    first = run_crawl(
        "roll",
        out,
        "-a",
        "columns=china",
        "-s",
        f"JOBDIR={jobdir}",
        "-s",
        "CLOSESPIDER_ITEMCOUNT=10",
        "-s",
        "CONCURRENT_REQUESTS=1",
        upstream=site.url,
    )
    assert "Error caught on signal handler" not in first.stderr
    assert 10 <= len(posts(out)) < len(expected_ids({"china"}))
    second = run_crawl(
        "roll", out, "-a", "columns=china", "-s", f"JOBDIR={jobdir}", upstream=site.url
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Error caught on signal handler" not in second.stderr
    assert {p.rsplit("/", 1)[1][:-3] for p in posts(out)} == expected_ids({"china"})
