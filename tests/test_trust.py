"""Nothing the crawler remembers hides an article, and a run that did nothing useful fails.

Real crawls in a child process (``tests/crawlrun.py``) over the recorded site, replayed or
served on 127.0.0.1 (``tests/sitesrv.py``) with answers a test overrides.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time

import pytest

from sinacrawl.discovery import DEFERRED, RECHECK, TOMBSTONED, Window, judge
from sinacrawl.replay import replay_key
from sinacrawl.state import SqliteState
from sinacrawl.storage import ArchiveDir, UnsafePath
from tests import faults
from tests.crawlrun import SITE, check_consistent, index_rows, manifest, report, run_crawl
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow


def _first_china_article():
    return next(a for a in manifest()["articles"] if a["column"] == "china" and "special" not in a)


def _wrong_path(url: str) -> str:
    # the same article id under another column and date: a URL that answers 404
    return url.replace("/china/", "/stock/").replace("/2026-11-", "/2020-01-")


def test_a_404_on_a_wrong_url_never_hides_the_real_article(tmp_path):
    art = _first_china_article()
    out = tmp_path / "a"
    proc = run_crawl("article", out, "-a", f"url={_wrong_path(art['url'])}", replay=SITE)
    assert proc.returncode == 1  # asked for one article, wrote none
    assert report(out)["dropped"] == {"missing": 1}
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 0
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert art["id"] in index_rows(out)


def test_an_empty_answer_is_retried_after_a_backoff_not_tombstoned(tmp_path):
    art = _first_china_article()
    out = tmp_path / "a"
    with SiteServer(SITE) as server:
        server.overrides[replay_key(art["url"])] = (200, {"Content-Type": "text/html"}, b"")
        proc = run_crawl("roll", out, upstream=server.url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert report(out)["dropped"].get("empty_page") == 1
        assert report(out)["deferred"] == {"empty_page": 1, "missing": 1}
        assert art["id"] not in index_rows(out)
        # not due yet: the next run does not fetch it (and sends no article request)
        del server.overrides[replay_key(art["url"])]
        before = len(server.requests_of("article"))
        proc = run_crawl("roll", out, upstream=server.url)
        assert len(server.requests_of("article")) == before
        assert report(out)["skipped_deferred"] == 2  # (listed, but waiting)
        # once due, the healthy answer wins
        con = sqlite3.connect(out / "index.sqlite")
        with con:  # an hour later
            con.execute("UPDATE frontier SET not_before = not_before - 3600")
        con.close()
        proc = run_crawl("roll", out, upstream=server.url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert art["id"] in index_rows(out)
        assert report(out)["rechecked"] >= 1
        # refresh=1 ignores waits too
        proc = run_crawl("roll", out, "-a", "refresh=1", upstream=server.url)
        assert proc.returncode == 0


def test_judge_lets_better_evidence_outrank_a_drop(tmp_path):
    state = SqliteState(tmp_path)
    url = "https://finance.sina.com.cn/china/2026-11-26/doc-inpyopum3170669.shtml"
    other = "https://finance.sina.com.cn/stock/2026-11-26/doc-inpyopum3170669.shtml"
    aid, now, w = "npyopum3170669", int(time.time()), Window()
    state.defer(aid, url, "china", 100, "empty_page", (3600, 7200), now=now)
    assert judge(state, aid, url, 100, None, w, now=now) == DEFERRED
    assert judge(state, aid, other, 100, None, w, now=now) == RECHECK  # another URL
    assert judge(state, aid, url, 100, None, w, now=now + 3600) == RECHECK  # due
    assert judge(state, aid, url, 100, None, w, refresh=True, now=now) == "new"
    state.defer(aid, url, "china", 100, "empty_page", (3600, 7200), now=now)
    assert state.deferred(aid).not_before == now + 7200  # doubled
    state.settle(aid, "deleted", url, 100)
    assert judge(state, aid, url, 100, None, w) == TOMBSTONED
    assert judge(state, aid, url, 101, None, w) == RECHECK  # a newer mtime
    assert judge(state, aid, other, 100, None, w) == RECHECK
    with pytest.raises(ValueError):
        state.settle(aid, "empty_page", url)  # only a permanent reason is a tombstone


def test_old_tombstones_are_checked_once_more(tmp_path):
    state = SqliteState(tmp_path)
    state.db.execute(
        "INSERT INTO tombstones VALUES ('npyopum3170669', 'https://x.sina.com.cn/a', "
        "'not_article', NULL, '2025-01-01')"
    )
    state.db.execute("PRAGMA user_version=0")
    state.close()
    state = SqliteState(tmp_path)
    assert state.tombstone("npyopum3170669") is None
    assert [r[0] for r in state.frontier()] == ["npyopum3170669"]


def test_refresh_and_a_moved_mtime_leave_the_frontier(tmp_path):
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    assert run_crawl("roll", out, "-a", "refresh=1", replay=SITE).returncode == 0
    assert report(out)["unchanged"] == 48
    con = sqlite3.connect(out / "index.sqlite")
    due = con.execute("SELECT count(*) FROM frontier WHERE not_before IS NULL").fetchone()[0]
    assert due == 0
    run_crawl("roll", out, replay=SITE)
    assert report(out)["requests"].get("article", 0) == 0


def test_fetching_by_url_keeps_the_recorded_column(tmp_path):
    out = tmp_path / "a"
    listed = next(s for s in manifest()["specials"] if s["kind"] == "tracking_params")
    art = next(a for a in manifest()["articles"] if a["id"] == listed["id"])
    assert run_crawl("roll", out, "-a", "columns=hgjj,china", replay=SITE).returncode == 0
    before = index_rows(out)[art["id"]]
    proc = run_crawl("article", out, "-a", f"url={art['url']}", replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert index_rows(out)[art["id"]] == before  # same post, same version
    # asked explicitly, it moves
    proc = run_crawl("article", out, "-a", f"url={art['url']}", "-a", "column=china", replay=SITE)
    assert proc.returncode == 0
    assert index_rows(out)[art["id"]][2] == before[2] + 1
    check_consistent(out)


def test_index_rows_pointing_outside_are_not_deleted(tmp_path):
    root, victim = tmp_path / "a", tmp_path / "victim.md"
    victim.write_text("keep me")
    state = SqliteState(root)
    record = {
        "id": "npyopum3170669", "url": "u", "path": "2026/11/npyopum3170669.md", "title": "t",
        "source": None, "published": "p", "content_hash": "h", "body_hash": None,
        "column_key": None, "mtime": None, "first_crawled": "f", "last_crawled": "l",
        "version": 1,
    }  # fmt: skip
    for tmp, old in (("../victim.md", None), ("2026/11/.x.tmp", "../victim.md")):
        state.db.execute(
            "INSERT OR REPLACE INTO pending VALUES (?,?,?,?)",
            ("npyopum3170669", json.dumps(record), tmp, old),
        )
        assert state.recover()["unsafe_paths"] == 1
        assert victim.read_text() == "keep me"


def test_a_folder_swapped_for_a_symlink_is_refused(tmp_path):
    root, outside = tmp_path / "a", tmp_path / "outside"
    (root / "2026" / "11").mkdir(parents=True)
    outside.mkdir()
    folder = ArchiveDir(root)
    folder.write_atomic("2026/11/a.md", b"one", ".a.tmp")
    (root / "2026" / "11").rename(root / "2026" / "moved")
    os.symlink(outside, root / "2026" / "11")
    with pytest.raises(UnsafePath):
        folder.write_atomic("2026/11/b.md", b"two", ".b.tmp")
    assert list(outside.iterdir()) == []
    os.symlink(outside / "x.md", root / "2026" / "moved" / "c.md")
    assert folder.read("2026/moved/c.md") is None  # a link to a file is not followed


def test_a_lost_or_corrupt_index_is_one_line_and_nothing_runs(tmp_path):
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    (out / "index.sqlite").rename(tmp_path / "saved.sqlite")
    for name in ("index.sqlite-wal", "index.sqlite-shm"):
        (out / name).unlink(missing_ok=True)
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 2
    assert "sinacrawl repair" in proc.stderr and "Traceback" not in proc.stderr
    assert not (out / "index.sqlite").exists()
    (out / "index.sqlite").write_bytes(b"not a database at all" * 100)
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not a readable SQLite database" in proc.stderr


@pytest.mark.parametrize(
    "spider,args,says",
    [
        ("roll", ["-a", "since=2024-13-45"], "since=2024-13-45"),
        ("roll", ["-a", "since=2024-05-02", "-a", "until=2024-05-01"], "after"),
        ("roll", ["-a", "columns=nope"], "unknown column"),
        ("roll", ["-a", "columns="], "no column given"),
        ("roll", ["-a", "columns=other"], "no roll API list"),
        ("roll", ["-a", "pages=abc"], "pages=abc"),
        ("roll", ["-a", "pages=-3"], "pages=-3"),
        ("roll", ["-a", "refresh=maybe"], "refresh=maybe"),
        ("lists", ["-a", "column=nope"], "unknown column"),
        ("article", ["-a", "file=/nonexistent/urls.txt"], "no such file"),
        ("article", ["-a", "url=https://example.com/a/doc-iabcdefg1234567.shtml"], "not a Sina"),
        ("article", ["-a", "url=https://finance.sina.com.cn/china/"], "not the URL of a Sina"),
        ("article", ["-a", "column=nope", "-a", "url=x"], "unknown column"),
        ("roll", ["-a", "colums=all"], "takes no such argument"),
        ("lists", ["-a", "columns=china"], "takes no such argument"),
        ("article", ["-a", "urls=x"], "takes no such argument"),
    ],
)
def test_a_wrong_argument_is_one_line_and_makes_nothing(tmp_path, spider, args, says):
    out = tmp_path / "never"
    proc = run_crawl(spider, out, *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("sinacrawl:")]
    assert len(lines) == 1 and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr
    assert not out.exists()


def test_an_output_folder_that_is_a_file_is_one_line(tmp_path):
    out = tmp_path / "file"
    out.write_text("x")
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 2 and "is a file" in proc.stderr and "Traceback" not in proc.stderr


def test_url_files_with_a_bom_comments_and_inline_comments(tmp_path):
    art = _first_china_article()
    urls = tmp_path / "urls.txt"
    urls.write_bytes("\ufeff# a list\n\n".encode() + f"{art['url']}   # the one I want\n".encode())
    out = tmp_path / "a"
    proc = run_crawl("article", out, "-a", f"file={urls}", replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(index_rows(out)) == {art["id"]}
    only = tmp_path / "only.txt"
    only.write_text("# nothing\n  # still nothing\n")
    proc = run_crawl("article", out, "-a", f"file={only}", replay=SITE)
    assert proc.returncode == 2 and "lists no URL" in proc.stderr


@pytest.mark.parametrize("where", ["https://example.com/", "self", "home"])
def test_articles_redirected_away_fail_the_run(tmp_path, where):
    listed = manifest()["columns"]["china"]["total"]  # (the video and the unrecorded page too)
    out = tmp_path / "a"

    def plan(h, url, attempt):
        if "/api/roll/" in url or url.endswith("robots.txt"):
            return False
        target = {"self": url, "home": "https://finance.sina.com.cn/"}.get(where, where)
        faults.redirect(target)(h, url)
        return True

    with SiteServer(SITE, faults=plan) as server:
        proc = run_crawl("roll", out, "-a", "columns=china", upstream=server.url)
    assert proc.returncode == 1, proc.stderr[-2000:]
    rep = report(out)
    assert rep["new"] == 0 and rep["failed"]
    counted = sum(v for k, v in rep["errors"].items() if k != "article")
    counted += sum(rep["dropped"].values())
    assert counted == listed, rep  # every one accounted for
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM frontier").fetchone()[0] == listed


def test_an_api_that_repeats_its_pages_stops_and_fails(tmp_path):
    first = (SITE / "api" / "155-1686-1" / "body.json").read_bytes()
    out = tmp_path / "a"
    with SiteServer(SITE) as server:
        for page in range(2, 8):
            url = (
                f"https://feed.mix.sina.com.cn/api/roll/get?pageid=155&lid=1686&num=50&page={page}"
            )
            server.overrides[replay_key(url)] = (200, {"Content-Type": "application/json"}, first)
        proc = run_crawl("roll", out, "-a", "columns=china", upstream=server.url)
        api = len(server.requests_of("api"))
    assert proc.returncode == 1
    assert api == 3  # pages 1, 2 and 3, not the page cap
    assert any("repeats itself" in f for f in report(out)["failures"])


def test_a_report_that_cannot_be_written_fails_and_leaves_no_stale_success(tmp_path):
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    assert not report(out)["failed"]
    (out / ".last-run.json.tmp").write_text("")  # left by an earlier crash
    reports = out / "reports"
    for f in reports.iterdir():
        f.unlink()
    reports.rmdir()
    reports.write_text("a file where the reports folder should be")
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 1
    assert "could not write the run report" in proc.stderr
    assert not (out / "last-run.json").exists()
    assert not (out / ".last-run.json.tmp").exists()


def test_parse_leaves_the_archive_and_its_report_alone(tmp_path):
    art = _first_china_article()
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    before = (out / "last-run.json").read_bytes()
    import subprocess
    import sys

    from tests.crawlrun import ROOT, env

    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "parse", "--spider", "article", _wrong_path(art["url"]),
         "-s", f"SINACRAWL_OUTPUT_DIR={out}", "-s", f"SINACRAWL_REPLAY={SITE}"],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "last-run.json").read_bytes() == before
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM frontier").fetchone()[0] == 1  # (the missing one)


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT"])
def test_one_signal_stops_a_slowed_down_run_within_bounds_with_its_report(tmp_path, signum):
    import signal
    import subprocess

    from tests.crawlrun import ROOT, crawl_cmd, env

    def plan(h, url, attempt):
        if "/api/roll/" in url or url.endswith("robots.txt"):
            return False
        faults.status(429, {"Retry-After": "120"})(h, url)
        return True

    out = tmp_path / "a"
    with SiteServer(SITE, faults=plan) as server:
        cmd = crawl_cmd(
            "roll",
            out,
            "-s",
            "SINACRAWL_RETRY_AFTER_MAX=300",
            "-s",
            "SINACRAWL_STOP_TIMEOUT=90",  # (the waits end by themselves, well before)
            upstream=server.url,
        )
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.requests_of("article")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # the retries are now waiting out the 120 s
        sent = time.monotonic()
        proc.send_signal(getattr(signal, signum))
        try:
            _, err = proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("one signal did not stop the run within 45 s")
    assert time.monotonic() - sent < 45
    assert proc.returncode == 1, err[-2000:]
    assert "did not stop within" not in err  # the waits ended, not the backstop
    rep = report(out)
    assert rep["failed"] and rep["finish_reason"] == "shutdown"
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM frontier").fetchone()[0] >= 40  # kept for later


def test_a_run_held_by_hanging_downloads_stops_at_the_stop_timeout(tmp_path):
    import signal
    import subprocess

    from tests.crawlrun import ROOT, crawl_cmd, env

    release = threading.Event()

    def plan(h, url, attempt):
        if "/api/roll/" in url or url.endswith("robots.txt"):
            return False
        release.wait(120)  # an article answer that never comes (until the test ends)
        return True

    out = tmp_path / "a"
    with SiteServer(SITE, faults=plan) as server:
        cmd = crawl_cmd(
            "roll",
            out,
            "-s",
            "DOWNLOAD_TIMEOUT=600",
            "-s",
            "SINACRAWL_STOP_TIMEOUT=3",
            upstream=server.url,
        )
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.requests_of("article")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the run did not stop at SINACRAWL_STOP_TIMEOUT")
        finally:
            release.set()
    assert 2.5 < time.monotonic() - sent < 30
    assert proc.returncode == 1, err[-2000:]
    assert "did not stop within 3.0s" in err
    rep = report(out)
    assert rep["failed"] and rep["finish_reason"] == "shutdown"
    assert "Traceback" not in err


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs (as root): a disk that can be filled for real."""
    import subprocess

    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8M", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        why = f"cannot mount a tmpfs here ({done.stderr.decode().strip()})"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk, leave: int):
    filler = disk / "filler"
    stat = os.statvfs(disk)
    with open(filler, "wb") as fh:
        fh.truncate(0)
        os.posix_fallocate(fh.fileno(), 0, stat.f_bavail * stat.f_frsize - leave)
    return filler


