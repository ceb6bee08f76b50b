"""SinaSpider: what every sinacrawl spider shares (replay settings, article parsing, drops,
the frontier of discovered articles)."""

from __future__ import annotations

import logging

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from sinacrawl.archive import archive_for, drop
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import NotAnArticle
from sinacrawl.urls import article_id
from sinacrawl.workers import pool_for

logger = logging.getLogger(__name__)

# Article, API and image hosts; anything else (an off-site redirect) is dropped by Scrapy's
# offsite middleware.
SINA_DOMAINS = ["sina.com.cn", "sina.cn", "sinaimg.cn"]
# Drops that a later run would not change: the article leaves the frontier.
TRANSIENT_DROPS = {"write_error", "unsafe_path"}
# Page-level drops remembered (tombstoned) so discovery does not fetch the page again.
PERMANENT_PAGE_DROPS = {
    "deleted",
    "not_article",
    "redirected_home",
    "no_title",
    "undecodable",
    "not_html",
    "robots_forbidden",
}


class SinaSpider(scrapy.Spider):
    allowed_domains = SINA_DOMAINS

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if settings.get("SINACRAWL_REPLAY"):
            # Politeness delays are for Sina's servers, not for a recorded site on disk.
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 16, priority="spider")
        if settings.get("SINACRAWL_UPSTREAM"):
            handler = "sinacrawl.upstream.UpstreamDownloadHandler"
            handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"), http=handler, https=handler)
            settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
        return spider

    @property
    def archive(self):
        return archive_for(self.crawler)

    @property
    def stats(self):
        return self.crawler.stats

    def _item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None) or "dropped"
        if self.archive is not None and item.get("id") and reason not in TRANSIENT_DROPS:
            if reason in ("duplicate_in_run", "duplicate_content"):
                self.archive.settle(item["id"])  # known through its twin
            else:
                self.archive.settle(item["id"], reason, item.get("url"), item.get("mtime"))

    def count_drop(self, reason: str, url: str, mtime: int | None = None) -> None:
        drop(self.stats, reason, url)
        logger.info("dropped %s: %s", url, reason)
        if self.archive is not None and reason in PERMANENT_PAGE_DROPS:
            self.archive.settle(article_id(url), reason, url, mtime)

    def article_request(
        self, url: str, column: str | None = None, mtime: int | None = None, priority: int = 0
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=priority,
            cb_kwargs={"column": column, "mtime": mtime},
            # 404/410 reach parse_article (a deleted article, settled); other errors the errback.
            # Not dont_filter: that would also exempt the request (and its redirects) from
            # the offsite filter. Duplicates are avoided by the spiders themselves.
            meta={"sinacrawl_kind": "article", "handle_httpstatus_list": [404, 410]},
        )

    def article_failed(self, failure):
        if failure.check(IgnoreRequest) and "Forbidden by robots.txt" in str(failure.value):
            self.count_drop("robots_forbidden", failure.request.url)
            return
        # Stays in the frontier: the next run fetches it again.
        self.stats.inc_value("sinacrawl/errors/article")
        logger.warning(
            "article failed, kept for the next run: %s (%s)",
            failure.request.url,
            failure.getErrorMessage(),
        )

    async def parse_article(
        self, response, column: str | None = None, mtime: int | None = None
    ) -> list:
        """An ArticleItem from an article page (read in a worker process when
        SINACRAWL_WORKERS > 0), or a counted drop."""
        self.stats.inc_value("sinacrawl/articles/fetched")
        if response.status >= 400:
            if response.status in (404, 410):
                self.count_drop("deleted", response.url, mtime)
            else:
                self.stats.inc_value("sinacrawl/errors/article")
                self.stats.inc_value(f"sinacrawl/errors/http_{response.status}")
            return []
        if not isinstance(response, TextResponse):
            # Not a text response at all (an image, a PDF): no page object applies.
            self.count_drop("not_html", response.url, mtime)
            return []
        try:
            return [await pool_for(self.crawler).item(response, column, mtime)]
        except NotAnArticle as exc:
            self.count_drop(exc.reason, response.url, mtime)
        except UndecodablePage:
            self.count_drop("undecodable", response.url, mtime)
        return []
