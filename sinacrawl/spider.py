"""SinaSpider: what every sinacrawl spider shares (replay settings, article parsing, drops)."""

from __future__ import annotations

import logging

import scrapy

from sinacrawl.archive import drop
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import ArticlePage, NotAnArticle

logger = logging.getLogger(__name__)

# Article, API and image hosts; anything else (an off-site redirect) is dropped by Scrapy's
# offsite middleware.
SINA_DOMAINS = ["sina.com.cn", "sina.cn", "sinaimg.cn"]


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

    def count_drop(self, reason: str, url: str) -> None:
        drop(self.crawler.stats, reason, url)
        logger.info("dropped %s: %s", url, reason)

    def parse_article(self, response, column: str | None = None, mtime: int | None = None):
        """An ArticleItem from an article page, or a counted drop."""
        self.crawler.stats.inc_value("sinacrawl/requests/article")
        if response.status >= 400:
            reason = "deleted" if response.status in (404, 410) else f"http_{response.status}"
            self.count_drop(reason, response.url)
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
