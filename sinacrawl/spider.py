"""SinaSpider: what every sinacrawl spider shares (replay settings, article parsing, drops,
the frontier of discovered articles)."""

from __future__ import annotations

import inspect
import logging

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from sinacrawl import distributed
from sinacrawl.archive import archive_for, drop
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import NotAnArticle
from sinacrawl.shutdown import stop_for_medium
from sinacrawl.state import PERMANENT_DROPS, StoreFailed
from sinacrawl.urls import article_id
from sinacrawl.workers import pool_for

logger = logging.getLogger(__name__)

# Article, API and image hosts; anything else (an off-site redirect) is dropped by Scrapy's
# offsite middleware.
SINA_DOMAINS = ["sina.com.cn", "sina.cn", "sinaimg.cn"]
# Drops that leave the article in the frontier, due at once: the next run tries again.
TRANSIENT_DROPS = {"write_error", "unsafe_path"}
# Drops that mean the article is known through its twin.
TWIN_DROPS = {"duplicate_in_run", "duplicate_content"}
# Article requests that never reached the spider: (substring of the IgnoreRequest, error kind).
FILTERED = (
    ("offsite", "offsite_redirect"),
    ("max redirections", "redirect_loop"),
)


class SinaSpider(scrapy.Spider):
    allowed_domains = SINA_DOMAINS

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        distributed.worker_settings(settings, cls.name)
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
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        return spider

    @classmethod
    def unknown_arguments(cls, given) -> list[str]:
        """The ``-a`` names the spider takes no argument for (a typo such as ``colums``
        would otherwise be ignored and the run do something else). Names with a leading
        underscore are a scheduler's own (Scrapyd's ``_job``)."""
        known = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
                    known.add(p.name)
        return sorted(k for k in given if k not in known and not k.startswith("_"))

    @classmethod
    def argument_names(cls) -> list[str]:
        own = cls.__dict__.get("__init__")
        if own is None:
            return []
        return [
            p.name
            for p in inspect.signature(own).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outstanding: dict[str, str] = {}  # article id -> URL, requested, not yet back

    @property
    def archive(self):
        return archive_for(self.crawler)

    @property
    def stats(self):
        return self.crawler.stats

    # -- what becomes of an article ------------------------------------------------------
    def _item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None) or "dropped"
        if self.archive is None or not item.get("id") or reason in TRANSIENT_DROPS:
            return
        if reason in TWIN_DROPS:
            try:
                self.archive.settle(item["id"])  # known through its twin
            except StoreFailed as exc:
                stop_for_medium(self.crawler, exc, f"settling {item['id']}")
        else:  # an item a pipeline refused (no title, empty body…): tried again later
            meta = response.meta if response is not None else {}
            self._defer(item["id"], meta.get("sinacrawl_url") or item.get("url"), meta, reason)

    def _defer(self, aid: str, url: str, meta: dict, reason: str) -> None:
        wait = (
            self.settings.getfloat("SINACRAWL_RECHECK_AFTER"),
            self.settings.getfloat("SINACRAWL_RECHECK_MAX"),
        )
        try:
            later = self.archive.defer(
                aid, url, meta.get("sinacrawl_column"), meta.get("sinacrawl_mtime"), reason, wait
            )
        except StoreFailed as exc:  # (it stays in the frontier as it was)
            stop_for_medium(self.crawler, exc, f"deferring {url}")
            return
        self.stats.inc_value(f"sinacrawl/deferred/{reason}")
        if not meta.get("sinacrawl_recheck"):  # (of what this run was asked)
            self.stats.inc_value("sinacrawl/articles/failed_for_now")
        logger.info(
            "%s: %s, tried again after %s (attempt %d)",
            url,
            reason,
            _when(later.not_before),
            later.attempts,
        )

    def count_drop(self, reason: str, response_or_request) -> None:
        """A page that gives no article: counted, and either tombstoned (a permanent drop:
        Sina's deleted page, a page of another kind) or deferred with a backoff."""
        meta = response_or_request.meta
        url = meta.get("sinacrawl_url") or response_or_request.url
        aid = meta.get("sinacrawl_id") or article_id(url)
        drop(self.stats, reason, url)
        self.outstanding.pop(aid, None)
        if self.archive is None:
            logger.info("dropped %s: %s", url, reason)
        elif reason in PERMANENT_DROPS:
            logger.info("dropped %s: %s (for good)", url, reason)
            try:
                self.archive.settle(aid, reason, url, meta.get("sinacrawl_mtime"))
            except StoreFailed as exc:
                stop_for_medium(self.crawler, exc, f"settling {url}")
        else:
            self._defer(aid, url, meta, reason)

    def article_request(
        self,
        url: str,
        column: str | None = None,
        mtime: int | None = None,
        priority: int = 0,
        recheck: bool = False,
        forced: bool = False,
    ) -> scrapy.Request:
        """The request for an article page; every one is accounted for at the end of the
        run (``unaccounted``), so a request filtered on the way is never silent."""
        aid = article_id(url)
        self.outstanding[aid] = url
        if not recheck:  # (a re-check of an earlier failure is not what the run was asked)
            self.stats.inc_value("sinacrawl/articles/asked")
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=priority,
            cb_kwargs={"column": column, "mtime": mtime},
            # 404/410 reach parse_article (a deleted article, settled); other errors the errback.
            # Not dont_filter: that would also exempt the request (and its redirects) from
            # the offsite filter. Duplicates are avoided by the spiders themselves.
            meta={
                "sinacrawl_kind": "article",
                "handle_httpstatus_list": [404, 410],
                "sinacrawl_id": aid,
                "sinacrawl_url": url,
                "sinacrawl_column": column,
                "sinacrawl_mtime": mtime,
                "sinacrawl_forced": forced,
                "sinacrawl_recheck": recheck,
            },
        )

    def _request_dropped(self, request, spider=None):
        # The scheduler refused it as a duplicate: a redirect back to a page already asked
        # (a loop), or a request a resumed JOBDIR queue already holds. Which one shows at the
        # end: an article that never came back is counted by ``unaccounted``.
        if request.meta.get("sinacrawl_kind") == "article":
            logger.debug("duplicate article request not scheduled: %s", request.url)
            if distributed.enabled(self.settings):
                # another worker asked for it in this run (the shared dupefilter): it is
                # that worker's to account for
                self.outstanding.pop(request.meta.get("sinacrawl_id") or "", None)
                self.stats.inc_value("sinacrawl/discovered/asked_elsewhere")

    def _filtered(self, request, kind: str, why: str) -> None:
        aid = request.meta.get("sinacrawl_id") or article_id(request.url)
        self.outstanding.pop(aid, None)
        self.stats.inc_value("sinacrawl/errors/article")
        self.stats.inc_value(f"sinacrawl/errors/{kind}")
        url = request.meta.get("sinacrawl_url") or request.url
        logger.warning("article %s not fetched: %s (%s)", url, why, kind)
        if self.archive is not None:
            self._defer(aid, url, request.meta, kind)

    def unaccounted(self) -> None:
        """At the end of a finished run: article requests that neither reached the spider
        nor failed (filtered on the way by a middleware) are counted as errors."""
        if distributed.enabled(self.settings):
            # another worker may have fetched it from the shared queue; one that nobody
            # settled stays in the shared frontier for the next run
            self.outstanding.clear()
            return
        for aid, url in sorted(self.outstanding.items()):
            self.stats.inc_value("sinacrawl/errors/article")
            self.stats.inc_value("sinacrawl/errors/filtered")
            logger.warning("article %s was never fetched (a request filter dropped it)", url)
            if self.archive is not None:
                self._defer(aid, url, {}, "filtered")
        self.outstanding.clear()

    def article_failed(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest):
            message = str(failure.value)
            if "Forbidden by robots.txt" in message:
                self.count_drop("robots_forbidden", request)
                return
            for needle, kind in FILTERED:
                if needle in message:
                    self._filtered(request, kind, message)
                    return
        # Stays in the frontier, due at once: the next run fetches it again.
        self.outstanding.pop(request.meta.get("sinacrawl_id") or "", None)
        self.stats.inc_value("sinacrawl/errors/article")
        logger.warning(
            "article failed, kept for the next run: %s (%s)",
            request.url,
            failure.getErrorMessage(),
        )

    async def parse_article(
        self, response, column: str | None = None, mtime: int | None = None
    ) -> list:
        """An ArticleItem from an article page (read in a worker process when
        SINACRAWL_WORKERS > 0), or a counted drop."""
        self.stats.inc_value("sinacrawl/articles/fetched")
        aid = response.meta.get("sinacrawl_id")
        if response.status >= 400 and response.status not in (404, 410):
            self.outstanding.pop(aid, None)
            self.stats.inc_value("sinacrawl/errors/article")
            self.stats.inc_value(f"sinacrawl/errors/http_{response.status}")
            return []
        if not isinstance(response, TextResponse):
            if response.status in (404, 410):
                self.count_drop("missing", response)
            elif not response.body.strip():
                self.count_drop("empty_page", response)
            else:  # not a text response at all (an image, a PDF): no page object applies
                self.count_drop("not_html", response)
            return []
        try:
            item = await pool_for(self.crawler).item(response, column, mtime)
        except NotAnArticle as exc:
            self.count_drop(exc.reason, response)
            return []
        except UndecodablePage:
            self.count_drop("undecodable", response)
            return []
        self.outstanding.pop(aid, None)
        if aid and item.get("id") != aid:
            self.outstanding.pop(item.get("id") or "", None)
        if response.meta.get("sinacrawl_forced"):
            item["column_forced"] = True
        return [item]


def _when(epoch: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="minutes")