@pytest.mark.parametrize("leave", [40_000, 250_000, 700_000])
def test_a_full_disk_fails_the_run_in_few_lines_and_the_next_run_loses_nothing(small_disk, leave):
    from sinacrawl.columns import DEFAULT_COLUMNS
    from tests.crawlrun import expected_ids

    out = small_disk / "a"
    first = run_crawl("roll", out, replay=SITE)
    assert first.returncode == 0 and report(out)["failed"] is False
    filler = _fill(small_disk, leave)
    full = run_crawl("roll", out, "-a", "columns=all", replay=SITE)
    assert full.returncode == 1, full.stderr[-2000:]
    assert "Traceback" not in full.stderr and "a bug" not in full.stderr
    assert len(full.stderr.splitlines()) < 60
    assert "disk" in full.stderr and ("full" in full.stderr or "No space" in full.stderr)
    if "not starting" not in full.stderr:  # (full before it began: refused at the start)
        assert "Closing spider (disk_failed)" in full.stderr  # stopped at once
    # no earlier success left standing: the report says it failed, or there is none
    if (out / "last-run.json").exists():
        assert report(out)["failed"] is True
    filler.unlink()
    again = run_crawl("roll", out, "-a", "columns=all", replay=SITE)
    assert again.returncode == 0, again.stderr[-2000:]
    assert not report(out)["failed"]
    check_consistent(out)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    table = {c["key"] for c in DEFAULT_COLUMNS if c["lid"] is not None}
    assert set(index_rows(out)) == expected_ids(table)  # every article, once


