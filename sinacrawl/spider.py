"""SinaSpider: what every sinacrawl spider shares (replay settings, article parsing, drops,
the frontier of discovered articles)."""

from __future__ import annotations

import logging

import scrapy
from scrapy import signals

from sinacrawl.archive import archive_for, drop
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import ArticlePage, NotAnArticle
from sinacrawl.urls import article_id

logger = logging.getLogger(__name__)

# Article, API and image hosts; anything else (an off-site redirect) is dropped by Scrapy's
# offsite middleware.
SINA_DOMAINS = ["sina.com.cn", "sina.cn", "sinaimg.cn"]
# Drops that a later run would not change: the article leaves the frontier.
TRANSIENT_DROPS = {"write_error", "unsafe_path"}


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
            settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler},
                         priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._item_dropped, signal=signals.item_dropped)
        return spider

    @property
    def state(self):
        return archive_for(self.crawler)

    @property
    def stats(self):
        return self.crawler.stats

    def _item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None)
        if self.state is not None and item.get("id") and reason not in TRANSIENT_DROPS:
            self.state.settle(item["id"])

    def count_drop(self, reason: str, url: str) -> None:
        drop(self.stats, reason, url)
        logger.info("dropped %s: %s", url, reason)
        if self.state is not None and reason in ("deleted", "not_article", "redirected_home",
                                                 "no_title", "undecodable", "not_html"):
            self.state.settle(article_id(url))

    def article_request(self, url: str, column: str | None = None, mtime: int | None = None,
                        priority: int = 0) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.article_failed, priority=priority,
            cb_kwargs={"column": column, "mtime": mtime},
            meta={"sinacrawl_kind": "article"}, dont_filter=True,
        )

    def article_failed(self, failure):
        # Stays in the frontier: the next run fetches it again.
        self.stats.inc_value("sinacrawl/errors/article")
        logger.warning("article failed, kept for the next run: %s (%s)",
                       failure.request.url, failure.getErrorMessage())

    def parse_article(self, response, column: str | None = None, mtime: int | None = None):
        """An ArticleItem from an article page, or a counted drop."""
        if response.status >= 400:
            if response.status in (404, 410):
                self.count_drop("deleted", response.url)
            else:
                self.stats.inc_value("sinacrawl/errors/article")
                self.stats.inc_value(f"sinacrawl/errors/http_{response.status}")
            return
        try:
            yield ArticlePage(response).item(column=column, mtime=mtime)
        except NotAnArticle as exc:
            self.count_drop(exc.reason, response.url)
        except UndecodablePage:
            self.count_drop("undecodable", response.url)
        except AttributeError:
            # Not a text response at all (an image, a PDF): no page object applies.
            self.count_drop("not_html", response.url)
