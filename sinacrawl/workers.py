"""Article pages read in worker processes, so that the crawl's event loop only moves bytes.

Reading a page (the page object, then the cleaner) is pure CPU work; on Scrapy's single
event-loop thread it holds up every download. With ``SINACRAWL_WORKERS`` > 0 the spider sends
each article's bytes to a pool of processes, which return the ``ArticleItem`` and its cleaned
body; the item then goes through the pipelines as always, and the clean pipeline takes the
worker's result instead of cleaning the same container again (``sinacrawl.clean.remember``).
With 0 the same function runs inline.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from sinacrawl.clean import CleanResult, clean_body, remember
from sinacrawl.encoding import content_type
from sinacrawl.items import ArticleItem
from sinacrawl.pages import ArticlePage

logger = logging.getLogger(__name__)


def read_article(
    body: bytes,
    fetched_url: str,
    status: int,
    content_type: str | None,
    column: str | None,
    mtime: int | None,
) -> tuple[ArticleItem, CleanResult | None]:
    """The item for a page and its cleaned body (None if cleaning fails: the clean pipeline
    then cleans it again and counts the error). Raises NotAnArticle / UndecodablePage."""
    item = ArticlePage.from_bytes(body, fetched_url, status=status, content_type=content_type).item(
        column=column, mtime=mtime
    )
    try:
        cleaned = clean_body(item["body_html"], item["url"], item.get("editor"))
    except Exception:  # noqa: BLE001 - reported by the clean pipeline, with its reason
        cleaned = None
    return item, cleaned


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the crawl, not its workers, decides what to do
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PagePool:
    """``read_article`` in ``workers`` processes (started on first use), or inline for 0."""

    def __init__(self, workers: int):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler) -> PagePool:
        pool = cls(max(0, crawler.settings.getint("SINACRAWL_WORKERS")))
        crawler.signals.connect(pool.close, signal=signals.engine_stopped)
        return pool

    async def item(self, response, column: str | None, mtime: int | None) -> ArticleItem:
        if self.workers:
            args = (response.body, response.url, response.status, content_type(response))
            try:
                item, cleaned = await maybe_deferred_to_future(self._submit(*args, column, mtime))
            except BrokenProcessPool:
                # a worker died (killed, out of memory): the rest of the run reads pages inline
                logger.error("a page worker died; reading the remaining pages in this process")
                self.close()
                self.workers = 0
            else:
                if cleaned is not None:
                    remember(item["body_html"], item["url"], item.get("editor"), cleaned)
                return item
        return ArticlePage(response).item(column=column, mtime=mtime)

    def _submit(self, *args) -> Deferred:
        from twisted.internet import reactor

        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_interrupts,
            )
            logger.info("reading article pages in %d worker processes", self.workers)
        d: Deferred = Deferred()

        def fire(future: Future) -> None:
            error = future.exception()
            if error is not None:
                d.errback(Failure(error))
            else:
                d.callback(future.result())

        future = self._executor.submit(read_article, *args)
        future.add_done_callback(lambda f: reactor.callFromThread(fire, f))
        return d

    def close(self) -> None:
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.shutdown(wait=True, cancel_futures=True)


def pool_for(crawler) -> PagePool:
    pool = getattr(crawler, "_sinacrawl_pages", None)
    if pool is None:
        pool = crawler._sinacrawl_pages = PagePool.from_crawler(crawler)
    return pool