# -- what an adversary found ------------------------------------------------------------------
API1 = "https://feed.mix.sina.com.cn/api/roll/get?pageid=155&lid=1686&num=50&page=1"
API2 = "https://feed.mix.sina.com.cn/api/roll/get?pageid=155&lid=1686&num=50&page=2"
JSON = {"Content-Type": "application/json"}


def _china_reply() -> dict:
    return json.loads((SITE / "api" / "155-1686-1" / "body.json").read_bytes())


def test_odd_urls_in_a_listing_are_skipped_and_never_block_later_runs(tmp_path):
    reply = _china_reply()
    items = reply["result"]["data"]
    relative = items[0]["url"].removeprefix("https:")  # //finance.sina.com.cn/…
    items[0]["url"] = relative
    odd = [
        "javascript:alert(1)",
        "https://finance.sina.com.cn:99999/c/doc-inabcdef1234567.shtml",
        "http://[::1/doc-inabcdef1234567.shtml",
        "https://finance.sina.com.cn/china/",
    ]
    items[1:1] = [dict(items[1], url=u, docid="") for u in odd] + ["not an object"]
    out = tmp_path / "a"
    with SiteServer(SITE) as server:
        server.overrides[replay_key(API1)] = (200, JSON, json.dumps(reply).encode())
        proc = run_crawl("roll", out, upstream=server.url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        assert _china_reply()["result"]["data"][0]["docid"].removeprefix("comos:") in index_rows(
            out
        )
        # an entry an older version let into the frontier is removed, not requested
        con = sqlite3.connect(out / "index.sqlite")
        con.execute(
            "INSERT INTO frontier(id, url, column_key, mtime, discovered) "
            "VALUES ('xbad', '//finance.sina.com.cn/x/doc-ixbad.shtml :99', 'china', NULL, '')"
        )
        con.commit()
        con.close()
        again = run_crawl("roll", out, upstream=server.url)
    assert again.returncode == 0, again.stderr[-2000:]
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM frontier WHERE id='xbad'").fetchone()[0] == 0


def test_a_page_that_only_looks_empty_is_retried_but_a_video_page_is_not():
    from scrapy.http import HtmlResponse

    from sinacrawl.pages import ArticlePage

    art = _first_china_article()
    busy = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>访问受限</title></head><body>"
        "<div class='sina-header'><a href='https://finance.sina.com.cn/'>新浪财经</a></div>"
        "<p>您的访问过于频繁，请稍后再试</p></body></html>"
    ).encode()
    page = ArticlePage(HtmlResponse(art["url"], body=busy))
    assert page.not_article_reason() == "no_article_body"
    video = manifest()["specials"][2]
    body = (SITE / "video" / video["id"] / "page.html").read_bytes()
    assert ArticlePage(HtmlResponse(video["url"], body=body)).not_article_reason() == "not_article"


