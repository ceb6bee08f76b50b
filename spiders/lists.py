"""lists: discover articles through Sina's HTML list pages (old roll lists, channel pages)."""

from __future__ import annotations

import scrapy

from sinacrawl import arguments
from sinacrawl.columns import ColumnTable
from sinacrawl.discovery import FETCH, judge
from sinacrawl.pages.listing import ListPage
from sinacrawl.spider import SinaSpider


class ListsSpider(SinaSpider):
    name = "lists"

    def __init__(self, url=None, column=None, since=None, until=None, pages=None, **kwargs):
        super().__init__(**kwargs)
        self.start_urls_arg = arguments.urls(url, "url", article=False)
        self.column = column.strip() if column else None
        self.window = arguments.window(since, until)
        self.page_cap = arguments.pages(pages)

    @classmethod
    def check_arguments(cls, settings, column=None, **kwargs):
        """Raise BadArgument for arguments a run could not use (before it starts)."""
        arguments.column(ColumnTable(settings.getlist("SINACRAWL_COLUMNS")), column)
        cls(column=column, **kwargs)

    @classmethod
    def handles_request(cls, request):
        return "index_" in request.url or request.url.rstrip("/").count("/") <= 3

    async def start(self):
        urls = self.start_urls_arg or self.settings.getlist("SINACRAWL_LIST_URLS")
        if not urls:
            raise ValueError("give -a url=LIST_URL or set SINACRAWL_LIST_URLS")
        self.page_cap = self.page_cap or self.settings.getint("SINACRAWL_MAX_PAGES") or None
        for url in urls:
            yield self.list_request(url, 1)

    def list_request(self, url, page):
        return scrapy.Request(
            url,
            callback=self.parse_list,
            cb_kwargs={"page": page},
            errback=self.list_failed,
            meta={"sinacrawl_kind": "list"},
        )

    def parse_list(self, response, page):
        listing = ListPage(response)
        entries = listing.entries()
        if not entries:
            self.stats.inc_value(f"sinacrawl/empty_listing/{response.url}")
            return
        fresh = 0
        for entry in entries:
            ts = int(entry.when.timestamp()) if entry.when else None
            verdict = judge(self.archive, entry.id, entry.url, None, ts, self.window)
            self.stats.inc_value(f"sinacrawl/discovered/{verdict}")
            if verdict in FETCH:
                fresh += 1
                if self.archive is not None:
                    self.archive.add_frontier(entry.id, entry.url, self.column, None)
                yield self.article_request(entry.url, self.column)
        older = all(self.window.is_older(int(e.when.timestamp())) for e in entries if e.when)
        nxt = listing.next_page()
        if fresh and nxt and not older and not (self.page_cap and page >= self.page_cap):
            yield self.list_request(nxt, page + 1)

    def list_failed(self, failure):
        self.fail_list(failure.request.url, failure.getErrorMessage())

    def fail_list(self, url, why):
        self.stats.inc_value("sinacrawl/errors/list")
        self.stats.set_value(f"sinacrawl/failed_columns/{url}", why)
        self.logger.error("list %s not crawled: %s", url, why)
