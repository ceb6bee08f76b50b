"""warc: read the Sina article captures of WARC files into the archive, through the same page
object and pipelines as a crawl (an import, or ``sinacrawl rebuild``'s re-extraction)."""

from __future__ import annotations

from datetime import datetime

from scrapy import signals
from scrapy.http import HtmlResponse

from sinacrawl import arguments
from sinacrawl.archive import drop
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import NotAnArticle
from sinacrawl.spider import SinaSpider
from sinacrawl.warcread import Capture, Reader, Scan, WarcError
from sinacrawl.workers import pool_for


class WarcSpider(SinaSpider):
    """``-a path=FILE_OR_FOLDER``: each article's newest capture that is an article (older
    ones when the newest is Sina's deleted page…). Importing, an article the archive fetched
    at or after the capture's date is skipped as known; ``-a rebuild=1`` reads every one."""

    name = "warc"

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Nothing is fetched: no robots.txt, and nothing new to record.
        settings.set("ROBOTSTXT_OBEY", False, priority="spider")
        settings.set("SINACRAWL_WARC", False, priority="spider")

    def __init__(self, path: str | None = None, rebuild: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.paths = arguments.warc_path(path)
        self.rebuild = arguments.flag("rebuild", rebuild)

    @classmethod
    def check_arguments(cls, settings, path=None, rebuild=None, **kwargs):
        """Raise BadArgument for arguments a run could not use (before it starts)."""
        cls(path=path, rebuild=rebuild, **kwargs)

    def _item_dropped(self, item, response, exception, spider=None):
        self._wake()  # a capture is history, not news of the live page: no frontier, no tombstone

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._wake, signal=signals.item_scraped)
        return spider

    def _wake(self, *args, **kwargs) -> None:
        # Items from start() end with nothing to wake the engine, which would notice it is
        # idle only at its next 5-second heartbeat; a look now ends the run at once.
        # (a little later: the item that woke it is still counted as in progress now)
        from twisted.internet import reactor

        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            reactor.callLater(0.01, slot.nextcall.schedule)  # type: ignore[arg-type]

    async def start(self):
        reader = Reader()
        try:
            scan = reader.scan(self.paths)
            self._count(scan)
            for aid in sorted(scan.captures):
                item = await self._article(reader, scan, scan.captures[aid])
                if item is not None:
                    yield item
        finally:
            reader.close()
            self._wake()  # (looks once start() is seen to be done)

    def _count(self, scan: Scan) -> None:
        for kind, n in scan.counts.items():
            self.stats.inc_value(f"sinacrawl/warc/records/{kind}", n)
        for reason, n in scan.dropped.items():
            if self.rebuild and reason == "not_article_record":
                # (the archive's own WARC holds its API, list and robots.txt pages)
                self.stats.inc_value("sinacrawl/warc/records/other_pages", n)
                continue
            self.stats.inc_value(f"sinacrawl/dropped/{reason}", n)
            self.stats.inc_value("sinacrawl/dropped", n)
        for line in scan.errors:
            self.stats.inc_value("sinacrawl/errors/warc_record")
            self.logger.warning("unreadable WARC record, skipped: %s", line)
        if scan.errors and not sum(n for k, n in scan.counts.items() if k != "error"):
            self.stats.set_value("sinacrawl/failure/warc", "no WARC record could be read")

    async def _article(self, reader: Reader, scan: Scan, captures: list[Capture]):
        usable = [c for c in captures if c.status == 200]
        for capture in captures:
            if capture.status != 200:  # a 404, a redirect, a 304 revisit: no page to read
                drop(self.stats, f"capture_{capture.status}", capture.url)
        if not usable:
            return None
        known = self.archive.get(usable[0].id) if self.archive is not None else None
        if known is not None and known.id != usable[0].id:
            known = None  # (an alias: its own capture is a new article)
        if not self.rebuild and known is not None and not _newer(usable[0].date, known):
            self.stats.inc_value("sinacrawl/discovered/known")
            return None
        self.stats.inc_value("sinacrawl/articles/asked")
        for n, capture in enumerate(usable):
            item = await self._read(reader, scan, capture, known)
            if item is not None:
                self.stats.inc_value("sinacrawl/warc/older_captures", len(usable) - n - 1)
                return item
        return None

    async def _read(self, reader: Reader, scan: Scan, capture: Capture, known):
        try:
            status, headers, body = reader.page(capture, scan)
        except WarcError as exc:
            self.stats.inc_value("sinacrawl/errors/warc_record")
            self.logger.warning("unreadable WARC record, skipped: %s", exc)
            return None
        response = HtmlResponse(capture.url, status=status, headers=headers, body=body)
        meta = capture.meta
        column = meta.get("column")
        mtime = int(meta["mtime"]) if meta.get("mtime", "").isdigit() else None
        if mtime is None and known is not None:
            mtime = known.mtime
        self.stats.inc_value("sinacrawl/articles/fetched")
        try:
            item = await pool_for(self.crawler).item(response, column, mtime)
        except NotAnArticle as exc:
            drop(self.stats, exc.reason, capture.url)
            self.logger.info(
                "capture of %s (%s) gives no article: %s",
                capture.url,
                capture.date.isoformat(timespec="seconds"),
                exc.reason,
            )
            return None
        except UndecodablePage:
            drop(self.stats, "undecodable", capture.url)
            return None
        if meta.get("forced") == "1":
            item["column_forced"] = True
        item["crawled"] = capture.date.isoformat(timespec="seconds")
        return item


def _newer(when: datetime, known) -> bool:
    """True when a capture is newer than the archive's last fetch of the article."""
    try:
        return when > datetime.fromisoformat(known.last_crawled)
    except (TypeError, ValueError):  # (``unknown`` after a repair)
        return True