def test_a_short_answer_in_mid_paging_fails_the_column_and_sets_no_watermark(tmp_path):
    reply = _china_reply()
    reply["result"]["total"] = 440
    empty = _china_reply()
    empty["result"]["data"] = []
    empty["result"]["total"] = 440
    out = tmp_path / "a"
    with SiteServer(SITE) as server:
        server.overrides[replay_key(API1)] = (200, JSON, json.dumps(reply).encode())
        server.overrides[replay_key(API2)] = (200, JSON, json.dumps(empty).encode())
        proc = run_crawl("roll", out, upstream=server.url)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert any("listed nothing though the API counts 440" in f for f in report(out)["failures"])
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM watermarks").fetchone()[0] == 0


@pytest.mark.parametrize("how", ["zero_bytes", "no_rows"])
def test_an_emptied_index_beside_posts_is_refused(tmp_path, how):
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    db = out / "index.sqlite"
    if how == "zero_bytes":
        for p in out.glob("index.sqlite*"):
            p.unlink()
        db.write_bytes(b"")
    else:
        con = sqlite3.connect(db)
        con.execute("DELETE FROM articles")
        con.commit()
        con.close()
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "lists no article" in proc.stderr and "sinacrawl repair" in proc.stderr


def test_a_run_where_many_articles_fail_for_now_fails(tmp_path):
    ids = sorted(a["id"] for a in manifest()["articles"] if a["column"] == "china")[:8]

    def plan(h, url, attempt):
        if any(i in url for i in ids):
            faults.status(404)(h, url)
            return True
        return False

    out = tmp_path / "a"
    with SiteServer(SITE, faults=plan) as server:
        proc = run_crawl("roll", out, upstream=server.url)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert any("gave no post for now" in f for f in report(out)["failures"])


