"""One post per article: the in-run duplicate check (pipelines/dedupe.py) and the content
dedupe (pipelines/content.py), in real crawls over recorded pages and on the pipelines alone."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from pipelines.content import ContentDedupePipeline
from pipelines.dedupe import DedupePipeline
from tests.crawlrun import SITE, check_consistent, manifest, posts, report, run_crawl

BODY = "<div><p>　　今年以来，社会消费品零售总额同比增长5.1%。</p></div>"


def _item(article_id: str, url: str, body: str = BODY) -> dict:
    return {"id": article_id, "url": url, "body": body}


def _stats(crawler) -> dict:
    return crawler.stats.get_stats()


# -- DedupePipeline on its own ----------------------------------------------------------------


@pytest.fixture
def dedupe():
    crawler = get_crawler()
    pipe = DedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe, crawler


def test_same_id_under_another_url_is_dropped(dedupe):
    pipe, crawler = dedupe
    desktop = "https://finance.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml"
    mobile = "https://finance.sina.cn/china/gncj/2026-11-26/detail-inabcdef1234567.d.html"
    pipe.process_item(_item("nabcdef1234567", desktop))
    with pytest.raises(DropItem, match="duplicate_in_run"):
        pipe.process_item(_item("nabcdef1234567", mobile))
    assert _stats(crawler)["sinacrawl/dropped/duplicate_in_run"] == 1


@pytest.mark.parametrize(
    "twin",
    [
        "http://finance.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml",
        "https://FINANCE.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml#top",
        "https://finance.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml"
        "?cre=financepagepc&mod=f&loc=4",
    ],
)
def test_same_canonical_url_under_another_id_is_dropped(dedupe, twin):
    # (an id read from the page, not the URL, can differ for one URL: the URL still decides)
    pipe, crawler = dedupe
    url = "https://finance.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml"
    pipe.process_item(_item("nabcdef1234567", url))
    with pytest.raises(DropItem, match="duplicate_in_run"):
        pipe.process_item(_item("nzyxwvu7654321", twin))
    assert _stats(crawler)["sinacrawl/dropped/duplicate_in_run"] == 1


def test_different_articles_pass(dedupe):
    pipe, crawler = dedupe
    for i, article_id in enumerate(("nabcdef1234567", "nabcdef1234568")):
        url = f"https://finance.sina.com.cn/china/2026-11-2{i}/doc-i{article_id}.shtml"
        assert pipe.process_item(_item(article_id, url))["id"] == article_id
    assert "sinacrawl/dropped/duplicate_in_run" not in _stats(crawler)


# -- the in-run check in a real crawl ---------------------------------------------------------


@pytest.mark.slow
def test_http_https_and_tracking_twins_in_one_run_give_one_post(tmp_path):
    """The same article asked three times in one run (its https URL, the http twin, the
    tracking-parameter twin; Scrapy's own duplicate filter tells the three apart): one post,
    the two others dropped as duplicate_in_run, not rewritten."""
    art = next(a for a in manifest()["articles"] if a.get("tracking_url"))
    https = art["url"]
    urls = [https, "http://" + https.split("://", 1)[1], art["tracking_url"]]
    proc = run_crawl("article", tmp_path, "-a", "url=" + ",".join(urls), replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = report(tmp_path)
    assert rep["requests"]["article"] == 3  # all three were fetched: the pipeline decided
    assert rep["dropped"] == {"duplicate_in_run": 2}
    assert rep["new"] == 1 and rep["unchanged"] == rep["updated"] == 0
    assert [p.rsplit("/", 1)[1] for p in posts(tmp_path)] == [art["id"] + ".md"]
    check_consistent(tmp_path)


# -- content dedupe ---------------------------------------------------------------------------


def test_content_pipeline_without_archive_drops_a_second_id_with_the_same_text():
    crawler = get_crawler(settings_dict={"SINACRAWL_OUTPUT_DIR": None})
    pipe = ContentDedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    first = "https://finance.sina.com.cn/china/2026-11-26/doc-inabcdef1234567.shtml"
    again = "https://finance.sina.com.cn/roll/2026-11-27/doc-inzyxwvu7654321.shtml"
    pipe.process_item(_item("nabcdef1234567", first))
    # other markup, whitespace and editor line: the same text
    same_text = (
        '<div>\n<p class="x">　　今年以来，社会消费品零售总额<b>同比增长5.1%。</b></p>\n'
        '<p class="article-editor">责任编辑：王蒙</p></div>'
    )
    with pytest.raises(DropItem, match="duplicate_content"):
        pipe.process_item(_item("nzyxwvu7654321", again, same_text))
    other = BODY.replace("5.1%", "5.2%")
    assert pipe.process_item(_item("nqwerty1111111", again, other))["id"] == "nqwerty1111111"
    assert _stats(crawler)["sinacrawl/dropped/duplicate_content"] == 1


def _republished_site(tmp_path):
    """A recorded site of one article page of fixtures/site and the same page republished
    under another id (another URL, the same text)."""
    art = next(
        a
        for a in manifest()["articles"]
        if a["template"] == "era2017_finance" and not a.get("special") and len(a["columns"]) == 1
    )
    twin_id = "nqqqqqq" + art["id"][7:]
    assert twin_id != art["id"]
    site = tmp_path / "site"
    shutil.copytree(SITE / "robots", site / "robots")
    shutil.copytree(SITE / art["recording"], site / "articles" / art["id"])
    twin = site / "articles" / twin_id
    twin.mkdir()
    twin_url = art["url"].replace(art["id"], twin_id)
    (twin / "url.txt").write_text(twin_url + "\n", encoding="utf-8")
    page = (SITE / art["recording"] / "page.html").read_bytes()
    (twin / "page.html").write_bytes(page.replace(art["id"].encode(), twin_id.encode()))
    assert re.search(rb"\b" + twin_id.encode(), (twin / "page.html").read_bytes())
    return site, art, twin_id, twin_url


def _aliases(out) -> dict[str, tuple[str, str]]:
    con = sqlite3.connect(out / "index.sqlite")
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT alias_id, id, url FROM aliases")}
    finally:
        con.close()


@pytest.mark.slow
def test_republished_article_in_one_run_is_written_once_with_an_alias(tmp_path):
    site, art, twin_id, twin_url = _republished_site(tmp_path)
    out = tmp_path / "out"
    urls = f"url={art['url']},{twin_url}"
    proc = run_crawl("article", out, "-a", urls, replay=site)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rep = report(out)
    assert rep["new"] == 1 and rep["dropped"] == {"duplicate_content": 1}
    written = [p.rsplit("/", 1)[1][:-3] for p in posts(out)]
    assert len(written) == 1 and written[0] in (art["id"], twin_id)
    loser = twin_id if written[0] == art["id"] else art["id"]
    assert _aliases(out) == {loser: (written[0], twin_url if loser == twin_id else art["url"])}
    check_consistent(out)


@pytest.mark.slow
def test_republished_article_against_the_archive_is_an_alias(tmp_path):
    site, art, twin_id, twin_url = _republished_site(tmp_path)
    out = tmp_path / "out"
    first = run_crawl("article", out, "-a", f"url={art['url']}", replay=site)
    assert first.returncode == 0, first.stderr[-2000:]
    before = posts(out)
    assert [p.rsplit("/", 1)[1][:-3] for p in before] == [art["id"]]
    second = run_crawl("article", out, "-a", f"url={twin_url}", replay=site)
    assert second.returncode == 0, second.stderr[-2000:]
    rep = report(out)
    assert rep["new"] == rep["updated"] == 0 and rep["dropped"] == {"duplicate_content": 1}
    assert posts(out) == before
    assert _aliases(out) == {twin_id: (art["id"], twin_url)}
    check_consistent(out)
