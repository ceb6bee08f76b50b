"""A first SIGTERM or SIGINT stops a run within a bounded time, with its report written.

Scrapy's own first signal closes the spider gracefully, waiting for every request the
downloader holds; under a ``Retry-After: 120`` that is each queued request's slot delay and
each retry's wait, one after another (a run once took 17 minutes to stop). Here the first
signal also ends every wait at once (``pause`` returns early, no retry is made, the slots'
delays drop to zero), so what is in flight ends within ``DOWNLOAD_TIMEOUT`` and the report is
written; the articles not fetched stay in the frontier. If the run has still not closed
``SINACRAWL_STOP_TIMEOUT`` seconds (default 30) after the first signal, the report is written
as it stands and the run stops there, as a second signal (Scrapy's own) does at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from scrapy import signals

logger = logging.getLogger(__name__)

_ATTR = "_sinacrawl_stopping"


def stopping(crawler) -> bool:
    event = getattr(crawler, _ATTR, None)
    return bool(event is not None and event.is_set())


async def pause(crawler, seconds: float) -> bool:
    """Sleep ``seconds``; False when a stop signal ended the wait early."""
    event = getattr(crawler, _ATTR, None)
    if event is None:
        await asyncio.sleep(seconds)
        return True
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        return True
    return False


class GracefulStop:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider):
        self.spider = spider
        self.closed = False
        self.crawler.signals.connect(self._closed, signal=signals.spider_closed)
        setattr(self.crawler, _ATTR, asyncio.Event())
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous):
                signal.signal(signum, self._wrap(previous))

    def _closed(self, spider, reason):
        self.closed = True

    def _wrap(self, previous):
        def handler(signum, frame):
            first = self.stop(signal.Signals(signum).name)
            previous(signum, frame)
            if first:
                timeout = self.crawler.settings.getfloat("SINACRAWL_STOP_TIMEOUT", 30)
                loop = asyncio.get_event_loop()
                loop.call_later(timeout, self._overdue, timeout, previous, signum)

        return handler

    def stop(self, why: str) -> bool:
        """End every wait; False when a signal came before (Scrapy's stops at once then)."""
        event = getattr(self.crawler, _ATTR)
        if event.is_set():
            return False
        event.set()
        self.crawler.stats.set_value("sinacrawl/stopped_by", why)
        logger.warning("%s: stopping; waits end now, the report follows", why)
        downloader = getattr(self.crawler.engine, "downloader", None)
        for slot in list(getattr(downloader, "slots", {}).values()):
            slot.delay = 0
            if slot.latercall:  # a request waiting out the slot's delay goes now
                slot.latercall.cancel()
                slot.latercall = None
                if downloader is not None:
                    downloader._process_queue(slot)
        return True

    def _overdue(self, timeout, previous, signum):
        """Still open ``timeout`` s after the first signal: report as it stands, stop now."""
        if self.closed:
            return
        logger.error("the run did not stop within %ss of the signal; stopping now", timeout)
        self.crawler.stats.inc_value("sinacrawl/errors/stop_timeout")
        from sinacrawl.report import RunReport  # (report imports nothing from here)

        for ext in getattr(self.crawler.extensions, "middlewares", ()):
            if isinstance(ext, RunReport):
                ext.spider_closed(self.spider, "shutdown")
        self.closed = True
        previous(signum, None)  # Scrapy's second signal: stop the reactor at once


def stop_for_medium(crawler, exc: BaseException, doing: str) -> None:
    """The archive's disk failed (full, an I/O error, read-only): nothing more can be written,
    so the run stops now and fails, with one line. Nothing written is lost: what was not
    written stays in the frontier (or is discovered again) for the next run."""
    crawler.stats.inc_value("sinacrawl/errors/disk")
    if getattr(crawler, "_sinacrawl_medium_failed", False):
        return
    crawler._sinacrawl_medium_failed = True
    logger.error(
        "the archive's disk failed while %s (%s): stopping the run; what was not written "
        "is fetched by the next run",
        doing,
        getattr(exc, "strerror", None) or exc,
    )
    event = getattr(crawler, _ATTR, None)
    if event is not None:
        event.set()  # (retries and waits end too)
    engine = getattr(crawler, "engine", None)
    if engine is not None and getattr(engine, "spider", None) is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason="disk_failed"))