def test_one_article_redirecting_to_itself_fails_the_run(tmp_path):
    victim = _first_china_article()["id"]

    def plan(h, url, attempt):
        if victim not in url:
            return False
        faults.redirect(url)(h, url)
        return True

    out = tmp_path / "a"
    with SiteServer(SITE, faults=plan) as server:
        proc = run_crawl("roll", out, upstream=server.url)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert any("filtered on the way" in f for f in report(out)["failures"])


def test_a_post_deleted_by_hand_comes_back(tmp_path):
    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    victim = sorted(out.rglob("*.md"))[0]
    before = victim.read_bytes()
    victim.unlink()
    proc = run_crawl("roll", out, replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert victim.read_bytes() == before
    assert report(out)["requests"].get("article") == 1
    check_consistent(out)


def test_a_killed_run_leaves_no_earlier_success_in_last_run(tmp_path):
    import signal
    import subprocess

    from tests.crawlrun import ROOT, crawl_cmd, env

    out = tmp_path / "a"
    assert run_crawl("roll", out, replay=SITE).returncode == 0
    release = threading.Event()

    def plan(h, url, attempt):
        if "/api/roll/" in url or url.endswith("robots.txt"):
            return False
        release.wait(60)
        return True

    with SiteServer(SITE, faults=plan) as server:
        cmd = crawl_cmd("roll", out, "-a", "refresh=1", upstream=server.url)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not server.requests_of("article") and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        release.set()
    rep = report(out)
    assert rep["failed"] is True and rep["running"] is True


@pytest.mark.parametrize(
    "args,says",
    [
        (
            ["-a", "url=https://finance.sina.com.cn:99999/c/doc-inabcdef1234567.shtml"],
            "well-formed",
        ),
        (["-a", "url=http://[::1/c/doc-inabcdef1234567.shtml"], "well-formed"),
        (["-a", f"url={_first_china_article()['url']}", "-s", "SINACRAWL_OUTPUT_DIR="], "is empty"),
    ],
)
def test_more_wrong_arguments_are_one_line(tmp_path, args, says):
    out = tmp_path / "never"
    proc = run_crawl("article", out, *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_dangling_link_as_output_folder_and_empty_archive_paths_are_one_line(tmp_path):
    import subprocess
    import sys

    from tests.crawlrun import ROOT, env

    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone")
    proc = run_crawl("roll", link, replay=SITE)
    assert proc.returncode == 2 and "which is missing" in proc.stderr, proc.stderr[-2000:]
    for command in ("repair", "verify", "index"):
        done = subprocess.run(
            [sys.executable, "-m", "sinacrawl", command, ""],
            cwd=tmp_path,
            env=env(),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2 and "archive folder is empty" in done.stderr, done.stderr
    assert not (tmp_path / "index.sqlite").exists() and ROOT.exists()
