"""roll: discover articles through Sina's roll API, column by column, and fetch what is new."""

from __future__ import annotations

import scrapy

from sinacrawl import arguments
from sinacrawl.columns import ColumnTable
from sinacrawl.discovery import FETCH, KNOWN, judge, page_is_last
from sinacrawl.pages.roll import PAGE_SIZE, MalformedReply, RollApiPage, roll_api_url
from sinacrawl.spider import SinaSpider
from sinacrawl.urls import article_url


class RollSpider(SinaSpider):
    name = "roll"

    def __init__(
        self, columns: str = "china", since=None, until=None, pages=None, refresh=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.column_arg = columns
        self.window = arguments.window(since, until)
        self.page_cap = arguments.pages(pages)
        self.refresh = arguments.flag("refresh", refresh)
        self.newest: dict[str, int] = {}
        self.requested: set[str] = set()  # an article listed in two columns is fetched once
        self.listed: dict[str, set[str]] = {}  # ids each column's pages listed this run
        self.repeats: dict[str, int] = {}  # pages in a row that listed nothing new

    @classmethod
    def check_arguments(cls, settings, columns="china", **kwargs):
        """Raise BadArgument for arguments a run could not use (before it starts)."""
        table = ColumnTable(settings.getlist("SINACRAWL_COLUMNS"))
        arguments.roll_columns(table, columns)
        cls(columns=columns, **kwargs)

    @classmethod
    def handles_request(cls, request):  # `scrapy parse URL` picks the article spider
        return "/api/roll/" in request.url

    async def start(self):
        table = ColumnTable(self.settings.getlist("SINACRAWL_COLUMNS"))
        self.columns = arguments.roll_columns(table, self.column_arg)
        self.page_cap = self.page_cap or self.settings.getint("SINACRAWL_MAX_PAGES") or None
        if self.archive is not None:  # what earlier runs discovered but could not settle
            for article_id, url, column, mtime, attempts in self.archive.frontier():
                fetchable = article_url(url)
                if fetchable is None:  # (an entry an older version let in): let it go
                    self.stats.inc_value("sinacrawl/discovered/bad_item")
                    self.logger.info("frontier: %r is not a Sina article URL: removed", url)
                    self.archive.settle(article_id)
                    continue
                url = fetchable
                self.requested.add(article_id)
                self.stats.inc_value(
                    "sinacrawl/discovered/recheck" if attempts else "sinacrawl/discovered/frontier"
                )
                yield self.article_request(url, column, mtime, priority=1, recheck=attempts > 0)
        # Columns are paged one after another, in the order given: an article listed in
        # two columns always takes the first one's category, whatever the timing.
        for request in self.next_column():
            yield request

    def next_column(self, after: str | None = None):
        """Page 1 of the first column, or of the one after ``after`` (which ended): whichever
        worker ends a column starts the next one (SINACRAWL_REDIS_URL)."""
        keys = [c.key for c in self.columns]
        at = 0 if after is None else keys.index(after) + 1
        if at < len(keys):
            yield self.api_request(self.columns[at], 1)

    def api_request(self, column, page):
        return scrapy.Request(
            roll_api_url(column.pageid, column.lid, page),
            callback=self.parse_api,
            errback=self.api_failed,
            cb_kwargs={"column": column.key, "page": page},
            meta={"sinacrawl_kind": "api", "sinacrawl_column": column.key},
        )

    def parse_api(self, response, column, page):
        try:
            reply = RollApiPage(response)
            entries = reply.entries()
        except MalformedReply as exc:
            yield from self.fail_column(column, f"malformed reply ({exc}) from {response.url}")
            return
        for what, why in reply.skipped:
            self.stats.inc_value("sinacrawl/discovered/bad_item")
            self.logger.info("column %s page %d: skipped %s (%s)", column, page, what, why)
        if page == 1 and not entries:
            self.stats.inc_value(f"sinacrawl/empty_listing/{column}")
        total = reply.total()
        if page > 1 and not entries and total is not None and total > (page - 1) * PAGE_SIZE:
            # a short answer in mid-paging: the column is not complete, and no watermark
            # may say it is (later runs would stop before the rest)
            yield from self.fail_column(
                column,
                f"page {page} listed nothing though the API counts {total} items "
                f"(more than {page - 1} pages of {PAGE_SIZE}): paging stopped",
            )
            return
        listed = self.listed.setdefault(column, set())
        fresh = {e.id for e in entries} - listed
        listed.update(fresh)
        self.repeats[column] = 0 if fresh or not entries else self.repeats.get(column, 0) + 1
        if self.repeats[column] >= 2:
            # The API answers the same items whatever page= says: paging on would only
            # reach the page cap.
            yield from self.fail_column(
                column,
                f"pages {page - 1} and {page} listed nothing that earlier pages had not "
                "(the API repeats itself): paging stopped",
            )
            return
        decisions = []
        for entry in entries:
            self.newest[column] = max(self.newest.get(column, 0), entry.ctime or 0)
            if entry.id in self.requested:
                self.stats.inc_value("sinacrawl/discovered/listed_twice")
                decisions.append((KNOWN, entry.ctime))
                continue
            verdict = judge(
                self.archive,
                entry.id,
                entry.url,
                entry.mtime,
                entry.ctime,
                self.window,
                self.refresh,
            )
            decisions.append((verdict, entry.ctime))
            self.stats.inc_value(f"sinacrawl/discovered/{verdict}")
            if verdict in FETCH:
                self.requested.add(entry.id)
                if self.archive is not None:
                    self.archive.add_frontier(entry.id, entry.raw_url, column, entry.mtime)
                yield self.article_request(entry.raw_url, column, entry.mtime)
        watermark = None if self.refresh or self.archive is None else self.archive.watermark(column)
        if page_is_last(decisions, self.window, watermark):
            if self.archive is not None and self.window.until is None and self.newest.get(column):
                self.archive.set_watermark(column, self.newest[column])
        elif self.page_cap and page >= self.page_cap:
            self.stats.inc_value("sinacrawl/page_cap_reached")
        else:
            yield self.api_request(next(c for c in self.columns if c.key == column), page + 1)
            return
        yield from self.next_column(column)

    def api_failed(self, failure):
        column = failure.request.meta.get("sinacrawl_column")
        yield from self.fail_column(column, f"{failure.getErrorMessage()} ({failure.request.url})")

    def fail_column(self, column, why):
        self.stats.inc_value("sinacrawl/errors/api")
        self.stats.set_value(f"sinacrawl/failed_columns/{column}", why)
        self.logger.error("column %s not crawled: %s", column, why)
        yield from self.next_column(column)
